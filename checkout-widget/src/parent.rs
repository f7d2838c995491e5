//! The merchant's page that mounted the form (embedded checkout): who it is and how to
//! talk to it. Below both `enhance` (the form keeps its parent) and `embed` (the
//! conversation with it).

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use web_sys::{HtmlFormElement, Window};

/// The merchant's page this form was mounted by.
pub struct Parent {
    pub origin: String,
    pub channel: String,
    pub window: Window,
    /// Tokenize mode: answers `tokenize` requests instead of `pay`.
    pub tokenize: bool,
}

fn set(obj: &Object, key: &str, value: impl Into<JsValue>) {
    // Reflect::set only fails on frozen objects; ours are fresh.
    let _ = Reflect::set(obj, &JsValue::from_str(key), &value.into());
}

impl Parent {
    /// Embed pages carry `data-kassa-parent` (the registered origin of the page that
    /// mounted the iframe, checked by the server) and `data-kassa-channel`.
    pub fn from_form(form: &HtmlFormElement) -> Result<Option<Parent>, JsValue> {
        let (Some(origin), Some(channel)) = (
            form.get_attribute("data-kassa-parent"),
            form.get_attribute("data-kassa-channel"),
        ) else {
            return Ok(None);
        };
        let window = web_sys::window().ok_or_else(|| JsValue::from_str("Kassa: no window"))?;
        let tokenize = form.get_attribute("data-kassa-mode").as_deref() == Some("tokenize");
        Ok(Some(Parent {
            origin,
            channel,
            window,
            tokenize,
        }))
    }

    /// Posts `{kassa: 1, channel, type, ...fields}` to the parent, addressed to its exact
    /// origin: if the parent is anything else, the browser drops the message.
    pub fn post(&self, kind: &str, fields: &[(&str, JsValue)]) {
        let message = Object::new();
        set(&message, "kassa", 1);
        set(&message, "channel", self.channel.as_str());
        set(&message, "type", kind);
        for (key, value) in fields {
            set(&message, key, value.clone());
        }
        if let Ok(Some(parent)) = self.window.parent() {
            let _ = parent.post_message(&message, &self.origin);
        }
    }

    pub fn change(&self, brand: Option<&str>) {
        self.post(
            "change",
            &[("brand", brand.map_or(JsValue::NULL, JsValue::from_str))],
        );
    }

    /// The form's height, so the merchant's page can size the iframe without scrollbars.
    pub fn resize(&self) {
        let height = self
            .window
            .document()
            .and_then(|d| d.document_element())
            .map_or(0, |e| e.scroll_height());
        self.post("resize", &[("height", JsValue::from(height))]);
    }
}
