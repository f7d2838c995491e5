//! The Adyen adapter against the request and response examples of Adyen's published
//! OpenAPI document (`tests/fixtures/adyen-checkout-examples.json`), and its notifications
//! against Adyen's published HMAC example.

use super::notifications::{self, signing_string};
use super::*;
use crate::account::ProviderKind;
use crate::card::{validate_card, CardBrand, CardInput, ExpiryInput};
use crate::ids::{PaymentId, RefundId};
use crate::provider::notification::{self, Inbound, NotificationEvent, Refused};
use crate::provider::{
    Adapter, AdapterError, Call, CallFor, Credentials, Endpoints, PaymentRef, Prepared,
};
use crate::time::UnixMillis;
use serde_json::{json, Map, Value};

const FIXTURES: &str = include_str!("../../../../tests/fixtures/adyen-checkout-examples.json");
const NOW: UnixMillis = UnixMillis(1_767_225_600_000); // 2026-01-01
const API_KEY: &str = "AQEyhmfxKfA0123456789abcdef";
const MERCHANT: &str = "KassaECOM";
const HMAC_KEY: &str = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056";

fn fixtures() -> Value {
    serde_json::from_str(FIXTURES).unwrap()
}

fn example(name: &str) -> Value {
    let value = fixtures()["examples"][name].clone();
    assert!(!value.is_null(), "no example {name}");
    value
}

fn response(status: u16, body: &Value) -> HttpResult {
    HttpResult::Response {
        status,
        body: body.to_string(),
    }
}

fn ok(name: &str) -> HttpResult {
    response(200, &example(name))
}

fn payment_id() -> String {
    PaymentId::generate([7; 16]).to_string()
}

fn refund_id() -> String {
    RefundId::generate([9; 16]).to_string()
}

fn payment_ref<'a>(id: &'a str, provider_id: Option<&'a str>, attempt: u64) -> PaymentRef<'a> {
    PaymentRef {
        payment_id: id,
        amount: 1450,
        description: "Council tax",
        reference: "INV-1",
        provider_id,
        attempt,
        sequence: 4,
        return_to: Some("https://pay.example/pay/a/p/3ds/return?k=abc"),
    }
}

fn card(number: &str) -> ValidatedCard {
    validate_card(
        &CardInput {
            number: number.into(),
            expiry: ExpiryInput::Combined("03/30".into()),
            cvc: "737".into(),
            cardholder_name: "John Smith".into(),
        },
        NOW,
        &CardBrand::ALL,
    )
    .unwrap()
}

fn credentials(live_url_prefix: Option<&str>, hmac_key: Option<&str>) -> Credentials {
    Credentials::Adyen {
        api_key: API_KEY.into(),
        merchant_account: MERCHANT.into(),
        live_url_prefix: live_url_prefix.map(str::to_string),
        hmac_key: hmac_key.map(str::to_string),
    }
}

fn endpoints(adyen_api_base: Option<&str>) -> Endpoints {
    Endpoints {
        stripe_api_base: String::new(),
        adyen_api_base: adyen_api_base.map(str::to_string),
    }
}

fn adyen() -> Adapter {
    Adapter::new(
        "adyen",
        Some(&credentials(None, None)),
        &endpoints(Some("http://127.0.0.1:9200/")),
    )
    .unwrap()
}

fn sent<T: core::fmt::Debug>(call: Call<T>) -> HttpRequest {
    match call {
        Call::Send(request) => request,
        Call::Done(outcome) => panic!("answered without a request: {outcome:?}"),
    }
}

fn body(request: &HttpRequest) -> Value {
    serde_json::from_str(request.body.as_deref().unwrap()).unwrap()
}

fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

/// Every field of Adyen's example that Kassa sends is in Kassa's request with the type the
/// example gives it, and `paymentMethod` has exactly the example's fields.
fn assert_shaped_like(ours: &Value, theirs: &Value, skip: &[&str]) {
    for (name, value) in theirs.as_object().unwrap() {
        if skip.contains(&name.as_str()) {
            continue;
        }
        let mine = &ours[name];
        assert!(!mine.is_null(), "{name} missing from {ours}");
        match value {
            Value::Object(_) => assert_eq!(keys(mine), keys(value), "{name}"),
            Value::String(_) => assert!(mine.is_string(), "{name}"),
            Value::Number(_) => assert!(mine.is_number(), "{name}"),
            _ => {}
        }
    }
}

#[test]
fn idempotency_keys_fit_adyens_64_characters_and_differ_per_operation() {
    let id = payment_id();
    let rid = refund_id();
    let keys = [
        authorise_key(&id, u64::MAX),
        details_key(&id, u64::MAX),
        capture_key(&id),
        cancel_key(&id),
        give_up_key(&id, u64::MAX),
        refund_key(&rid),
    ];
    for key in &keys {
        assert!(key.len() <= 64, "{key}");
    }
    let mut unique = keys.to_vec();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), keys.len());
    // Adyen's references are at most 80 characters.
    assert!(refund_reference(&id, &rid).len() <= 80);
}

