//! Credentials: API keys, one-time hosted-payment-page tokens, and the admin bearer token.
//!
//! API key text: `api_test_<body>` or `api_live_<body>`, where `body` is lower-case base32
//! (see [`crate::ids::base32`]) of 51 bytes, 82 characters:
//!
//! ```text
//! account id (10) | key id (5) | secret (32) | CRC-32 (4, little-endian)
//! ```
//!
//! * The account id routes the request to the account's storage without a global lookup;
//!   the key id names the key within the account; the 256-bit secret is what makes the key
//!   unguessable.
//! * The CRC-32/ISO-HDLC covers the ASCII prefix and the 47 bytes before it, so typos, junk
//!   and truncated keys are rejected statelessly, before any storage is touched (cheap
//!   protection for storage against garbage traffic). CRC-32 detects every error burst of up
//!   to 32 bits, and a changed base32 character is a burst of at most 5 bits (16 once the
//!   byte order of the reflected CRC is taken into account), so every single-character change
//!   is caught; the test below checks all of them. Covering the prefix means `test` cannot
//!   be edited into `live`. A CRC is not a MAC: it stops accidents, the secret stops attackers.
//! * Storage keeps only `SHA-256(key text)`. A plain, fast hash is right here (not a
//!   password hash) because the input has 256 bits of entropy: there is nothing to brute
//!   force, and the hash can be looked up directly. The key is shown to the merchant once.
//!
//! Page tokens (`next_url` of a hosted payment page): base32 of 46 bytes, 74 characters:
//! `account id (10) | random (32) | CRC-32 (4)`, with the CRC also covering a domain label
//! so a page token and an API key body can never be mistaken for each other.
//!
//! Publishable keys (`pk_test_<body>` / `pk_live_<body>`, embedded checkout's `tokenize()`):
//! base32 of 14 bytes, 23 characters: `account id (10) | CRC-32 (4)`, the CRC covering a
//! domain label, the prefix and the account id. They hold no secret and nothing is stored:
//! a merchant's web page shows its key to everyone, and the key only names the account (for
//! routing, and as the binding of cards sealed in that page). Being derived, each account
//! has exactly one per mode, the same every time it is asked for.
//!
//! Every check involving a secret (checksums, hashes, the admin token) is constant-time.

use core::fmt;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::hpke::{wipe, wipe_string, wipe_vec};
use crate::ids::{base32, AccountId, KeyId};

pub const TEST_PREFIX: &str = "api_test_";
pub const LIVE_PREFIX: &str = "api_live_";

const ACCOUNT_BYTES: usize = AccountId::BYTES;
const KEY_ID_BYTES: usize = KeyId::BYTES;
const SECRET_BYTES: usize = 32;
const CRC_BYTES: usize = 4;
const API_KEY_BYTES: usize = ACCOUNT_BYTES + KEY_ID_BYTES + SECRET_BYTES + CRC_BYTES;
/// Characters after the `api_test_` / `api_live_` prefix.
pub const API_KEY_BODY_LEN: usize = base32::encoded_len(API_KEY_BYTES);
/// Total length of an API key.
pub const API_KEY_LEN: usize = TEST_PREFIX.len() + API_KEY_BODY_LEN;

const PAGE_TOKEN_BYTES: usize = ACCOUNT_BYTES + SECRET_BYTES + CRC_BYTES;
/// Length of a page token.
pub const PAGE_TOKEN_LEN: usize = base32::encoded_len(PAGE_TOKEN_BYTES);
const PAGE_TOKEN_DOMAIN: &[u8] = b"kassa-page-token-v1";

pub const PUBLISHABLE_TEST_PREFIX: &str = "pk_test_";
pub const PUBLISHABLE_LIVE_PREFIX: &str = "pk_live_";
const PUBLISHABLE_BYTES: usize = ACCOUNT_BYTES + CRC_BYTES;
/// Length of a publishable key (both prefixes have the same length).
pub const PUBLISHABLE_KEY_LEN: usize =
    PUBLISHABLE_TEST_PREFIX.len() + base32::encoded_len(PUBLISHABLE_BYTES);
