//! Webhook signatures: GOV.UK Pay's `Pay-Signature`, and Standard Webhooks
//! (<https://www.standardwebhooks.com>) symmetric `v1` and asymmetric `v1a` signatures.
//!
//! * `Pay-Signature` (GOV.UK Pay compatibility): lower-case hex HMAC-SHA256 of the exact
//!   body bytes, keyed with the signing secret's UTF-8 bytes. It signs neither a timestamp
//!   nor a message id, so it cannot stop replays; it exists so that services integrated
//!   with GOV.UK Pay keep working unchanged.
//! * Standard Webhooks: the signed content is `{webhook-id}.{webhook-timestamp}.{body}`, and
//!   `webhook-signature` is a space-separated list of `v1,<base64 HMAC-SHA256>` (secret
//!   `whsec_<base64>`) and `v1a,<base64 ed25519>` (keys `whsk_<base64 seed>` /
//!   `whpk_<base64>`) entries. Several entries let a sender roll secrets without downtime.
//!   The receiver checks the timestamp against its own clock, in both directions, so a
//!   captured request cannot be replayed later, nor pre-dated to live longer.
//!
//! Every comparison of a computed MAC with a received one is constant-time (`subtle`):
//! an early-exit comparison would let an attacker learn a valid tag byte by byte.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use core::fmt;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use hkdf::HkdfExtract;
use sha2::Sha256;
use subtle::{Choice, ConstantTimeEq};

use crate::hpke::{wipe, wipe_vec};
use crate::time::{UnixMillis, MINUTE_MS, SECOND_MS};

/// GOV.UK Pay's signature header.
pub const PAY_SIGNATURE_HEADER: &str = "Pay-Signature";
/// Standard Webhooks headers (HTTP header names are case-insensitive; these are lower case).
pub const HEADER_ID: &str = "webhook-id";
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
pub const HEADER_SIGNATURE: &str = "webhook-signature";

/// How far `webhook-timestamp` may be from the receiver's clock, either way: 5 minutes, the
/// spec's and the reference libraries' default. Long enough for clock skew and a slow
/// network; short enough that a captured request is useless soon after.
pub const DEFAULT_TOLERANCE_MS: u64 = 5 * MINUTE_MS;

/// Symmetric secret sizes the spec allows: 24 to 64 bytes (192 to 512 bits).
pub const MIN_SECRET_BYTES: usize = 24;
pub const MAX_SECRET_BYTES: usize = 64;

/// At most this many signature entries are examined. Each `v1a` entry costs an ed25519
/// verification per public key; without a cap, one request with a huge header could make
/// the receiver do unbounded work. Rotation needs two or three entries.
pub const MAX_SIGNATURE_ENTRIES: usize = 16;

/// Longest `webhook-id` accepted (ours are 26 characters; other senders' are similar).
pub const MAX_MESSAGE_ID_LEN: usize = 256;

const SECRET_PREFIX: &str = "whsec_";
const SIGNING_KEY_PREFIX: &str = "whsk_";
const PUBLIC_KEY_PREFIX: &str = "whpk_";

/// Why signing or verification failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookError {
    /// A required header (named) is absent.
    MissingHeader(&'static str),
    /// `webhook-timestamp` is not a canonical decimal number of seconds.
    BadTimestamp,
    /// The timestamp is older than the tolerance allows (possible replay).
    TooOld,
    /// The timestamp is further in the future than the tolerance allows.
    TooNew,
    /// No signature in the header matches any configured secret or public key.
    NoMatchingSignature,
    /// A secret or key string is not `whsec_`/`whsk_`/`whpk_` + valid base64 of the right size.
    MalformedSecret,
    /// The message id is empty, too long, or contains `.` or non-printable characters
    /// (a `.` would make the signed content ambiguous: the spec forbids it).
    BadMessageId,
    /// Signing or verifying was attempted with no secrets or keys at all.
    NoKeys,
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebhookError::MissingHeader(name) => write!(f, "missing header {name}"),
            WebhookError::BadTimestamp => f.write_str("invalid webhook timestamp"),
            WebhookError::TooOld => f.write_str("webhook timestamp too old"),
            WebhookError::TooNew => f.write_str("webhook timestamp too far in the future"),
            WebhookError::NoMatchingSignature => f.write_str("no matching signature"),
            WebhookError::MalformedSecret => f.write_str("malformed webhook secret or key"),
            WebhookError::BadMessageId => f.write_str("invalid webhook message id"),
            WebhookError::NoKeys => f.write_str("no webhook secrets or keys configured"),
        }
    }
}

impl std::error::Error for WebhookError {}