#[test]
fn endpoints_are_adyens_test_and_live_checkout_or_the_configured_server() {
    assert_eq!(
        checkout_base(None, None),
        "https://checkout-test.adyen.com/v71"
    );
    assert_eq!(
        checkout_base(None, Some("1797a841fbb37ca7-KassaECOM")),
        "https://1797a841fbb37ca7-KassaECOM-checkout-live.adyenpayments.com/checkout/v71"
    );
    assert_eq!(
        checkout_base(Some("http://127.0.0.1:9200/"), Some("p")),
        "http://127.0.0.1:9200/v71"
    );
}

#[test]
fn the_authorisation_is_one_request_with_the_card_as_adyens_example_sends_it() {
    let adapter = adyen();
    let id = payment_id();
    let p = payment_ref(&id, None, 3);
    // Nothing to create first.
    assert_eq!(
        adapter.prepare(&p),
        Call::Done(Prepared::Ready { provider_id: None })
    );
    let request = sent(adapter.authorise(&p, &card("4111111111111111")));
    assert_eq!(request.method, HttpMethod::Post);
    assert_eq!(request.url, "http://127.0.0.1:9200/v71/payments");
    assert_eq!(request.header("X-API-Key"), Some(API_KEY));
    assert_eq!(request.header("Content-Type"), Some("application/json"));
    assert_eq!(
        request.header("Idempotency-Key"),
        Some(format!("kassa-{id}-authorise-3").as_str())
    );
    let ours = body(&request);
    let theirs = example("post-payments-card-direct");
    assert_shaped_like(&ours, &theirs, &[]);
    // The example's card, field for field.
    assert_eq!(ours["paymentMethod"], theirs["paymentMethod"]);
    assert_eq!(ours["amount"], json!({"currency": "GBP", "value": 1450}));
    assert_eq!(ours["reference"], json!(id));
    assert_eq!(ours["merchantAccount"], json!(MERCHANT));
    assert_eq!(ours["returnUrl"], json!(p.return_to.unwrap()));
    assert_eq!(ours["shopperInteraction"], json!("Ecommerce"));
    assert_eq!(ours["channel"], json!("Web"));
    assert_eq!(ours["additionalData"]["manualCapture"], json!("true"));
    // Native 3-D Secure is never asked for.
    assert!(ours.get("authenticationData").is_none());
    // The card is in the body, never in what is logged.
    let debug = format!("{request:?}");
    assert!(!debug.contains("4111111111111111") && !debug.contains(API_KEY));
    assert!(!format!("{adapter:?}").contains(API_KEY));
}

