//! The card form's markup, following the GOV.UK Design System's payment-card pattern:
//! visible labels, hints, `autocomplete` tokens and numeric keyboards.

use crate::live;
use crate::options::MountOptions;
use kassa_core::card::Language;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement, InputEvent};

struct Field {
    id: &'static str,
    label_en: &'static str,
    label_cy: &'static str,
    autocomplete: &'static str,
    numeric: bool,
}

const FIELDS: [Field; 4] = [
    Field {
        id: "card-no",
        label_en: "Card number",
        label_cy: "Rhif y cerdyn",
        autocomplete: "cc-number",
        numeric: true,
    },
    Field {
        id: "expiry-date",
        label_en: "Expiry date",
        label_cy: "Dyddiad dod i ben",
        autocomplete: "cc-exp",
        numeric: true,
    },
    Field {
        id: "cardholder-name",
        label_en: "Name on card",
        label_cy: "Enw ar y cerdyn",
        autocomplete: "cc-name",
        numeric: false,
    },
    Field {
        id: "cvc",
        label_en: "Card security code",
        label_cy: "Cod diogelwch y cerdyn",
        autocomplete: "cc-csc",
        numeric: true,
    },
];

/// The form's HTML. Kept as one string so rendering is a single DOM write.
pub fn markup(options: &MountOptions) -> String {
    let mut html = format!(
        "<form class=\"card-form\" lang=\"{}\" novalidate>",
        options.language.as_str()
    );
    for f in &FIELDS {
        let label = match options.language {
            Language::En => f.label_en,
            Language::Cy => f.label_cy,
        };
        let inputmode = if f.numeric {
            " inputmode=\"numeric\""
        } else {
            ""
        };
        // The brand appears next to the number as it is recognised; screen readers hear it.
        let extra = if f.id == "card-no" {
            "<span class=\"card-brand\" id=\"card-brand\" aria-live=\"polite\"></span>"
        } else {
            ""
        };
        html.push_str(&format!(
            "<div class=\"form-group\"><label class=\"label\" for=\"{id}\">{label}</label>\
             <input class=\"input\" id=\"{id}\" name=\"{id}\" type=\"text\" \
             autocomplete=\"{ac}\"{inputmode} spellcheck=\"false\">{extra}</div>",
            id = f.id,
            ac = f.autocomplete,
        ));
    }
    html.push_str("</form>");
    html
}

pub fn render(container: &Element, options: &MountOptions) -> Result<(), JsValue> {
    container.set_inner_html(&markup(options));
    let number = input(container, "#card-no")?;
    let brand = container
        .query_selector("#card-brand")?
        .ok_or_else(|| JsValue::from_str("Kassa: brand element missing"))?;
    on_input(&number, move |field, _| {
        let feedback = live::on_number_input(&field.value());
        field.set_value(&feedback.display);
        brand.set_text_content(feedback.brand.map(|b| b.display_name()));
    })?;
    let expiry = input(container, "#expiry-date")?;
    on_input(&expiry, |field, event| {
        let deleting = event.input_type().starts_with("delete");
        field.set_value(&live::on_expiry_input(&field.value(), deleting));
    })?;
    container.set_attribute("data-state", "ready")?;
    Ok(())
}

fn input(container: &Element, selector: &str) -> Result<HtmlInputElement, JsValue> {
    container
        .query_selector(selector)?
        .and_then(|el| el.dyn_into::<HtmlInputElement>().ok())
        .ok_or_else(|| JsValue::from_str("Kassa: card form field missing"))
}

/// Runs `handler` on every `input` event of `field`. The listener lives as long as the page:
/// the form is never torn down while the page is open.
fn on_input(
    field: &HtmlInputElement,
    mut handler: impl FnMut(&HtmlInputElement, &InputEvent) + 'static,
) -> Result<(), JsValue> {
    let target = field.clone();
    let listener =
        Closure::<dyn FnMut(InputEvent)>::new(move |event: InputEvent| handler(&target, &event));
    field.add_event_listener_with_callback("input", listener.as_ref().unchecked_ref())?;
    listener.forget();
    Ok(())
}
