//! The account's own changes, asked for by the admin API: its creation, its API keys and
//! its settings. Each is one synchronous section.

use crate::account::object::{Account, AccountObject};
use crate::account::store::keys::IssuedKey;
use crate::account::store::{self, credentials, schema};
use kassa_core::account::{apply_patch, AccountConfig, ProviderKind};
use kassa_core::api::error::{ApiError, ErrorCode};
use kassa_core::ids::AccountId;
use kassa_core::provider::Credentials;
use worker::{Result, SqlStorage};

/// Creates the account in this (new) object: schema, settings and a first test key.
/// `None` if it exists already (ids are 80 random bits, so that is a retry of the same
/// creation, not a clash).
pub fn create(
    object: &AccountObject,
    sql: &SqlStorage,
    id: AccountId,
) -> Result<Option<IssuedKey>> {
    schema::migrate(sql)?;
    if store::account::has_row(sql)? {
        return Ok(None);
    }
    store::account::insert(sql, id)?;
    object.keys.issue(sql, id, false).map(Some)
}

/// Issues an API key. The sandbox moves no money, so it takes no live payments: a live key
/// on a sandbox account could only ever be refused (403 P0940).
pub fn issue_key(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    live: bool,
) -> Result<std::result::Result<IssuedKey, ApiError>> {
    if live && account.config.payment_provider == ProviderKind::Sandbox {
        return Ok(Err(ApiError::with_description(
            ErrorCode::P0940,
            "Live API keys need a payment provider that moves real money: configure one with live credentials (payment_provider and provider_credentials) first",
        )));
    }
    object.keys.issue(sql, account.id, live).map(Ok)
}

/// Revokes a key; `false` if there is no such key.
pub fn revoke_key(object: &AccountObject, sql: &SqlStorage, key_id: &str) -> Result<bool> {
    object.keys.revoke(sql, key_id)
}

/// Applies an admin PATCH to the settings (and stores new provider credentials), or says
/// why not; the account's settings after it.
pub fn change_settings(
    object: &AccountObject,
    sql: &SqlStorage,
    body: &[u8],
) -> Result<std::result::Result<(AccountId, AccountConfig), ApiError>> {
    // Read here, after the request's await: another PATCH may have landed meanwhile, and
    // patching the copy from before it would silently undo it.
    let Some(account) = store::account::load(sql)? else {
        return Ok(Err(ApiError::not_found()));
    };
    let change = match apply_patch(&account.config, body) {
        Ok(change) => change,
        Err(err) => return Ok(Err(err)),
    };
    let provider = change.config.payment_provider;
    let new_credentials = match &change.provider_credentials {
        Some(fields) => match Credentials::parse(provider, fields) {
            Ok(creds) => Some(creds),
            Err(err) => return Ok(Err(err)),
        },
        None => None,
    };
    if provider != ProviderKind::Sandbox
        && new_credentials.is_none()
        && !credentials::exists(sql, provider)?
    {
        return Ok(Err(ApiError::invalid(
            "provider_credentials",
            "Required to use this payment provider",
        )));
    }
    // Both writes in one synchronous stretch: nothing is half-applied.
    if let Some(creds) = &new_credentials {
        credentials::store(&object.env, sql, account.id, creds)?;
    }
    store::account::save_config(sql, &change.config)?;
    object.limiter.borrow_mut().limits_changed();
    Ok(Ok((account.id, change.config)))
}