#[test]
fn adyens_answers_map_to_authorised_declined_action_required_error_or_unknown() {
    let adapter = adyen();
    assert_eq!(
        adapter.parse_authorise(&ok("post-payments-card-direct-200")),
        Authorised::Authorised {
            provider_id: "993617895204576J".into(),
            card: CardFacts::default(),
        }
    );
    let mut with_facts = example("post-payments-card-direct-200");
    with_facts["additionalData"]["fundingSource"] = json!("DEBIT");
    with_facts["additionalData"]["threeDAuthenticated"] = json!("true");
    with_facts["additionalData"]["threeDSVersion"] = json!("2.2.0");
    match adapter.parse_authorise(&response(200, &with_facts)) {
        Authorised::Authorised { card, .. } => {
            assert_eq!(card.card_type, Some(CardType::Debit));
            assert_eq!(
                card.three_d_secure.unwrap().version.as_deref(),
                Some("2.2.0")
            );
        }
        other => panic!("{other:?}"),
    }
    let with = |result_code: &str, code: Option<&str>, reason: Option<&str>| {
        let mut r = example("post-payments-card-direct-200");
        r["resultCode"] = json!(result_code);
        if let Some(code) = code {
            r["refusalReasonCode"] = json!(code);
        }
        if let Some(reason) = reason {
            r["refusalReason"] = json!(reason);
        }
        adapter.parse_authorise(&response(200, &r))
    };
    for (code, reason, outcome) in [
        ("2", "Refused", Authorised::Declined(Decline::Declined)),
        ("5", "Blocked Card", Authorised::Declined(Decline::Declined)),
        (
            "6",
            "Expired Card",
            Authorised::Declined(Decline::ExpiredCard),
        ),
        (
            "8",
            "Invalid Card Number",
            Authorised::Declined(Decline::IncorrectNumber),
        ),
        (
            "11",
            "3D Not Authenticated",
            Authorised::Declined(Decline::AuthenticationFailed),
        ),
        (
            "12",
            "Not enough balance",
            Authorised::Declined(Decline::InsufficientFunds),
        ),
        ("20", "FRAUD", Authorised::Declined(Decline::Fraud)),
        (
            "24",
            "CVC Declined",
            Authorised::Declined(Decline::IncorrectCvc),
        ),
        ("4", "Acquirer Error", Authorised::Error),
        ("9", "Issuer Unavailable", Authorised::Error),
    ] {
        assert_eq!(with("Refused", Some(code), Some(reason)), outcome, "{code}");
        // By the text alone, when the code is missing.
        assert_eq!(with("Refused", None, Some(reason)), outcome, "{reason}");
    }
    assert_eq!(with("Error", None, None), Authorised::Error);
    assert_eq!(with("Cancelled", None, None), Authorised::Error);
    assert_eq!(with("Received", None, None), Authorised::Unknown);
    assert_eq!(with("Pending", None, None), Authorised::Unknown);
    assert_eq!(with("SomethingNew", None, None), Authorised::Unknown);
    // Native 3-D Secure is not something Kassa's pages can do: nothing held.
    assert_eq!(
        adapter.parse_authorise(&ok("post-payments-card-3d-secure-2-web-200")),
        Authorised::Error
    );
    // Authorised without a reference to capture by.
    let mut no_psp = example("post-payments-card-direct-200");
    no_psp.as_object_mut().unwrap().remove("pspReference");
    assert_eq!(
        adapter.parse_authorise(&response(200, &no_psp)),
        Authorised::Unknown
    );
    // Refused before processing: nothing held.
    for name in ["generic-400", "generic-401", "generic-403", "generic-422"] {
        let e = example(name);
        let status = e["status"].as_u64().unwrap() as u16;
        assert_eq!(
            adapter.parse_authorise(&response(status, &e)),
            Authorised::Error,
            "{name}"
        );
    }
    // In doubt: the notification says.
    let in_progress = json!({"status": 422, "errorCode": "704",
        "message": "request already processed or in progress", "errorType": "validation"});
    for result in [
        response(500, &example("generic-500")),
        response(503, &json!({})),
        response(429, &json!({})),
        response(422, &in_progress),
        response(200, &json!("not an object")),
        HttpResult::Response {
            status: 200,
            body: "<html>".into(),
        },
        HttpResult::TimedOut,
        HttpResult::Unreachable,
        HttpResult::Unreadable,
    ] {
        assert_eq!(
            adapter.parse_authorise(&result),
            Authorised::Unknown,
            "{result:?}"
        );
    }
}

#[test]
fn three_d_secure_is_adyens_redirect_and_completes_through_payments_details() {
    let adapter = adyen();
    let redirect = adapter.parse_authorise(&ok("post-payments-card-3d-secure-redirect-200"));
    let Authorised::ActionRequired(authentication) = redirect else {
        panic!("{redirect:?}");
    };
    assert_eq!(
        authentication.action,
        NextAction::Redirect {
            url: "https://checkoutshopper-test.adyen.com/checkoutshopper/threeDS/redirect..."
                .into()
        }
    );
    assert_eq!(authentication.version.as_deref(), Some("2.1.0"));
    assert_eq!(authentication.state.as_deref(), Some("JLCMPCQ8HXSKGK82"));
    assert_eq!(
        authentication.action.target_origin().as_deref(),
        Some("https://checkoutshopper-test.adyen.com")
    );

    // The same answer with a POST action: a form of the action's data.
    let mut post = example("post-payments-card-3d-secure-redirect-200");
    post["action"]["method"] = json!("POST");
    post["action"]["data"] = json!({"MD": "M1", "PaReq": "P1", "TermUrl": "https://t.example/"});
    match adapter.parse_authorise(&response(200, &post)) {
        Authorised::ActionRequired(Authentication {
            action: NextAction::PostForm { url, fields },
            ..
        }) => {
            assert!(url.starts_with("https://checkoutshopper-test.adyen.com/"));
            assert_eq!(fields.len(), 3);
            assert!(fields.contains(&("PaReq".to_string(), "P1".to_string())));
        }
        other => panic!("{other:?}"),
    }
    // A redirect to something that is not an absolute http(s) URL is not followed.
    let mut bad = example("post-payments-card-3d-secure-redirect-200");
    bad["action"]["url"] = json!("javascript:alert(1)");
    assert_eq!(
        adapter.parse_authorise(&response(200, &bad)),
        Authorised::Error
    );

    // The payer's return: `redirectResult` goes to /payments/details, as in Adyen's example.
    let id = payment_id();
    let p = payment_ref(&id, None, 7);
    let fields = vec![("redirectResult".to_string(), "X6XtfGC3!Y...".to_string())];
    let request = sent(adapter.complete(&p, &authentication, Returned { fields: &fields }));
    assert_eq!(request.url, "http://127.0.0.1:9200/v71/payments/details");
    assert_eq!(body(&request), example("post-payments-details-00.redirect"));
    assert_eq!(
        request.header("Idempotency-Key"),
        Some(format!("kassa-{id}-details-7").as_str())
    );
    assert_eq!(
        adapter.parse_complete(&ok("post-payments-details-00.redirect-200")),
        Authorised::Authorised {
            provider_id: "V4HZ4RBFJGXXGN82".into(),
            card: CardFacts::default(),
        }
    );
    // A failed authentication is a refusal, reason 11.
    let failed = json!({"resultCode": "Refused", "refusalReason": "3D Not Authenticated",
        "refusalReasonCode": "11", "pspReference": "V4HZ4RBFJGXXGN82"});
    assert_eq!(
        adapter.parse_complete(&response(200, &failed)),
        Authorised::Declined(Decline::AuthenticationFailed)
    );
    // Back without a result: nothing to ask with, and the attempt may yet be authorised.
    for fields in [vec![], vec![("redirectResult".to_string(), String::new())]] {
        assert_eq!(
            adapter.complete(&p, &authentication, Returned { fields: &fields }),
            Call::Done(Authorised::Unknown)
        );
    }
}

