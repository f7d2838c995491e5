//! Rendering tests: literal-JSON snapshots of GOV.UK Pay responses for payments driven
//! through the real lifecycle, an exhaustive check that `cancel`/`capture` links follow the
//! transition table in every reachable status (plus a random walk), and storage round
//! trips of `PaymentRecord`.

use std::collections::{HashSet, VecDeque};

use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;
use crate::api::create_payment::parse_create_payment_value;
use crate::ids::RefundId;
use crate::payment::{next, CardSummary, PaymentInput, PaymentStatus, Transition};
use crate::refund::{submit_refund, RefundInput};
use crate::time::{HOUR_MS, MINUTE_MS};

const API: &str = "https://kassa.example/v1";
const CHECKOUT: &str = "https://pay.kassa.example";
const TOKEN: &str = "kpt_5e2b9c";
const PID: &str = "lmpqy7u2fvhg7aerukz4jvpg64";
const OTHER_PID: &str = "aaaqeayeaudaocajbifqydiob4";
const RID_1: &str = "b4pc2pclljuxrb4wuw2mhuxb6a";
const RID_2: &str = "ugzmhvhf6ydrqkj2jnog27upsa";

fn t0() -> UnixMillis {
    UnixMillis::parse_rfc3339("2024-03-25T13:11:29.019Z").unwrap()
}

/// `minutes` after creation.
fn at(minutes: u64) -> UnixMillis {
    t0().plus(minutes * MINUTE_MS)
}

fn pid() -> PaymentId {
    PID.parse().unwrap()
}

fn rid(text: &str) -> RefundId {
    text.parse().unwrap()
}

/// A valid request: the minimal body plus `extra` attributes.
fn request(extra: Value) -> CreatePaymentRequest {
    let mut body = json!({
        "amount": 14500,
        "reference": "12345",
        "description": "Pay your council tax",
        "return_url": "https://your.service.example/completed"
    });
    for (key, value) in extra.as_object().unwrap() {
        body[key] = value.clone();
    }
    parse_create_payment_value(&body).unwrap()
}

fn record(extra: Value) -> PaymentRecord {
    PaymentRecord::new(request(extra), pid(), t0(), false, "sandbox", None).0
}

fn with_token() -> LinkContext<'static> {
    LinkContext {
        api_base: API,
        next_url: Some((CHECKOUT, TOKEN)),
    }
}

fn card(brand: &str) -> CardSummary {
    CardSummary::new(
        brand,
        "424242",
        "4242",
        "04/29",
        Some("Sherlock Holmes".into()),
    )
    .unwrap()
}

/// Applies `(input, minutes after creation)` steps, returning the events appended.
fn drive(record: &mut PaymentRecord, steps: Vec<(PaymentInput, u64)>) -> Vec<PaymentEvent> {
    let mut events = Vec::new();
    for (input, minutes) in steps {
        events.extend(record.payment.apply(input, at(minutes)).unwrap());
    }
    events
}

/// Page opened at +1 min, Visa card at +2, authorised at +3.
fn to_authorised() -> Vec<(PaymentInput, u64)> {
    vec![
        (PaymentInput::PageOpened, 1),
        (PaymentInput::CardSubmitted { card: card("visa") }, 2),
        (
            PaymentInput::ProviderAuthorised {
                provider_id: "pi_3Mtw".into(),
            },
            3,
        ),
    ]
}

fn render(record: &PaymentRecord, refunds: &[Refund]) -> Value {
    serde_json::to_value(render_payment(record, refunds, with_token())).unwrap()
}

const PREFILLED: &str = r#"{
    "cardholder_name": "J. Bogs",
    "billing_address": {"line1": "221 Baker Street", "postcode": "NW1 6XE", "city": "London", "country": "GB"}
}"#;

