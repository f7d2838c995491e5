//! Adyen's standard notifications (webhooks): verified item by item with the account's
//! HMAC key, and turned into Kassa's [`Notification`]s.
//!
//! A body is `{"live": "true"|"false", "notificationItems": [{"NotificationRequestItem":
//! {...}}, ...]}`. Each item is signed on its own: HMAC-SHA256, with the hex-decoded key,
//! over `pspReference:originalReference:merchantAccountCode:merchantReference:value:
//! currency:eventCode:success` (absent fields empty), base64 in
//! `additionalData.hmacSignature`. A body is taken whole or not at all: every item must
//! verify and be for the credentials' merchant account, else nothing is taken
//! ([`Refused::Signature`]), so a forged item cannot ride along with a genuine one.
//!
//! Only what the signature covers is read. `additionalData` (card facts, the refusal
//! reason) and `live` are not signed: `live` only chose which mode's key verifies the body
//! (a body claiming the other mode is refused), and the notifications carry the mode of
//! the credentials that verified them.
//!
//! Which payment an item is about, from the signed `merchantReference`: for
//! AUTHORISATION, the payment's reference (Kassa's payment id); for CAPTURE and
//! CANCELLATION, the modification's reference (Kassa sends the payment id); for REFUND,
//! the refund's reference, which Kassa sends as `{payment_id}.{refund_id}`
//! ([`super::refund_reference`]). An item about a reference Kassa did not make (a
//! payment or refund made in Adyen's Customer Area) is acknowledged and ignored.
//!
//! Duplicates: Adyen retries until it gets `[accepted]`, and may send an item again
//! later; each item's id is `{pspReference}:{eventCode}:{success}`, and the state
//! machines make a repeat, a late or a reordered item change nothing. There is no
//! timestamp under the signature, so a replayed old item is recognised the same way.

use super::super::notification::{Notification, NotificationEvent, Refused};
use super::super::Decline;
use crate::ids::{PaymentId, RefundId};
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

/// The most items one body may carry. Adyen batches a handful; anything far beyond is
/// not a body Adyen sends, and verifying it would cost one HMAC per item.
pub const MAX_ITEMS: usize = 100;

/// The string an item is signed over (Adyen's "data to sign"), or `None` if a signed
/// field has a type Adyen never sends.
pub fn signing_string(item: &Map<String, Value>) -> Option<String> {
    let field = |name: &str| match item.get(name) {
        None | Some(Value::Null) => Some(String::new()),
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => None,
    };
    let amount = item.get("amount");
    let value = match amount.and_then(|a| a.get("value")) {
        None | Some(Value::Null) => String::new(),
        Some(Value::Number(n)) if n.is_u64() || n.is_i64() => n.to_string(),
        Some(_) => return None,
    };
    let currency = match amount.and_then(|a| a.get("currency")) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return None,
    };
    let success = match item.get("success") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        None | Some(Value::Null) => String::new(),
        Some(_) => return None,
    };
    Some(
        [
            field("pspReference")?,
            field("originalReference")?,
            field("merchantAccountCode")?,
            field("merchantReference")?,
            value,
            currency,
            field("eventCode")?,
            success,
        ]
        .join(":"),
    )
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    let digit = |b: u8| (b as char).to_digit(16);
    text.as_bytes()
        .chunks(2)
        .map(|pair| Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8))
        .collect()
}

/// The base64 HMAC-SHA256 of `data` under the hex key (what Adyen puts in
/// `hmacSignature`), or `None` for a key that is not hex.
pub fn sign(hex_key: &str, data: &str) -> Option<String> {
    use base64::Engine;
    let key = hex_decode(hex_key)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(data.as_bytes());
    Some(base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
}

/// Whether an item's `hmacSignature` is the HMAC of its signed fields under the key, in
/// constant time.
fn signed(key: &[u8], item: &Map<String, Value>) -> Result<bool, Refused> {
    use base64::Engine;
    let data = signing_string(item).ok_or(Refused::Malformed)?;
    let Some(signature) = item
        .get("additionalData")
        .and_then(|d| d.get("hmacSignature"))
        .and_then(Value::as_str)
    else {
        return Ok(false);
    };
    let Ok(signature) = base64::engine::general_purpose::STANDARD.decode(signature) else {
        return Ok(false);
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return Ok(false);
    };
    mac.update(data.as_bytes());
    Ok(mac.verify_slice(&signature).is_ok())
}

fn text<'a>(item: &'a Map<String, Value>, name: &str) -> &'a str {
    item.get(name).and_then(Value::as_str).unwrap_or_default()
}

