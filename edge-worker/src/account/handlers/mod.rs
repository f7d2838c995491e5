//! The handlers: requests in, responses out (the `/v1` API, the hosted and embedded
//! pages, `/admin/webhooks`). They parse, call operations and render; they never write SQL.

pub mod admin;
pub mod authentication;
pub mod checkout;
pub mod notifications;
pub mod public_key;
pub mod v1;
pub mod webhook_admin;
pub mod webhooks;

use crate::account::handlers::admin::{INTERNAL_CONFIG, INTERNAL_INIT, INTERNAL_KEYS};
use crate::account::object::{AccountObject, Auth};
use crate::account::ops::authorise::sealing_key;
use crate::account::store;
use crate::http;
use kassa_core::api::error::ApiError;
use kassa_core::credentials::{bearer_token, parse_api_key, parse_publishable_key};
use serde::Deserialize;
use worker::{Method, Request, Response, Result};

/// A request to the object, by path: the admin API's `/_internal/…`, then the embedded and
/// hosted pages, the webhook key and pages, providers' notifications, and `/v1`.
pub async fn route(object: &AccountObject, mut req: Request) -> Result<Response> {
    let path = req.path();
    let method = req.method();
    let sql = object.sql();
    if path == INTERNAL_INIT && method == Method::Post {
        #[derive(Deserialize)]
        struct Init {
            account_id: String,
        }
        let init: Init = req.json().await?;
        return admin::init(object, &sql, &init.account_id);
    }
    let presented = if path.starts_with("/v1/") {
        req.headers()
            .get("Authorization")?
            .and_then(|h| bearer_token(&h).and_then(|t| parse_api_key(t).ok()))
    } else {
        None
    };
    // Once the account's keys are in memory, an unknown one (a forged key with a valid
    // CRC, say) is answered before anything is read from storage: a flood of them costs
    // the object no storage work at all. (The table is only ever read for an account
    // that exists, so this answers just as the full path below would.)
    if let Some(key) = &presented {
        if object.keys.verify_in_memory(key) == Some(None) {
            return match object.failed_auth() {
                Auth::TooMany(retry_after) => http::rate_limited(retry_after),
                _ => http::unauthorized(),
            };
        }
    }
    let Some(account) = store::account::load(&sql)? else {
        return if path.starts_with("/_internal/") || path.starts_with("/providers/") {
            http::api_error(&ApiError::not_found())
        } else if path.starts_with("/v1/") {
            http::unauthorized()
        } else {
            crate::checkout_pages::link_not_valid()
        };
    };
    if let Some(rest) = path.strip_prefix(INTERNAL_KEYS) {
        return admin::keys(object, &sql, &account, method, rest, req).await;
    }
    if path == INTERNAL_CONFIG {
        return admin::config(object, &sql, &account, method, req).await;
    }
    if let Some(text) = path.strip_prefix("/embed/tokenize/") {
        let key = sealing_key(&object.env);
        return match parse_publishable_key(text) {
            Ok(pk) if pk.account_id == account.id => {
                checkout::open_tokenize(&account, key.as_ref(), &pk, &req)
            }
            _ => crate::checkout_pages::link_not_valid(),
        };
    }
    if let Some(token) = path.strip_prefix("/embed/") {
        let key = sealing_key(&object.env);
        return match kassa_core::credentials::parse_page_token(token) {
            Ok(token) if token.account_id() == account.id => {
                checkout::open_embed(&sql, &account, key.as_ref(), &token, &req)
            }
            _ => crate::checkout_pages::link_not_valid(),
        };
    }
    if let Some(token) = path.strip_prefix("/secure/") {
        return match kassa_core::credentials::parse_page_token(token) {
            Ok(token) if token.account_id() == account.id => checkout::open(&sql, &account, &token),
            _ => crate::checkout_pages::link_not_valid(),
        };
    }
    if let Some(rest) = path.strip_prefix(&format!("/pay/{}/", account.id)) {
        let mut parts = rest.split('/');
        let payment = parts.next().unwrap_or_default().to_string();
        let action = parts.next().map(str::to_string);
        let allowed = match (&method, action.as_deref()) {
            (Method::Get, None) => true,
            // The provider's redirect back from 3-D Secure: no session, its own key.
            (Method::Get, Some("3ds")) => {
                return match (parts.next(), parts.next()) {
                    (Some("return"), None) => {
                        authentication::provider_return(object, &sql, &account, &req, &payment)
                            .await
                    }
                    _ => crate::pages::not_found(),
                };
            }
            (Method::Post, Some("card" | "confirm" | "cancel" | "embed" | "challenge" | "3ds")) => {
                parts.next().is_none()
            }
            _ => false,
        };
        if !allowed {
            return crate::pages::not_found();
        }
        let key = sealing_key(&object.env);
        return checkout::handle(
            object,
            &sql,
            &account,
            key.as_ref(),
            req,
            &payment,
            action.as_deref(),
        )
        .await;
    }
    if path == format!("/webhooks/accounts/{}/public-key", account.id) && method == Method::Get {
        return public_key::public_key_response(&sql, &account);
    }
    if path == webhook_admin::PREFIX || path.starts_with(&format!("{}/", webhook_admin::PREFIX)) {
        let key = http::basic_password(req.headers())?.and_then(|p| parse_api_key(&p).ok());
        return match object.authenticate(&sql, key.as_ref())? {
            Auth::Valid(mode) => webhook_admin::handle(object, &sql, &account, mode, req).await,
            Auth::Refused => webhook_admin::challenge(),
            Auth::TooMany(retry_after) => http::rate_limited(retry_after),
        };
    }
    // A provider's notifications: signed by the provider, no API key.
    if let Some(rest) = path.strip_prefix("/providers/") {
        let mut parts = rest.split('/');
        let provider = parts.next().and_then(notifications::provider);
        let named = parts.next() == Some(account.id.to_string().as_str());
        return match (provider, named, parts.next(), parts.next(), &method) {
            (Some(provider), true, Some("notifications"), None, Method::Post) => {
                notifications::handle(object, &sql, &account, provider, req).await
            }
            _ => http::api_error(&ApiError::not_found()),
        };
    }
    if path.starts_with("/v1/") {
        return match object.authenticate(&sql, presented.as_ref())? {
            Auth::Valid(mode) => v1::handle(object, &sql, &account, mode, req).await,
            Auth::Refused => http::unauthorized(),
            Auth::TooMany(retry_after) => http::rate_limited(retry_after),
        };
    }
    http::api_error(&ApiError::not_found())
}
