//! Client-side card tokenization: the browser widget seals card data to the gateway's public
//! key with HPKE ([`crate::hpke`]); only the edge worker, holding the secret key, opens it.
//! Card data therefore never crosses the merchant's page, logs or proxies in the clear.
//!
//! Token text (ASCII, URL- and form-safe, no padding, `.`-separated):
//!
//! ```text
//! kst1.<kid>.<created_ms>.<binding_b64url>.<enc_b64url>.<ct_b64url>
//! ```
//!
//! * `kst1`: format version. A new format gets a new version; old workers reject it cleanly.
//! * `kid`: 16 lower-hex characters, the first 8 bytes of SHA-256 of the sealing public key,
//!   so the worker knows which key of its keyring to use and keys can rotate.
//! * `created_ms`: when the widget sealed it (Unix milliseconds, canonical decimal).
//! * `binding`: what the token may be used for, e.g. `payment:<payment id>`, in the clear
//!   so a mismatch is reported before any decryption.
//! * `enc`: HPKE encapsulated key (32 bytes); `ct`: ChaCha20Poly1305 ciphertext + tag.
//!
//! The AEAD's associated data is the exact text `kst1.<kid>.<created_ms>.<binding_b64url>`, so
//! the cleartext header is authenticated: editing the version, key id, time or binding of a
//! genuine token makes decryption fail, and changing `enc` or `ct` does too. Every single
//! character change anywhere is rejected (tested exhaustively below).
//!
//! Plaintext: a compact length-prefixed binary encoding (not JSON: the widget has a 45 KB
//! gzip budget and serde_json's machinery is much of it), zero-padded to a multiple of 64
//! bytes so the ciphertext length reveals little about the name and number lengths
//! (RFC 9180 §9.7.6):
//!
//! ```text
//! u8 format (1) | u8 len, number | u8 expiry_month | u16 expiry_year | u8 len, cvc
//!   | u16 len, cardholder_name (UTF-8) | zero padding
//! ```
//!
//! A token is not single-use by itself: its short lifetime bounds replay, and the payment
//! it is bound to can only be authorised once.

use crate::base64url;
use core::fmt;
use sha2::{Digest, Sha256};

use crate::card::{CardInput, ExpiryInput, ValidatedCard};
use crate::hpke::{self, wipe_string, wipe_vec};
use crate::ids::PaymentId;
use crate::time::{UnixMillis, MINUTE_MS};

/// The current token format's version tag.
pub const TOKEN_VERSION: &str = "kst1";

/// Tokens are accepted for 15 minutes after sealing: long enough for a slow 3-D Secure
/// round trip or a distracted customer, short enough that a token lifted from a log or a
/// browser history is soon useless.
pub const TOKEN_TTL_MS: u64 = 15 * MINUTE_MS;

/// A token may claim to be created up to 2 minutes after the worker's `now`. `created_ms`
/// comes from the customer's device clock, which is often a little ahead of the worker's;
/// rejecting those would fail real payments. More than that is not skew worth honouring:
/// a far-future time would stretch the token's life past `TOKEN_TTL_MS`. (The widget should
/// correct its clock with the server time it is given when it loads.)
pub const MAX_CLOCK_SKEW_MS: u64 = 2 * MINUTE_MS;

/// Longest token accepted. Real tokens are under 1,800 characters even with the longest
/// fields allowed; checking the length first bounds the work an attacker can cause.
pub const MAX_TOKEN_LEN: usize = 2048;

/// Longest binding, in bytes.
pub const MAX_BINDING_LEN: usize = 128;
/// Field limits, in bytes: generous for any real card, small enough to bound the token.
pub const MAX_NUMBER_LEN: usize = 32;
pub const MAX_CVC_LEN: usize = 8;
pub const MAX_CARDHOLDER_NAME_LEN: usize = 1024;

/// HPKE `info`: binds the key schedule to this application and format, so a ciphertext
/// made for another protocol under the same key can never open as a card token.
const HPKE_INFO: &[u8] = b"kassa sealed card token v1";
const PLAINTEXT_FORMAT: u8 = 1;
const PAD_TO: usize = 64;
const KEY_ID_HEX_LEN: usize = 16;
/// Longest `created_ms` accepted: 16 digits is past the year 300,000.
const MAX_TIME_DIGITS: usize = 16;

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// Not a well-formed token (wrong number of parts, bad base64, bad number, ...).
    Malformed,
    /// Longer than `MAX_TOKEN_LEN`.
    TooLong,
    /// A `kst<n>` version this code does not know.
    UnsupportedVersion,
    /// No key with the token's key id in the keyring (retired, or never ours).
    UnknownKey,
    /// The token was sealed for something else (another payment or merchant).
    WrongBinding,
    /// Created more than `TOKEN_TTL_MS` before `now`.
    Expired,
    /// Created more than `MAX_CLOCK_SKEW_MS` after `now`.
    FromTheFuture,
    /// Decryption failed: the token was altered, or forged without the key.
    Tampered,
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenError::Malformed => "malformed card token",
            TokenError::TooLong => "card token too long",
            TokenError::UnsupportedVersion => "unsupported card token version",
            TokenError::UnknownKey => "card token sealed with an unknown key",
            TokenError::WrongBinding => "card token bound to something else",
            TokenError::Expired => "card token expired",
            TokenError::FromTheFuture => "card token created in the future",
            TokenError::Tampered => "card token failed authentication",
        })
    }
}

