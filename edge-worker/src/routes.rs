//! The worker's routing table: stateless checks here, state in the account's object.
//!
//! `/v1` requests are routed to the account object named by the API key itself (the key
//! carries its account id and a checksum verified before any storage is touched), so the
//! hot path needs no global lookup. Admin requests are checked against `ADMIN_TOKEN` and
//! mapped onto the object's internal paths. Providers' notifications are routed by the
//! account id in their path and verified by the object.

use crate::account::{INTERNAL_CONFIG, INTERNAL_INIT, INTERNAL_KEYS};
use crate::{clock, http, pages};
use kassa_core::api::error::ApiError;
use kassa_core::credentials::{
    admin_token_matches, bearer_token, parse_api_key, parse_page_token, parse_publishable_key,
};
use kassa_core::ids::AccountId;
use kassa_core::version::VERSION;
use serde::Serialize;
use worker::{Env, Headers, Method, Request, RequestInit, Response, Result};

/// Durable Object namespace binding (wrangler.toml).
const ACCOUNTS: &str = "ACCOUNTS";

#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
}

pub async fn handle(req: Request, env: Env) -> Result<Response> {
    let path = req.path();
    let method = req.method();
    if let Some(resp) = oversized(&req)? {
        return Ok(resp);
    }
    match (method, path.as_str()) {
        (Method::Get, "/healthz") => http::json(
            200,
            &Health {
                status: "ok",
                version: VERSION,
            },
        ),
        (Method::Get, "/") => pages::home(),
        (Method::Get, "/checkout/preview") => preview(&env),
        (Method::Get, "/v1/checkout.js") => crate::loader::serve(),
        (_, p) if p.starts_with("/admin/v1/") => admin(req, env).await,
        (_, p) if p == "/admin/webhooks" || p.starts_with("/admin/webhooks/") => {
            webhook_admin(req, env).await
        }
        (Method::Get, p) if p.starts_with("/embed/tokenize/") => tokenize(req, env).await,
        (Method::Get, p) if p.starts_with("/secure/") || p.starts_with("/embed/") => {
            secure(req, env).await
        }
        (Method::Post, "/secure") => secure_post(req, env).await,
        (_, p) if p.starts_with("/pay/") => pay(req, env).await,
        (_, p) if p.starts_with("/v1/") => api(req, env).await,
        (Method::Post, p) if p.starts_with("/providers/") => provider_notification(req, env).await,
        (Method::Get, p) if p.starts_with("/webhooks/accounts/") => {
            webhook_public_key(req, env).await
        }
        _ => pages::not_found(),
    }
}

/// 413 for a declared body over the limit, before anything is read; bodies without a
/// declared length are read only up to the limit wherever they are read
/// (`http::body_within_limit`).
fn oversized(req: &Request) -> Result<Option<Response>> {
    let declared = req
        .headers()
        .get("Content-Length")?
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > http::MAX_BODY_BYTES) {
        return http::api_error(&http::body_too_large()).map(Some);
    }
    Ok(None)
}

fn account_stub(env: &Env, account: AccountId) -> Result<worker::Stub> {
    env.durable_object(ACCOUNTS)?
        .id_from_name(&account.to_string())?
        .get_stub()
}

/// `/v1/…`: the key's checksum is checked here, statelessly; everything else (is the key
/// issued and unrevoked, test or live) is decided by the account's object.
async fn api(req: Request, env: Env) -> Result<Response> {
    let account = req
        .headers()
        .get("Authorization")?
        .and_then(|h| bearer_token(&h).and_then(|t| parse_api_key(t).ok()))
        .map(|key| key.account_id());
    match account {
        Some(account) => account_stub(&env, account)?.fetch_with_request(req).await,
        None => http::unauthorized(),
    }
}

/// `/admin/webhooks…`: the webhook pages, authenticated with the API key as the Basic
/// password; the key names its account, whose object checks it and serves the pages.
async fn webhook_admin(req: Request, env: Env) -> Result<Response> {
    let account = http::basic_password(req.headers())?
        .and_then(|password| parse_api_key(&password).ok())
        .map(|key| key.account_id());
    match account {
        Some(account) => account_stub(&env, account)?.fetch_with_request(req).await,
        None => crate::account::webhook_admin_challenge(),
    }
}

/// `GET /webhooks/accounts/{account}/public-key`: the ed25519 key that verifies the account's
/// `v1a` webhook signatures. Public by design, so no credentials.
async fn webhook_public_key(req: Request, env: Env) -> Result<Response> {
    let path = req.path();
    let mut parts = path.trim_start_matches("/webhooks/accounts/").split('/');
    let account = parts.next().and_then(|id| id.parse::<AccountId>().ok());
    match (account, parts.next(), parts.next()) {
        (Some(account), Some("public-key"), None) => {
            account_stub(&env, account)?.fetch_with_request(req).await
        }
        _ => http::api_error(&ApiError::not_found()),
    }
}

/// `POST /providers/{stripe|adyen}/{account}/notifications`: a provider's notifications,
/// signed by the provider (no API key); the account's object verifies them with the
/// account's secret for that provider.
async fn provider_notification(req: Request, env: Env) -> Result<Response> {
    let path = req.path();
    let mut parts = path.trim_start_matches("/providers/").split('/');
    let provider = parts.next();
    let account = parts.next().and_then(|id| id.parse::<AccountId>().ok());
    match (provider, account, parts.next(), parts.next()) {
        (Some("stripe" | "adyen"), Some(account), Some("notifications"), None) => {
            account_stub(&env, account)?.fetch_with_request(req).await
        }
        _ => http::api_error(&ApiError::not_found()),
    }
}