/// A captured immediate-capture payment with a debit card, 3-D Secure, the prefilled
/// address, and a 5.00 refund that succeeded a day later.
fn success_with_refund() -> (PaymentRecord, Vec<Refund>, Vec<PaymentEvent>) {
    let prefilled: Value = serde_json::from_str(PREFILLED).unwrap();
    let (mut rec, created) = PaymentRecord::new(
        request(json!({
            "email": "sherlock.holmes@example.com",
            "prefilled_cardholder_details": prefilled
        })),
        pid(),
        t0(),
        true,
        "stripe",
        None,
    );
    let mut steps = to_authorised();
    steps.extend([
        (PaymentInput::PayerConfirmed, 4),
        (PaymentInput::CaptureSubmitted, 5),
        (PaymentInput::CaptureSucceeded, 6),
    ]);
    let mut log = vec![created];
    log.extend(drive(&mut rec, steps));
    rec.authorisation = AuthorisationDetails {
        billing_address: None,
        card_type: Some(CardType::Debit),
        three_d_secure_required: Some(true),
        three_d_secure_version: Some("2.2.0".into()),
    };
    let (mut refund, submitted) = submit_refund(
        &mut rec.payment,
        &[],
        500,
        Some(14500),
        rid(RID_1),
        at(24 * 60),
    )
    .unwrap();
    log.push(submitted);
    log.push(
        refund
            .apply(
                RefundInput::ProviderSucceeded {
                    provider_refund_id: Some("re_1".into()),
                },
                &mut rec.payment,
                at(24 * 60 + 1),
            )
            .unwrap(),
    );
    (rec, vec![refund], log)
}

// ---------------------------------------------------------------------------------------
// Snapshots.
// ---------------------------------------------------------------------------------------

#[test]
fn fresh_payment_offers_next_url_and_cancel() {
    let rec = record(json!({
        "email": "sherlock.holmes@example.com",
        "metadata": {"ledger_code": "AB100", "internal_reference_number": 200}
    }));
    assert_eq!(
        render(&rec, &[]),
        json!({
            "amount": 14500,
            "description": "Pay your council tax",
            "reference": "12345",
            "language": "en",
            "metadata": {"ledger_code": "AB100", "internal_reference_number": 200},
            "email": "sherlock.holmes@example.com",
            "state": {"status": "created", "finished": false},
            "payment_id": "lmpqy7u2fvhg7aerukz4jvpg64",
            "payment_provider": "sandbox",
            "created_date": "2024-03-25T13:11:29.019Z",
            "refund_summary": {"status": "pending", "amount_available": 14500, "amount_submitted": 0},
            "settlement_summary": {},
            "delayed_capture": false,
            "moto": false,
            "return_url": "https://your.service.example/completed",
            "authorisation_mode": "web",
            "_links": {
                "self": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64", "method": "GET"},
                "next_url": {"href": "https://pay.kassa.example/secure/kpt_5e2b9c", "method": "GET"},
                "next_url_post": {
                    "type": "application/x-www-form-urlencoded",
                    "params": {"chargeTokenId": "kpt_5e2b9c"},
                    "href": "https://pay.kassa.example/secure",
                    "method": "POST"
                },
                "events": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64/events", "method": "GET"},
                "refunds": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64/refunds", "method": "GET"},
                "cancel": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64/cancel", "method": "POST"}
            }
        })
    );
    // Without a token there is no next_url, whatever the state.
    let no_token = LinkContext {
        api_base: API,
        next_url: None,
    };
    let links = render_payment(&rec, &[], no_token).links;
    assert!(links.next_url.is_none() && links.next_url_post.is_none());
    assert!(links.cancel.is_some());
}

