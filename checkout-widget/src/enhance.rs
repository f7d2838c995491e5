//! The hosted card form, enhanced: the server renders a form that works without JavaScript;
//! the widget takes it over so card details are validated in the browser and leave it only
//! sealed.
//!
//! On `enhance` the card inputs lose their `name` attributes, so no submission of the form
//! can carry them any more; a hidden `sealed_card` input carries the token instead. The
//! form's configuration is in its `data-kassa-*` attributes, written by the server.

use crate::errors;
use crate::live;
use crate::parent::Parent;
use crate::seal::{validate_and_seal, NotSealed, SealConfig};
use kassa_core::card::{card_details_unreadable, CardBrand, CardInput, ExpiryInput, Language};
use kassa_core::sealed_token::SealingPublicKey;
use kassa_core::time::UnixMillis;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlButtonElement, HtmlFormElement, HtmlInputElement, InputEvent};

const FIELD_IDS: [&str; 4] = ["card-no", "expiry-date", "cvc", "cardholder-name"];

/// Everything the submit handler needs, shared by the listeners of one form.
pub struct Enhanced {
    pub form: HtmlFormElement,
    pub config: SealConfig,
    pub language: Language,
    /// Server time minus device time when the page loaded: tokens carry the server's idea
    /// of "now" even on a device whose clock is off.
    clock_offset_ms: f64,
    sealed: HtmlInputElement,
    /// Set from the first submit until the page answers: a double click seals and sends once.
    pub busy: Cell<bool>,
    pub parent: Option<Parent>,
    /// What Pay does inside an iframe (`embed::pay`), given from above so this module
    /// never calls up into `embed`.
    pay_in_frame: PayInFrame,
}

/// Seals and sends the card from inside the iframe (the embed layer's `pay`).
pub type PayInFrame = fn(Rc<Enhanced>) -> Result<(), JsValue>;

fn data(form: &HtmlFormElement, name: &str) -> Result<String, JsValue> {
    form.get_attribute(&format!("data-kassa-{name}"))
        .ok_or_else(|| JsValue::from_str(&format!("Kassa: form lacks data-kassa-{name}")))
}

fn input(form: &HtmlFormElement, id: &str) -> Result<HtmlInputElement, JsValue> {
    form.query_selector(&format!("#{id}"))?
        .and_then(|el| el.dyn_into::<HtmlInputElement>().ok())
        .ok_or_else(|| JsValue::from_str("Kassa: card form field missing"))
}

pub fn enhance(form: HtmlFormElement, pay_in_frame: PayInFrame) -> Result<Rc<Enhanced>, JsValue> {
    let key = SealingPublicKey::from_base64url(&data(&form, "key")?)
        .map_err(|_| JsValue::from_str("Kassa: invalid sealing key"))?;
    let accepted = data(&form, "brands")?
        .split_whitespace()
        .filter_map(CardBrand::from_id)
        .collect();
    // An integer parse: f64's parser would bring ~11 KB of tables into the widget.
    let server_now = data(&form, "now")?
        .parse::<u64>()
        .map_or_else(|_| js_sys::Date::now(), |ms| ms as f64);
    let language = Language::parse(&data(&form, "lang")?).unwrap_or_default();
    let config = SealConfig {
        key,
        binding: data(&form, "binding")?,
        accepted,
    };
    let document = form
        .owner_document()
        .ok_or_else(|| JsValue::from_str("Kassa: form outside a document"))?;
    for id in FIELD_IDS {
        input(&form, id)?.remove_attribute("name")?;
    }
    let sealed: HtmlInputElement = document.create_element("input")?.unchecked_into();
    sealed.set_type("hidden");
    sealed.set_name("sealed_card");
    form.append_child(&sealed)?;
    let parent = Parent::from_form(&form)?;
    let enhanced = Rc::new(Enhanced {
        form: form.clone(),
        config,
        language,
        clock_offset_ms: server_now - js_sys::Date::now(),
        sealed,
        busy: Cell::new(false),
        parent,
        pay_in_frame,
    });
    wire_live_formatting(&enhanced)?;
    let this = enhanced.clone();
    let options = gloo_events::EventListenerOptions::enable_prevent_default();
    gloo_events::EventListener::new_with_options(&form, "submit", options, move |event| {
        event.prevent_default();
        this.submit();
    })
    .forget();
    form.set_attribute("data-state", "ready")?;
    Ok(enhanced)
}

