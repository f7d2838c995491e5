//! API keys inside the account object: issued once, stored as SHA-256 hashes, revocable,
//! and checked against a table of them kept in memory.

use crate::account::store::sql::{flag, query, Row};
use crate::clock;
use kassa_core::credentials::{ApiKey, ApiKeyMode, KeyHash, ParsedApiKey};
use kassa_core::ids::{AccountId, KeyId};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;
use worker::{Result, SqlStorage};

/// A freshly issued key: the only time its text exists outside the holder's hands.
#[derive(Serialize)]
pub struct IssuedKey {
    pub key_id: String,
    pub api_key: String,
    pub live: bool,
}

/// The account's keys that can authenticate (not revoked), read from storage on first use
/// and kept in memory for the object's lifetime. Every key is issued and revoked through
/// this table, in this object (the only writer of its storage), so it never goes stale;
/// and an unknown key, such as a forged one with a valid CRC, is refused without a storage
/// read.
#[derive(Default)]
pub struct KeyTable {
    keys: RefCell<Option<HashMap<String, KnownKey>>>,
}

struct KnownKey {
    hash: KeyHash,
    live: bool,
}

impl KeyTable {
    pub fn issue(&self, sql: &SqlStorage, account: AccountId, live: bool) -> Result<IssuedKey> {
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
        // Read again on next use rather than patched here: storage stays the one truth.
        *self.keys.borrow_mut() = None;
        Ok(IssuedKey {
            key_id: record.key_id.to_string(),
            api_key: text,
            live,
        })
    }

    /// Revokes a key; `false` if there was no such key. Revoking twice is not an error.
    pub fn revoke(&self, sql: &SqlStorage, key_id: &str) -> Result<bool> {
        let cursor = sql.exec(
            "UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE key_id = ?",
            vec![(clock::now().as_millis() as i64).into(), key_id.into()],
        )?;
        *self.keys.borrow_mut() = None;
        Ok(cursor.rows_written() > 0)
    }

    /// Whether the presented key is one this account issued and has not revoked; its mode
    /// (test or live) decides which data it can see.
    pub fn verify(&self, sql: &SqlStorage, key: &ParsedApiKey) -> Result<Option<ApiKeyMode>> {
        let mut keys = self.keys.borrow_mut();
        let keys = match &mut *keys {
            Some(keys) => keys,
            empty => empty.insert(load(sql)?),
        };
        Ok(check(keys, key))
    }

    /// `verify` without storage: `None` while the table has not been read yet.
    pub fn verify_in_memory(&self, key: &ParsedApiKey) -> Option<Option<ApiKeyMode>> {
        self.keys.borrow().as_ref().map(|keys| check(keys, key))
    }
}

fn check(keys: &HashMap<String, KnownKey>, key: &ParsedApiKey) -> Option<ApiKeyMode> {
    let known = keys.get(&key.key_id().to_string())?;
    // KeyHash compares in constant time; the mode must also agree with the key's prefix.
    let matches = known.hash == key.hash() && known.live == (key.mode() == ApiKeyMode::Live);
    matches.then_some(key.mode())
}

#[derive(Deserialize)]
struct KeyRow {
    key_id: String,
    hash: String,
    live: i64,
}
impl Row for KeyRow {}

fn load(sql: &SqlStorage) -> Result<HashMap<String, KnownKey>> {
    let rows: Vec<KeyRow> = query(
        sql,
        "SELECT key_id, hash, live FROM api_keys WHERE revoked_at IS NULL",
        vec![],
    )?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let hash = KeyHash::from_hex(&row.hash)?;
            Some((
                row.key_id,
                KnownKey {
                    hash,
                    live: row.live != 0,
                },
            ))
        })
        .collect())
}