impl std::error::Error for TokenError {}

/// Why sealing failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealError {
    /// The binding is empty or longer than `MAX_BINDING_LEN`.
    InvalidBinding,
    /// A card field is longer than its limit.
    FieldTooLong,
    /// HPKE refused (e.g. a small-order public key).
    Hpke(hpke::HpkeError),
}

impl fmt::Display for SealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SealError::InvalidBinding => f.write_str("invalid token binding"),
            SealError::FieldTooLong => f.write_str("card field too long"),
            SealError::Hpke(e) => write!(f, "sealing failed: {e}"),
        }
    }
}

impl std::error::Error for SealError {}

/// Why a sealing key was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealingKeyError {
    /// Not base64url of 32 bytes.
    Malformed,
    /// A small-order point: anything "encrypted" to it would be readable by anyone.
    SmallOrder,
    /// Key-derivation input shorter than 32 bytes.
    IkmTooShort,
}

impl fmt::Display for SealingKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SealingKeyError::Malformed => "sealing key is not base64url of 32 bytes",
            SealingKeyError::SmallOrder => "sealing key is a small-order point",
            SealingKeyError::IkmTooShort => "key derivation input shorter than 32 bytes",
        })
    }
}

impl std::error::Error for SealingKeyError {}

// ---------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------

/// The gateway's public sealing key, published to the widget.
#[derive(Clone, PartialEq, Eq)]
pub struct SealingPublicKey {
    key: hpke::PublicKey,
    kid: String,
}

impl SealingPublicKey {
    /// Rejects small-order points here, when the key is configured, rather than at the
    /// first customer's payment.
    pub fn from_bytes(bytes: [u8; 32]) -> Result<Self, SealingKeyError> {
        let key = hpke::PublicKey::from_bytes(bytes);
        if key.is_small_order() {
            return Err(SealingKeyError::SmallOrder);
        }
        Ok(Self::from_hpke(key))
    }

    fn from_hpke(key: hpke::PublicKey) -> Self {
        let digest = Sha256::digest(key.as_bytes());
        let mut kid = String::with_capacity(KEY_ID_HEX_LEN);
        for b in digest.iter().take(KEY_ID_HEX_LEN / 2) {
            kid.push_str(&format!("{b:02x}"));
        }
        SealingPublicKey { key, kid }
    }

    /// Unpadded base64url of the 32 key bytes (43 characters), for config and the widget.
    pub fn to_base64url(&self) -> String {
        base64url::encode(self.key.as_bytes())
    }

    pub fn from_base64url(text: &str) -> Result<Self, SealingKeyError> {
        let bytes = base64url::decode(text.trim()).ok_or(SealingKeyError::Malformed)?;
        let bytes = <[u8; 32]>::try_from(bytes).map_err(|_| SealingKeyError::Malformed)?;
        Self::from_bytes(bytes)
    }

    /// Stable short id: the first 8 bytes of SHA-256 of the key, as 16 lower-hex characters.
    pub fn key_id(&self) -> &str {
        &self.kid
    }

    pub fn to_bytes(&self) -> [u8; 32] {
        self.key.to_bytes()
    }
}

impl fmt::Debug for SealingPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SealingPublicKey {{ kid: {}, key: {} }}",
            self.kid,
            self.to_base64url()
        )
    }
}

/// The worker's secret sealing key. Debug shows only the key id; the X25519 secret is
/// wiped on drop.
#[derive(Clone)]
pub struct SealingSecretKey {
    key: hpke::PrivateKey,
    public: SealingPublicKey,
}

