//! An account's payment provider credentials: sealed with `STORAGE_ENCRYPTION_KEY` (bound
//! to the account and the `provider_credentials` slot) before they touch storage, opened
//! only to build a provider adapter. The admin API sees a masked hint (`sk_test_…1234`),
//! kept beside the sealed value so showing it never needs the plaintext.
//!
//! Each provider has one slot per mode (a test key and a live key can both be set), and
//! each stored credential is named by its fingerprint. New payments take the mode's
//! current credentials and record their fingerprint; every later call for a payment opens
//! the credentials of that fingerprint, so replacing a key never retargets a payment
//! already made. Replaced credentials are kept (at most `KEPT_REPLACED` per mode) for the
//! payments still using them.

use crate::account::store::sql::{flag, int, query, Row};
use crate::{clock, secrets};
use kassa_core::account::ProviderKind;
use kassa_core::ids::AccountId;
use kassa_core::provider::Credentials;
use serde::Deserialize;
use serde_json::{Map, Value};
use worker::{Env, Error, Result, SqlStorage};

const SLOT: &str = "provider_credentials";

/// Fingerprint of rows stored before fingerprints were (schema 6): opened and checked.
const LEGACY: &str = "legacy";

/// Replaced credentials kept per provider and mode, for payments made with them. A payment
/// whose credentials have been dropped is refused at its next call, never sent elsewhere.
const KEPT_REPLACED: i64 = 4;

/// Seals and stores the credentials as their mode's current ones; the previous current
/// credentials of that mode stay, replaced, for the payments made with them.
pub fn store(env: &Env, sql: &SqlStorage, account: AccountId, creds: &Credentials) -> Result<()> {
    let sealed = secrets::seal(env, &account.to_string(), SLOT, creds.to_json().as_bytes())?;
    let hint = Value::Object(creds.masked()).to_string();
    let provider = creds.kind().as_str();
    let live = flag(creds.live());
    let fingerprint = creds.fingerprint();
    sql.exec(
        "UPDATE provider_credential_slots SET current = 0 WHERE provider = ? AND live = ?",
        vec![provider.into(), live.clone()],
    )?;
    sql.exec(
        "INSERT INTO provider_credential_slots
            (provider, live, fingerprint, current, sealed, hint, updated_at)
         VALUES (?, ?, ?, 1, ?, ?, ?)
         ON CONFLICT (provider, fingerprint) DO UPDATE SET current = 1,
            sealed = excluded.sealed, hint = excluded.hint, updated_at = excluded.updated_at",
        vec![
            provider.into(),
            live.clone(),
            fingerprint.into(),
            sealed.into(),
            hint.into(),
            int(clock::now().as_millis()),
        ],
    )?;
    sql.exec(
        "DELETE FROM provider_credential_slots WHERE provider = ? AND live = ? AND current = 0
            AND fingerprint NOT IN (SELECT fingerprint FROM provider_credential_slots
                WHERE provider = ? AND live = ? AND current = 0
                ORDER BY updated_at DESC LIMIT ?)",
        vec![
            provider.into(),
            live.clone(),
            provider.into(),
            live,
            KEPT_REPLACED.into(),
        ],
    )?;
    Ok(())
}

#[derive(Deserialize)]
struct SealedRow {
    sealed: String,
}
impl Row for SealedRow {}

fn open(env: &Env, account: AccountId, kind: ProviderKind, row: &SealedRow) -> Result<Credentials> {
    let plain = secrets::open(env, &account.to_string(), SLOT, &row.sealed)?;
    Credentials::from_json(&plain)
        .filter(|c| c.kind() == kind)
        .ok_or_else(|| Error::RustError("stored provider credentials are unreadable".into()))
}

/// The mode's current credentials (what a new payment of that mode is made with), opened.
pub fn current(
    env: &Env,
    sql: &SqlStorage,
    account: AccountId,
    kind: ProviderKind,
    live: bool,
) -> Result<Option<Credentials>> {
    let rows: Vec<SealedRow> = query(
        sql,
        "SELECT sealed FROM provider_credential_slots
         WHERE provider = ? AND live = ? AND current = 1",
        vec![kind.as_str().into(), flag(live)],
    )?;
    rows.first()
        .map(|row| open(env, account, kind, row))
        .transpose()
}

/// The credentials a payment was made with (`fingerprint`), opened, if they are still
/// kept; `None` as fingerprint (payments from before) means the mode's current ones. The
/// caller still checks mode and fingerprint (`Adapter::for_payment`).
pub fn for_payment(
    env: &Env,
    sql: &SqlStorage,
    account: AccountId,
    kind: ProviderKind,
    live: bool,
    fingerprint: Option<&str>,
) -> Result<Option<Credentials>> {
    let Some(fingerprint) = fingerprint else {
        return current(env, sql, account, kind, live);
    };
    let rows: Vec<SealedRow> = query(
        sql,
        "SELECT sealed FROM provider_credential_slots
         WHERE provider = ? AND live = ? AND fingerprint IN (?, ?)",
        vec![
            kind.as_str().into(),
            flag(live),
            fingerprint.into(),
            LEGACY.into(),
        ],
    )?;
    for row in &rows {
        let creds = open(env, account, kind, row)?;
        if creds.fingerprint() == fingerprint {
            return Ok(Some(creds));
        }
    }
    Ok(None)
}

/// Whether any credentials for a provider are stored (without opening them).
pub fn exists(sql: &SqlStorage, kind: ProviderKind) -> Result<bool> {
    let rows: Vec<SealedRow> = query(
        sql,
        "SELECT sealed FROM provider_credential_slots WHERE provider = ? AND current = 1",
        vec![kind.as_str().into()],
    )?;
    Ok(!rows.is_empty())
}

/// `{"stripe": {"test": {"secret_key": "sk_test_…1234"}, "live": {…}}}`: which current
/// credentials are set, per mode, masked.
pub fn hints(sql: &SqlStorage) -> Result<Map<String, Value>> {
    #[derive(Deserialize)]
    struct HintRow {
        provider: String,
        live: i64,
        hint: String,
    }
    impl Row for HintRow {}
    let rows: Vec<HintRow> = query(
        sql,
        "SELECT provider, live, hint FROM provider_credential_slots WHERE current = 1
         ORDER BY provider, live",
        vec![],
    )?;
    let mut hints = Map::new();
    for row in rows {
        let hint = serde_json::from_str(&row.hint).unwrap_or(Value::Null);
        let mode = if row.live != 0 { "live" } else { "test" };
        if let Value::Object(modes) = hints
            .entry(row.provider)
            .or_insert_with(|| Value::Object(Map::new()))
        {
            modes.insert(mode.into(), hint);
        }
    }
    Ok(hints)
}