#[test]
fn the_status_query_waits_then_gives_up_with_a_standalone_cancel_like_adyens_example() {
    let adapter = adyen();
    let id = payment_id();
    for provider_id in [None, Some("993617895204576J")] {
        // The first rounds wait for the AUTHORISATION notification, without a request.
        for attempt in 0..GIVE_UP_AT_QUERY {
            assert_eq!(
                adapter.query(&payment_ref(&id, provider_id, attempt)),
                Call::Done(Queried::Pending)
            );
        }
        // Then, and on every retry after, the standalone cancel by Kassa's reference.
        for attempt in [GIVE_UP_AT_QUERY, GIVE_UP_AT_QUERY + 1, GIVE_UP_AT_QUERY + 5] {
            let cancel = sent(adapter.query(&payment_ref(&id, provider_id, attempt)));
            assert_eq!(cancel.method, HttpMethod::Post);
            assert_eq!(cancel.url, "http://127.0.0.1:9200/v71/cancels");
            assert_eq!(cancel.header("X-API-Key"), Some(API_KEY));
            assert_eq!(cancel.header("Content-Type"), Some("application/json"));
            // The same key for every retry about this authorisation (`sequence` 4).
            assert_eq!(
                cancel.header("Idempotency-Key"),
                Some(format!("kassa-{id}-giveup-4").as_str())
            );
            let ours = body(&cancel);
            assert_shaped_like(
                &ours,
                &example("post-cancels-cancel-with-own-reference"),
                &[],
            );
            assert_eq!(
                ours,
                json!({"merchantAccount": MERCHANT, "paymentReference": id, "reference": id})
            );
            assert!(cancel.body.as_deref().is_some_and(|b| !b.contains("4111")));
        }
    }
    // A later authorisation of the same payment in doubt gets a cancel of its own.
    let mut later = payment_ref(&id, None, GIVE_UP_AT_QUERY);
    later.sequence = 9;
    assert_eq!(
        sent(adapter.query(&later)).header("Idempotency-Key"),
        Some(format!("kassa-{id}-giveup-9").as_str())
    );

    // Received: nothing can be held any more. Anything else: ask again later.
    let received = response(201, &example("post-cancels-cancel-with-own-reference-201"));
    assert_eq!(adapter.parse_query(&received), Queried::NotAuthorised);
    for result in [
        response(500, &example("generic-500")),
        response(422, &example("generic-422")),
        response(401, &example("generic-401")),
        response(422, &json!({"status": 422, "errorCode": "704"})),
        response(201, &json!({"status": "odd"})),
        response(201, &json!([])),
        HttpResult::TimedOut,
        HttpResult::Unreachable,
        HttpResult::Unreadable,
    ] {
        assert_eq!(adapter.parse_query(&result), Queried::Pending, "{result:?}");
    }
}