/// Verifies a body with the account's HMAC key (hex) for `merchant_account`, for the
/// credentials' mode `live`, and turns its items into notifications.
pub fn verify(
    hex_key: &str,
    merchant_account: &str,
    live: bool,
    body: &[u8],
) -> Result<Vec<Notification>, Refused> {
    let value: Value = serde_json::from_slice(body).map_err(|_| Refused::Malformed)?;
    let claimed_live = match value.get("live") {
        Some(Value::String(s)) if s == "true" || s == "false" => s == "true",
        Some(Value::Bool(b)) => *b,
        _ => return Err(Refused::Malformed),
    };
    let items: Vec<&Map<String, Value>> = value
        .get("notificationItems")
        .and_then(Value::as_array)
        .filter(|items| (1..=MAX_ITEMS).contains(&items.len()))
        .ok_or(Refused::Malformed)?
        .iter()
        .map(|wrapper| {
            wrapper
                .get("NotificationRequestItem")
                .and_then(Value::as_object)
        })
        .collect::<Option<_>>()
        .ok_or(Refused::Malformed)?;
    // Verified with the other mode's key it could not pass anyway; refused before any
    // HMAC is computed.
    if claimed_live != live {
        return Err(Refused::Signature);
    }
    let key = hex_decode(hex_key).ok_or(Refused::NoSecret)?;
    for item in &items {
        if !signed(&key, item)? || text(item, "merchantAccountCode") != merchant_account {
            return Err(Refused::Signature);
        }
    }
    Ok(items.iter().map(|item| notification(item, live)).collect())
}

fn is_payment_id(text: &str) -> bool {
    text.parse::<PaymentId>().is_ok()
}

/// A verified item in Kassa's terms.
fn notification(item: &Map<String, Value>, live: bool) -> Notification {
    let psp = text(item, "pspReference");
    let original = text(item, "originalReference");
    let event_code = text(item, "eventCode");
    let reference = text(item, "merchantReference");
    let success = match item.get("success") {
        Some(Value::Bool(b)) => *b,
        _ => text(item, "success") == "true",
    };
    let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let ignored = |kind: String| NotificationEvent::Ignored { kind };
    // A refund's reference names its payment and itself.
    let refund = reference
        .split_once('.')
        .filter(|(p, r)| is_payment_id(p) && r.parse::<RefundId>().is_ok());
    let (payment_id, provider_id, event) = match (event_code, success) {
        ("AUTHORISATION", _) if !is_payment_id(reference) => {
            (reference, some(psp), ignored(event_code.to_string()))
        }
        ("AUTHORISATION", true) => (
            reference,
            some(psp),
            // Card facts are in `additionalData`, which the signature does not cover.
            NotificationEvent::Authorised {
                card: Default::default(),
            },
        ),
        ("AUTHORISATION", false) => (
            reference,
            some(psp),
            NotificationEvent::Declined(Decline::Declined),
        ),
        ("REFUND" | "REFUND_FAILED", _) => match refund {
            Some((payment, refund_id)) => {
                let event = if event_code == "REFUND" && success {
                    NotificationEvent::Refunded {
                        refund_id: refund_id.to_string(),
                        provider_refund_id: some(psp),
                    }
                } else {
                    NotificationEvent::RefundFailed {
                        refund_id: refund_id.to_string(),
                    }
                };
                (payment, some(original), event)
            }
            None => (reference, some(original), ignored(event_code.to_string())),
        },
        (_, _) if !is_payment_id(reference) => {
            (reference, some(original), ignored(event_code.to_string()))
        }
        ("CAPTURE", true) => (reference, some(original), NotificationEvent::Captured),
        ("CAPTURE", false) | ("CAPTURE_FAILED", _) => {
            (reference, some(original), NotificationEvent::CaptureFailed)
        }
        ("CANCELLATION", true) => (reference, some(original), NotificationEvent::Voided),
        // A cancel that failed leaves the hold where it was; the authorisation lapses
        // at the issuer on its own.
        ("CANCELLATION", false) => (
            reference,
            some(original),
            ignored("CANCELLATION failed".to_string()),
        ),
        (other, _) => (reference, some(original), ignored(other.to_string())),
    };
    Notification {
        id: format!("{psp}:{event_code}:{success}"),
        live,
        payment_id: payment_id.to_string(),
        provider_id,
        event,
    }
}