/// HMAC-SHA256 over the concatenation of `parts`.
///
/// HKDF-Extract(salt, ikm) *is* HMAC-Hash(salt, ikm) (RFC 5869 §2.2); going through
/// `HkdfExtract` gives an HMAC whose construction cannot fail (HMAC takes keys of any
/// length), so there is no impossible error to handle or unwrap.
pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = HkdfExtract::<Sha256>::new(Some(key));
    for part in parts {
        mac.input_ikm(part);
    }
    let (tag, _) = mac.finalize();
    tag.into()
}

pub(crate) fn lower_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        for nibble in [b >> 4, b & 0x0f] {
            // `nibble` < 16, so `get` always succeeds; written without indexing anyway.
            if let Some(&digit) = DIGITS.get(usize::from(nibble)) {
                out.push(char::from(digit));
            }
        }
    }
    out
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

pub(crate) fn decode_hex_32(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (slot, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        let [hi, lo] = pair else { return None };
        *slot = (hex_value(*hi)? << 4) | hex_value(*lo)?;
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------
// GOV.UK Pay `Pay-Signature`
// ---------------------------------------------------------------------------------------

/// `Pay-Signature` for `body`: lower-case hex HMAC-SHA256 keyed with `secret`'s UTF-8 bytes.
pub fn pay_signature(secret: &str, body: &[u8]) -> String {
    lower_hex(&hmac_sha256(secret.as_bytes(), &[body]))
}

/// Checks a `Pay-Signature` header against `body`, in constant time.
///
/// Surrounding whitespace is ignored and hex case is not significant (GOV.UK Pay sends lower
/// case; a proxy that upper-cases it has not changed the MAC). An empty secret never verifies:
/// an unconfigured secret must not make every forged request valid.
pub fn verify_pay_signature(secret: &str, body: &[u8], header: &str) -> bool {
    if secret.is_empty() {
        return false;
    }
    let Some(received) = decode_hex_32(header.trim()) else {
        return false;
    };
    let expected = hmac_sha256(secret.as_bytes(), &[body]);
    bool::from(expected.ct_eq(&received))
}

// ---------------------------------------------------------------------------------------
// Standard Webhooks keys
// ---------------------------------------------------------------------------------------

/// A symmetric Standard Webhooks secret (`whsec_…`). Debug is redacted; wiped on drop.
#[derive(Clone)]
pub struct WebhookSecret(Vec<u8>);

impl WebhookSecret {
    /// A secret from raw key bytes (24 to 64 of them, per the spec).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WebhookError> {
        if !(MIN_SECRET_BYTES..=MAX_SECRET_BYTES).contains(&bytes.len()) {
            return Err(WebhookError::MalformedSecret);
        }
        Ok(WebhookSecret(bytes.to_vec()))
    }

    /// A new secret from 32 caller-supplied random bytes.
    pub fn generate(random: [u8; 32]) -> Self {
        WebhookSecret(random.to_vec())
    }

    /// Parses `whsec_<base64>`. The bare base64 form is accepted too, because the reference
    /// libraries accept it and some dashboards show secrets without the prefix.
    pub fn parse(text: &str) -> Result<Self, WebhookError> {
        let encoded = text
            .trim()
            .strip_prefix(SECRET_PREFIX)
            .unwrap_or(text.trim());
        let mut bytes = BASE64
            .decode(encoded)
            .map_err(|_| WebhookError::MalformedSecret)?;
        let secret = Self::from_bytes(&bytes);
        wipe_vec(&mut bytes);
        secret
    }

    /// The `whsec_<base64>` text, to show the merchant once. Deliberately not `Display`,
    /// so a secret cannot end up in a log line through `{}`.
    pub fn expose_whsec(&self) -> String {
        format!("{SECRET_PREFIX}{}", BASE64.encode(&self.0))
    }

    fn tag(&self, signed_content: &SignedContent<'_>) -> [u8; 32] {
        hmac_sha256(&self.0, &signed_content.parts())
    }
}

impl Drop for WebhookSecret {
    fn drop(&mut self) {
        wipe_vec(&mut self.0);
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

/// An ed25519 signing key (`whsk_<base64 of the 32-byte seed>`). Debug is redacted; the
/// inner `SigningKey` wipes itself on drop.
#[derive(Clone)]
pub struct WebhookSigningKey(SigningKey);

impl WebhookSigningKey {
    /// The key whose RFC 8032 secret (seed) is these 32 caller-supplied random bytes.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        WebhookSigningKey(SigningKey::from_bytes(&seed))
    }

    /// Parses `whsk_<base64>` (or bare base64) holding the 32-byte seed, as the reference
    /// libraries do. The 64-byte `seed || public key` form is accepted when the public half
    /// matches the seed, since some tools export keys that way.
    pub fn parse(text: &str) -> Result<Self, WebhookError> {
        let encoded = text
            .trim()
            .strip_prefix(SIGNING_KEY_PREFIX)
            .unwrap_or(text.trim());
        let mut bytes = BASE64
            .decode(encoded)
            .map_err(|_| WebhookError::MalformedSecret)?;
        let key = match bytes.split_first_chunk::<32>() {
            Some((seed, rest)) if rest.is_empty() || rest.len() == 32 => {
                let key = Self::from_seed(*seed);
                if rest.is_empty() || key.public_key().0.as_bytes().as_slice() == rest {
                    Ok(key)
                } else {
                    Err(WebhookError::MalformedSecret)
                }
            }
            _ => Err(WebhookError::MalformedSecret),
        };
        wipe_vec(&mut bytes);
        key
    }

    /// The `whsk_<base64 seed>` text. Not `Display`, for the same reason as `WebhookSecret`.
    pub fn expose_whsk(&self) -> String {
        let mut seed = self.0.to_bytes();
        let text = format!("{SIGNING_KEY_PREFIX}{}", BASE64.encode(seed));
        wipe(&mut seed);
        text
    }

    /// The public key receivers configure.
    pub fn public_key(&self) -> WebhookPublicKey {
        WebhookPublicKey(self.0.verifying_key())
    }
}

impl fmt::Debug for WebhookSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookSigningKey")
            .field("public", &self.public_key())
            .field("seed", &"<redacted>")
            .finish()
    }
}