/// A lost authorisation given up: back to `started` (the card page again), and Adyen's
/// AUTHORISATION notification for it, arriving after, finds nothing in flight and offers
/// the payment nothing; its TECHNICAL_CANCEL notification is acknowledged and ignored.
#[test]
fn a_late_authorisation_notification_after_the_give_up_changes_nothing() {
    use crate::payment::{CardSummary, NewPayment, Payment, PaymentInput, PaymentStatus};
    let id = payment_id();
    let (mut payment, _) = Payment::create(
        NewPayment {
            id: PaymentId::generate([7; 16]),
            amount: 1450,
            reference: "INV-1".into(),
            description: "Council tax".into(),
            delayed_capture: false,
            expiry_window_ms: None,
        },
        NOW,
    );
    let card = CardSummary::new("Visa", "411111", "1111", "03/30", None).unwrap();
    for input in [
        PaymentInput::PageOpened,
        PaymentInput::CardSubmitted { card },
        PaymentInput::ProviderTimedOut,
    ] {
        payment.apply(input, NOW).unwrap();
    }
    assert_eq!(payment.status(), PaymentStatus::AuthorisationUnknown);

    let psp = "993617895204576J";
    let body = json!({"live": "false", "notificationItems": [
        signed_item("AUTHORISATION", true, psp, None, &id),
        signed_item("TECHNICAL_CANCEL", true, "993617894906488A", Some(psp), &id),
    ]})
    .to_string();
    let got = notification::verify(
        &credentials(None, Some(HMAC_KEY)),
        Inbound {
            body: body.as_bytes(),
            signature_header: None,
            now: NOW,
        },
    )
    .unwrap();
    let (authorised, cancelled) = (&got[0], &got[1]);
    // Before the give-up, the notification would have resolved the payment.
    assert!(notification::payment_input(payment.status(), authorised).is_some());

    let adapter = adyen();
    let sequence = payment.last_sequence();
    let mut asked = payment_ref(&id, None, GIVE_UP_AT_QUERY);
    asked.sequence = sequence;
    sent(adapter.query(&asked));
    let outcome = adapter.parse_query(&response(
        201,
        &example("post-cancels-cancel-with-own-reference-201"),
    ));
    payment
        .apply(outcome.payment_input().unwrap(), NOW.plus(70_000))
        .unwrap();
    assert_eq!(payment.status(), PaymentStatus::Started);

    assert_eq!(
        notification::payment_input(payment.status(), authorised),
        None
    );
    assert_eq!(
        cancelled.event,
        NotificationEvent::Ignored {
            kind: "TECHNICAL_CANCEL".into()
        }
    );
    assert_eq!(
        notification::payment_input(payment.status(), cancelled),
        None
    );
}

#[test]
fn captures_cancels_and_refunds_are_sent_like_adyens_examples_and_received_is_pending() {
    let adapter = adyen();
    let id = payment_id();
    let rid = refund_id();
    let psp = "993617894903480A";
    let p = payment_ref(&id, Some(psp), 2);

    let capture = sent(adapter.capture(&p));
    assert_eq!(
        capture.url,
        format!("http://127.0.0.1:9200/v71/payments/{psp}/captures")
    );
    assert_eq!(
        capture.header("Idempotency-Key"),
        Some(format!("kassa-{id}-capture").as_str())
    );
    let ours = body(&capture);
    assert_shaped_like(
        &ours,
        &example("post-payments-paymentPspReference-captures-capture"),
        &["platformChargebackLogic"],
    );
    assert_eq!(
        ours,
        json!({"merchantAccount": MERCHANT, "reference": id,
            "amount": {"currency": "GBP", "value": 1450}})
    );

    let cancel = sent(adapter.void(&p));
    assert_eq!(
        cancel.url,
        format!("http://127.0.0.1:9200/v71/payments/{psp}/cancels")
    );
    assert_eq!(
        cancel.header("Idempotency-Key"),
        Some(format!("kassa-{id}-cancel").as_str())
    );
    let ours = body(&cancel);
    assert_shaped_like(
        &ours,
        &example("post-payments-paymentPspReference-cancels-cancel-with-psp-reference"),
        &[],
    );
    assert_eq!(ours, json!({"merchantAccount": MERCHANT, "reference": id}));

    let refund = sent(adapter.refund(
        &p,
        &RefundRef {
            refund_id: &rid,
            amount: 500,
        },
    ));
    assert_eq!(
        refund.url,
        format!("http://127.0.0.1:9200/v71/payments/{psp}/refunds")
    );
    assert_eq!(
        refund.header("Idempotency-Key"),
        Some(format!("kassa-refund-{rid}").as_str())
    );
    let ours = body(&refund);
    assert_shaped_like(
        &ours,
        &example("post-payments-paymentPspReference-refunds-refund"),
        &[],
    );
    assert_eq!(ours["reference"], json!(format!("{id}.{rid}")));
    assert_eq!(ours["amount"], json!({"currency": "GBP", "value": 500}));

    // "received": the notification tells how it ended.
    let created = |name: &str| response(201, &example(name));
    assert_eq!(
        adapter.parse_capture(&created(
            "post-payments-paymentPspReference-captures-capture-201"
        )),
        Settled::Pending
    );
    assert_eq!(
        adapter.parse_void(&created(
            "post-payments-paymentPspReference-cancels-cancel-with-psp-reference-201"
        )),
        Settled::Pending
    );
    assert_eq!(
        adapter.parse_refund(&created(
            "post-payments-paymentPspReference-refunds-refund-201"
        )),
        Refunded::Pending {
            provider_refund_id: Some("993617894906488A".into())
        }
    );
    // Refused for good, or worth retrying with the same key.
    let e422 = response(422, &example("generic-422"));
    let e500 = response(500, &example("generic-500"));
    assert_eq!(adapter.parse_capture(&e422), Settled::Refused);
    assert_eq!(adapter.parse_void(&e422), Settled::Refused);
    assert_eq!(adapter.parse_refund(&e422), Refunded::Refused);
    for result in [
        e500,
        HttpResult::TimedOut,
        response(429, &json!({})),
        response(201, &json!({"status": "odd"})),
    ] {
        assert_eq!(adapter.parse_capture(&result), Settled::Retry, "{result:?}");
        assert_eq!(adapter.parse_void(&result), Settled::Retry, "{result:?}");
        assert_eq!(adapter.parse_refund(&result), Refunded::Retry, "{result:?}");
    }
    // Nothing authorised at Adyen: nothing to release, nothing to capture or refund.
    let none = payment_ref(&id, None, 0);
    assert_eq!(adapter.void(&none), Call::Done(Settled::Done));
    assert_eq!(adapter.capture(&none), Call::Done(Settled::Refused));
}

