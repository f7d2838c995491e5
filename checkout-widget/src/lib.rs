//! Kassa's checkout widget: a thin DOM shell over `kassa-core`.
//!
//! It renders the card form inside the gateway's own origin (hosted page or iframe),
//! validates with the same `kassa-core` rules the server uses, and — once the payer submits —
//! seals the card details so plaintext card data never leaves the page unencrypted.

use wasm_bindgen::prelude::*;

mod form;
mod live;
mod options;

pub use kassa_core::card::Language;
pub use live::{on_expiry_input, on_number_input, NumberFeedback};
pub use options::MountOptions;

/// The gateway version this widget was built from; the server reports the same in `/healthz`.
#[wasm_bindgen]
pub fn version() -> String {
    kassa_core::version::VERSION.to_string()
}

/// Renders the card form into `container` and wires live formatting and brand display.
///
/// `options` is a plain JS object (`{ language: "en" | "cy" }`); unknown keys are rejected so
/// that a typo in an integration fails loudly instead of being silently ignored.
#[wasm_bindgen]
pub fn mount(container: web_sys::Element, options: JsValue) -> Result<(), JsValue> {
    let options = MountOptions::from_js(options)?;
    form::render(&container, &options)
}