const PUBLISHABLE_DOMAIN: &[u8] = b"kassa-publishable-key-v1";

/// Why a credential string was rejected. None of these touch storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialError {
    /// Not `api_test_` / `api_live_`.
    WrongPrefix,
    /// Not the exact length.
    WrongLength,
    /// Not canonical lower-case base32.
    InvalidEncoding,
    /// The checksum does not match: a typo or junk.
    BadChecksum,
}

impl fmt::Display for CredentialError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CredentialError::WrongPrefix => "credential has an unknown prefix",
            CredentialError::WrongLength => "credential has the wrong length",
            CredentialError::InvalidEncoding => "credential is not lower-case base32",
            CredentialError::BadChecksum => "credential checksum mismatch",
        })
    }
}

impl std::error::Error for CredentialError {}

/// CRC-32/ISO-HDLC (the zlib/PNG/Ethernet CRC: reflected polynomial 0xEDB88320, initial
/// value and final XOR 0xFFFFFFFF) over the concatenation of `parts`.
///
/// Bitwise and table-free: inputs are tens of bytes, and the mask arithmetic (instead of
/// `if crc & 1`) keeps it free of data-dependent branches, as it runs over secrets.
pub fn crc32(parts: &[&[u8]]) -> u32 {
    let mut crc: u32 = 0xFFFF_FFFF;
    for part in parts {
        for &byte in *part {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                let mask = (crc & 1).wrapping_neg();
                crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
            }
        }
    }
    !crc
}

/// A SHA-256 digest of a credential: what storage keeps. Compares in constant time.
#[derive(Clone, Copy, Eq)]
pub struct KeyHash(pub [u8; 32]);

impl KeyHash {
    fn of(text: &str) -> KeyHash {
        KeyHash(Sha256::digest(text.as_bytes()).into())
    }

    pub fn to_hex(&self) -> String {
        let mut out = String::with_capacity(64);
        for b in self.0 {
            out.push_str(&format!("{b:02x}"));
        }
        out
    }

    pub fn from_hex(text: &str) -> Option<KeyHash> {
        if text.len() != 64 || !text.is_ascii() {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, slot) in out.iter_mut().enumerate() {
            let pair = text.get(2 * i..2 * i + 2)?;
            if !pair
                .bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            {
                return None;
            }
            *slot = u8::from_str_radix(pair, 16).ok()?;
        }
        Some(KeyHash(out))
    }
}

impl PartialEq for KeyHash {
    fn eq(&self, other: &KeyHash) -> bool {
        bool::from(self.0.ct_eq(&other.0))
    }
}

// Written out because `PartialEq` is: equal values (same bytes) still hash equally.
impl core::hash::Hash for KeyHash {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl fmt::Debug for KeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyHash({})", self.to_hex())
    }
}

impl serde::Serialize for KeyHash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for KeyHash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        KeyHash::from_hex(&text).ok_or_else(|| serde::de::Error::custom("expected 64 hex digits"))
    }
}

/// Test keys move no money; live keys do. The mode is visible in the prefix so a merchant
/// (and a secret scanner) can tell them apart at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApiKeyMode {
    Test,
    Live,
}

impl ApiKeyMode {
    pub const fn prefix(self) -> &'static str {
        match self {
            ApiKeyMode::Test => TEST_PREFIX,
            ApiKeyMode::Live => LIVE_PREFIX,
        }
    }

    pub const fn publishable_prefix(self) -> &'static str {
        match self {
            ApiKeyMode::Test => PUBLISHABLE_TEST_PREFIX,
            ApiKeyMode::Live => PUBLISHABLE_LIVE_PREFIX,
        }
    }
}

/// What storage keeps for an API key: never the key itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ApiKeyRecord {
    pub mode: ApiKeyMode,
    pub account_id: AccountId,
    pub key_id: KeyId,
    /// SHA-256 of the full key text.
    pub hash: KeyHash,
}