#[test]
fn the_adapter_is_made_from_adyen_credentials_of_the_payments_mode() {
    let ends = endpoints(None);
    let test = credentials(None, None);
    let live = credentials(Some("1797a841fbb37ca7-KassaECOM"), None);
    assert!(matches!(
        Adapter::new("adyen", Some(&test), &ends),
        Ok(Adapter::Adyen(_))
    ));
    assert_eq!(
        Adapter::new("adyen", None, &ends),
        Err(AdapterError::MissingCredentials)
    );
    let stripe = Credentials::Stripe {
        secret_key: "sk_test_4eC39HqLyjWDarjtT1zdp7dc".into(),
        webhook_secret: None,
    };
    assert_eq!(
        Adapter::new("adyen", Some(&stripe), &ends),
        Err(AdapterError::MissingCredentials)
    );
    let call = |live_payment: bool| CallFor {
        provider: "adyen",
        live: live_payment,
        credential: None,
    };
    assert_eq!(
        Adapter::for_payment(call(true), Some(&test), &ends),
        Err(AdapterError::WrongMode)
    );
    assert_eq!(
        Adapter::for_payment(call(false), Some(&live), &ends),
        Err(AdapterError::WrongMode)
    );
    // Live credentials go to the account's live endpoint.
    let adapter = Adapter::for_payment(call(true), Some(&live), &ends).unwrap();
    let id = payment_id();
    let request = sent(adapter.authorise(&payment_ref(&id, None, 1), &card("4111111111111111")));
    assert_eq!(
        request.url,
        "https://1797a841fbb37ca7-KassaECOM-checkout-live.adyenpayments.com/checkout/v71/payments"
    );
    let adapter = Adapter::for_payment(call(false), Some(&test), &ends).unwrap();
    let request = sent(adapter.authorise(&payment_ref(&id, None, 1), &card("4111111111111111")));
    assert_eq!(request.url, "https://checkout-test.adyen.com/v71/payments");
}

// Notifications.

/// Adyen's published example item and body.
fn published_body() -> Value {
    fixtures()["notification"].clone()
}

fn published_item() -> Map<String, Value> {
    published_body()["notificationItems"][0]["NotificationRequestItem"]
        .as_object()
        .unwrap()
        .clone()
}

#[test]
fn the_signature_is_adyens_published_example() {
    let item = published_item();
    let data = signing_string(&item).unwrap();
    assert_eq!(
        data,
        "7914073381342284::TestMerchant:TestPayment-1407325143704:1130:EUR:AUTHORISATION:true"
    );
    assert_eq!(
        fixtures()["_notification_source"]["hmac_key"],
        json!(HMAC_KEY)
    );
    assert_eq!(
        notifications::sign(HMAC_KEY, &data).as_deref(),
        item["additionalData"]["hmacSignature"].as_str()
    );
    // The published body verifies for its merchant account, in test mode; its reference
    // is not one Kassa made, so it is acknowledged and ignored.
    let body = published_body().to_string();
    let verified = notifications::verify(HMAC_KEY, "TestMerchant", false, body.as_bytes()).unwrap();
    assert_eq!(verified.len(), 1);
    assert_eq!(verified[0].id, "7914073381342284:AUTHORISATION:true");
    assert!(!verified[0].live);
    assert_eq!(
        verified[0].event,
        NotificationEvent::Ignored {
            kind: "AUTHORISATION".into()
        }
    );
}

