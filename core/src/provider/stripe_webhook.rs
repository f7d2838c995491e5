//! Stripe's webhooks into Kassa: the `Stripe-Signature` check and the events Kassa acts on,
//! turned into [`Notification`]s.
//!
//! The signature is Stripe's documented scheme: `Stripe-Signature: t=<unix seconds>,
//! v1=<hex>[,v1=<hex>…]`, each `v1` a lower-case hex HMAC-SHA256 of `{t}.{body}` keyed with
//! the endpoint's signing secret (the whole `whsec_…` string's bytes, not a decoding of
//! it). Several `v1` entries appear while the endpoint's secret is rolled; any one that
//! matches is enough. Other schemes (`v0`, test-mode only) are ignored. The timestamp must
//! be within [`TOLERANCE_MS`] of the receiver's clock in either direction, so a captured
//! request cannot be replayed later, nor pre-dated to live longer; duplicates within that
//! window are the idempotency table's to recognise (by event id).
//!
//! The body is read only after the signature verifies, and only what it says is used:
//! which payment (`metadata.kassa_payment_id`, set by Kassa on the PaymentIntent and its
//! refunds) and refund (`metadata.kassa_refund_id`), the PaymentIntent's id, and what
//! happened. Events about objects Kassa did not make carry no such metadata and are
//! acknowledged as ignored.

use super::notification::{Inbound, Notification, NotificationEvent, Refused};
use super::stripe::{card_facts, decline};
use crate::time::{UnixMillis, MINUTE_MS, SECOND_MS};
use crate::webhook_signature::{decode_hex_32, hmac_sha256, lower_hex};
use serde_json::Value;
use subtle::{Choice, ConstantTimeEq};

/// The header Stripe signs its webhook requests in.
pub const SIGNATURE_HEADER: &str = "Stripe-Signature";

/// How far the signed timestamp may be from the receiver's clock, either way: Stripe's
/// libraries' default of 5 minutes.
pub const TOLERANCE_MS: u64 = 5 * MINUTE_MS;

/// At most this many `v1` entries are examined (a roll needs two): a huge header cannot
/// make the receiver compute without bound.
const MAX_SIGNATURES: usize = 8;

/// Longest header read; Stripe's are about 200 characters.
const MAX_HEADER_LEN: usize = 2048;

/// The signed content's MAC for `t` (its text, exactly as in the header).
fn mac(secret: &str, timestamp: &str, body: &[u8]) -> [u8; 32] {
    hmac_sha256(secret.as_bytes(), &[timestamp.as_bytes(), b".", body])
}

/// The `Stripe-Signature` Stripe would send for `body` at `timestamp_secs` (tests, and the
/// fake Stripe's cross-check).
pub fn signature_header(secret: &str, timestamp_secs: u64, body: &[u8]) -> String {
    let t = timestamp_secs.to_string();
    format!("t={t},v1={}", lower_hex(&mac(secret, &t, body)))
}

/// Canonical decimal seconds: digits only, no sign, no leading zero.
fn parse_timestamp(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.len() <= 12
        && text.bytes().all(|c| c.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    canonical.then(|| text.parse().ok()).flatten()
}

/// Whether `header` signs `body` with `secret` at a time within [`TOLERANCE_MS`] of `now`.
/// Every MAC comparison is constant-time; an empty secret never verifies.
pub fn verify_signature(secret: &str, body: &[u8], header: &str, now: UnixMillis) -> bool {
    if secret.is_empty() || header.len() > MAX_HEADER_LEN {
        return false;
    }
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for item in header.split(',') {
        let Some((key, value)) = item.trim().split_once('=') else {
            continue;
        };
        match key {
            // Two timestamps would make "the" signed time ambiguous.
            "t" if timestamp.is_some() => return false,
            "t" => timestamp = Some(value),
            "v1" if signatures.len() < MAX_SIGNATURES => {
                if let Some(tag) = decode_hex_32(value) {
                    signatures.push(tag);
                }
            }
            _ => {}
        }
    }
    let Some(t_text) = timestamp else {
        return false;
    };
    let Some(t_ms) = parse_timestamp(t_text).and_then(|t| t.checked_mul(SECOND_MS)) else {
        return false;
    };
    if t_ms.abs_diff(now.as_millis()) > TOLERANCE_MS {
        return false;
    }
    let expected = mac(secret, t_text, body);
    let matched = signatures
        .iter()
        .fold(Choice::from(0), |any, tag| any | expected.ct_eq(tag));
    bool::from(matched)
}

/// Verifies a Stripe webhook request with the endpoint's signing secret, then reads it.
pub fn verify(secret: &str, inbound: Inbound<'_>) -> Result<Vec<Notification>, Refused> {
    let header = inbound.signature_header.ok_or(Refused::Signature)?;
    if !verify_signature(secret, inbound.body, header, inbound.now) {
        return Err(Refused::Signature);
    }
    parse_event(inbound.body)
}

fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

fn kassa_metadata<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object
        .get("metadata")
        .and_then(|m| text(m, key))
        .filter(|v| !v.is_empty())
}

