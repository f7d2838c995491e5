//! `GET /webhooks/accounts/{account}/public-key`: the account's webhook verification key.

use crate::account::object::Account;
use crate::account::store::webhooks::public_key;
use kassa_core::api::error::ApiError;
use worker::{Result, SqlStorage};

/// `GET /webhooks/accounts/{account}/public-key` (unauthenticated): the account's ed25519
/// public key for `v1a` signatures, or 404 before its first webhook made one.
pub fn public_key_response(sql: &SqlStorage, account: &Account) -> Result<worker::Response> {
    match public_key(sql)? {
        Some(key) => crate::http::json(
            200,
            &serde_json::json!({
                "account_id": account.id.to_string(),
                "algorithm": "ed25519",
                "public_key": key,
            }),
        ),
        None => crate::http::api_error(&ApiError::not_found()),
    }
}
