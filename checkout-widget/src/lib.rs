//! Kassa's checkout widget: a thin DOM shell over `kassa-core`.
//!
//! It takes over the card form the gateway renders on its own origin (hosted page or iframe),
//! validates with the same `kassa-core` rules the server uses, and — once the payer submits —
//! seals the card details so plaintext card data never leaves the page unencrypted.

use wasm_bindgen::prelude::*;

mod embed;
mod enhance;
mod errors;
mod live;
mod parent;
mod seal;

pub use kassa_core::card::Language;
pub use live::{on_expiry_input, on_number_input, NumberFeedback};
pub use seal::{validate_and_seal, NotSealed, SealConfig};

/// The gateway version this widget was built from; the server reports the same in `/healthz`.
#[wasm_bindgen]
pub fn version() -> String {
    kassa_core::version::VERSION.to_string()
}

/// Takes over the hosted card form (server-rendered, working without JavaScript): live
/// formatting, validation with `kassa-core`, and sealing on submit so only the sealed token
/// is posted. On an embed page it also answers the merchant page's `pay()`.
#[wasm_bindgen]
pub fn enhance(form: web_sys::HtmlFormElement) -> Result<(), JsValue> {
    // The form first, then (on an embed page) the conversation with the parent: `embed`
    // sits above `enhance` and is wired in here.
    let enhanced = enhance::enhance(form, embed::pay)?;
    embed::listen(&enhanced)
}
