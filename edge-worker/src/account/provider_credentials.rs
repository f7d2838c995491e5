//! An account's payment provider credentials: sealed with `STORAGE_ENCRYPTION_KEY` (bound
//! to the account and the `provider_credentials` slot) before they touch storage, opened
//! only to build a provider adapter. The admin API sees a masked hint (`sk_test_…1234`),
//! kept beside the sealed value so showing it never needs the plaintext.

use super::sql::{int, query, Row};
use crate::{clock, secrets};
use kassa_core::account::ProviderKind;
use kassa_core::ids::AccountId;
use kassa_core::provider::Credentials;
use serde::Deserialize;
use serde_json::{Map, Value};
use worker::{Env, Error, Result, SqlStorage};

const SLOT: &str = "provider_credentials";

/// Seals and stores (or replaces) the credentials for their provider.
pub fn store(env: &Env, sql: &SqlStorage, account: AccountId, creds: &Credentials) -> Result<()> {
    let sealed = secrets::seal(env, &account.to_string(), SLOT, creds.to_json().as_bytes())?;
    let hint = Value::Object(creds.masked()).to_string();
    sql.exec(
        "INSERT INTO provider_credentials (provider, sealed, hint, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (provider) DO UPDATE SET sealed = excluded.sealed, hint = excluded.hint,
            updated_at = excluded.updated_at",
        vec![
            creds.kind().as_str().into(),
            sealed.into(),
            hint.into(),
            int(clock::now().as_millis()),
        ],
    )?;
    Ok(())
}

#[derive(Deserialize)]
struct SealedRow {
    sealed: String,
}
impl Row for SealedRow {}

/// The credentials for a provider, opened, if the account has them.
pub fn load(
    env: &Env,
    sql: &SqlStorage,
    account: AccountId,
    kind: ProviderKind,
) -> Result<Option<Credentials>> {
    let rows: Vec<SealedRow> = query(
        sql,
        "SELECT sealed FROM provider_credentials WHERE provider = ?",
        vec![kind.as_str().into()],
    )?;
    let Some(row) = rows.into_iter().next() else {
        return Ok(None);
    };
    let plain = secrets::open(env, &account.to_string(), SLOT, &row.sealed)?;
    Credentials::from_json(&plain)
        .filter(|c| c.kind() == kind)
        .map(Some)
        .ok_or_else(|| Error::RustError("stored provider credentials are unreadable".into()))
}

/// Whether credentials for a provider are stored (without opening them).
pub fn exists(sql: &SqlStorage, kind: ProviderKind) -> Result<bool> {
    let rows: Vec<SealedRow> = query(
        sql,
        "SELECT sealed FROM provider_credentials WHERE provider = ?",
        vec![kind.as_str().into()],
    )?;
    Ok(!rows.is_empty())
}

/// `{"stripe": {"secret_key": "sk_test_…1234"}}`: which credentials are set, masked.
pub fn hints(sql: &SqlStorage) -> Result<Map<String, Value>> {
    #[derive(Deserialize)]
    struct HintRow {
        provider: String,
        hint: String,
    }
    impl Row for HintRow {}
    let rows: Vec<HintRow> = query(
        sql,
        "SELECT provider, hint FROM provider_credentials ORDER BY provider",
        vec![],
    )?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let hint = serde_json::from_str(&r.hint).unwrap_or(Value::Null);
            (r.provider, hint)
        })
        .collect())
}
