//! The options a page passes to `mount`, parsed with serde-wasm-bindgen.

use kassa_core::card::Language;
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MountOptions {
    #[serde(default)]
    pub language: Language,
}

impl MountOptions {
    const KEYS: [&'static str; 1] = ["language"];

    /// `undefined`/`null` mean "all defaults"; anything else must be a well-formed object.
    pub fn from_js(value: JsValue) -> Result<MountOptions, JsValue> {
        if value.is_undefined() || value.is_null() {
            return Ok(MountOptions::default());
        }
        // serde-wasm-bindgen reads only the fields a struct names, so `deny_unknown_fields`
        // would never see extra keys: a typo in an integration must fail loudly, so check.
        if let Some(obj) = value.dyn_ref::<js_sys::Object>() {
            for key in js_sys::Object::keys(obj).iter() {
                let key = key.as_string().unwrap_or_default();
                if !Self::KEYS.contains(&key.as_str()) {
                    return Err(JsValue::from_str(&format!(
                        "Kassa: unknown mount option {key:?}"
                    )));
                }
            }
        }
        serde_wasm_bindgen::from_value(value)
            .map_err(|e| JsValue::from_str(&format!("Kassa: invalid mount options: {e}")))
    }
}