impl ApiKeyRecord {
    /// Whether `key` is the key this record was made for (hash compared in constant time).
    pub fn matches(&self, key: &ParsedApiKey) -> bool {
        let same_hash = self.hash == key.hash();
        same_hash
            & (self.mode == key.mode)
            & (self.account_id == key.account_id)
            & (self.key_id == key.key_id)
    }
}

/// Namespace for API-key generation.
#[derive(Debug)]
pub struct ApiKey;

impl ApiKey {
    /// Makes a new key from caller-supplied ids and 32 random secret bytes. Returns the key
    /// text (show it to the merchant once, never store it) and the record to store.
    pub fn generate(
        mode: ApiKeyMode,
        account_id: AccountId,
        key_id: KeyId,
        secret: [u8; 32],
    ) -> (String, ApiKeyRecord) {
        let mut bytes = Vec::with_capacity(API_KEY_BYTES);
        bytes.extend_from_slice(account_id.as_bytes());
        bytes.extend_from_slice(key_id.as_bytes());
        bytes.extend_from_slice(&secret);
        let crc = crc32(&[mode.prefix().as_bytes(), &bytes]);
        bytes.extend_from_slice(&crc.to_le_bytes());
        let text = format!("{}{}", mode.prefix(), base32::encode(&bytes));
        wipe_vec(&mut bytes);
        let record = ApiKeyRecord {
            mode,
            account_id,
            key_id,
            hash: KeyHash::of(&text),
        };
        (text, record)
    }
}

/// An API key that passed the stateless checks. Holds the secret: Debug is redacted and
/// the secret and text are wiped on drop.
pub struct ParsedApiKey {
    mode: ApiKeyMode,
    account_id: AccountId,
    key_id: KeyId,
    secret: [u8; SECRET_BYTES],
    text: String,
}

impl ParsedApiKey {
    pub fn mode(&self) -> ApiKeyMode {
        self.mode
    }

    pub fn account_id(&self) -> AccountId {
        self.account_id
    }

    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// SHA-256 of the full key text: look this up in the account's storage.
    pub fn hash(&self) -> KeyHash {
        KeyHash::of(&self.text)
    }
}

impl Drop for ParsedApiKey {
    fn drop(&mut self) {
        wipe(&mut self.secret);
        wipe_string(&mut self.text);
    }
}

impl fmt::Debug for ParsedApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParsedApiKey")
            .field("mode", &self.mode)
            .field("account_id", &self.account_id)
            .field("key_id", &self.key_id)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// The mode a credential's prefix names (`prefix` gives each mode's), and the rest.
fn split_mode(
    text: &str,
    prefix: fn(ApiKeyMode) -> &'static str,
) -> Result<(ApiKeyMode, &str), CredentialError> {
    [ApiKeyMode::Test, ApiKeyMode::Live]
        .into_iter()
        .find_map(|mode| text.strip_prefix(prefix(mode)).map(|body| (mode, body)))
        .ok_or(CredentialError::WrongPrefix)
}

/// Checks the prefix, length, alphabet and checksum of an API key without any storage.
pub fn parse_api_key(text: &str) -> Result<ParsedApiKey, CredentialError> {
    let (mode, body) = split_mode(text, ApiKeyMode::prefix)?;
    if body.len() != API_KEY_BODY_LEN {
        return Err(CredentialError::WrongLength);
    }
    let mut bytes = base32::decode_array::<API_KEY_BYTES>(body)
        .map_err(|_| CredentialError::InvalidEncoding)?;
    let parsed = split_api_key(mode, &bytes, text);
    wipe(&mut bytes);
    parsed
}

