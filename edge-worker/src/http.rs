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

/// GOV.UK Pay's error body with the status its code calls for.
pub fn api_error(err: &kassa_core::api::error::ApiError) -> Result<Response> {
    json(err.http_status(), err)
}

pub fn no_content() -> Result<Response> {
    let mut resp = Response::empty()?.with_status(204);
    baseline_headers(resp.headers_mut())?;
    Ok(resp)
}

/// 401 without a body, as GOV.UK Pay answers a missing, malformed, unknown or revoked key.
pub fn unauthorized() -> Result<Response> {
    let mut resp = Response::empty()?.with_status(401);
    baseline_headers(resp.headers_mut())?;
    resp.headers_mut().set("WWW-Authenticate", "Bearer")?;
    Ok(resp)
}

/// 429 P0900 with `Retry-After` in whole seconds.
pub fn rate_limited(retry_after_secs: u64) -> Result<Response> {
    let mut resp = api_error(&kassa_core::api::error::ApiError::too_many_requests())?;
    resp.headers_mut()
        .set("Retry-After", &retry_after_secs.to_string())?;
    Ok(resp)
}

/// The password of an HTTP Basic `Authorization` header (the admin pages take the API key
/// there, so the browser remembers it and no page ever contains it).
pub fn basic_password(headers: &Headers) -> Result<Option<String>> {
    use base64::Engine;
    let Some(value) = headers.get("Authorization")? else {
        return Ok(None);
    };
    let Some(encoded) = value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .map(|(_, rest)| rest.trim())
    else {
        return Ok(None);
    };
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(encoded) else {
        return Ok(None);
    };
    Ok(String::from_utf8(bytes).ok().and_then(|text| {
        text.split_once(':')
            .map(|(_, password)| password.to_string())
    }))
}