#[test]
fn nothing_is_taken_unless_every_item_verifies_for_the_merchant_account_and_mode() {
    let verify = |body: &Value, merchant: &str, live: bool| {
        notifications::verify(HMAC_KEY, merchant, live, body.to_string().as_bytes())
    };
    let good = published_body();
    assert!(verify(&good, "TestMerchant", false).is_ok());
    // Another merchant account's (signed with the same key).
    assert_eq!(verify(&good, MERCHANT, false), Err(Refused::Signature));
    // Claiming the other mode.
    assert_eq!(verify(&good, "TestMerchant", true), Err(Refused::Signature));
    // Every signed field is signed.
    for (pointer, value) in [
        ("/pspReference", json!("7914073381342285")),
        ("/originalReference", json!("X")),
        ("/merchantReference", json!("other")),
        ("/amount/value", json!(1131)),
        ("/amount/currency", json!("GBP")),
        ("/eventCode", json!("CAPTURE")),
        ("/success", json!("false")),
    ] {
        let mut body = good.clone();
        let item = &mut body["notificationItems"][0]["NotificationRequestItem"];
        match item.pointer_mut(pointer) {
            Some(slot) => *slot = value,
            None => {
                item[pointer.trim_start_matches('/')] = value;
            }
        }
        assert_eq!(
            verify(&body, "TestMerchant", false),
            Err(Refused::Signature),
            "{pointer}"
        );
    }
    // What is not signed may change (and is never read).
    let mut body = good.clone();
    body["notificationItems"][0]["NotificationRequestItem"]["additionalData"]["cardSummary"] =
        json!("0000");
    body["notificationItems"][0]["NotificationRequestItem"]["reason"] = json!("anything");
    assert!(verify(&body, "TestMerchant", false).is_ok());
    // No signature, a garbled one, another key.
    let mut body = good.clone();
    body["notificationItems"][0]["NotificationRequestItem"]["additionalData"] = json!({});
    assert_eq!(
        verify(&body, "TestMerchant", false),
        Err(Refused::Signature)
    );
    body["notificationItems"][0]["NotificationRequestItem"]["additionalData"] =
        json!({"hmacSignature": "not base64!"});
    assert_eq!(
        verify(&body, "TestMerchant", false),
        Err(Refused::Signature)
    );
    let other_key = "00782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056";
    assert_eq!(
        notifications::verify(
            other_key,
            "TestMerchant",
            false,
            good.to_string().as_bytes()
        ),
        Err(Refused::Signature)
    );
    // A forged item beside a genuine one: nothing is taken.
    let mut forged = good.clone();
    let mut item = published_item();
    item["pspReference"] = json!("9999999999999999");
    item["amount"]["value"] = json!(500000);
    forged["notificationItems"]
        .as_array_mut()
        .unwrap()
        .push(json!({"NotificationRequestItem": item}));
    assert_eq!(
        verify(&forged, "TestMerchant", false),
        Err(Refused::Signature)
    );
    // Not a body Adyen sends.
    for body in [
        json!({}),
        json!({"live": "false"}),
        json!({"live": "false", "notificationItems": []}),
        json!({"live": "false", "notificationItems": [{"Other": {}}]}),
        json!({"live": "maybe", "notificationItems": good["notificationItems"]}),
        json!({"live": "false", "notificationItems": [{"NotificationRequestItem":
            {"pspReference": 5, "additionalData": {"hmacSignature": "x"}}}]}),
    ] {
        assert_eq!(
            verify(&body, "TestMerchant", false),
            Err(Refused::Malformed),
            "{body}"
        );
    }
    let many = json!({"live": "false", "notificationItems":
        vec![good["notificationItems"][0].clone(); notifications::MAX_ITEMS + 1]});
    assert_eq!(
        verify(&many, "TestMerchant", false),
        Err(Refused::Malformed)
    );
    assert_eq!(
        notifications::verify(HMAC_KEY, "TestMerchant", false, b"not json"),
        Err(Refused::Malformed)
    );
}

/// An item as Adyen sends it, signed with `HMAC_KEY`.
fn signed_item(
    event_code: &str,
    success: bool,
    psp: &str,
    original: Option<&str>,
    reference: &str,
) -> Value {
    let mut item = json!({
        "amount": {"value": 1450, "currency": "GBP"},
        "pspReference": psp,
        "eventCode": event_code,
        "eventDate": "2026-01-01T12:00:00+01:00",
        "merchantAccountCode": MERCHANT,
        "merchantReference": reference,
        "paymentMethod": "visa",
        "success": success.to_string(),
        "additionalData": {"fundingSource": "CREDIT"},
    });
    if let Some(original) = original {
        item["originalReference"] = json!(original);
    }
    let data = signing_string(item.as_object().unwrap()).unwrap();
    item["additionalData"]["hmacSignature"] = json!(notifications::sign(HMAC_KEY, &data).unwrap());
    json!({ "NotificationRequestItem": item })
}