impl SealingSecretKey {
    /// The key with these 32 secret bytes (an X25519 private key, e.g. from a secret store).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        let key = hpke::PrivateKey::from_bytes(bytes);
        let public = SealingPublicKey::from_hpke(*key.public_key());
        SealingSecretKey { key, public }
    }

    /// The key as configured in the worker's `CARD_SEALING_KEY` secret: unpadded base64url
    /// of the 32 secret bytes.
    pub fn from_base64url(text: &str) -> Result<Self, SealingKeyError> {
        let mut bytes = base64url::decode(text.trim()).ok_or(SealingKeyError::Malformed)?;
        let key = <[u8; 32]>::try_from(bytes.as_slice())
            .map(Self::from_bytes)
            .map_err(|_| SealingKeyError::Malformed);
        wipe_vec(&mut bytes);
        key
    }

    /// Derives a key from at least 32 bytes of key material (HPKE `DeriveKeyPair`), e.g.
    /// a master secret plus a rotation label.
    pub fn derive(ikm: &[u8]) -> Result<Self, SealingKeyError> {
        if ikm.len() < 32 {
            return Err(SealingKeyError::IkmTooShort);
        }
        let key = hpke::derive_key_pair(ikm).map_err(|_| SealingKeyError::Malformed)?;
        let public = SealingPublicKey::from_hpke(*key.public_key());
        Ok(SealingSecretKey { key, public })
    }

    /// The secret bytes, for the secret store. Treat as a secret.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    pub fn public_key(&self) -> &SealingPublicKey {
        &self.public
    }

    pub fn key_id(&self) -> &str {
        self.public.key_id()
    }
}

impl fmt::Debug for SealingSecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SealingSecretKey {{ kid: {}, .. }}", self.key_id())
    }
}

// ---------------------------------------------------------------------------------------
// Bindings
// ---------------------------------------------------------------------------------------

/// Binding for a card entered on the payment page of `payment_id`.
pub fn payment_binding(payment_id: &PaymentId) -> String {
    format!("payment:{payment_id}")
}

/// Binding for a card entered in a merchant's own page with their publishable key.
pub fn publishable_binding(publishable_key: &str) -> String {
    format!("publishable:{publishable_key}")
}

// ---------------------------------------------------------------------------------------
// Card secrets
// ---------------------------------------------------------------------------------------

/// Card data as entered. Its Debug output never shows the number (masked as BIN + last 4,
/// at most), the CVC or the cardholder's name (personal data), and it is wiped on drop.
///
/// Validation (Luhn, dates, brands) belongs to `crate::card`; sealing only enforces the
/// length limits the encoding needs.
#[cfg_attr(test, derive(PartialEq, Eq))]
pub struct CardSecrets {
    pub number: String,
    pub expiry_month: u8,
    pub expiry_year: u16,
    pub cvc: String,
    pub cardholder_name: String,
}

impl CardSecrets {
    /// What the widget seals once the card passed `card::validate_card`: digits only, the
    /// expiry as numbers, the trimmed code and name.
    pub fn from_validated(card: &ValidatedCard) -> CardSecrets {
        CardSecrets {
            number: card.number().to_string(),
            expiry_month: card.expiry().month,
            expiry_year: card.expiry().year,
            cvc: card.cvc().to_string(),
            cardholder_name: card.cardholder_name().to_string(),
        }
    }

    /// The card form's fields as if the payer had typed these values, so an opened token
    /// goes through exactly the validation a form posted without JavaScript does.
    pub fn to_card_input(&self) -> CardInput {
        CardInput {
            number: self.number.clone(),
            expiry: ExpiryInput::Separate {
                month: self.expiry_month.to_string(),
                year: self.expiry_year.to_string(),
            },
            cvc: self.cvc.clone(),
            cardholder_name: self.cardholder_name.clone(),
        }
    }

    /// The number as `424242******4242`: the first 6 and last 4 digits when there are at
    /// least 16 (what PCI DSS allows to be shown), only the last 4 for 12 to 15 digits, and
    /// nothing for anything shorter, where 4 digits would be too large a share.
    pub fn masked_number(&self) -> String {
        let digits = self.number.bytes().filter(u8::is_ascii_digit).count();
        let (first, last) = match digits {
            16.. => (6, 4),
            12..=15 => (0, 4),
            _ => (0, 0),
        };
        self.number
            .bytes()
            .filter(u8::is_ascii_digit)
            .enumerate()
            .map(|(i, c)| {
                if i < first || i + last >= digits {
                    char::from(c)
                } else {
                    '*'
                }
            })
            .collect()
    }