/// A verified event body in Kassa's terms: one notification, or one per refund a
/// `charge.refunded` lists. [`Refused::Malformed`] for anything that is not a Stripe event.
pub fn parse_event(body: &[u8]) -> Result<Vec<Notification>, Refused> {
    let event: Value = serde_json::from_slice(body).map_err(|_| Refused::Malformed)?;
    let id = text(&event, "id").filter(|id| !id.is_empty() && id.len() <= 255);
    let kind = text(&event, "type");
    let live = event.get("livemode").and_then(Value::as_bool);
    let object = event.pointer("/data/object").filter(|o| o.is_object());
    let (Some("event"), Some(id), Some(kind), Some(live), Some(object)) =
        (text(&event, "object"), id, kind, live, object)
    else {
        return Err(Refused::Malformed);
    };
    let ignored = || {
        vec![Notification {
            id: id.to_string(),
            live,
            payment_id: kassa_metadata(object, "kassa_payment_id")
                .unwrap_or_default()
                .to_string(),
            provider_id: None,
            event: NotificationEvent::Ignored {
                kind: kind.to_string(),
            },
        }]
    };
    let one = |payment_id: &str, provider_id: Option<&str>, event: NotificationEvent| {
        vec![Notification {
            id: id.to_string(),
            live,
            payment_id: payment_id.to_string(),
            provider_id: provider_id.map(str::to_string),
            event,
        }]
    };
    Ok(match kind {
        "payment_intent.amount_capturable_updated"
        | "payment_intent.payment_failed"
        | "payment_intent.canceled"
        | "payment_intent.succeeded" => {
            let intent_id = text(object, "id");
            let payment_id = kassa_metadata(object, "kassa_payment_id");
            let (Some(payment_id), Some("payment_intent")) = (payment_id, text(object, "object"))
            else {
                return Ok(ignored());
            };
            let status = text(object, "status");
            let event = match (kind, status) {
                ("payment_intent.amount_capturable_updated", Some("requires_capture")) => {
                    NotificationEvent::Authorised {
                        card: card_facts(object),
                    }
                }
                ("payment_intent.payment_failed", _) => {
                    match object.get("last_payment_error").and_then(decline) {
                        Some(kind) => NotificationEvent::Declined(kind),
                        None => NotificationEvent::AuthorisationFailed,
                    }
                }
                ("payment_intent.canceled", Some("canceled")) => NotificationEvent::Voided,
                ("payment_intent.succeeded", Some("succeeded")) => NotificationEvent::Captured,
                // An event whose object does not say what its type does: nothing to act on.
                _ => return Ok(ignored()),
            };
            one(payment_id, intent_id, event)
        }
        "refund.created" | "refund.updated" | "refund.failed" | "charge.refund.updated" => {
            match refund_event(object) {
                Some((payment_id, intent, event)) => one(payment_id, intent, event),
                None => ignored(),
            }
        }
        // The charge lists its refunds where the API version includes them (expanded, or
        // before 2022-11-15); each is one notification, named by event and refund, so a
        // later `charge.refunded` listing an earlier refund again is only a duplicate.
        "charge.refunded" => {
            let refunds = object
                .pointer("/refunds/data")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let found: Vec<Notification> = refunds
                .iter()
                .filter_map(|refund| {
                    let (payment_id, intent, event) = refund_event(refund)?;
                    Some(Notification {
                        id: format!("{id}:{}", text(refund, "id")?),
                        live,
                        payment_id: payment_id.to_string(),
                        provider_id: intent.map(str::to_string),
                        event,
                    })
                })
                .collect();
            if found.is_empty() {
                ignored()
            } else {
                found
            }
        }
        // Disputes (`charge.dispute.*`) and everything else: acknowledged, not acted on.
        _ => ignored(),
    })
}