#[test]
fn success_payment_with_card_details_and_a_refund() {
    let (rec, refunds, _) = success_with_refund();
    assert_eq!(
        render(&rec, &refunds),
        json!({
            "amount": 14500,
            "description": "Pay your council tax",
            "reference": "12345",
            "language": "en",
            "email": "sherlock.holmes@example.com",
            "state": {"status": "success", "finished": true},
            "payment_id": "lmpqy7u2fvhg7aerukz4jvpg64",
            "payment_provider": "stripe",
            "created_date": "2024-03-25T13:11:29.019Z",
            "refund_summary": {"status": "available", "amount_available": 14000, "amount_submitted": 500},
            "settlement_summary": {
                "capture_submit_time": "2024-03-25T13:16:29.019Z",
                "captured_date": "2024-03-25"
            },
            "card_details": {
                "last_digits_card_number": "4242",
                "first_digits_card_number": "424242",
                "cardholder_name": "Sherlock Holmes",
                "expiry_date": "04/29",
                "billing_address": {
                    "line1": "221 Baker Street",
                    "postcode": "NW1 6XE",
                    "city": "London",
                    "country": "GB"
                },
                "card_brand": "Visa",
                "card_type": "debit"
            },
            "card_brand": "Visa",
            "authorisation_summary": {"three_d_secure": {"required": true, "version": "2.2.0"}},
            "delayed_capture": false,
            "moto": false,
            "provider_id": "pi_3Mtw",
            "return_url": "https://your.service.example/completed",
            "authorisation_mode": "web",
            "_links": {
                "self": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64", "method": "GET"},
                "events": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64/events", "method": "GET"},
                "refunds": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64/refunds", "method": "GET"}
            }
        })
    );
}

#[test]
fn payer_entered_billing_address_wins_over_the_prefilled_one() {
    let (mut rec, refunds, _) = success_with_refund();
    let entered = Address {
        line1: Some("1 Other Road".into()),
        country: Some("IE".into()),
        ..Address::default()
    };
    rec.authorisation.billing_address = Some(entered.clone());
    let details = render_payment(&rec, &refunds, with_token()).card_details;
    assert_eq!(details.and_then(|d| d.billing_address), Some(entered));
}

#[test]
fn capturable_delayed_capture_payment_offers_capture_and_cancel() {
    let mut rec = record(json!({"delayed_capture": true}));
    let mut steps = to_authorised();
    steps.push((PaymentInput::PayerConfirmed, 4));
    drive(&mut rec, steps);
    assert_eq!(
        render(&rec, &[]),
        json!({
            "amount": 14500,
            "description": "Pay your council tax",
            "reference": "12345",
            "language": "en",
            "state": {"status": "capturable", "finished": false},
            "payment_id": "lmpqy7u2fvhg7aerukz4jvpg64",
            "payment_provider": "sandbox",
            "created_date": "2024-03-25T13:11:29.019Z",
            "refund_summary": {"status": "pending", "amount_available": 14500, "amount_submitted": 0},
            "settlement_summary": {},
            "card_details": {
                "last_digits_card_number": "4242",
                "first_digits_card_number": "424242",
                "cardholder_name": "Sherlock Holmes",
                "expiry_date": "04/29",
                "billing_address": null,
                "card_brand": "Visa",
                "card_type": null
            },
            "card_brand": "Visa",
            "delayed_capture": true,
            "moto": false,
            "provider_id": "pi_3Mtw",
            "return_url": "https://your.service.example/completed",
            "authorisation_mode": "web",
            "_links": {
                "self": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64", "method": "GET"},
                "events": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64/events", "method": "GET"},
                "refunds": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64/refunds", "method": "GET"},
                "cancel": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64/cancel", "method": "POST"},
                "capture": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64/capture", "method": "POST"}
            }
        })
    );
}

#[test]
fn rejected_payment_is_failed_p0010_without_next_url_or_cancel() {
    let mut rec = record(json!({}));
    drive(
        &mut rec,
        vec![
            (PaymentInput::PageOpened, 1),
            (
                PaymentInput::CardSubmitted {
                    card: card("master-card"),
                },
                2,
            ),
            (PaymentInput::ProviderDeclined, 3),
        ],
    );
    assert_eq!(
        render(&rec, &[]),
        json!({
            "amount": 14500,
            "description": "Pay your council tax",
            "reference": "12345",
            "language": "en",
            "state": {
                "status": "failed",
                "finished": true,
                "message": "Payment method rejected",
                "code": "P0010"
            },
            "payment_id": "lmpqy7u2fvhg7aerukz4jvpg64",
            "payment_provider": "sandbox",
            "created_date": "2024-03-25T13:11:29.019Z",
            "refund_summary": {"status": "unavailable", "amount_available": 0, "amount_submitted": 0},
            "settlement_summary": {},
            "card_details": {
                "last_digits_card_number": "4242",
                "first_digits_card_number": "424242",
                "cardholder_name": "Sherlock Holmes",
                "expiry_date": "04/29",
                "billing_address": null,
                "card_brand": "Mastercard",
                "card_type": null
            },
            "card_brand": "Mastercard",
            "delayed_capture": false,
            "moto": false,
            "return_url": "https://your.service.example/completed",
            "authorisation_mode": "web",
            "_links": {
                "self": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64", "method": "GET"},
                "events": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64/events", "method": "GET"},
                "refunds": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64/refunds", "method": "GET"}
            }
        })
    );
}

