//! The worker's sources of time and randomness, handed to `kassa-core` as plain values.

use kassa_core::time::UnixMillis;
use worker::{Error, Result};

pub fn now() -> UnixMillis {
    UnixMillis(worker::Date::now().as_millis())
}

/// Random bytes from the runtime's CSPRNG (`crypto.getRandomValues`).
pub fn random<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).map_err(|e| Error::RustError(e.to_string()))?;
    Ok(bytes)
}