fn split_api_key(
    mode: ApiKeyMode,
    bytes: &[u8; API_KEY_BYTES],
    text: &str,
) -> Result<ParsedApiKey, CredentialError> {
    let (payload, received_crc) = bytes
        .split_last_chunk::<CRC_BYTES>()
        .ok_or(CredentialError::WrongLength)?;
    let computed = crc32(&[mode.prefix().as_bytes(), payload]).to_le_bytes();
    if !bool::from(computed.ct_eq(received_crc)) {
        return Err(CredentialError::BadChecksum);
    }
    let (account, rest) = payload
        .split_first_chunk::<ACCOUNT_BYTES>()
        .ok_or(CredentialError::WrongLength)?;
    let (key_id, secret) = rest
        .split_first_chunk::<KEY_ID_BYTES>()
        .ok_or(CredentialError::WrongLength)?;
    let secret =
        <[u8; SECRET_BYTES]>::try_from(secret).map_err(|_| CredentialError::WrongLength)?;
    Ok(ParsedApiKey {
        mode,
        account_id: AccountId::generate(*account),
        key_id: KeyId::generate(*key_id),
        secret,
        text: text.to_string(),
    })
}

/// A one-time token for a hosted payment page (`next_url`). It carries the account id so
/// the worker can route to the account's storage directly; storage keeps `hash()` and
/// deletes it on first use (the one-time property lives there, not in the token).
/// Debug is redacted; the text is wiped on drop.
pub struct PageToken {
    account_id: AccountId,
    text: String,
}

impl PageToken {
    /// A new token for `account_id` from 32 caller-supplied random bytes.
    pub fn generate(account_id: AccountId, random: [u8; 32]) -> PageToken {
        let mut bytes = Vec::with_capacity(PAGE_TOKEN_BYTES);
        bytes.extend_from_slice(account_id.as_bytes());
        bytes.extend_from_slice(&random);
        let crc = crc32(&[PAGE_TOKEN_DOMAIN, &bytes]);
        bytes.extend_from_slice(&crc.to_le_bytes());
        let text = base32::encode(&bytes);
        wipe_vec(&mut bytes);
        PageToken { account_id, text }
    }

    /// The token text, for the `next_url`. Named so that exposing it is deliberate.
    pub fn expose(&self) -> &str {
        &self.text
    }

    pub fn account_id(&self) -> AccountId {
        self.account_id
    }

    /// SHA-256 of the token text: what storage keeps.
    pub fn hash(&self) -> KeyHash {
        KeyHash::of(&self.text)
    }
}

impl Drop for PageToken {
    fn drop(&mut self) {
        wipe_string(&mut self.text);
    }
}

impl fmt::Debug for PageToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PageToken")
            .field("account_id", &self.account_id)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// Checks a page token's length, alphabet and checksum without any storage.
pub fn parse_page_token(text: &str) -> Result<PageToken, CredentialError> {
    if text.len() != PAGE_TOKEN_LEN {
        return Err(CredentialError::WrongLength);
    }
    let mut bytes = base32::decode_array::<PAGE_TOKEN_BYTES>(text)
        .map_err(|_| CredentialError::InvalidEncoding)?;
    let result = match bytes.split_last_chunk::<CRC_BYTES>() {
        Some((payload, received_crc)) => {
            let computed = crc32(&[PAGE_TOKEN_DOMAIN, payload]).to_le_bytes();
            if bool::from(computed.ct_eq(received_crc)) {
                match payload.first_chunk::<ACCOUNT_BYTES>() {
                    Some(account) => Ok(PageToken {
                        account_id: AccountId::generate(*account),
                        text: text.to_string(),
                    }),
                    None => Err(CredentialError::WrongLength),
                }
            } else {
                Err(CredentialError::BadChecksum)
            }
        }
        None => Err(CredentialError::WrongLength),
    };
    wipe(&mut bytes);
    result
}

/// A publishable key that passed the stateless checks: which account, test or live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishableKey {
    pub mode: ApiKeyMode,
    pub account_id: AccountId,
}

impl PublishableKey {
    /// The key's text: the same for the same account and mode, every time.
    pub fn text(&self) -> String {
        let prefix = self.mode.publishable_prefix();
        let account = self.account_id.as_bytes();
        let crc = crc32(&[PUBLISHABLE_DOMAIN, prefix.as_bytes(), account]);
        let mut bytes = Vec::with_capacity(PUBLISHABLE_BYTES);
        bytes.extend_from_slice(account);
        bytes.extend_from_slice(&crc.to_le_bytes());
        format!("{prefix}{}", base32::encode(&bytes))
    }
}