#[test]
fn expired_payment_is_failed_p0020_and_shows_the_prefilled_details() {
    let mut rec = record(json!({
        "moto": true,
        "language": "cy",
        "prefilled_cardholder_details": {"cardholder_name": "J. Bogs"}
    }));
    assert!(matches!(
        rec.payment.expire_if_due(at(90)),
        crate::payment::ExpiryOutcome::Expired { .. }
    ));
    assert_eq!(
        render(&rec, &[]),
        json!({
            "amount": 14500,
            "description": "Pay your council tax",
            "reference": "12345",
            "language": "cy",
            "state": {
                "status": "failed",
                "finished": true,
                "message": "Payment expired",
                "code": "P0020"
            },
            "payment_id": "lmpqy7u2fvhg7aerukz4jvpg64",
            "payment_provider": "sandbox",
            "created_date": "2024-03-25T13:11:29.019Z",
            "refund_summary": {"status": "unavailable", "amount_available": 0, "amount_submitted": 0},
            "settlement_summary": {},
            "card_details": {
                "last_digits_card_number": null,
                "first_digits_card_number": null,
                "cardholder_name": "J. Bogs",
                "expiry_date": null,
                "billing_address": null,
                "card_brand": "",
                "card_type": null
            },
            "card_brand": "",
            "delayed_capture": false,
            "moto": true,
            "return_url": "https://your.service.example/completed",
            "authorisation_mode": "web",
            "_links": {
                "self": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64", "method": "GET"},
                "events": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64/events", "method": "GET"},
                "refunds": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64/refunds", "method": "GET"}
            }
        })
    );
}

#[test]
fn search_results_carry_search_links() {
    let mut rec = record(json!({"delayed_capture": true}));
    let created = serde_json::to_value(render_payment_for_search(&rec, &[], API)).unwrap();
    assert_eq!(
        created["_links"],
        json!({
            "self": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64", "method": "GET"},
            "cancel": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64/cancel", "method": "POST"},
            "events": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64/events", "method": "GET"},
            "refunds": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64/refunds", "method": "GET"},
            "capture": null
        })
    );
    let mut steps = to_authorised();
    steps.push((PaymentInput::PayerConfirmed, 4));
    drive(&mut rec, steps);
    let mut search = serde_json::to_value(render_payment_for_search(&rec, &[], API)).unwrap();
    assert_eq!(
        search["_links"]["capture"],
        json!({"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64/capture", "method": "POST"})
    );
    // Apart from the links, a search result is the payment itself.
    let mut single = render(&rec, &[]);
    search.as_object_mut().unwrap().remove("_links");
    single.as_object_mut().unwrap().remove("_links");
    assert_eq!(search, single);
}