/// A Refund object made by Kassa with a final status: its payment, PaymentIntent and what
/// it says. Pending refunds say nothing yet.
fn refund_event(refund: &Value) -> Option<(&str, Option<&str>, NotificationEvent)> {
    if text(refund, "object") != Some("refund") {
        return None;
    }
    let payment_id = kassa_metadata(refund, "kassa_payment_id")?;
    let refund_id = kassa_metadata(refund, "kassa_refund_id")?.to_string();
    let event = match text(refund, "status") {
        Some("succeeded") => NotificationEvent::Refunded {
            refund_id,
            provider_refund_id: text(refund, "id").map(str::to_string),
        },
        Some("failed" | "canceled") => NotificationEvent::RefundFailed { refund_id },
        _ => return None,
    };
    Some((payment_id, text(refund, "payment_intent"), event))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::Decline;
    use serde_json::json;

    const FIXTURES: &str = include_str!("../../../tests/fixtures/stripe-fixtures.json");
    const SECRET: &str = "whsec_test_secret_kassa_0123456789abcdef";
    const PAYMENT: &str = "hu20sqlact5260q2nanm0q8u93";
    const NOW: UnixMillis = UnixMillis(1_800_000_000_000);

    fn fixture(name: &str) -> Value {
        let all: Value = serde_json::from_str(FIXTURES).unwrap();
        all["resources"][name].clone()
    }

    /// Stripe's PaymentIntent fixture as Kassa's, in `status`.
    fn intent(status: &str) -> Value {
        let mut pi = fixture("payment_intent");
        pi["status"] = json!(status);
        pi["capture_method"] = json!("manual");
        pi["metadata"] = json!({"kassa_payment_id": PAYMENT, "reference": "REF"});
        pi["last_payment_error"] = Value::Null;
        pi
    }

    fn refund(status: &str) -> Value {
        let mut re = fixture("refund");
        re["status"] = json!(status);
        re["payment_intent"] = json!("pi_1PgafyB7WZ01zgkWSjxsAJo3");
        re["metadata"] = json!({"kassa_payment_id": PAYMENT, "kassa_refund_id": "r0fund1d"});
        re
    }

    /// An event as Stripe sends it (the `event` shape of Stripe's API reference).
    fn event(kind: &str, object: Value) -> Vec<u8> {
        json!({
            "id": "evt_1NG8Du2eZvKYlo2CUI79vXWy",
            "object": "event",
            "api_version": "2024-06-20",
            "created": 1_686_089_970,
            "data": {"object": object, "previous_attributes": {}},
            "livemode": false,
            "pending_webhooks": 1,
            "request": {"id": null, "idempotency_key": null},
            "type": kind,
        })
        .to_string()
        .into_bytes()
    }

    fn signed(body: &[u8]) -> String {
        signature_header(SECRET, NOW.as_millis() / 1000, body)
    }

    fn inbound<'a>(body: &'a [u8], header: &'a str) -> Inbound<'a> {
        Inbound {
            body,
            signature_header: Some(header),
            now: NOW,
        }
    }

    fn only(body: &[u8]) -> Notification {
        let header = signed(body);
        let mut all = verify(SECRET, inbound(body, &header)).unwrap();
        assert_eq!(all.len(), 1);
        all.remove(0)
    }

    /// Computed independently (Python's `hmac.new(b"whsec_…", b"1800000000.{}", sha256)`),
    /// so the scheme is Stripe's and not merely consistent with itself.
    #[test]
    fn the_signature_is_stripes_hmac_of_timestamp_dot_body_keyed_with_the_whole_secret() {
        assert_eq!(
            signature_header(SECRET, 1_800_000_000, b"{}"),
            "t=1800000000,v1=883743ef18cac7257264e9fe781a9ee0a34d2d5e27770ffbf56fddd7ccaaa5d2"
        );
    }

    #[test]
    fn a_signature_verifies_within_five_minutes_either_way_and_not_beyond() {
        let body = event("payment_intent.succeeded", intent("succeeded"));
        let at = |secs: u64| signature_header(SECRET, secs, &body);
        let now_secs = NOW.as_millis() / 1000;
        for ok in [now_secs, now_secs - 300, now_secs + 300] {
            assert!(verify_signature(SECRET, &body, &at(ok), NOW), "{ok}");
        }
        for stale in [now_secs - 301, now_secs + 301, 0] {
            assert!(!verify_signature(SECRET, &body, &at(stale), NOW), "{stale}");
        }
    }

    #[test]
    fn forged_altered_or_odd_headers_never_verify() {
        let body = event("payment_intent.succeeded", intent("succeeded"));
        let good = signed(&body);
        let t = NOW.as_millis() / 1000;
        let sig = good.split_once(",v1=").unwrap().1.to_string();
        let other = signature_header("whsec_another_secret_000000000000", t, &body);
        let mut altered = body.clone();
        altered[10] ^= 1;
        assert!(!verify_signature(SECRET, &altered, &good, NOW));
        assert!(!verify_signature(
            "whsec_another_secret_000000000000",
            &body,
            &good,
            NOW
        ));
        assert!(!verify_signature("", &body, &good, NOW));
        for header in [
            String::new(),
            format!("v1={sig}"),
            format!("t={t}"),
            format!("t={t},t={t},v1={sig}"),
            format!("t=0{t},v1={sig}"),
            format!("t=+{t},v1={sig}"),
            format!("t={t},v0={sig}"),
            format!("t={t},v1={}", &sig[..63]),
            format!("t={},v1={sig}", t + 1),
            other,
        ] {
            assert!(!verify_signature(SECRET, &body, &header, NOW), "{header}");
        }
        // During a roll: any matching entry, in any position, upper-case hex too.
        let roll = format!("t={t},v1={},v1={sig}", "0".repeat(64));
        assert!(verify_signature(SECRET, &body, &roll, NOW));
        let upper = format!("t={t}, v1={}", sig.to_uppercase());
        assert!(verify_signature(SECRET, &body, &upper, NOW));
        // Unsigned: refused as a signature, never read.
        let unsigned = Inbound {
            body: &body,
            signature_header: None,
            now: NOW,
        };
        assert_eq!(verify(SECRET, unsigned), Err(Refused::Signature));
        assert_eq!(
            verify(SECRET, inbound(b"not json", &signed(b"not json"))),
            Err(Refused::Malformed)
        );
    }

    #[test]
    fn payment_intent_events_say_what_happened_to_the_authorisation() {
        let n = only(&event(
            "payment_intent.amount_capturable_updated",
            intent("requires_capture"),
        ));
        assert_eq!(n.id, "evt_1NG8Du2eZvKYlo2CUI79vXWy");
        assert_eq!(n.payment_id, PAYMENT);
        assert_eq!(
            n.provider_id.as_deref(),
            Some("pi_1PgafyB7WZ01zgkWSjxsAJo3")
        );
        assert!(!n.live);
        assert!(matches!(n.event, NotificationEvent::Authorised { .. }));

        let mut declined = intent("requires_payment_method");
        declined["last_payment_error"] = json!({"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds"});
        let n = only(&event("payment_intent.payment_failed", declined));
        assert_eq!(
            n.event,
            NotificationEvent::Declined(Decline::InsufficientFunds)
        );
        let mut failed = intent("requires_payment_method");
        failed["last_payment_error"] = json!({"type": "card_error", "code": "processing_error"});
        let n = only(&event("payment_intent.payment_failed", failed));
        assert_eq!(n.event, NotificationEvent::AuthorisationFailed);
        let mut authentication = intent("requires_payment_method");
        authentication["last_payment_error"] = json!({"type": "invalid_request_error",
            "code": "payment_intent_authentication_failure"});
        let n = only(&event("payment_intent.payment_failed", authentication));
        assert_eq!(
            n.event,
            NotificationEvent::Declined(Decline::AuthenticationFailed)
        );

        let n = only(&event("payment_intent.canceled", intent("canceled")));
        assert_eq!(n.event, NotificationEvent::Voided);
        let n = only(&event("payment_intent.succeeded", intent("succeeded")));
        assert_eq!(n.event, NotificationEvent::Captured);
        // A type whose object says otherwise is not acted on.
        let n = only(&event(
            "payment_intent.amount_capturable_updated",
            intent("requires_payment_method"),
        ));
        assert!(matches!(n.event, NotificationEvent::Ignored { .. }));
    }

    #[test]
    fn refund_events_name_kassas_refund() {
        for kind in ["charge.refund.updated", "refund.updated", "refund.created"] {
            let n = only(&event(kind, refund("succeeded")));
            assert_eq!(
                n.event,
                NotificationEvent::Refunded {
                    refund_id: "r0fund1d".into(),
                    provider_refund_id: Some("re_1Pgc72B7WZ01zgkWqPvrRrPE".into()),
                },
                "{kind}"
            );
            assert_eq!(n.payment_id, PAYMENT);
        }
        let n = only(&event("refund.failed", refund("failed")));
        assert_eq!(
            n.event,
            NotificationEvent::RefundFailed {
                refund_id: "r0fund1d".into()
            }
        );
        let n = only(&event("refund.updated", refund("pending")));
        assert!(matches!(n.event, NotificationEvent::Ignored { .. }));

        // `charge.refunded` with the charge's refunds listed: one notification each.
        let mut charge = fixture("charge");
        let mut second = refund("succeeded");
        second["id"] = json!("re_second");
        second["metadata"]["kassa_refund_id"] = json!("r0fund2d");
        charge["refunds"] = json!({"object": "list", "data": [refund("succeeded"), second]});
        let body = event("charge.refunded", charge.clone());
        let header = signed(&body);
        let all = verify(SECRET, inbound(&body, &header)).unwrap();
        let ids: Vec<&str> = all.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "evt_1NG8Du2eZvKYlo2CUI79vXWy:re_1Pgc72B7WZ01zgkWqPvrRrPE",
                "evt_1NG8Du2eZvKYlo2CUI79vXWy:re_second"
            ]
        );
        // Without the list (the API version's default), nothing to act on.
        charge["refunds"] = Value::Null;
        let n = only(&event("charge.refunded", charge));
        assert!(matches!(n.event, NotificationEvent::Ignored { .. }));
    }

    #[test]
    fn disputes_others_and_objects_kassa_did_not_make_are_ignored() {
        let dispute = json!({"id": "dp_1", "object": "dispute", "charge": "ch_1",
            "payment_intent": "pi_1", "status": "needs_response", "metadata": {}});
        let n = only(&event("charge.dispute.created", dispute));
        assert_eq!(
            n.event,
            NotificationEvent::Ignored {
                kind: "charge.dispute.created".into()
            }
        );
        let n = only(&event("customer.created", json!({"object": "customer"})));
        assert!(matches!(n.event, NotificationEvent::Ignored { .. }));
        let mut foreign = intent("succeeded");
        foreign["metadata"] = json!({});
        let n = only(&event("payment_intent.succeeded", foreign));
        assert!(matches!(n.event, NotificationEvent::Ignored { .. }));
        assert_eq!(n.payment_id, "");
        for malformed in [
            json!({"object": "event", "id": "evt_1", "type": "x", "livemode": false}),
            json!({"object": "list", "id": "evt_1", "type": "x", "livemode": false, "data": {"object": {}}}),
            json!({"object": "event", "id": "evt_1", "type": "x", "livemode": "no", "data": {"object": {}}}),
            json!([1, 2]),
        ] {
            let body = malformed.to_string().into_bytes();
            assert_eq!(
                verify(SECRET, inbound(&body, &signed(&body))),
                Err(Refused::Malformed),
                "{malformed}"
            );
        }
    }

    #[test]
    fn notification_verify_uses_the_credentials_webhook_secret() {
        use crate::provider::notification;
        use crate::provider::Credentials;
        let body = event("payment_intent.succeeded", intent("succeeded"));
        let header = signed(&body);
        let key = "sk_test_51KassaIntegrationTests000000000000000000000001".to_string();
        let without = Credentials::Stripe {
            secret_key: key.clone(),
            webhook_secret: None,
        };
        assert_eq!(
            notification::verify(&without, inbound(&body, &header)),
            Err(Refused::NoSecret)
        );
        let with = Credentials::Stripe {
            secret_key: key,
            webhook_secret: Some(SECRET.into()),
        };
        let all = notification::verify(&with, inbound(&body, &header)).unwrap();
        assert_eq!(all[0].event, NotificationEvent::Captured);
    }

    #[test]
    fn the_claimed_mode_is_livemode() {
        use crate::account::ProviderKind;
        use crate::provider::notification::claims_live;
        let mut live: Value =
            serde_json::from_slice(&event("payment_intent.succeeded", intent("succeeded")))
                .unwrap();
        assert_eq!(
            claims_live(ProviderKind::Stripe, live.to_string().as_bytes()),
            Some(false)
        );
        live["livemode"] = json!(true);
        let body = live.to_string().into_bytes();
        assert_eq!(claims_live(ProviderKind::Stripe, &body), Some(true));
        assert!(only(&body).live);
    }
}
