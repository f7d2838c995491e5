//! The options a page passes to `mount`, parsed with serde-wasm-bindgen.

use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    En,
    Cy,
}

impl Language {
    pub fn tag(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Cy => "cy",
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
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
        // never sees extra keys: check them here.
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