#[test]
fn refunds_render_with_their_payment() {
    let (mut rec, mut refunds, _) = success_with_refund();
    let (mut failed, _) = submit_refund(
        &mut rec.payment,
        &refunds,
        1000,
        None,
        rid(RID_2),
        at(2 * 24 * 60),
    )
    .unwrap();
    failed
        .apply(
            RefundInput::ProviderFailed,
            &mut rec.payment,
            at(2 * 24 * 60 + 1),
        )
        .unwrap();
    let foreign: Refund = serde_json::from_value(json!({
        "id": RID_2,
        "payment_id": OTHER_PID,
        "amount": 1,
        "status": "success",
        "created_at": 0,
        "provider_refund_id": null
    }))
    .unwrap();
    // Out of order and with a stranger: the list is this payment's, oldest first.
    refunds.insert(0, failed);
    refunds.insert(1, foreign);

    assert_eq!(
        serde_json::to_value(render_refund(&refunds[2], API)).unwrap(),
        json!({
            "refund_id": "b4pc2pclljuxrb4wuw2mhuxb6a",
            "created_date": "2024-03-26T13:11:29.019Z",
            "amount": 500,
            "status": "success",
            "settlement_summary": {},
            "_links": {
                "self": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64/refunds/b4pc2pclljuxrb4wuw2mhuxb6a", "method": "GET"},
                "payment": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64", "method": "GET"}
            }
        })
    );
    assert_eq!(
        serde_json::to_value(render_refunds(pid(), &refunds, API)).unwrap(),
        json!({
            "payment_id": "lmpqy7u2fvhg7aerukz4jvpg64",
            "_links": {
                "self": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64/refunds", "method": "GET"},
                "payment": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64", "method": "GET"}
            },
            "_embedded": {"refunds": [
                {
                    "refund_id": "b4pc2pclljuxrb4wuw2mhuxb6a",
                    "created_date": "2024-03-26T13:11:29.019Z",
                    "amount": 500,
                    "status": "success",
                    "settlement_summary": {},
                    "_links": {
                        "self": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64/refunds/b4pc2pclljuxrb4wuw2mhuxb6a", "method": "GET"},
                        "payment": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64", "method": "GET"}
                    }
                },
                {
                    "refund_id": "ugzmhvhf6ydrqkj2jnog27upsa",
                    "created_date": "2024-03-27T13:11:29.019Z",
                    "amount": 1000,
                    "status": "error",
                    "settlement_summary": {},
                    "_links": {
                        "self": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64/refunds/ugzmhvhf6ydrqkj2jnog27upsa", "method": "GET"},
                        "payment": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64", "method": "GET"}
                    }
                }
            ]}
        })
    );
    // The errored refund gave its amount back; the stranger never counted.
    let summary = render_payment(&rec, &refunds, with_token()).refund_summary;
    assert_eq!(
        serde_json::to_value(summary).unwrap(),
        json!({"status": "available", "amount_available": 14000, "amount_submitted": 500})
    );
}