    fn encode(&self) -> Result<Vec<u8>, SealError> {
        let number = self.number.as_bytes();
        let cvc = self.cvc.as_bytes();
        let name = self.cardholder_name.as_bytes();
        if number.len() > MAX_NUMBER_LEN
            || cvc.len() > MAX_CVC_LEN
            || name.len() > MAX_CARDHOLDER_NAME_LEN
        {
            return Err(SealError::FieldTooLong);
        }
        let (Ok(number_len), Ok(cvc_len), Ok(name_len)) = (
            u8::try_from(number.len()),
            u8::try_from(cvc.len()),
            u16::try_from(name.len()),
        ) else {
            return Err(SealError::FieldTooLong);
        };
        let len = 1 + 1 + number.len() + 1 + 2 + 1 + cvc.len() + 2 + name.len();
        let mut out = Vec::with_capacity(len.div_ceil(PAD_TO) * PAD_TO);
        out.push(PLAINTEXT_FORMAT);
        out.push(number_len);
        out.extend_from_slice(number);
        out.push(self.expiry_month);
        out.extend_from_slice(&self.expiry_year.to_be_bytes());
        out.push(cvc_len);
        out.extend_from_slice(cvc);
        out.extend_from_slice(&name_len.to_be_bytes());
        out.extend_from_slice(name);
        out.resize(len.div_ceil(PAD_TO) * PAD_TO, 0);
        Ok(out)
    }

    fn decode(bytes: &[u8]) -> Option<CardSecrets> {
        let mut r = Reader(bytes);
        if r.u8()? != PLAINTEXT_FORMAT {
            return None;
        }
        let number_len = r.u8()?;
        let number = r.string(usize::from(number_len))?;
        let mut card = CardSecrets {
            number,
            expiry_month: 0,
            expiry_year: 0,
            cvc: String::new(),
            cardholder_name: String::new(),
        };
        // From here on `card` owns what was decoded, so an early return wipes it.
        card.expiry_month = r.u8()?;
        card.expiry_year = r.u16()?;
        let cvc_len = r.u8()?;
        card.cvc = r.string(usize::from(cvc_len))?;
        let name_len = r.u16()?;
        card.cardholder_name = r.string(usize::from(name_len))?;
        // Only zero padding may follow; anything else means a different encoder.
        if r.0.iter().any(|&b| b != 0) {
            return None;
        }
        Some(card)
    }
}

impl Drop for CardSecrets {
    fn drop(&mut self) {
        wipe_string(&mut self.number);
        wipe_string(&mut self.cvc);
        wipe_string(&mut self.cardholder_name);
    }
}

impl fmt::Debug for CardSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardSecrets")
            .field("number", &self.masked_number())
            .field("expiry_month", &self.expiry_month)
            .field("expiry_year", &self.expiry_year)
            .field("cvc", &"<redacted>")
            .field("cardholder_name", &"<redacted>")
            .finish()
    }
}

/// A cursor over the plaintext that fails instead of panicking when input runs out.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn u8(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    fn u16(&mut self) -> Option<u16> {
        let (b, rest) = self.0.split_first_chunk::<2>()?;
        self.0 = rest;
        Some(u16::from_be_bytes(*b))
    }

    fn string(&mut self, len: usize) -> Option<String> {
        let (bytes, rest) = self.0.split_at_checked(len)?;
        self.0 = rest;
        match String::from_utf8(bytes.to_vec()) {
            Ok(text) => Some(text),
            Err(e) => {
                wipe_vec(&mut e.into_bytes());
                None
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Sealing and opening
// ---------------------------------------------------------------------------------------

/// Seals `card` to `key` for use with `binding`, stamped with `now` (the device's clock).
///
/// `ikm_e` must be 32 fresh bytes from a CSPRNG (`crypto.getRandomValues` in the widget)
/// for every token: it becomes the HPKE ephemeral key, and reusing it would reuse the
/// AEAD key and nonce.
pub fn seal_card(
    card: &CardSecrets,
    key: &SealingPublicKey,
    binding: &str,
    now: UnixMillis,
    ikm_e: &[u8; 32],
) -> Result<String, SealError> {
    if binding.is_empty() || binding.len() > MAX_BINDING_LEN {
        return Err(SealError::InvalidBinding);
    }
    let mut plaintext = card.encode()?;
    let header = format!(
        "{TOKEN_VERSION}.{}.{}.{}",
        key.key_id(),
        now.as_millis(),
        base64url::encode(binding.as_bytes())
    );
    let sealed = hpke::seal(&key.key, HPKE_INFO, header.as_bytes(), &plaintext, ikm_e);
    wipe_vec(&mut plaintext);
    let (enc, ct) = sealed.map_err(SealError::Hpke)?;
    let token = format!(
        "{header}.{}.{}",
        base64url::encode(enc),
        base64url::encode(&ct)
    );
    // Field limits keep every token well under this; checked anyway so that `seal_card`
    // can never produce a token that `open_card` would refuse.
    if token.len() > MAX_TOKEN_LEN {
        return Err(SealError::FieldTooLong);
    }
    Ok(token)
}

/// The parts of a token that can be checked without a key.
struct Parsed<'t> {
    header: &'t str,
    kid: &'t str,
    created: UnixMillis,
    binding: String,
    enc: [u8; 32],
    ct: Vec<u8>,
}

fn parse_created(text: &str) -> Option<UnixMillis> {
    let canonical = !text.is_empty()
        && text.len() <= MAX_TIME_DIGITS
        && text.bytes().all(|c| c.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if !canonical {
        return None;
    }
    text.parse().ok().map(UnixMillis)
}

fn parse(token: &str) -> Result<Parsed<'_>, TokenError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::TooLong);
    }
    let mut parts = token.split('.');
    let version = parts.next().ok_or(TokenError::Malformed)?;
    if version != TOKEN_VERSION {
        let other_version = version
            .strip_prefix("kst")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()));
        return Err(if other_version {
            TokenError::UnsupportedVersion
        } else {
            TokenError::Malformed
        });
    }
    let (Some(kid), Some(created_text), Some(binding_text), Some(enc), Some(ct), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(TokenError::Malformed);
    };
    let kid_ok = kid.len() == KEY_ID_HEX_LEN
        && kid
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c));
    if !kid_ok {
        return Err(TokenError::Malformed);
    }
    let created = parse_created(created_text).ok_or(TokenError::Malformed)?;
    let binding = base64url::decode(binding_text)
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or(TokenError::Malformed)?;
    let enc = base64url::decode(enc)
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or(TokenError::Malformed)?;
    let ct = base64url::decode(ct).ok_or(TokenError::Malformed)?;
    if ct.len() < hpke::N_T {
        return Err(TokenError::Malformed);
    }
    // The authenticated header is the token's text up to the fourth '.', exactly as sent.
    let header_len = version.len() + kid.len() + created_text.len() + binding_text.len() + 3;
    let header = token.get(..header_len).ok_or(TokenError::Malformed)?;
    Ok(Parsed {
        header,
        kid,
        created,
        binding,
        enc,
        ct,
    })
}

