//! API keys inside the account object: issued once, stored as SHA-256 hashes, revocable.

use super::sql::{flag, query, Row};
use crate::clock;
use kassa_core::credentials::{ApiKey, ApiKeyMode, KeyHash, ParsedApiKey};
use kassa_core::ids::{AccountId, KeyId};
use serde::{Deserialize, Serialize};
use worker::{Result, SqlStorage};

/// A freshly issued key: the only time its text exists outside the holder's hands.
#[derive(Serialize)]
pub struct IssuedKey {
    pub key_id: String,
    pub api_key: String,
    pub live: bool,
}

pub fn issue(sql: &SqlStorage, account: AccountId, live: bool) -> Result<IssuedKey> {
    let mode = if live {
        ApiKeyMode::Live
    } else {
        ApiKeyMode::Test
    };
    let key_id = KeyId::generate(clock::random()?);
    let (text, record) = ApiKey::generate(mode, account, key_id, clock::random()?);
    sql.exec(
        "INSERT INTO api_keys (key_id, hash, live, created_at) VALUES (?, ?, ?, ?)",
        vec![
            record.key_id.to_string().into(),
            record.hash.to_hex().into(),
            flag(live),
            (clock::now().as_millis() as i64).into(),
        ],
    )?;
    Ok(IssuedKey {
        key_id: record.key_id.to_string(),
        api_key: text,
        live,
    })
}

/// Revokes a key; `false` if there was no such key. Revoking twice is not an error.
pub fn revoke(sql: &SqlStorage, key_id: &str) -> Result<bool> {
    let cursor = sql.exec(
        "UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE key_id = ?",
        vec![(clock::now().as_millis() as i64).into(), key_id.into()],
    )?;
    Ok(cursor.rows_written() > 0)
}

#[derive(Deserialize)]
struct KeyRow {
    hash: String,
    live: i64,
    revoked_at: Option<i64>,
}
impl Row for KeyRow {}

/// Whether the presented key is one this account issued and has not revoked; its mode
/// (test or live) decides which data it can see.
pub fn verify(sql: &SqlStorage, key: &ParsedApiKey) -> Result<Option<ApiKeyMode>> {
    let rows: Vec<KeyRow> = query(
        sql,
        "SELECT hash, live, revoked_at FROM api_keys WHERE key_id = ?",
        vec![key.key_id().to_string().into()],
    )?;
    let Some(row) = rows.into_iter().next() else {
        return Ok(None);
    };
    let Some(stored) = KeyHash::from_hex(&row.hash) else {
        return Ok(None);
    };
    let live = row.live != 0;
    // KeyHash compares in constant time; the mode must also agree with the key's prefix.
    let matches = stored == key.hash() && live == (key.mode() == ApiKeyMode::Live);
    Ok((matches && row.revoked_at.is_none()).then_some(key.mode()))
}
