//! The admin API's side inside the object (`/_internal/…`, reached only through `routes`,
//! which checks the admin token): creating the account, its API keys and its settings.

use crate::account::object::{Account, AccountObject};
use crate::account::ops;
use crate::account::store::credentials;
use crate::http;
use kassa_core::account::AccountConfig;
use kassa_core::api::error::ApiError;
use kassa_core::credentials::{ApiKeyMode, PublishableKey};
use kassa_core::ids::AccountId;
use serde::Deserialize;
use worker::{Method, Request, Response, Result, SqlStorage};

/// The internal paths the stateless worker uses for admin operations. They are only
/// reachable through `routes`, which checks the admin token first.
pub const INTERNAL_INIT: &str = "/_internal/init";
pub const INTERNAL_KEYS: &str = "/_internal/keys";
pub const INTERNAL_CONFIG: &str = "/_internal/config";

/// The account's settings as the admin API shows them: with the account's id, never with
/// provider credentials (those are not part of `AccountConfig`); only which ones are set,
/// masked (`{"stripe": {"secret_key": "sk_test_…1234"}}`).
#[derive(serde::Serialize)]
struct SettingsView<'a> {
    account_id: String,
    #[serde(flatten)]
    config: &'a AccountConfig,
    configured_credentials: serde_json::Map<String, serde_json::Value>,
    publishable_keys: PublishableKeys,
}

/// The account's publishable keys (embedded checkout's `tokenize()`), derived from its id:
/// nothing is stored, so every account has them, including accounts made before them.
#[derive(serde::Serialize)]
pub struct PublishableKeys {
    test: String,
    live: String,
}

impl PublishableKeys {
    pub fn of(account: AccountId) -> PublishableKeys {
        let text = |mode| {
            PublishableKey {
                mode,
                account_id: account,
            }
            .text()
        };
        PublishableKeys {
            test: text(ApiKeyMode::Test),
            live: text(ApiKeyMode::Live),
        }
    }
}

fn settings_view<'a>(
    sql: &SqlStorage,
    id: &AccountId,
    config: &'a AccountConfig,
) -> Result<SettingsView<'a>> {
    Ok(SettingsView {
        account_id: id.to_string(),
        config,
        configured_credentials: credentials::hints(sql)?,
        publishable_keys: PublishableKeys::of(*id),
    })
}

/// Creates the account in this (new) object: schema, settings and a first test key.
pub fn init(object: &AccountObject, sql: &SqlStorage, account_id: &str) -> Result<Response> {
    let Ok(id) = account_id.parse::<AccountId>() else {
        return http::api_error(&ApiError::invalid("account_id", "Not an account id"));
    };
    let Some(key) = ops::account::create(object, sql, id)? else {
        return http::api_error(&ApiError::with_description(
            kassa_core::api::error::ErrorCode::P0191,
            "This account already exists",
        ));
    };
    http::json(
        201,
        &serde_json::json!({
            "account_id": id.to_string(),
            "key_id": key.key_id,
            "api_key": key.api_key,
            "publishable_keys": PublishableKeys::of(id),
        }),
    )
}

/// `/_internal/keys`: issue a key (`POST`), revoke one (`DELETE /{key_id}`).
pub async fn keys(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    method: Method,
    rest: &str,
    mut req: Request,
) -> Result<Response> {
    match (method, rest) {
        (Method::Post, "") => {
            #[derive(Deserialize)]
            struct NewKey {
                live: bool,
            }
            let body = req.bytes().await?;
            let Ok(new_key) = serde_json::from_slice::<NewKey>(&body) else {
                return http::api_error(&ApiError::invalid("live", "Must be true or false"));
            };
            match ops::account::issue_key(object, sql, account, new_key.live)? {
                Ok(key) => http::json(201, &key),
                Err(err) => http::api_error(&err),
            }
        }
        (Method::Delete, key) => match key.strip_prefix('/') {
            Some(key_id) if ops::account::revoke_key(object, sql, key_id)? => http::no_content(),
            _ => http::api_error(&ApiError::not_found()),
        },
        _ => http::api_error(&ApiError::not_found()),
    }
}

/// `/_internal/config`: the settings (`GET`), or a change to them (`PATCH`).
pub async fn config(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    method: Method,
    mut req: Request,
) -> Result<Response> {
    match method {
        Method::Get => http::json(200, &settings_view(sql, &account.id, &account.config)?),
        Method::Patch => {
            let body = req.bytes().await?;
            match ops::account::change_settings(object, sql, &body)? {
                Ok((id, config)) => http::json(200, &settings_view(sql, &id, &config)?),
                Err(err) => http::api_error(&err),
            }
        }
        _ => http::api_error(&ApiError::not_found()),
    }
}