fn wire_live_formatting(enhanced: &Rc<Enhanced>) -> Result<(), JsValue> {
    let form = &enhanced.form;
    let number = input(form, "card-no")?;
    let document = form
        .owner_document()
        .ok_or_else(|| JsValue::from_str("Kassa: form outside a document"))?;
    // The brand appears next to the number as it is recognised; screen readers hear it.
    let brand: Element = document.create_element("span")?;
    brand.set_class_name("card-brand");
    brand.set_id("card-brand");
    brand.set_attribute("aria-live", "polite")?;
    number.after_with_node_1(&brand)?;
    let this = enhanced.clone();
    on_input(&number, move |field, _| {
        let feedback = live::on_number_input(&field.value());
        field.set_value(&feedback.display);
        brand.set_text_content(feedback.brand.map(|b| b.display_name()));
        if let Some(parent) = &this.parent {
            // Only the brand goes to the merchant's page, never digits.
            parent.change(feedback.brand.map(|b| b.id()));
        }
    })?;
    let expiry = input(form, "expiry-date")?;
    on_input(&expiry, |field, event| {
        let deleting = event.input_type().starts_with("delete");
        field.set_value(&live::on_expiry_input(&field.value(), deleting));
    })
}

fn on_input(
    field: &HtmlInputElement,
    mut handler: impl FnMut(&HtmlInputElement, &InputEvent) + 'static,
) -> Result<(), JsValue> {
    let target = field.clone();
    gloo_events::EventListener::new(field, "input", move |event| {
        if let Some(event) = event.dyn_ref::<InputEvent>() {
            handler(&target, event);
        }
    })
    .forget();
    Ok(())
}

fn random32() -> Result<[u8; 32], JsValue> {
    let mut bytes = [0u8; 32];
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("Kassa: no window"))?;
    window
        .crypto()?
        .get_random_values_with_u8_array(&mut bytes)?;
    Ok(bytes)
}

impl Enhanced {
    pub fn value(&self, id: &str) -> String {
        input(&self.form, id).map(|i| i.value()).unwrap_or_default()
    }

    /// Validates and seals what the payer typed, or shows what to correct. `Ok(None)` when
    /// there is something to correct (already shown).
    pub fn seal(&self) -> Result<Option<String>, JsValue> {
        let input = CardInput {
            number: self.value("card-no"),
            expiry: ExpiryInput::Combined(self.value("expiry-date")),
            cvc: self.value("cvc"),
            cardholder_name: self.value("cardholder-name"),
        };
        let now = UnixMillis((js_sys::Date::now() + self.clock_offset_ms).max(0.0) as u64);
        let result = validate_and_seal(&input, &self.config, now, &random32()?);
        match result {
            Ok(token) => {
                errors::show(&self.form, &[], None, self.language)?;
                Ok(Some(token))
            }
            Err(NotSealed::Invalid(list)) => {
                errors::show(&self.form, &list, None, self.language)?;
                Ok(None)
            }
            Err(NotSealed::SealFailed) => {
                let notice = card_details_unreadable(self.language);
                errors::show(&self.form, &[], Some(notice), self.language)?;
                Ok(None)
            }
        }
    }

    /// The merchant's page called `pay()`.
    pub fn submit_from_parent(self: &Rc<Self>) {
        self.submit();
    }

    fn submit(self: &Rc<Self>) {
        if self.busy.get() {
            return;
        }
        let result = match &self.parent {
            // Only the merchant's `tokenize()` hands the token out; Enter does nothing.
            Some(parent) if parent.tokenize => Ok(()),
            Some(_) => (self.pay_in_frame)(self.clone()),
            None => self.post(),
        };
        if let Err(err) = result {
            web_sys::console::error_1(&err);
        }
    }

    /// Hosted page: the browser posts the form (only `csrf` and `sealed_card`) and follows
    /// the server's 303 to the payment's next page.
    fn post(&self) -> Result<(), JsValue> {
        let Some(token) = self.seal()? else {
            return Ok(());
        };
        self.sealed.set_value(&token);
        self.set_busy(true)?;
        self.form.submit()
    }

    pub fn set_busy(&self, busy: bool) -> Result<(), JsValue> {
        self.busy.set(busy);
        if let Some(button) = self.form.query_selector("button[type=submit]")? {
            button
                .unchecked_into::<HtmlButtonElement>()
                .set_disabled(busy);
        }
        self.form
            .set_attribute("data-state", if busy { "submitting" } else { "ready" })
    }

    pub fn sealed_input(&self) -> &HtmlInputElement {
        &self.sealed
    }
}
