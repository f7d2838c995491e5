//! Response helpers shared by every route: JSON bodies, GOV.UK Pay's error shape, and the
//! security headers that every response carries.

use serde::Serialize;
use worker::{Headers, Response, Result};

/// A JSON response with the given status and Kassa's baseline headers.
pub fn json<T: Serialize>(status: u16, body: &T) -> Result<Response> {
    let mut resp = Response::from_json(body)?.with_status(status);
    baseline_headers(resp.headers_mut())?;
    Ok(resp)
}

/// GOV.UK Pay's error body (`{"code":"P0…","description":"…"}`), for failures that happen
/// before a request reaches the domain (unknown route, wrong method).
#[derive(Serialize)]
pub struct ErrorBody<'a> {
    pub code: &'a str,
    pub description: &'a str,
}

pub fn error(status: u16, code: &str, description: &str) -> Result<Response> {
    json(status, &ErrorBody { code, description })
}

/// Headers every response carries, API or page: no caching of payment data anywhere, no
/// MIME sniffing, HTTPS only from the first visit on.
pub fn baseline_headers(headers: &mut Headers) -> Result<()> {
    headers.set("Cache-Control", "no-store")?;
    headers.set("X-Content-Type-Options", "nosniff")?;
    headers.set("Referrer-Policy", "no-referrer")?;
    headers.set(
        "Strict-Transport-Security",
        "max-age=63072000; includeSubDomains",
    )?;
    Ok(())
}