/// An ed25519 public key (`whpk_<base64>`): not secret, so it has `Display`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct WebhookPublicKey(VerifyingKey);

impl WebhookPublicKey {
    /// Parses `whpk_<base64 of 32 bytes>` (or bare base64). Invalid curve points are rejected.
    pub fn parse(text: &str) -> Result<Self, WebhookError> {
        let encoded = text
            .trim()
            .strip_prefix(PUBLIC_KEY_PREFIX)
            .unwrap_or(text.trim());
        let bytes = BASE64
            .decode(encoded)
            .map_err(|_| WebhookError::MalformedSecret)?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| WebhookError::MalformedSecret)?;
        VerifyingKey::from_bytes(&bytes)
            .map(WebhookPublicKey)
            .map_err(|_| WebhookError::MalformedSecret)
    }

    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }
}

impl fmt::Display for WebhookPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PUBLIC_KEY_PREFIX}{}", BASE64.encode(self.0.as_bytes()))
    }
}

impl fmt::Debug for WebhookPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WebhookPublicKey({self})")
    }
}

// ---------------------------------------------------------------------------------------
// Signed content
// ---------------------------------------------------------------------------------------

/// `{msg_id}.{timestamp}.{body}`, kept in pieces so HMAC can stream it without copying.
struct SignedContent<'a> {
    msg_id: &'a str,
    timestamp: &'a str,
    body: &'a [u8],
}

impl SignedContent<'_> {
    fn parts(&self) -> [&[u8]; 5] {
        [
            self.msg_id.as_bytes(),
            b".",
            self.timestamp.as_bytes(),
            b".",
            self.body,
        ]
    }

    fn to_vec(&self) -> Vec<u8> {
        self.parts().concat()
    }
}

fn check_message_id(msg_id: &str) -> Result<(), WebhookError> {
    let ok = !msg_id.is_empty()
        && msg_id.len() <= MAX_MESSAGE_ID_LEN
        && msg_id.bytes().all(|c| c.is_ascii_graphic() && c != b'.');
    if ok {
        Ok(())
    } else {
        Err(WebhookError::BadMessageId)
    }
}

/// Parses a canonical decimal number of seconds: digits only, no sign, no leading zero.
/// Canonical, so the text signed and the number checked cannot disagree.
fn parse_timestamp_secs(text: &str) -> Result<u64, WebhookError> {
    let canonical = !text.is_empty()
        && text.bytes().all(|c| c.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if !canonical {
        return Err(WebhookError::BadTimestamp);
    }
    text.parse().map_err(|_| WebhookError::BadTimestamp)
}

// ---------------------------------------------------------------------------------------
// Signing
// ---------------------------------------------------------------------------------------

/// The three Standard Webhooks headers for one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    /// `webhook-id`
    pub id: String,
    /// `webhook-timestamp` (seconds)
    pub timestamp: String,
    /// `webhook-signature`
    pub signature: String,
}

impl SignedHeaders {
    /// `(name, value)` pairs, ready to add to a request.
    pub fn pairs(&self) -> [(&'static str, &str); 3] {
        [
            (HEADER_ID, self.id.as_str()),
            (HEADER_TIMESTAMP, self.timestamp.as_str()),
            (HEADER_SIGNATURE, self.signature.as_str()),
        ]
    }
}

/// Produces `webhook-signature` values: one `v1` entry per HMAC secret (current and, during
/// rotation, previous), plus a `v1a` entry when an ed25519 key is configured.
#[derive(Debug, Clone, Default)]
pub struct Signer {
    secrets: Vec<WebhookSecret>,
    ed25519: Option<WebhookSigningKey>,
}

impl Signer {
    pub fn new() -> Self {
        Signer::default()
    }

