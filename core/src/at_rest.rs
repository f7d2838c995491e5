//! Encryption at rest for secrets an account object must keep but never show: payment
//! provider credentials and webhook signing keys.
//!
//! The worker holds one 32-byte key (`STORAGE_ENCRYPTION_KEY`); each value is sealed with
//! ChaCha20Poly1305 under a key derived from it for one purpose, with a fresh random nonce
//! passed in by the caller (core draws no randomness). The associated data names the
//! account and the slot (`"provider_credentials"`, `"webhook:<id>"` …), so a sealed value
//! copied into another account or slot fails to open instead of being used there.
//!
//! Format: `ear1.<b64url nonce>.<b64url ciphertext+tag>`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64URL;
use base64::Engine;
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{ChaCha20Poly1305, KeyInit, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

const PREFIX: &str = "ear1";

/// Why a stored value could not be opened: wrong key, wrong slot, or damaged text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtRestError {
    Malformed,
    /// The key, the account or the slot differ from the ones it was sealed with.
    Rejected,
    /// `STORAGE_ENCRYPTION_KEY` is not base64url of 32 bytes.
    BadKey,
}

impl core::fmt::Display for AtRestError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            AtRestError::Malformed => "stored secret is not in the ear1 format",
            AtRestError::Rejected => "stored secret does not open with this key and slot",
            AtRestError::BadKey => "storage encryption key is not base64url of 32 bytes",
        })
    }
}

/// The storage encryption key. Its bytes never leave this type, and `Debug` hides them.
pub struct StorageKey([u8; 32]);

impl core::fmt::Debug for StorageKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("StorageKey(..)")
    }
}

/// Whether `text` has the sealed format's shape (`ear1.…`): lets a store that started
/// sealing tell its sealed values from plaintext written before it did. Plaintext JSON,
/// ids and empty strings never start this way.
pub fn is_sealed(text: &str) -> bool {
    text.strip_prefix(PREFIX)
        .is_some_and(|rest| rest.starts_with('.'))
}

impl StorageKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        StorageKey(bytes)
    }

    /// Parses the secret as configured (unpadded base64url of 32 bytes).
    pub fn from_base64url(text: &str) -> Result<Self, AtRestError> {
        let bytes = BASE64URL
            .decode(text.trim())
            .map_err(|_| AtRestError::BadKey)?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| AtRestError::BadKey)?;
        Ok(StorageKey(bytes))
    }

    /// One cipher per purpose, so the same master key never encrypts two kinds of data
    /// directly.
    fn cipher(&self) -> Result<ChaCha20Poly1305, AtRestError> {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0).map_err(|_| AtRestError::BadKey)?;
        mac.update(b"kassa at-rest v1");
        let derived: [u8; 32] = mac.finalize().into_bytes().into();
        Ok(ChaCha20Poly1305::new(&derived.into()))
    }

    /// Seals `plaintext` for one account's slot with a fresh random `nonce`.
    pub fn seal(
        &self,
        account: &str,
        slot: &str,
        nonce: [u8; 12],
        plaintext: &[u8],
    ) -> Result<String, AtRestError> {
        let aad = associated_data(account, slot);
        let ct = self
            .cipher()?
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .map_err(|_| AtRestError::Rejected)?;
        Ok(format!(
            "{PREFIX}.{}.{}",
            BASE64URL.encode(nonce),
            BASE64URL.encode(ct)
        ))
    }

    /// Opens a value sealed by [`StorageKey::seal`] for the same account and slot.
    pub fn open(&self, account: &str, slot: &str, sealed: &str) -> Result<Vec<u8>, AtRestError> {
        let mut parts = sealed.split('.');
        let (Some(PREFIX), Some(nonce), Some(ct), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(AtRestError::Malformed);
        };
        let nonce = BASE64URL
            .decode(nonce)
            .map_err(|_| AtRestError::Malformed)?;
        let ct = BASE64URL.decode(ct).map_err(|_| AtRestError::Malformed)?;
        if nonce.len() != 12 {
            return Err(AtRestError::Malformed);
        }
        let aad = associated_data(account, slot);
        self.cipher()?
            .decrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: &ct,
                    aad: &aad,
                },
            )
            .map_err(|_| AtRestError::Rejected)
    }
}

/// Length-prefixed so that `("ab", "c")` and `("a", "bc")` differ.
fn associated_data(account: &str, slot: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(16 + account.len() + slot.len());
    aad.extend_from_slice(b"kassa-ear1");
    aad.extend_from_slice(&(account.len() as u32).to_be_bytes());
    aad.extend_from_slice(account.as_bytes());
    aad.extend_from_slice(slot.as_bytes());
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> StorageKey {
        StorageKey::from_bytes([byte; 32])
    }

    #[test]
    fn round_trips_and_hides_the_plaintext() {
        let sealed = key(7)
            .seal("acct", "provider_credentials", [1; 12], b"sk_test_secret")
            .unwrap();
        assert!(sealed.starts_with("ear1."));
        assert!(!sealed.contains("sk_test"));
        let opened = key(7)
            .open("acct", "provider_credentials", &sealed)
            .unwrap();
        assert_eq!(opened, b"sk_test_secret");
        assert!(is_sealed(&sealed));
    }

    #[test]
    fn plaintext_is_never_taken_for_sealed() {
        for text in [
            "",
            "{\"a\":1}",
            "abcdefghijklmnopqrstuvwxyz",
            "ear1",
            "ear1x.y.z",
        ] {
            assert!(!is_sealed(text), "{text}");
        }
    }

    #[test]
    fn another_key_account_or_slot_cannot_open_it() {
        let sealed = key(7).seal("acct", "slot", [1; 12], b"secret").unwrap();
        assert_eq!(
            key(8).open("acct", "slot", &sealed),
            Err(AtRestError::Rejected)
        );
        assert_eq!(
            key(7).open("other", "slot", &sealed),
            Err(AtRestError::Rejected)
        );
        assert_eq!(
            key(7).open("acct", "slot2", &sealed),
            Err(AtRestError::Rejected)
        );
        assert_eq!(
            key(7).open("acc", "tslot", &sealed),
            Err(AtRestError::Rejected)
        );
    }

    #[test]
    fn damaged_text_is_refused() {
        let sealed = key(7).seal("a", "s", [1; 12], b"secret").unwrap();
        let mut flipped = sealed.clone().into_bytes();
        // A character inside the ciphertext (the last one may carry only padding bits).
        let inside = flipped.len() - 5;
        flipped[inside] = if flipped[inside] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).unwrap();
        assert_eq!(key(7).open("a", "s", &flipped), Err(AtRestError::Rejected));
        assert_eq!(
            key(7).open("a", "s", "ear1.xx"),
            Err(AtRestError::Malformed)
        );
        assert_eq!(
            key(7).open("a", "s", "ear2.AAAAAAAAAAAAAAAA.AA"),
            Err(AtRestError::Malformed)
        );
    }

    #[test]
    fn the_configured_key_must_be_32_bytes_of_base64url() {
        assert!(StorageKey::from_base64url(&BASE64URL.encode([3u8; 32])).is_ok());
        assert_eq!(
            StorageKey::from_base64url("short").map(|_| ()),
            Err(AtRestError::BadKey)
        );
        assert_eq!(format!("{:?}", key(1)), "StorageKey(..)");
    }
}
