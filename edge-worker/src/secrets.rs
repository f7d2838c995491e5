//! Secrets an account object keeps at rest (provider credentials, webhook signing keys),
//! sealed with `STORAGE_ENCRYPTION_KEY` through `kassa_core::at_rest`.

use crate::clock;
use kassa_core::at_rest::StorageKey;
use worker::{Env, Error, Result};

fn storage_key(env: &Env) -> Result<StorageKey> {
    let text = env.secret("STORAGE_ENCRYPTION_KEY")?.to_string();
    StorageKey::from_base64url(&text).map_err(|e| Error::RustError(e.to_string()))
}

/// Seals `plaintext` for one account's slot with a fresh nonce.
pub fn seal(env: &Env, account: &str, slot: &str, plaintext: &[u8]) -> Result<String> {
    storage_key(env)?
        .seal(account, slot, clock::random()?, plaintext)
        .map_err(|e| Error::RustError(e.to_string()))
}

/// Opens a value sealed by [`seal`] for the same account and slot.
pub fn open(env: &Env, account: &str, slot: &str, sealed: &str) -> Result<Vec<u8>> {
    storage_key(env)?
        .open(account, slot, sealed)
        .map_err(|e| Error::RustError(e.to_string()))
}