#[test]
fn events_list_each_state_change_once() {
    let (_, _, mut log) = success_with_refund();
    // Order and strangers do not matter: the log is sorted and filtered.
    log.reverse();
    let mut stranger = log[0].clone();
    stranger.payment_id = OTHER_PID.parse().unwrap();
    log.push(stranger);
    let event = |status: &str, finished: bool, updated: &str| {
        json!({
            "payment_id": "lmpqy7u2fvhg7aerukz4jvpg64",
            "state": {"status": status, "finished": finished},
            "updated": updated,
            "_links": {"payment_url": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64", "method": "GET"}}
        })
    };
    // Nine log entries and the stranger's; only state changes are listed. The
    // authorisation request, the capture steps and the refund steps leave the state as
    // it was.
    assert_eq!(log.len(), 10);
    assert_eq!(
        serde_json::to_value(render_events(pid(), &log, API)).unwrap(),
        json!({
            "events": [
                event("created", false, "2024-03-25T13:11:29.019Z"),
                event("started", false, "2024-03-25T13:12:29.019Z"),
                event("submitted", false, "2024-03-25T13:14:29.019Z"),
                event("success", true, "2024-03-25T13:15:29.019Z")
            ],
            "payment_id": "lmpqy7u2fvhg7aerukz4jvpg64",
            "_links": {"self": {"href": "https://kassa.example/v1/payments/lmpqy7u2fvhg7aerukz4jvpg64/events", "method": "GET"}}
        })
    );
}

#[test]
fn failed_events_carry_code_and_message() {
    let (mut rec, created) =
        PaymentRecord::new(request(json!({})), pid(), t0(), false, "sandbox", None);
    let mut log = vec![created];
    log.extend(drive(&mut rec, vec![(PaymentInput::ServiceCancelled, 5)]));
    let v = serde_json::to_value(render_events(pid(), &log, API)).unwrap();
    assert_eq!(
        v["events"][1]["state"],
        json!({
            "status": "cancelled",
            "finished": true,
            "message": "Payment was cancelled by the service",
            "code": "P0040"
        })
    );
}

#[test]
fn state_renders_exactly_as_the_lifecycle_serialises_it() {
    for status in PaymentStatus::ALL {
        let state = status.external_state();
        assert_eq!(
            serde_json::to_value(render_state(&state)).unwrap(),
            serde_json::to_value(&state).unwrap(),
            "{status:?}"
        );
    }
}

#[test]
fn api_base_with_or_without_v1_gives_the_same_links() {
    let rec = record(json!({}));
    let want = render_payment(&rec, &[], with_token()).links;
    for api_base in [
        "https://kassa.example",
        "https://kassa.example/",
        "https://kassa.example/v1",
        "https://kassa.example/v1/",
    ] {
        let links = LinkContext {
            api_base,
            next_url: Some((CHECKOUT, TOKEN)),
        };
        assert_eq!(render_payment(&rec, &[], links).links, want, "{api_base}");
    }
}

#[test]
fn brand_ids_become_govuk_labels_and_labels_pass_through() {
    assert_eq!(brand_label("visa"), "Visa");
    assert_eq!(brand_label("master-card"), "Mastercard");
    assert_eq!(brand_label("american-express"), "American Express");
    assert_eq!(brand_label("Visa"), "Visa");
    assert_eq!(brand_label("Some Local Scheme"), "Some Local Scheme");
}

#[test]
fn record_new_keeps_every_request_attribute() {
    let req = request(json!({
        "language": "cy",
        "email": "a@example.com",
        "moto": true,
        "delayed_capture": true,
        "metadata": {"k": 1},
        "prefilled_cardholder_details": {"cardholder_name": "A"}
    }));
    let (rec, event) =
        PaymentRecord::new(req.clone(), pid(), t0(), true, "stripe", Some(MINUTE_MS));
    assert_eq!(event.sequence, 1);
    assert_eq!(event.payment_id, pid());
    assert_eq!(event.at, t0());
    let p = &rec.payment;
    assert_eq!(
        (p.id(), p.amount(), p.reference(), p.description()),
        (pid(), 14500, "12345", "Pay your council tax")
    );
    assert!(p.delayed_capture());
    assert_eq!(p.expiry_window_ms(), MINUTE_MS);
    assert_eq!(rec.return_url, req.return_url);
    assert_eq!(rec.language, Language::Cy);
    assert_eq!(rec.email, req.email);
    assert_eq!(
        rec.prefilled_cardholder_details,
        req.prefilled_cardholder_details
    );
    assert_eq!(rec.metadata, req.metadata);
    assert!(rec.moto && rec.live);
    assert_eq!(rec.provider, "stripe");
    assert_eq!(rec.authorisation, AuthorisationDetails::default());
}

// ---------------------------------------------------------------------------------------
// Storage.
// ---------------------------------------------------------------------------------------

#[test]
fn record_round_trips_through_storage() {
    let (mut rec, refunds, _) = success_with_refund();
    rec.metadata = request(json!({
        "metadata": {"ledger_code": "AB100", "count": 200, "neg": -7, "ratio": 1.5, "paid": true, "void": false}
    }))
    .metadata;
    rec.authorisation.billing_address = Some(Address {
        line1: Some("1 Other Road".into()),
        ..Address::default()
    });
    let json = serde_json::to_string(&rec).unwrap();
    let back: PaymentRecord = serde_json::from_str(&json).unwrap();
    assert_eq!(back, rec);
    assert_eq!(
        render(&back, &refunds),
        render(&rec, &refunds),
        "a reloaded record renders identically"
    );

    // What is stored: the aggregate and the API-level facts beside it, metadata values
    // keeping their JSON types, and no card number.
    let stored: Value = serde_json::from_str(&json).unwrap();
    let keys: Vec<&str> = stored
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "authentication",
            "authorisation",
            "confirm_on_authorisation",
            "credential",
            "email",
            "frame",
            "language",
            "live",
            "metadata",
            "moto",
            "payment",
            "prefilled_cardholder_details",
            "provider",
            "return_key",
            "return_url"
        ]
    );
    assert_eq!(
        stored["metadata"],
        json!({"count": 200, "ledger_code": "AB100", "neg": -7, "paid": true, "ratio": 1.5, "void": false})
    );
    assert_eq!(
        stored["authorisation"],
        json!({
            "billing_address": {"line1": "1 Other Road"},
            "card_type": "debit",
            "three_d_secure_required": true,
            "three_d_secure_version": "2.2.0"
        })
    );
    assert_eq!(stored["payment"]["id"], PID);
    assert!(!json.contains("4242424242424242"));
}