/// Checks a publishable key's prefix, length, alphabet and checksum without any storage.
pub fn parse_publishable_key(text: &str) -> Result<PublishableKey, CredentialError> {
    let (mode, body) = split_mode(text, ApiKeyMode::publishable_prefix)?;
    if text.len() != PUBLISHABLE_KEY_LEN {
        return Err(CredentialError::WrongLength);
    }
    let bytes = base32::decode_array::<PUBLISHABLE_BYTES>(body)
        .map_err(|_| CredentialError::InvalidEncoding)?;
    let (account, received_crc) = bytes
        .split_first_chunk::<ACCOUNT_BYTES>()
        .ok_or(CredentialError::WrongLength)?;
    let computed = crc32(&[
        PUBLISHABLE_DOMAIN,
        mode.publishable_prefix().as_bytes(),
        account,
    ]);
    if computed.to_le_bytes().as_slice() != received_crc {
        return Err(CredentialError::BadChecksum);
    }
    Ok(PublishableKey {
        mode,
        account_id: AccountId::generate(*account),
    })
}

/// The token of an `Authorization: Bearer <token>` header value (scheme case-insensitive,
/// RFC 7235), or `None`.
pub fn bearer_token(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim_start();
    if token.is_empty() {
        None
    } else {
        Some(token)
    }
}

/// Compares a presented admin bearer token with the configured one in constant time.
///
/// Both are hashed first so the comparison is between equal-length digests: comparing the
/// raw strings would leak the configured token's length through the length check. An empty
/// configured token never matches, so a missing secret in the environment cannot open the
/// admin API to an empty `Authorization` header.
pub fn admin_token_matches(configured: &str, presented: &str) -> bool {
    secret_matches(configured, presented)
}