/// Opens a token sealed by [`seal_card`].
///
/// Checks, in order, each before any expensive work: length, version, structure, binding
/// (`expected_binding` is what the worker knows the request is for), creation time against
/// `now` (the worker's clock), key id against `keyring`, and finally decryption, which
/// authenticates everything the earlier checks read from the clear header.
pub fn open_card<'k, F>(
    token: &str,
    keyring: F,
    expected_binding: &str,
    now: UnixMillis,
) -> Result<CardSecrets, TokenError>
where
    F: Fn(&str) -> Option<&'k SealingSecretKey>,
{
    let parsed = parse(token)?;
    // Bindings are identifiers, not secrets: an ordinary comparison is fine.
    if parsed.binding != expected_binding {
        return Err(TokenError::WrongBinding);
    }
    if parsed.created.as_millis() > now.as_millis().saturating_add(MAX_CLOCK_SKEW_MS) {
        return Err(TokenError::FromTheFuture);
    }
    if now.as_millis() > parsed.created.as_millis().saturating_add(TOKEN_TTL_MS) {
        return Err(TokenError::Expired);
    }
    // Double-check the keyring's answer: a keyring that returns a default key for any id
    // must not make a token look as if it were sealed to that key.
    let key = keyring(parsed.kid)
        .filter(|key| key.key_id() == parsed.kid)
        .ok_or(TokenError::UnknownKey)?;
    let mut plaintext = hpke::open(
        &key.key,
        &parsed.enc,
        HPKE_INFO,
        parsed.header.as_bytes(),
        &parsed.ct,
    )
    .map_err(|_| TokenError::Tampered)?;
    let card = CardSecrets::decode(&plaintext);
    wipe_vec(&mut plaintext);
    card.ok_or(TokenError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NOW: UnixMillis = UnixMillis(1_700_000_000_000);

    fn card() -> CardSecrets {
        CardSecrets {
            number: "4242424242424242".into(),
            expiry_month: 12,
            expiry_year: 2030,
            cvc: "123".into(),
            cardholder_name: "Mx Ada Lovelace".into(),
        }
    }

    fn key() -> SealingSecretKey {
        SealingSecretKey::derive(&[0x11; 32]).unwrap()
    }

    fn binding() -> String {
        payment_binding(&PaymentId::generate([0x22; 16]))
    }

    fn seal_sample(k: &SealingSecretKey) -> String {
        seal_card(&card(), k.public_key(), &binding(), NOW, &[0x33; 32]).unwrap()
    }

    fn open_with(
        token: &str,
        k: &SealingSecretKey,
        binding: &str,
        now: UnixMillis,
    ) -> Result<CardSecrets, TokenError> {
        open_card(token, |kid| (kid == k.key_id()).then_some(k), binding, now)
    }

    #[test]
    fn secret_key_reads_base64url_and_rejects_other_lengths() {
        let k = key();
        let text = base64url::encode(k.to_bytes());
        let read = SealingSecretKey::from_base64url(&text).unwrap();
        assert_eq!(read.key_id(), k.key_id());
        assert!(SealingSecretKey::from_base64url("abc").is_err());
        assert!(SealingSecretKey::from_base64url(&base64url::encode([1u8; 31])).is_err());
    }

    #[test]
    fn opened_card_validates_like_the_typed_form() {
        let now = NOW;
        let typed = CardInput {
            number: "4242 4242 4242 4242".into(),
            expiry: ExpiryInput::Combined("12 / 30".into()),
            cvc: " 123 ".into(),
            cardholder_name: " Mx Ada Lovelace ".into(),
        };
        let validated =
            crate::card::validate_card(&typed, now, &crate::card::CardBrand::ALL).unwrap();
        let k = key();
        let token = seal_card(
            &CardSecrets::from_validated(&validated),
            k.public_key(),
            &binding(),
            now,
            &[0x44; 32],
        )
        .unwrap();
        let opened = open_card(&token, |_| Some(&k), &binding(), now).unwrap();
        let again =
            crate::card::validate_card(&opened.to_card_input(), now, &crate::card::CardBrand::ALL)
                .unwrap();
        assert_eq!(again, validated);
    }

    #[test]
    fn round_trip_and_format() {
        let k = key();
        let token = seal_sample(&k);
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 6);
        assert_eq!(parts[0], "kst1");
        assert_eq!(parts[1], k.key_id());
        assert_eq!(parts[2], NOW.as_millis().to_string());
        assert_eq!(base64url::decode(parts[3]).unwrap(), binding().into_bytes());
        assert_eq!(parts[4].len(), 43);
        // 64 bytes of padded plaintext + 16 bytes of tag.
        assert_eq!(base64url::decode(parts[5]).unwrap().len(), 80);
        assert!(token
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'.' || c == b'-' || c == b'_'));
        assert_eq!(open_with(&token, &k, &binding(), NOW).unwrap(), card());
    }

    #[test]
    fn key_ids_and_public_key_text() {
        let k = key();
        let pk = k.public_key();
        assert_eq!(pk.key_id().len(), 16);
        let digest = Sha256::digest(pk.to_bytes());
        assert_eq!(pk.key_id(), hex::encode(&digest[..8]));
        let text = pk.to_base64url();
        assert_eq!(text.len(), 43);
        assert_eq!(&SealingPublicKey::from_base64url(&text).unwrap(), pk);
        assert_eq!(
            SealingSecretKey::from_bytes(k.to_bytes()).key_id(),
            k.key_id()
        );
        assert_ne!(
            SealingSecretKey::derive(&[0x12; 32]).unwrap().key_id(),
            k.key_id()
        );
        assert_eq!(
            SealingPublicKey::from_base64url(&base64url::encode([0u8; 32])),
            Err(SealingKeyError::SmallOrder)
        );
        assert_eq!(
            SealingPublicKey::from_base64url("AAAA"),
            Err(SealingKeyError::Malformed)
        );
        assert_eq!(
            SealingSecretKey::derive(&[1; 31]).err(),
            Some(SealingKeyError::IkmTooShort)
        );
        let debug = format!("{k:?}");
        assert!(debug.contains(k.key_id()));
        assert!(!debug.contains(&base64url::encode(k.to_bytes())));
    }

    #[test]
    fn expiry_boundaries() {
        let k = key();
        let token = seal_sample(&k);
        assert!(open_with(&token, &k, &binding(), NOW.plus(TOKEN_TTL_MS)).is_ok());
        assert_eq!(
            open_with(&token, &k, &binding(), NOW.plus(TOKEN_TTL_MS + 1)).err(),
            Some(TokenError::Expired)
        );
        assert!(open_with(&token, &k, &binding(), NOW.minus(MAX_CLOCK_SKEW_MS)).is_ok());
        assert_eq!(
            open_with(&token, &k, &binding(), NOW.minus(MAX_CLOCK_SKEW_MS + 1)).err(),
            Some(TokenError::FromTheFuture)
        );
    }

    #[test]
    fn wrong_binding_unknown_key_and_rotation() {
        let k = key();
        let token = seal_sample(&k);
        let other = payment_binding(&PaymentId::generate([0x23; 16]));
        assert_eq!(
            open_with(&token, &k, &other, NOW).err(),
            Some(TokenError::WrongBinding)
        );
        assert_eq!(
            open_with(&token, &k, &publishable_binding("pk_test_x"), NOW).err(),
            Some(TokenError::WrongBinding)
        );
        assert_eq!(
            open_card(&token, |_| None, &binding(), NOW).err(),
            Some(TokenError::UnknownKey)
        );
        // A keyring handing back some other key for any id is not trusted.
        let stranger = SealingSecretKey::derive(&[0x44; 32]).unwrap();
        assert_eq!(
            open_card(&token, |_| Some(&stranger), &binding(), NOW).err(),
            Some(TokenError::UnknownKey)
        );
        // Rotation: the keyring holds old and new keys and picks by id.
        let ring = [stranger.clone(), k.clone()];
        let lookup = |kid: &str| ring.iter().find(|key| key.key_id() == kid);
        assert!(open_card(&token, lookup, &binding(), NOW).is_ok());
        let new_token =
            seal_card(&card(), stranger.public_key(), &binding(), NOW, &[5; 32]).unwrap();
        assert!(open_card(&new_token, lookup, &binding(), NOW).is_ok());
    }

    #[test]
    fn forged_header_fails_decryption() {
        let k = key();
        let token = seal_sample(&k);
        let parts: Vec<&str> = token.split('.').collect();
        // Re-bind a genuine ciphertext to another payment: the clear check passes, the AEAD
        // does not.
        let other = payment_binding(&PaymentId::generate([0x23; 16]));
        let forged = format!(
            "{}.{}.{}.{}.{}.{}",
            parts[0],
            parts[1],
            parts[2],
            base64url::encode(other.as_bytes()),
            parts[4],
            parts[5]
        );
        assert_eq!(
            open_with(&forged, &k, &other, NOW).err(),
            Some(TokenError::Tampered)
        );
        // Refresh the creation time: same.
        let later = NOW.plus(TOKEN_TTL_MS);
        let refreshed = format!(
            "{}.{}.{}.{}.{}.{}",
            parts[0],
            parts[1],
            later.as_millis(),
            parts[3],
            parts[4],
            parts[5]
        );
        assert_eq!(
            open_with(&refreshed, &k, &binding(), later).err(),
            Some(TokenError::Tampered)
        );
    }

    #[test]
    fn structural_errors() {
        let k = key();
        let token = seal_sample(&k);
        let open = |t: &str| open_with(t, &k, &binding(), NOW).err();
        assert_eq!(open(""), Some(TokenError::Malformed));
        assert_eq!(open("kst1"), Some(TokenError::Malformed));
        assert_eq!(
            open(&token.replacen("kst1", "kst2", 1)),
            Some(TokenError::UnsupportedVersion)
        );
        assert_eq!(
            open(&token.replacen("kst1", "KST1", 1)),
            Some(TokenError::Malformed)
        );
        assert_eq!(open(&format!("{token}.x")), Some(TokenError::Malformed));
        assert_eq!(
            open(&"a".repeat(MAX_TOKEN_LEN + 1)),
            Some(TokenError::TooLong)
        );
        let parts: Vec<&str> = token.split('.').collect();
        let with_created = |created: &str| {
            format!(
                "{}.{}.{created}.{}.{}.{}",
                parts[0], parts[1], parts[3], parts[4], parts[5]
            )
        };
        for bad in ["", "01700000000000", "-1", "1e12", "99999999999999999"] {
            assert_eq!(
                open(&with_created(bad)),
                Some(TokenError::Malformed),
                "{bad}"
            );
        }
        // A ciphertext shorter than a tag.
        let short = format!(
            "{}.{}.{}.{}.{}.{}",
            parts[0],
            parts[1],
            parts[2],
            parts[3],
            parts[4],
            base64url::encode([0u8; 15])
        );
        assert_eq!(open(&short), Some(TokenError::Malformed));
    }

    #[test]
    fn every_single_character_change_is_rejected() {
        let k = key();
        let token = seal_sample(&k);
        let chars: Vec<char> = token.chars().collect();
        for i in 0..chars.len() {
            // Two replacements per position: a neighbour in the alphabet, and a '.'.
            for replacement in [next_char(chars[i]), '.'] {
                if replacement == chars[i] {
                    continue;
                }
                let mut changed = chars.clone();
                changed[i] = replacement;
                let changed: String = changed.into_iter().collect();
                assert!(
                    open_with(&changed, &k, &binding(), NOW).is_err(),
                    "position {i}: {changed}"
                );
            }
        }
    }

    fn next_char(c: char) -> char {
        match c {
            'z' => 'A',
            'Z' => '0',
            '9' => '-',
            '-' => '_',
            '_' => 'a',
            '.' => 'x',
            other => char::from_u32(u32::from(other) + 1).unwrap_or('a'),
        }
    }

    #[test]
    fn field_limits_and_bindings() {
        let k = key();
        let mut long = card();
        long.cardholder_name = "é".repeat(MAX_CARDHOLDER_NAME_LEN / 2);
        long.number = "4".repeat(MAX_NUMBER_LEN);
        long.cvc = "9".repeat(MAX_CVC_LEN);
        let longest_binding = "b".repeat(MAX_BINDING_LEN);
        let token = seal_card(&long, k.public_key(), &longest_binding, NOW, &[1; 32]).unwrap();
        assert!(token.len() <= MAX_TOKEN_LEN);
        assert_eq!(open_with(&token, &k, &longest_binding, NOW).unwrap(), long);

        long.cardholder_name.push('x');
        assert_eq!(
            seal_card(&long, k.public_key(), "b", NOW, &[1; 32]).err(),
            Some(SealError::FieldTooLong)
        );
        assert_eq!(
            seal_card(&card(), k.public_key(), "", NOW, &[1; 32]).err(),
            Some(SealError::InvalidBinding)
        );
        assert_eq!(
            seal_card(
                &card(),
                k.public_key(),
                &"b".repeat(MAX_BINDING_LEN + 1),
                NOW,
                &[1; 32]
            )
            .err(),
            Some(SealError::InvalidBinding)
        );
        assert_eq!(
            payment_binding(&PaymentId::generate([0; 16])),
            format!("payment:{}", "a".repeat(26))
        );
        assert_eq!(publishable_binding("pk_live_1"), "publishable:pk_live_1");
    }

    #[test]
    fn plaintext_encoding_is_compact_and_strict() {
        let encoded = card().encode().unwrap();
        assert_eq!(encoded.len(), 64);
        assert_eq!(encoded[0], PLAINTEXT_FORMAT);
        assert_eq!(CardSecrets::decode(&encoded).unwrap(), card());
        let mut bad = encoded.clone();
        bad[63] = 1; // non-zero padding
        assert!(CardSecrets::decode(&bad).is_none());
        let mut bad = encoded.clone();
        bad[0] = 2; // unknown format
        assert!(CardSecrets::decode(&bad).is_none());
        assert!(CardSecrets::decode(&encoded[..10]).is_none());
        let mut bad = encoded;
        bad[1] = 200; // length past the end
        assert!(CardSecrets::decode(&bad).is_none());
    }

    #[test]
    fn debug_masks_card_data() {
        let c = card();
        let debug = format!("{c:?}");
        assert!(debug.contains("424242******4242"), "{debug}");
        assert!(!debug.contains("4242424242424242"));
        assert!(!debug.contains("123"));
        assert!(!debug.contains("Lovelace"));
        let masked = |n: &str| {
            let mut c = card();
            c.number = n.into();
            c.masked_number()
        };
        assert_eq!(masked("4242 4242 4242 4242"), "424242******4242");
        assert_eq!(masked("378282246310005"), "***********0005");
        assert_eq!(masked("4111111111111111111"), "411111*********1111");
        assert_eq!(masked("12345678"), "********");
    }

    fn arb_card() -> impl Strategy<Value = CardSecrets> {
        (
            "[0-9]{12,19}",
            1u8..=12,
            2000u16..2100,
            "[0-9]{3,4}",
            "\\PC{0,40}",
        )
            .prop_map(
                |(number, expiry_month, expiry_year, cvc, cardholder_name)| CardSecrets {
                    number,
                    expiry_month,
                    expiry_year,
                    cvc,
                    cardholder_name,
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn seal_open_round_trip(
            c in arb_card(),
            ikm_r in any::<[u8; 32]>(),
            ikm_e in any::<[u8; 32]>(),
            created in 0u64..4_102_444_800_000,
            age in 0u64..=TOKEN_TTL_MS,
            binding in "[a-z]{1,12}:[a-z0-9_]{1,40}",
        ) {
            let k = SealingSecretKey::derive(&ikm_r).unwrap();
            let token = seal_card(&c, k.public_key(), &binding, UnixMillis(created), &ikm_e).unwrap();
            prop_assert!(token.len() <= MAX_TOKEN_LEN);
            let opened = open_with(&token, &k, &binding, UnixMillis(created + age)).unwrap();
            prop_assert_eq!(opened, c);
        }

        #[test]
        fn any_single_character_change_fails(
            ikm_e in any::<[u8; 32]>(),
            index in any::<prop::sample::Index>(),
            replacement in proptest::char::range(' ', '~'),
        ) {
            let k = key();
            let token = seal_card(&card(), k.public_key(), &binding(), NOW, &ikm_e).unwrap();
            let mut chars: Vec<char> = token.chars().collect();
            let i = index.index(chars.len());
            prop_assume!(chars[i] != replacement);
            chars[i] = replacement;
            let changed: String = chars.into_iter().collect();
            prop_assert!(open_with(&changed, &k, &binding(), NOW).is_err());
        }
    }
}