#[test]
fn records_stored_before_authorisation_details_still_load() {
    let rec = record(json!({}));
    let mut stored = serde_json::to_value(&rec).unwrap();
    stored.as_object_mut().unwrap().remove("authorisation");
    // Nor had they `confirm_on_authorisation` (false: a payer confirms).
    stored
        .as_object_mut()
        .unwrap()
        .remove("confirm_on_authorisation");
    // Nor `credential` (no fingerprint: the mode check still applies).
    stored.as_object_mut().unwrap().remove("credential");
    assert_eq!(
        serde_json::from_value::<PaymentRecord>(stored).unwrap(),
        rec
    );
}

// ---------------------------------------------------------------------------------------
// Links follow the transition table.
// ---------------------------------------------------------------------------------------

/// An input of `kind`, with whatever payload it needs.
fn input(kind: PaymentInputKind) -> PaymentInput {
    use PaymentInput as I;
    use PaymentInputKind as K;
    match kind {
        K::PageOpened => I::PageOpened,
        K::CardSubmitted => I::CardSubmitted { card: card("visa") },
        K::ProviderAuthorised => I::ProviderAuthorised {
            provider_id: "pi_walk".into(),
        },
        K::ProviderDeclined => I::ProviderDeclined,
        K::ProviderError => I::ProviderError,
        K::ProviderTimedOut => I::ProviderTimedOut,
        K::ProviderActionRequired => I::ProviderActionRequired,
        K::AuthenticationReturned => I::AuthenticationReturned,
        K::StatusQueryResolved(outcome) => I::StatusQueryResolved {
            outcome,
            provider_id: Some("pi_query".into()),
        },
        K::PayerConfirmed => I::PayerConfirmed,
        K::PayerCancelled => I::PayerCancelled,
        K::ServiceCancelled => I::ServiceCancelled,
        K::CaptureRequested => I::CaptureRequested,
        K::CaptureSubmitted => I::CaptureSubmitted,
        K::CaptureSucceeded => I::CaptureSucceeded,
        K::CaptureFailedTransient => I::CaptureFailedTransient,
        K::CaptureFailedPermanent => I::CaptureFailedPermanent,
        K::AuthorisationVoided => I::AuthorisationVoided,
        K::Expire => I::Expire,
    }
}