    /// Adds an HMAC secret; entries appear in the order secrets are added.
    pub fn with_secret(mut self, secret: WebhookSecret) -> Self {
        self.secrets.push(secret);
        self
    }

    /// Sets the ed25519 key for the `v1a` entry.
    pub fn with_ed25519(mut self, key: WebhookSigningKey) -> Self {
        self.ed25519 = Some(key);
        self
    }

    /// The `webhook-signature` value for a message sent at `timestamp_secs`.
    pub fn signature_header(
        &self,
        msg_id: &str,
        timestamp_secs: u64,
        body: &[u8],
    ) -> Result<String, WebhookError> {
        check_message_id(msg_id)?;
        if self.secrets.is_empty() && self.ed25519.is_none() {
            return Err(WebhookError::NoKeys);
        }
        let timestamp = timestamp_secs.to_string();
        let content = SignedContent {
            msg_id,
            timestamp: &timestamp,
            body,
        };
        let mut entries: Vec<String> = self
            .secrets
            .iter()
            .map(|secret| format!("v1,{}", BASE64.encode(secret.tag(&content))))
            .collect();
        if let Some(key) = &self.ed25519 {
            let signature = key.0.sign(&content.to_vec());
            entries.push(format!("v1a,{}", BASE64.encode(signature.to_bytes())));
        }
        Ok(entries.join(" "))
    }

    /// All three headers for a delivery attempt made at `now` (the attempt's time, not the
    /// event's: retries are re-signed with a fresh timestamp).
    pub fn sign(
        &self,
        msg_id: &str,
        now: UnixMillis,
        body: &[u8],
    ) -> Result<SignedHeaders, WebhookError> {
        let secs = now.as_secs();
        Ok(SignedHeaders {
            id: msg_id.to_string(),
            timestamp: secs.to_string(),
            signature: self.signature_header(msg_id, secs, body)?,
        })
    }
}

// ---------------------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------------------

/// The received Standard Webhooks headers; `None` for a header that was absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WebhookHeaders<'a> {
    pub id: Option<&'a str>,
    pub timestamp: Option<&'a str>,
    pub signature: Option<&'a str>,
}

impl<'a> WebhookHeaders<'a> {
    /// Reads the headers through `get`, called with the lower-case header names.
    pub fn from_lookup(get: impl Fn(&str) -> Option<&'a str>) -> Self {
        WebhookHeaders {
            id: get(HEADER_ID),
            timestamp: get(HEADER_TIMESTAMP),
            signature: get(HEADER_SIGNATURE),
        }
    }
}