/// The card form on its own, sealing with the gateway's real key for a binding no payment
/// has, and without a submit button.
fn preview(env: &Env) -> Result<Response> {
    let Some(key) = crate::account::sealing_key(env) else {
        return pages::not_found();
    };
    let public = key.public_key().to_base64url();
    crate::checkout_pages::preview(&crate::checkout_pages::Sealing {
        public_key: &public,
        binding: "preview",
        now_ms: clock::now().as_millis(),
        accepted: &kassa_core::card::CardBrand::ALL,
    })
}

/// `GET /secure/{token}` and `GET /embed/{token}`: the token names its account; the
/// account's object does the rest.
async fn secure(req: Request, env: Env) -> Result<Response> {
    let path = req.path();
    // `/secure/{token}` (redirect checkout) or `/embed/{token}` (the iframe).
    let token = path.splitn(3, '/').nth(2).unwrap_or_default();
    match parse_page_token(token) {
        Ok(token) => {
            account_stub(&env, token.account_id())?
                .fetch_with_request(req)
                .await
        }
        Err(_) => crate::checkout_pages::link_not_valid(),
    }
}

/// `GET /embed/tokenize/{publishable key}`: the key names its account (checksum first, no
/// storage touched); the account's object checks the origin and renders the form.
async fn tokenize(req: Request, env: Env) -> Result<Response> {
    let path = req.path();
    match parse_publishable_key(path.trim_start_matches("/embed/tokenize/")) {
        Ok(pk) => {
            account_stub(&env, pk.account_id)?
                .fetch_with_request(req)
                .await
        }
        Err(_) => crate::checkout_pages::link_not_valid(),
    }
}

/// `POST /secure` with `chargeTokenId` (GOV.UK Pay's `next_url_post`): the same as
/// following `next_url`.
async fn secure_post(mut req: Request, env: Env) -> Result<Response> {
    let Some(form) = http::form_within_limit(&mut req).await? else {
        return pages::too_large();
    };
    let token = match form.get("chargeTokenId") {
        Some(worker::FormEntry::Field(value)) => value,
        _ => return crate::checkout_pages::link_not_valid(),
    };
    let Ok(parsed) = parse_page_token(&token) else {
        return crate::checkout_pages::link_not_valid();
    };
    let url = req.url()?;
    let target = format!("{}/secure/{}", url.origin().ascii_serialization(), token);
    let forwarded = Request::new_with_init(
        &target,
        RequestInit::new()
            .with_method(Method::Get)
            .with_headers(req.headers().clone()),
    )?;
    account_stub(&env, parsed.account_id())?
        .fetch_with_request(forwarded)
        .await
}

/// `/pay/{account}/{payment}/…`: the hosted pages of one payment, in its account's object.
async fn pay(req: Request, env: Env) -> Result<Response> {
    let path = req.path();
    let account = path
        .trim_start_matches("/pay/")
        .split('/')
        .next()
        .and_then(|id| id.parse::<AccountId>().ok());
    match account {
        Some(account) => account_stub(&env, account)?.fetch_with_request(req).await,
        None => pages::not_found(),
    }
}

async fn admin(mut req: Request, env: Env) -> Result<Response> {
    let configured = env.secret("ADMIN_TOKEN")?.to_string();
    let presented = req.headers().get("Authorization")?.unwrap_or_default();
    let authorised = bearer_token(&presented)
        .is_some_and(|token| !configured.is_empty() && admin_token_matches(&configured, token));
    if !authorised {
        return http::unauthorized();
    }
    let path = req.path();
    let segments: Vec<&str> = path
        .trim_start_matches("/admin/v1/")
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let method = req.method();
    match (method, segments.as_slice()) {
        (Method::Post, ["accounts"]) => {
            let account = AccountId::generate(clock::random()?);
            let body = serde_json::json!({ "account_id": account.to_string() }).to_string();
            internal(&env, account, Method::Post, INTERNAL_INIT, Some(body)).await
        }
        (method, ["accounts", id, rest @ ..]) => {
            let Ok(account) = id.parse::<AccountId>() else {
                return http::api_error(&ApiError::not_found());
            };
            let body = match method {
                Method::Post | Method::Patch => match http::body_within_limit(&mut req).await? {
                    Some(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
                    None => return http::api_error(&http::body_too_large()),
                },
                _ => None,
            };
            let target = match (&method, rest) {
                (Method::Patch | Method::Get, []) => INTERNAL_CONFIG.to_string(),
                (Method::Post, ["keys"]) => INTERNAL_KEYS.to_string(),
                (Method::Delete, ["keys", key_id]) => format!("{INTERNAL_KEYS}/{key_id}"),
                _ => return http::api_error(&ApiError::not_found()),
            };
            internal(&env, account, method, &target, body).await
        }
        _ => http::api_error(&ApiError::not_found()),
    }
}

/// A request to an account object's internal path.
async fn internal(
    env: &Env,
    account: AccountId,
    method: Method,
    path: &str,
    body: Option<String>,
) -> Result<Response> {
    let headers = Headers::new();
    headers.set("Content-Type", "application/json")?;
    let mut init = RequestInit::new();
    init.with_method(method).with_headers(headers);
    if let Some(body) = body {
        init.with_body(Some(body.into()));
    }
    let req = Request::new_with_init(&format!("https://account.internal{path}"), &init)?;
    account_stub(env, account)?.fetch_with_request(req).await
}
