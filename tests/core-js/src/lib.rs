//! kassa-core's functions exported to Node, so tests can cross-check them against independent
//! implementations (Node's `crypto`, `Date`, npm packages) and benches can time them as wasm.

use kassa_core::time::UnixMillis;
use wasm_bindgen::prelude::*;

/// `UnixMillis::to_rfc3339`, checked against `Date.prototype.toISOString`.
#[wasm_bindgen]
pub fn format_rfc3339(millis: f64) -> String {
    UnixMillis(millis as u64).to_rfc3339()
}

/// `UnixMillis::parse_rfc3339`; `undefined` when the text is not an accepted instant.
#[wasm_bindgen]
pub fn parse_rfc3339(text: &str) -> Option<f64> {
    UnixMillis::parse_rfc3339(text).map(|t| t.as_millis() as f64)
}
