//! HTTP helpers shared by every route: JSON bodies, GOV.UK Pay's error shape, the security
//! headers that every response carries, and request bodies read within the size limit.

use futures_util::StreamExt;
use serde::Serialize;
use worker::{FormData, Headers, Method, Request, RequestInit, Response, Result};

/// Request bodies longer than this are refused (413), API or form.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

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

/// 413 for a body over `MAX_BODY_BYTES`, in GOV.UK Pay's error format.
pub fn body_too_large() -> kassa_core::api::error::ApiError {
    kassa_core::api::error::ApiError::with_description(
        kassa_core::api::error::ErrorCode::P0920,
        "Request body is larger than 64 KB",
    )
    .with_status(413)
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

/// How much of an oversized body is read and thrown away, so that a client still sending
/// gets its 413: answering with a long body left unread loses the answer (`wrangler dev`
/// drops the connection first). Past this the gateway stops reading; the client then sees
/// the connection close.
const DISCARD_BYTES: usize = 16 * 1024 * 1024;

/// The request's body, kept only up to `MAX_BODY_BYTES`: `None` once it is longer. A body
/// sent without `Content-Length` (chunked) is never buffered whole, however long it is.
pub async fn body_within_limit(req: &mut Request) -> Result<Option<Vec<u8>>> {
    // A request without a body has no stream.
    if req.inner().body().is_none() {
        return Ok(Some(Vec::new()));
    }
    let mut stream = req.stream()?;
    let mut body = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        seen = seen.saturating_add(chunk.len());
        if seen <= MAX_BODY_BYTES {
            body.extend_from_slice(&chunk);
        } else if seen > DISCARD_BYTES {
            break;
        } else {
            // Over the limit: nothing more is kept.
            body = Vec::new();
        }
    }
    Ok((seen <= MAX_BODY_BYTES).then_some(body))
}

/// A form post's fields (urlencoded or multipart), read within `MAX_BODY_BYTES`: `None` if
/// the body is longer. The bytes read are parsed by the runtime's own form parser.
pub async fn form_within_limit(req: &mut Request) -> Result<Option<FormData>> {
    let Some(body) = body_within_limit(req).await? else {
        return Ok(None);
    };
    let headers = Headers::new();
    if let Some(content_type) = req.headers().get("Content-Type")? {
        headers.set("Content-Type", &content_type)?;
    }
    let bytes = worker::js_sys::Uint8Array::from(body.as_slice());
    let mut read = Request::new_with_init(
        req.url()?.as_ref(),
        RequestInit::new()
            .with_method(Method::Post)
            .with_headers(headers)
            .with_body(Some(bytes.into())),
    )?;
    read.form_data().await.map(Some)
}