/// Verifies a Standard Webhooks request: headers present, timestamp within `tolerance_ms`
/// of `now` in either direction, and at least one `v1` entry matching one of `secrets` or
/// one `v1a` entry matching one of `public_keys`.
///
/// The timestamp is checked before any MAC is computed: it is cheap, and a stale request
/// should be refused whatever its signature. Unknown versions and undecodable entries are
/// skipped rather than fatal, so a sender can add a new scheme alongside `v1`.
pub fn verify(
    headers: &WebhookHeaders<'_>,
    body: &[u8],
    secrets: &[WebhookSecret],
    public_keys: &[WebhookPublicKey],
    now: UnixMillis,
    tolerance_ms: u64,
) -> Result<(), WebhookError> {
    let msg_id = headers.id.ok_or(WebhookError::MissingHeader(HEADER_ID))?;
    let timestamp = headers
        .timestamp
        .ok_or(WebhookError::MissingHeader(HEADER_TIMESTAMP))?;
    let signature_header = headers
        .signature
        .ok_or(WebhookError::MissingHeader(HEADER_SIGNATURE))?;
    check_message_id(msg_id)?;

    let secs = parse_timestamp_secs(timestamp)?;
    let sent_ms = secs
        .checked_mul(SECOND_MS)
        .ok_or(WebhookError::BadTimestamp)?;
    if sent_ms < now.as_millis().saturating_sub(tolerance_ms) {
        return Err(WebhookError::TooOld);
    }
    if sent_ms > now.as_millis().saturating_add(tolerance_ms) {
        return Err(WebhookError::TooNew);
    }

    if secrets.is_empty() && public_keys.is_empty() {
        return Err(WebhookError::NoKeys);
    }

    let content = SignedContent {
        msg_id,
        timestamp,
        body,
    };
    let expected_tags: Vec<[u8; 32]> = secrets.iter().map(|s| s.tag(&content)).collect();
    let mut content_bytes: Option<Vec<u8>> = None;

    // Every entry is checked against every key without stopping at the first match, and
    // results are combined with `Choice`, so timing does not reveal which one matched.
    let mut matched = Choice::from(0);
    let entries = signature_header
        .split(' ')
        .filter(|entry| !entry.is_empty())
        .take(MAX_SIGNATURE_ENTRIES);
    for entry in entries {
        let Some((version, encoded)) = entry.split_once(',') else {
            continue;
        };
        let Ok(decoded) = BASE64.decode(encoded) else {
            continue;
        };
        match version {
            "v1" => {
                let Ok(received) = <[u8; 32]>::try_from(decoded.as_slice()) else {
                    continue;
                };
                for expected in &expected_tags {
                    matched |= expected.ct_eq(&received);
                }
            }
            "v1a" => {
                let Ok(bytes) = <[u8; 64]>::try_from(decoded.as_slice()) else {
                    continue;
                };
                let signature = Signature::from_bytes(&bytes);
                let message = content_bytes.get_or_insert_with(|| content.to_vec());
                for key in public_keys {
                    // Public-key verification reveals nothing secret, so a plain bool is fine;
                    // `verify_strict` rejects malleable signatures and small-order keys.
                    let ok = key.0.verify_strict(message, &signature).is_ok();
                    matched |= Choice::from(u8::from(ok));
                }
            }
            _ => {}
        }
    }
    if bool::from(matched) {
        Ok(())
    } else {
        Err(WebhookError::NoMatchingSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // Standard Webhooks' own test data (standard-webhooks/standard-webhooks,
    // libraries/go/webhook_symmetric_test.go and webhook_asymmetric_test.go).
    const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SPEC_MSG_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SPEC_TIMESTAMP: u64 = 1_614_265_330;
    const SPEC_BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SPEC_V1: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    const SPEC_SIGNING_KEY: &str = "whsk_VEVTVFNJR05JTkdLRVlET05PVFVTRVRISVNGT1JBTlk=";
    const SPEC_V1A: &str = "v1a,tQ9V2XOqn7jL/DQenEFpqIugdBVtiMmER5mhSkXBNwM0mkATuDe6KYYUuxqtaiHeYGb7KaaBRdM5WqyeFiL8Ag==";

    fn spec_now() -> UnixMillis {
        UnixMillis(SPEC_TIMESTAMP * 1000)
    }

    fn headers<'a>(id: &'a str, ts: &'a str, sig: &'a str) -> WebhookHeaders<'a> {
        WebhookHeaders {
            id: Some(id),
            timestamp: Some(ts),
            signature: Some(sig),
        }
    }

    #[test]
    fn standard_webhooks_symmetric_vector() {
        let secret = WebhookSecret::parse(SPEC_SECRET).unwrap();
        let signer = Signer::new().with_secret(secret.clone());
        let header = signer
            .signature_header(SPEC_MSG_ID, SPEC_TIMESTAMP, SPEC_BODY)
            .unwrap();
        assert_eq!(header, SPEC_V1);
        let ts = SPEC_TIMESTAMP.to_string();
        assert_eq!(
            verify(
                &headers(SPEC_MSG_ID, &ts, SPEC_V1),
                SPEC_BODY,
                &[secret],
                &[],
                spec_now(),
                DEFAULT_TOLERANCE_MS
            ),
            Ok(())
        );
        // Same secret without the prefix, as the reference libraries allow.
        let bare = WebhookSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(bare.expose_whsec(), SPEC_SECRET);
    }

    #[test]
    fn standard_webhooks_asymmetric_vector() {
        let key = WebhookSigningKey::parse(SPEC_SIGNING_KEY).unwrap();
        assert_eq!(key.expose_whsk(), SPEC_SIGNING_KEY);
        let header = Signer::new()
            .with_ed25519(key.clone())
            .signature_header(SPEC_MSG_ID, SPEC_TIMESTAMP, SPEC_BODY)
            .unwrap();
        assert_eq!(header, SPEC_V1A);
        let public = WebhookPublicKey::parse(&key.public_key().to_string()).unwrap();
        assert_eq!(public, key.public_key());
        let ts = SPEC_TIMESTAMP.to_string();
        assert_eq!(
            verify(
                &headers(SPEC_MSG_ID, &ts, SPEC_V1A),
                SPEC_BODY,
                &[],
                &[public],
                spec_now(),
                DEFAULT_TOLERANCE_MS
            ),
            Ok(())
        );
    }

    #[test]
    fn combined_header_lists_v1_then_v1a() {
        let signer = Signer::new()
            .with_secret(WebhookSecret::parse(SPEC_SECRET).unwrap())
            .with_ed25519(WebhookSigningKey::parse(SPEC_SIGNING_KEY).unwrap());
        let signed = signer.sign(SPEC_MSG_ID, spec_now(), SPEC_BODY).unwrap();
        assert_eq!(signed.signature, format!("{SPEC_V1} {SPEC_V1A}"));
        assert_eq!(signed.timestamp, "1614265330");
        assert_eq!(signed.pairs()[0], (HEADER_ID, SPEC_MSG_ID));
    }

    /// RFC 8032 §7.1 TEST 1: the ed25519 primitive underneath `v1a`.
    #[test]
    fn rfc8032_test_1() {
        let seed: [u8; 32] =
            hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
                .unwrap()
                .try_into()
                .unwrap();
        let key = WebhookSigningKey::from_seed(seed);
        assert_eq!(
            hex::encode(key.public_key().to_bytes()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        let signature = key.0.sign(b"");
        assert_eq!(
            hex::encode(signature.to_bytes()),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
        assert!(key.public_key().0.verify_strict(b"", &signature).is_ok());
    }

    #[test]
    fn pay_signature_known_answer() {
        // RFC 4231 test case 2: HMAC-SHA256(key = "Jefe", "what do ya want for nothing?").
        let body = b"what do ya want for nothing?";
        let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        assert_eq!(pay_signature("Jefe", body), expected);
        assert!(verify_pay_signature("Jefe", body, expected));
        assert!(verify_pay_signature(
            "Jefe",
            body,
            &format!(" {} ", expected.to_uppercase())
        ));
        assert!(!verify_pay_signature(
            "Jefe",
            b"what do ya want for nothing!",
            expected
        ));
        assert!(!verify_pay_signature("jefe", body, expected));
        assert!(!verify_pay_signature("Jefe", body, &expected[..63]));
        assert!(!verify_pay_signature("Jefe", body, ""));
        assert!(!verify_pay_signature("", body, &pay_signature("", body)));
    }

    #[test]
    fn timestamp_tolerance_both_directions() {
        let secret = WebhookSecret::generate([7; 32]);
        let signer = Signer::new().with_secret(secret.clone());
        let sent = UnixMillis(1_700_000_000_000);
        let signed = signer.sign("msg_1", sent, b"{}").unwrap();
        let check = |now: UnixMillis| {
            verify(
                &headers(&signed.id, &signed.timestamp, &signed.signature),
                b"{}",
                core::slice::from_ref(&secret),
                &[],
                now,
                DEFAULT_TOLERANCE_MS,
            )
        };
        assert_eq!(check(sent), Ok(()));
        assert_eq!(check(sent.plus(DEFAULT_TOLERANCE_MS)), Ok(()));
        assert_eq!(
            check(sent.plus(DEFAULT_TOLERANCE_MS + 1)),
            Err(WebhookError::TooOld)
        );
        assert_eq!(check(sent.minus(DEFAULT_TOLERANCE_MS)), Ok(()));
        assert_eq!(
            check(sent.minus(DEFAULT_TOLERANCE_MS + 1)),
            Err(WebhookError::TooNew)
        );
    }

    #[test]
    fn header_errors_are_typed() {
        let secret = WebhookSecret::generate([1; 32]);
        let secrets = [secret.clone()];
        let now = UnixMillis(1_700_000_000_000);
        let run =
            |h: WebhookHeaders<'_>| verify(&h, b"x", &secrets, &[], now, DEFAULT_TOLERANCE_MS);
        let ts = now.as_secs().to_string();
        let sig = Signer::new()
            .with_secret(secret.clone())
            .signature_header("m", now.as_secs(), b"x")
            .unwrap();
        assert_eq!(run(headers("m", &ts, &sig)), Ok(()));
        assert_eq!(
            run(WebhookHeaders {
                id: None,
                ..headers("m", &ts, &sig)
            }),
            Err(WebhookError::MissingHeader(HEADER_ID))
        );
        assert_eq!(
            run(WebhookHeaders {
                timestamp: None,
                ..headers("m", &ts, &sig)
            }),
            Err(WebhookError::MissingHeader(HEADER_TIMESTAMP))
        );
        assert_eq!(
            run(WebhookHeaders {
                signature: None,
                ..headers("m", &ts, &sig)
            }),
            Err(WebhookError::MissingHeader(HEADER_SIGNATURE))
        );
        for bad in [
            "",
            "-1",
            "+1700000000",
            "01700000000",
            "1.5",
            "17e8",
            "99999999999999999999",
        ] {
            assert_eq!(
                run(headers("m", bad, &sig)),
                Err(WebhookError::BadTimestamp),
                "{bad}"
            );
        }
        assert_eq!(
            run(headers("m", "18446744073709551615", &sig)),
            Err(WebhookError::BadTimestamp)
        );
        for bad in ["", "a.b", "with space", "tab\t"] {
            assert_eq!(
                run(headers(bad, &ts, &sig)),
                Err(WebhookError::BadMessageId),
                "{bad:?}"
            );
        }
        assert_eq!(
            run(headers("m", &ts, "")),
            Err(WebhookError::NoMatchingSignature)
        );
        assert_eq!(
            run(headers("m", &ts, "v1,")),
            Err(WebhookError::NoMatchingSignature)
        );
        assert_eq!(
            run(headers(
                "m",
                &ts,
                "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="
            )),
            Err(WebhookError::NoMatchingSignature)
        );
        assert_eq!(
            verify(
                &headers("m", &ts, &sig),
                b"x",
                &[],
                &[],
                now,
                DEFAULT_TOLERANCE_MS
            ),
            Err(WebhookError::NoKeys)
        );
        assert_eq!(
            Signer::new().signature_header("m", 1, b"x"),
            Err(WebhookError::NoKeys)
        );
        // A `.` in the id would make the signed content ambiguous; signing refuses it too.
        assert_eq!(
            Signer::new()
                .with_secret(secret)
                .signature_header("a.b", 1, b"x"),
            Err(WebhookError::BadMessageId)
        );
    }

    #[test]
    fn rotation_accepts_any_matching_entry() {
        let old = WebhookSecret::generate([1; 32]);
        let new = WebhookSecret::generate([2; 32]);
        let now = UnixMillis(1_700_000_000_000);
        let ts = now.as_secs().to_string();
        // The sender signs with both while receivers move over.
        let sig = Signer::new()
            .with_secret(new.clone())
            .with_secret(old.clone())
            .signature_header("m", now.as_secs(), b"x")
            .unwrap();
        assert_eq!(sig.split(' ').count(), 2);
        for receiver in [vec![old.clone()], vec![new.clone()], vec![new, old]] {
            assert_eq!(
                verify(
                    &headers("m", &ts, &sig),
                    b"x",
                    &receiver,
                    &[],
                    now,
                    DEFAULT_TOLERANCE_MS
                ),
                Ok(())
            );
        }
        // Unknown versions and junk entries next to a valid one are ignored, as the
        // reference libraries' "valid multi sig" case requires.
        let key = WebhookSecret::generate([3; 32]);
        let valid = Signer::new()
            .with_secret(key.clone())
            .signature_header("m", now.as_secs(), b"x")
            .unwrap();
        let noisy = format!(
            "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= garbage {valid} v1a,AAAA"
        );
        assert_eq!(
            verify(
                &headers("m", &ts, &noisy),
                b"x",
                &[key],
                &[],
                now,
                DEFAULT_TOLERANCE_MS
            ),
            Ok(())
        );
    }

    #[test]
    fn an_hmac_secret_is_not_an_ed25519_key() {
        // A v1 entry never satisfies a public key and vice versa.
        let secret = WebhookSecret::generate([9; 32]);
        let signing = WebhookSigningKey::from_seed([9; 32]);
        let now = UnixMillis(1_700_000_000_000);
        let ts = now.as_secs().to_string();
        let v1 = Signer::new()
            .with_secret(secret.clone())
            .signature_header("m", now.as_secs(), b"x")
            .unwrap();
        let v1a = Signer::new()
            .with_ed25519(signing.clone())
            .signature_header("m", now.as_secs(), b"x")
            .unwrap();
        assert_eq!(
            verify(
                &headers("m", &ts, &v1),
                b"x",
                &[],
                &[signing.public_key()],
                now,
                DEFAULT_TOLERANCE_MS
            ),
            Err(WebhookError::NoMatchingSignature)
        );
        assert_eq!(
            verify(
                &headers("m", &ts, &v1a),
                b"x",
                &[secret],
                &[],
                now,
                DEFAULT_TOLERANCE_MS
            ),
            Err(WebhookError::NoMatchingSignature)
        );
    }

    #[test]
    fn secrets_and_keys_parse_strictly_and_debug_redacts() {
        assert!(WebhookSecret::parse("whsec_").is_err());
        assert!(WebhookSecret::parse("whsec_!!!!").is_err());
        // 16 bytes: below the spec's 24-byte minimum.
        assert!(WebhookSecret::parse("whsec_AAAAAAAAAAAAAAAAAAAAAA==").is_err());
        assert!(WebhookSecret::from_bytes(&[0; 65]).is_err());
        assert!(WebhookSigningKey::parse("whsk_AAAA").is_err());
        assert!(WebhookPublicKey::parse("whpk_AAAA").is_err());

        let secret = WebhookSecret::parse(SPEC_SECRET).unwrap();
        let debug = format!("{secret:?}");
        assert!(!debug.contains("MfKQ9r8G"));
        assert!(debug.contains("redacted"));

        let key = WebhookSigningKey::parse(SPEC_SIGNING_KEY).unwrap();
        let debug = format!("{key:?}");
        assert!(!debug.contains("VEVTVFNJ"));
        assert!(debug.contains(&key.public_key().to_string()));

        // The 64-byte seed || public form, and a mismatched one.
        let mut long = key.0.to_bytes().to_vec();
        long.extend_from_slice(&key.public_key().to_bytes());
        let parsed = WebhookSigningKey::parse(&format!("whsk_{}", BASE64.encode(&long))).unwrap();
        assert_eq!(parsed.public_key(), key.public_key());
        if let Some(last) = long.last_mut() {
            *last ^= 1;
        }
        assert!(WebhookSigningKey::parse(&format!("whsk_{}", BASE64.encode(&long))).is_err());
    }

    #[test]
    fn from_lookup_reads_the_three_headers() {
        let map = [
            ("webhook-id", "msg_1"),
            ("webhook-timestamp", "1"),
            ("webhook-signature", "v1,x"),
        ];
        let h = WebhookHeaders::from_lookup(|name| {
            map.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
        });
        assert_eq!(h, headers("msg_1", "1", "v1,x"));
    }

    fn flip_char(text: &str, index: usize, replacement: char) -> Option<String> {
        let mut chars: Vec<char> = text.chars().collect();
        let slot = chars.get_mut(index)?;
        if *slot == replacement {
            return None;
        }
        *slot = replacement;
        Some(chars.into_iter().collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn sign_verify_round_trip(
            secret in any::<[u8; 32]>(),
            seed in any::<[u8; 32]>(),
            id in "[a-zA-Z0-9_]{1,40}",
            body in proptest::collection::vec(any::<u8>(), 0..300),
            now_secs in 0u64..4_000_000_000,
        ) {
            let secret = WebhookSecret::generate(secret);
            let key = WebhookSigningKey::from_seed(seed);
            let now = UnixMillis(now_secs * 1000);
            let signed = Signer::new()
                .with_secret(secret.clone())
                .with_ed25519(key.clone())
                .sign(&id, now, &body)
                .unwrap();
            let h = headers(&signed.id, &signed.timestamp, &signed.signature);
            prop_assert_eq!(verify(&h, &body, core::slice::from_ref(&secret), &[], now, DEFAULT_TOLERANCE_MS), Ok(()));
            prop_assert_eq!(verify(&h, &body, &[], &[key.public_key()], now, DEFAULT_TOLERANCE_MS), Ok(()));
            let pay = pay_signature(&id, &body);
            prop_assert!(verify_pay_signature(&id, &body, &pay));
        }

        #[test]
        fn any_single_change_fails(
            seed in any::<[u8; 32]>(),
            asymmetric in any::<bool>(),
            body in proptest::collection::vec(any::<u8>(), 1..200),
            which in 0usize..4,
            index in any::<prop::sample::Index>(),
            replacement in proptest::char::range(' ', '~'),
            bit in 0u8..8,
        ) {
            // One entry per header: with two, a flip in one entry rightly leaves the other
            // valid (that is what rotation relies on).
            let secret = WebhookSecret::generate(seed);
            let key = WebhookSigningKey::from_seed(seed);
            let signer = if asymmetric {
                Signer::new().with_ed25519(key.clone())
            } else {
                Signer::new().with_secret(secret.clone())
            };
            let now = UnixMillis(1_700_000_000_123);
            let signed = signer.sign("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", now, &body).unwrap();
            let (mut id, mut ts, mut sig, mut body2) =
                (signed.id.clone(), signed.timestamp.clone(), signed.signature.clone(), body.clone());
            let changed = match which {
                0 => flip_char(&id, index.index(id.len()), replacement).map(|t| id = t),
                1 => flip_char(&ts, index.index(ts.len()), replacement).map(|t| ts = t),
                2 => flip_char(&sig, index.index(sig.len()), replacement).map(|t| sig = t),
                _ => {
                    let i = index.index(body2.len());
                    body2[i] ^= 1 << bit;
                    Some(())
                }
            };
            prop_assume!(changed.is_some());
            let result = verify(
                &headers(&id, &ts, &sig),
                &body2,
                core::slice::from_ref(&secret),
                &[key.public_key()],
                now,
                DEFAULT_TOLERANCE_MS,
            );
            prop_assert!(result.is_err(), "{} {} {}", id, ts, sig);
        }

        #[test]
        fn pay_signature_any_single_change_fails(
            secret in "[ -~]{1,40}",
            body in proptest::collection::vec(any::<u8>(), 1..200),
            flip_body in any::<bool>(),
            index in any::<prop::sample::Index>(),
            replacement in proptest::char::range(' ', '~'),
            bit in 0u8..8,
        ) {
            let header = pay_signature(&secret, &body);
            if flip_body {
                let mut body2 = body.clone();
                let i = index.index(body2.len());
                body2[i] ^= 1 << bit;
                prop_assert!(!verify_pay_signature(&secret, &body2, &header));
            } else if let Some(changed) = flip_char(&header, index.index(header.len()), replacement) {
                // Changing only a hex digit's case is the same MAC, not a forgery.
                prop_assume!(!changed.eq_ignore_ascii_case(&header));
                prop_assert!(!verify_pay_signature(&secret, &body, &changed));
            }
        }
    }
}
