//! Sends the requests `kassa_core::provider` adapters build, and nothing else: the adapter
//! decides what to send and what the answer means. Every request is aborted after
//! `REQUEST_TIMEOUT_MS`, and a timeout is reported as such so the adapter can treat the
//! outcome as unknown. Answers are read only up to `MAX_RESPONSE_BYTES`; a longer one is
//! `HttpResult::Unreadable`, as unknown as a timeout. Bodies (card data) and headers
//! (secret keys) are never logged.

use futures_util::StreamExt;
use kassa_core::provider::stripe::DEFAULT_API_BASE;
use kassa_core::provider::{
    Endpoints, HttpMethod, HttpRequest, HttpResult, MAX_RESPONSE_BYTES, REQUEST_TIMEOUT_MS,
};
use worker::{
    AbortSignal, Env, Fetch, Headers, Method, Request, RequestInit, Response, ResponseBody,
};

/// Where providers are reached: the `STRIPE_API_BASE` and `ADYEN_API_BASE` variables
/// (wrangler.toml `[vars]`), which can point at a local server that speaks the provider's
/// API. An empty `ADYEN_API_BASE` means Adyen's own test and live endpoints.
pub fn endpoints(env: &Env) -> Endpoints {
    let var = |name: &str| {
        env.var(name)
            .map(|v| v.to_string())
            .ok()
            .filter(|v| !v.is_empty())
    };
    Endpoints {
        stripe_api_base: var("STRIPE_API_BASE").unwrap_or_else(|| DEFAULT_API_BASE.to_string()),
        adyen_api_base: var("ADYEN_API_BASE"),
    }
}

/// Sends one request with a timeout.
pub async fn execute(request: &HttpRequest) -> HttpResult {
    let signal = AbortSignal::from(web_sys::AbortSignal::timeout_with_u32(
        REQUEST_TIMEOUT_MS as u32,
    ));
    match send(request, &signal).await {
        Ok(result) => result,
        Err(_) if signal.aborted() => HttpResult::TimedOut,
        Err(err) => {
            worker::console_error!("provider request to {} failed: {err}", host(&request.url));
            HttpResult::Unreachable
        }
    }
}

async fn send(request: &HttpRequest, signal: &AbortSignal) -> worker::Result<HttpResult> {
    let headers = Headers::new();
    for (name, value) in &request.headers {
        headers.set(name, value)?;
    }
    let mut init = RequestInit::new();
    init.with_method(match request.method {
        HttpMethod::Get => Method::Get,
        HttpMethod::Post => Method::Post,
    })
    .with_headers(headers);
    if let Some(body) = &request.body {
        init.with_body(Some(body.as_str().into()));
    }
    let req = Request::new_with_init(&request.url, &init)?;
    let mut resp = Fetch::Request(req).send_with_signal(signal).await?;
    let status = resp.status_code();
    // Reading the body can time out too: the signal covers it.
    let Some(bytes) = body_within_limit(&mut resp).await? else {
        worker::console_error!(
            "provider answer from {} over {MAX_RESPONSE_BYTES} bytes (status {status}): not read",
            host(&request.url)
        );
        return Ok(HttpResult::Unreadable);
    };
    match String::from_utf8(bytes) {
        Ok(body) => Ok(HttpResult::Response { status, body }),
        Err(_) => Ok(HttpResult::Unreadable),
    }
}

/// The answer's body, read only up to `MAX_RESPONSE_BYTES`: `None` once it is longer (by
/// its `Content-Length` or as it streams in), when the rest is never read.
async fn body_within_limit(resp: &mut Response) -> worker::Result<Option<Vec<u8>>> {
    let declared = resp.headers().get("Content-Length")?;
    if declared
        .and_then(|n| n.trim().parse::<usize>().ok())
        .is_some_and(|n| n > MAX_RESPONSE_BYTES)
    {
        return Ok(None);
    }
    match resp.body() {
        ResponseBody::Empty => return Ok(Some(Vec::new())),
        ResponseBody::Body(bytes) => {
            return Ok((bytes.len() <= MAX_RESPONSE_BYTES).then(|| bytes.clone()))
        }
        ResponseBody::Stream(_) => {}
    }
    let mut stream = resp.stream()?;
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

/// The host of a URL, for logs (never the path, which may carry ids, or the query).
fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split('/').next().unwrap_or_default()
}