/// Whether `presented` is the (non-empty) secret `expected`, in constant time whatever
/// their lengths (both are hashed first).
pub fn secret_matches(expected: &str, presented: &str) -> bool {
    let configured = expected;
    if configured.is_empty() {
        return false;
    }
    let expected = Sha256::digest(configured.as_bytes());
    let actual = Sha256::digest(presented.as_bytes());
    bool::from(expected.as_slice().ct_eq(actual.as_slice()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample_key(mode: ApiKeyMode) -> (String, ApiKeyRecord) {
        ApiKey::generate(
            mode,
            AccountId::generate(*b"acct-0001!"),
            KeyId::generate(*b"key01"),
            [0x5a; 32],
        )
    }

    /// Every character except `c` that a key could plausibly be mistyped with.
    fn alternatives(c: char) -> impl Iterator<Item = char> {
        (' '..='~').filter(move |&x| x != c)
    }

    /// `text` with one character replaced, in every position by every alternative.
    fn single_character_changes(text: &str) -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        let mut out = Vec::new();
        for (i, &original) in chars.iter().enumerate() {
            for replacement in alternatives(original) {
                let mut changed = chars.clone();
                changed[i] = replacement;
                out.push(changed.into_iter().collect());
            }
        }
        out
    }

    #[test]
    fn crc32_check_value() {
        // The catalogue check value of CRC-32/ISO-HDLC.
        assert_eq!(crc32(&[b"123456789"]), 0xCBF4_3926);
        assert_eq!(crc32(&[b"1234", b"56789"]), 0xCBF4_3926);
        assert_eq!(crc32(&[]), 0);
    }

    #[test]
    fn api_key_shape_and_round_trip() {
        let (text, record) = sample_key(ApiKeyMode::Live);
        assert_eq!(text.len(), API_KEY_LEN);
        assert_eq!(API_KEY_BODY_LEN, 82);
        assert!(text.starts_with("api_live_"));
        assert!(text
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_'));
        let parsed = parse_api_key(&text).unwrap();
        assert_eq!(parsed.mode(), ApiKeyMode::Live);
        assert_eq!(parsed.account_id(), record.account_id);
        assert_eq!(parsed.key_id(), record.key_id);
        assert_eq!(parsed.secret, [0x5a; 32]);
        assert_eq!(parsed.hash(), record.hash);
        assert_eq!(
            record.hash.0,
            <[u8; 32]>::from(Sha256::digest(text.as_bytes()))
        );
        assert!(record.matches(&parsed));
        let (other, _) = ApiKey::generate(
            ApiKeyMode::Live,
            record.account_id,
            record.key_id,
            [0x5b; 32],
        );
        assert!(!record.matches(&parse_api_key(&other).unwrap()));
    }

    /// Exhaustive over positions and replacement characters. One key suffices for all:
    /// base32 decoding and the CRC are linear, so whether an error pattern goes unnoticed
    /// depends only on the pattern, never on the key it is applied to.
    #[test]
    fn api_key_rejects_every_single_character_change() {
        for mode in [ApiKeyMode::Test, ApiKeyMode::Live] {
            let (text, _) = sample_key(mode);
            let changes = single_character_changes(&text);
            assert_eq!(changes.len(), API_KEY_LEN * 94);
            for changed in changes {
                assert!(parse_api_key(&changed).is_err(), "{changed}");
            }
        }
    }

    #[test]
    fn api_key_errors_are_specific() {
        let (text, _) = sample_key(ApiKeyMode::Test);
        assert_eq!(
            parse_api_key(&text.replacen("api_test_", "api_prod_", 1)).err(),
            Some(CredentialError::WrongPrefix)
        );
        assert_eq!(
            parse_api_key(&text.to_uppercase()).err(),
            Some(CredentialError::WrongPrefix)
        );
        // Editing test into live keeps the prefix valid but breaks the checksum.
        assert_eq!(
            parse_api_key(&text.replacen("api_test_", "api_live_", 1)).err(),
            Some(CredentialError::BadChecksum)
        );
        assert_eq!(
            parse_api_key(&text[..text.len() - 1]).err(),
            Some(CredentialError::WrongLength)
        );
        assert_eq!(
            parse_api_key(&format!("{text}a")).err(),
            Some(CredentialError::WrongLength)
        );
        let body_upper = format!("api_test_{}", text["api_test_".len()..].to_uppercase());
        assert_eq!(
            parse_api_key(&body_upper).err(),
            Some(CredentialError::InvalidEncoding)
        );
        assert_eq!(parse_api_key("").err(), Some(CredentialError::WrongPrefix));
        // Swapping two adjacent characters is also caught.
        let mut swapped: Vec<char> = text.chars().collect();
        swapped.swap(20, 21);
        if swapped[20] != swapped[21] {
            assert!(parse_api_key(&swapped.into_iter().collect::<String>()).is_err());
        }
    }

    #[test]
    fn debug_never_shows_secrets() {
        let (text, record) = sample_key(ApiKeyMode::Live);
        let parsed = parse_api_key(&text).unwrap();
        let body = &text[LIVE_PREFIX.len()..];
        for debug in [format!("{parsed:?}"), format!("{record:?}")] {
            assert!(!debug.contains(body), "{debug}");
            assert!(!debug.contains(&body[16..40]), "{debug}");
        }
        assert!(format!("{parsed:?}").contains("<redacted>"));
        let token = PageToken::generate(record.account_id, [3; 32]);
        let debug = format!("{token:?}");
        assert!(!debug.contains(token.expose()));
        assert!(debug.contains(&record.account_id.to_string()));
    }

    #[test]
    fn record_serde_keeps_hash_as_hex() {
        let (_, record) = sample_key(ApiKeyMode::Test);
        let json = serde_json::to_string(&record).unwrap();
        assert!(json.contains("\"mode\":\"test\""));
        assert!(json.contains(&record.hash.to_hex()));
        let back: ApiKeyRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(back, record);
        assert!(serde_json::from_str::<KeyHash>("\"ABCD\"").is_err());
        assert!(KeyHash::from_hex(&record.hash.to_hex().to_uppercase()).is_none());
    }

    #[test]
    fn page_token_round_trip_and_every_change_rejected() {
        let account = AccountId::generate([9; 10]);
        let token = PageToken::generate(account, [0xc3; 32]);
        assert_eq!(token.expose().len(), PAGE_TOKEN_LEN);
        assert_eq!(PAGE_TOKEN_LEN, 74);
        let parsed = parse_page_token(token.expose()).unwrap();
        assert_eq!(parsed.account_id(), account);
        assert_eq!(parsed.hash(), token.hash());
        for changed in single_character_changes(token.expose()) {
            assert!(parse_page_token(&changed).is_err(), "{changed}");
        }
        // An API key body is not a page token, and vice versa.
        let (key, _) = sample_key(ApiKeyMode::Test);
        assert!(parse_page_token(&key[TEST_PREFIX.len()..]).is_err());
        assert!(parse_api_key(&format!("api_test_{}", token.expose())).is_err());
    }

    #[test]
    fn publishable_key_round_trip_and_every_change_rejected() {
        let account = AccountId::generate(*b"acct-0001!");
        for mode in [ApiKeyMode::Test, ApiKeyMode::Live] {
            let key = PublishableKey {
                mode,
                account_id: account,
            };
            let text = key.text();
            assert_eq!(text, key.text(), "deterministic");
            assert_eq!(text.len(), PUBLISHABLE_KEY_LEN);
            assert_eq!(PUBLISHABLE_KEY_LEN, 8 + 23);
            assert!(text.starts_with(mode.publishable_prefix()));
            assert_eq!(parse_publishable_key(&text), Ok(key));
            let changes = single_character_changes(&text);
            assert_eq!(changes.len(), PUBLISHABLE_KEY_LEN * 94);
            for changed in changes {
                assert!(parse_publishable_key(&changed).is_err(), "{changed}");
            }
        }
        let other = PublishableKey {
            mode: ApiKeyMode::Test,
            account_id: AccountId::generate(*b"acct-0002!"),
        };
        assert_ne!(
            other.text(),
            PublishableKey {
                mode: ApiKeyMode::Test,
                account_id: account
            }
            .text()
        );
    }

    #[test]
    fn publishable_key_errors_and_no_confusion() {
        let test = PublishableKey {
            mode: ApiKeyMode::Test,
            account_id: AccountId::generate([7; 10]),
        }
        .text();
        // Editing test into live keeps the prefix valid but breaks the checksum.
        assert_eq!(
            parse_publishable_key(&test.replacen("pk_test_", "pk_live_", 1)),
            Err(CredentialError::BadChecksum)
        );
        assert_eq!(
            parse_publishable_key(&test.replacen("pk_test_", "pk_prod_", 1)),
            Err(CredentialError::WrongPrefix)
        );
        assert_eq!(
            parse_publishable_key(&test[..test.len() - 1]),
            Err(CredentialError::WrongLength)
        );
        assert_eq!(
            parse_publishable_key(&test.to_uppercase()),
            Err(CredentialError::WrongPrefix)
        );
        assert_eq!(
            parse_publishable_key(&format!("pk_test_{}", test[8..].to_uppercase())),
            Err(CredentialError::InvalidEncoding)
        );
        assert_eq!(parse_publishable_key(""), Err(CredentialError::WrongPrefix));
        // Neither an API key nor a page token passes for a publishable key, or the reverse.
        let (api, _) = sample_key(ApiKeyMode::Test);
        assert!(parse_publishable_key(&api).is_err());
        assert!(parse_publishable_key(&api.replacen("api_", "pk_", 1)).is_err());
        let page = PageToken::generate(AccountId::generate([7; 10]), [1; 32]);
        assert!(parse_publishable_key(&format!("pk_test_{}", page.expose())).is_err());
        assert!(parse_api_key(&test).is_err());
        assert!(parse_api_key(&test.replacen("pk_", "api_", 1)).is_err());
        assert!(parse_page_token(&test[8..]).is_err());
    }

    #[test]
    fn bearer_and_admin_token() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer   abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert!(admin_token_matches(
            "s3cret-admin-token",
            "s3cret-admin-token"
        ));
        assert!(!admin_token_matches(
            "s3cret-admin-token",
            "s3cret-admin-tokeN"
        ));
        assert!(!admin_token_matches("s3cret-admin-token", "s3cret"));
        assert!(!admin_token_matches("s3cret-admin-token", ""));
        assert!(!admin_token_matches("", ""));
    }

    proptest! {
        #[test]
        fn api_key_generate_parse_round_trip(
            live in any::<bool>(),
            account in any::<[u8; 10]>(),
            key_id in any::<[u8; 5]>(),
            secret in any::<[u8; 32]>(),
            index in any::<prop::sample::Index>(),
            replacement in proptest::char::range(' ', '~'),
        ) {
            let mode = if live { ApiKeyMode::Live } else { ApiKeyMode::Test };
            let (text, record) = ApiKey::generate(mode, AccountId::generate(account), KeyId::generate(key_id), secret);
            let parsed = parse_api_key(&text).unwrap();
            prop_assert!(record.matches(&parsed));
            prop_assert_eq!(parsed.secret, secret);
            let mut chars: Vec<char> = text.chars().collect();
            let i = index.index(chars.len());
            prop_assume!(chars[i] != replacement);
            chars[i] = replacement;
            let changed: String = chars.into_iter().collect();
            prop_assert!(parse_api_key(&changed).is_err());
        }

        #[test]
        fn publishable_key_round_trip(live in any::<bool>(), account in any::<[u8; 10]>()) {
            let mode = if live { ApiKeyMode::Live } else { ApiKeyMode::Test };
            let key = PublishableKey { mode, account_id: AccountId::generate(account) };
            prop_assert_eq!(parse_publishable_key(&key.text()), Ok(key));
        }

        #[test]
        fn page_token_round_trip(account in any::<[u8; 10]>(), random in any::<[u8; 32]>()) {
            let token = PageToken::generate(AccountId::generate(account), random);
            let parsed = parse_page_token(token.expose()).unwrap();
            prop_assert_eq!(parsed.account_id(), AccountId::generate(account));
            prop_assert_eq!(parsed.expose(), token.expose());
        }
    }
}

/// A payer's session on the hosted pages: the cookie carries 32 random bytes (hex); storage
/// keeps only their SHA-256, and forms carry a CSRF token derived from the same secret, so
/// a cross-site form post cannot act for the payer.
pub mod pay_session {
    use sha2::{Digest, Sha256};

    /// The cookie's value for fresh random bytes.
    pub fn secret(random: [u8; 32]) -> String {
        hex(&random)
    }

    /// What storage keeps for a session secret.
    pub fn hash(secret: &str) -> String {
        hex(&Sha256::digest(secret.as_bytes()))
    }

    /// The CSRF token the session's forms carry.
    pub fn csrf_token(secret: &str) -> String {
        let mut h = Sha256::new();
        h.update(b"kassa pay session csrf\0");
        h.update(secret.as_bytes());
        hex(&h.finalize())
    }

    /// Compares a presented CSRF token with the session's, in constant time.
    pub fn csrf_matches(secret: &str, presented: &str) -> bool {
        use subtle::ConstantTimeEq;
        let expected = csrf_token(secret);
        expected.len() == presented.len()
            && bool::from(expected.as_bytes().ct_eq(presented.as_bytes()))
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn csrf_tokens_belong_to_their_session() {
            let a = secret([1; 32]);
            let b = secret([2; 32]);
            assert_eq!(a.len(), 64);
            assert!(csrf_matches(&a, &csrf_token(&a)));
            assert!(!csrf_matches(&a, &csrf_token(&b)));
            assert!(!csrf_matches(&a, ""));
            assert_ne!(hash(&a), a, "storage never keeps the secret itself");
            assert_ne!(
                csrf_token(&a),
                hash(&a),
                "the CSRF token is not the stored hash"
            );
        }
    }
}