#[test]
fn verified_items_name_kassas_payment_and_refund_and_what_happened() {
    let id = payment_id();
    let rid = refund_id();
    let refund_ref = refund_reference(&id, &rid);
    let psp = "993617895204576J";
    let m = "993617894906488A";
    let items = vec![
        signed_item("AUTHORISATION", true, psp, None, &id),
        signed_item("AUTHORISATION", false, psp, None, &id),
        signed_item("CAPTURE", true, m, Some(psp), &id),
        signed_item("CAPTURE", false, m, Some(psp), &id),
        signed_item("CAPTURE_FAILED", true, m, Some(psp), &id),
        signed_item("CANCELLATION", true, m, Some(psp), &id),
        signed_item("CANCELLATION", false, m, Some(psp), &id),
        signed_item("REFUND", true, m, Some(psp), &refund_ref),
        signed_item("REFUND", false, m, Some(psp), &refund_ref),
        signed_item("REFUND_FAILED", true, m, Some(psp), &refund_ref),
        signed_item("CHARGEBACK", true, m, Some(psp), &id),
        // Made outside Kassa (a refund in Adyen's Customer Area has no Kassa reference).
        signed_item(
            "REFUND",
            true,
            m,
            Some(psp),
            "refund from the customer area",
        ),
        signed_item("CAPTURE", true, m, Some(psp), "not-kassa"),
    ];
    let body = json!({"live": "false", "notificationItems": items}).to_string();
    let test = credentials(None, Some(HMAC_KEY));
    let got = notification::verify(
        &test,
        Inbound {
            body: body.as_bytes(),
            signature_header: None,
            now: NOW,
        },
    )
    .unwrap();
    let events: Vec<(String, Option<String>, NotificationEvent)> = got
        .iter()
        .map(|n| (n.payment_id.clone(), n.provider_id.clone(), n.event.clone()))
        .collect();
    let s = |v: &str| v.to_string();
    let p = Some(s(psp));
    assert_eq!(
        events,
        vec![
            (
                id.clone(),
                p.clone(),
                NotificationEvent::Authorised {
                    card: CardFacts::default()
                }
            ),
            (
                id.clone(),
                p.clone(),
                NotificationEvent::Declined(Decline::Declined)
            ),
            (id.clone(), p.clone(), NotificationEvent::Captured),
            (id.clone(), p.clone(), NotificationEvent::CaptureFailed),
            (id.clone(), p.clone(), NotificationEvent::CaptureFailed),
            (id.clone(), p.clone(), NotificationEvent::Voided),
            (
                id.clone(),
                p.clone(),
                NotificationEvent::Ignored {
                    kind: s("CANCELLATION failed")
                }
            ),
            (
                id.clone(),
                p.clone(),
                NotificationEvent::Refunded {
                    refund_id: rid.clone(),
                    provider_refund_id: Some(s(m)),
                }
            ),
            (
                id.clone(),
                p.clone(),
                NotificationEvent::RefundFailed {
                    refund_id: rid.clone()
                }
            ),
            (
                id.clone(),
                p.clone(),
                NotificationEvent::RefundFailed {
                    refund_id: rid.clone()
                }
            ),
            (
                id.clone(),
                p.clone(),
                NotificationEvent::Ignored {
                    kind: s("CHARGEBACK")
                }
            ),
            (
                s("refund from the customer area"),
                p.clone(),
                NotificationEvent::Ignored { kind: s("REFUND") }
            ),
            (
                s("not-kassa"),
                p.clone(),
                NotificationEvent::Ignored { kind: s("CAPTURE") }
            ),
        ]
    );
    assert_eq!(got[0].id, format!("{psp}:AUTHORISATION:true"));
    assert_eq!(got[1].id, format!("{psp}:AUTHORISATION:false"));
    assert_eq!(got[7].id, format!("{m}:REFUND:true"));
    assert!(got.iter().all(|n| !n.live));

    // The same body for live credentials claims the wrong mode; without a key, nothing.
    let live = credentials(Some("prefix"), Some(HMAC_KEY));
    let inbound = Inbound {
        body: body.as_bytes(),
        signature_header: None,
        now: NOW,
    };
    assert_eq!(
        notification::verify(&live, inbound),
        Err(Refused::Signature)
    );
    assert_eq!(
        notification::verify(&credentials(None, None), inbound),
        Err(Refused::NoSecret)
    );
    assert_eq!(
        notification::claims_live(ProviderKind::Adyen, body.as_bytes()),
        Some(false)
    );
}
