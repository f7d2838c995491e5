//! The card form's markup, following the GOV.UK Design System's payment-card pattern:
//! visible labels, hints, `autocomplete` tokens and numeric keyboards.

use crate::options::{Language, MountOptions};
use wasm_bindgen::JsValue;

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
        options.language.tag()
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
        html.push_str(&format!(
            "<div class=\"form-group\"><label class=\"label\" for=\"{id}\">{label}</label>\
             <input class=\"input\" id=\"{id}\" name=\"{id}\" type=\"text\" \
             autocomplete=\"{ac}\"{inputmode} spellcheck=\"false\"></div>",
            id = f.id,
            ac = f.autocomplete,
        ));
    }
    html.push_str("</form>");
    html
}

pub fn render(container: &web_sys::Element, options: &MountOptions) -> Result<(), JsValue> {
    container.set_inner_html(&markup(options));
    container.set_attribute("data-state", "ready")?;
    Ok(())
}