/// Everything wrong with `record`'s links; empty when they follow the table.
fn link_violations(record: &PaymentRecord) -> Vec<String> {
    let payment = &record.payment;
    let status = payment.status();
    let dc = payment.delayed_capture();
    let state = payment.external_state();
    let accepted = |kind| next(status, kind, dc).ok();
    let changes = |t: &Option<Transition>| t.as_ref().is_some_and(|t| t.to != status);
    let cancel = accepted(PaymentInputKind::ServiceCancelled);
    let capture = accepted(PaymentInputKind::CaptureRequested);

    let links = render_payment(record, &[], with_token()).links;
    let search = render_payment_for_search(record, &[], API).links;
    let no_token = LinkContext {
        api_base: API,
        next_url: None,
    };
    let without_token = render_payment(record, &[], no_token).links;
    let journey_open = !state.finished && state.status != ExternalStatus::Capturable;

    let mut wrong = Vec::new();
    let mut check = |ok: bool, what: &str| {
        if !ok {
            wrong.push(format!("{status:?} (delayed_capture={dc}): {what}"));
        }
    };
    check(
        links.cancel.is_some() == changes(&cancel),
        "cancel link vs table",
    );
    check(
        links.capture.is_some() == changes(&capture),
        "capture link vs table",
    );
    check(
        search.cancel.is_some() == changes(&cancel),
        "search cancel vs table",
    );
    check(
        search.capture.is_some() == changes(&capture),
        "search capture vs table",
    );
    // Accepted-but-not-offered happens only for idempotent repeats (a retried /capture),
    // which change nothing and emit nothing.
    for t in [&cancel, &capture].into_iter().flatten() {
        check(
            t.to != status || t.emits.is_none(),
            "hidden command changes state",
        );
    }
    // Cross-check against GOV.UK Pay's own rules.
    check(
        links.capture.is_some() == (state.status == ExternalStatus::Capturable),
        "capture only while capturable",
    );
    check(
        links.cancel.is_none() || !state.finished,
        "no cancel once finished",
    );
    check(links.next_url.is_some() == journey_open, "next_url");
    check(
        links.next_url_post.is_some() == journey_open,
        "next_url_post",
    );
    check(
        without_token.next_url.is_none() && without_token.next_url_post.is_none(),
        "next_url without a token",
    );
    wrong
}

/// Every (status, delayed_capture) reachable from a fresh payment through legal inputs,
/// found breadth-first. Inputs come a minute after creation, except `Expire`, which
/// comes after every deadline.
fn reachable() -> Vec<PaymentRecord> {
    let mut seen = HashSet::new();
    let mut found = Vec::new();
    let mut queue = VecDeque::new();
    for dc in [false, true] {
        queue.push_back(record(json!({"delayed_capture": dc})));
    }
    while let Some(rec) = queue.pop_front() {
        if !seen.insert((rec.payment.status(), rec.payment.delayed_capture())) {
            continue;
        }
        for kind in PaymentInputKind::ALL {
            let now = if kind == PaymentInputKind::Expire {
                at(200 * 60)
            } else {
                at(1)
            };
            let mut moved = rec.clone();
            if moved.payment.apply(input(kind), now).is_ok() {
                queue.push_back(moved);
            }
        }
        found.push(rec);
    }
    found
}

#[test]
fn links_follow_the_table_in_every_reachable_status() {
    let all = reachable();
    for status in PaymentStatus::ALL {
        assert!(
            all.iter().any(|r| r.payment.status() == status),
            "{status:?} unreachable"
        );
    }
    let wrong: Vec<String> = all.iter().flat_map(link_violations).collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
    // The one place the table accepts more than the links offer: a repeated /capture.
    assert!(all.iter().any(|r| {
        let p = &r.payment;
        next(
            p.status(),
            PaymentInputKind::CaptureRequested,
            p.delayed_capture(),
        )
        .is_ok()
            && p.external_state().status == ExternalStatus::Success
    }));
}

fn step() -> impl Strategy<Value = (PaymentInputKind, u64)> {
    (
        prop::sample::select(PaymentInputKind::ALL.to_vec()),
        // Mostly minutes apart, so walks get far before expiring; sometimes days.
        prop_oneof![9 => 0..10 * MINUTE_MS, 1 => 0..200 * HOUR_MS],
    )
}

proptest! {
    #[test]
    fn random_walks_keep_links_on_the_table(
        delayed_capture in any::<bool>(),
        steps in prop::collection::vec(step(), 0..60),
    ) {
        let mut rec = record(json!({"delayed_capture": delayed_capture}));
        let mut now = t0();
        for (kind, gap) in steps {
            now = now.plus(gap);
            let _ = rec.payment.apply(input(kind), now);
            let wrong = link_violations(&rec);
            prop_assert!(wrong.is_empty(), "{:?}", wrong);
        }
        let json = serde_json::to_string(&rec).unwrap();
        prop_assert_eq!(serde_json::from_str::<PaymentRecord>(&json).unwrap(), rec);
    }
}
