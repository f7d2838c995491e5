//! `/v1/checkout.js`: the embedded checkout's loader, compiled into the worker so its bytes
//! are exactly the file in the repository. Its content is stable within v1, so merchants
//! can pin it with Subresource Integrity (`integrity="sha384-…" crossorigin="anonymous"`);
//! a change in behaviour gets a new path.

use worker::{Response, Result};

const LOADER: &str = include_str!("../assets/checkout-v1.js");

pub fn serve() -> Result<Response> {
    let mut resp = Response::ok(LOADER)?;
    let headers = resp.headers_mut();
    crate::http::baseline_headers(headers)?;
    headers.set("Content-Type", "text/javascript; charset=utf-8")?;
    // Loaded by merchants' pages on other origins; CORS lets them check its integrity.
    headers.set("Access-Control-Allow-Origin", "*")?;
    headers.set("Cross-Origin-Resource-Policy", "cross-origin")?;
    Ok(resp)
}
