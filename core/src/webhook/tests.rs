use super::*;
use crate::api::error::ErrorCode;
use crate::event::EventKind;
use crate::ids::PaymentId;
use crate::payment::{ExternalState, ExternalStatus};
use serde_json::json;

const T0: UnixMillis = UnixMillis(1_700_000_000_000);

fn wid() -> WebhookId {
    WebhookId::generate([7; 16])
}

fn create(body: Value, live: bool) -> Result<Webhook, ApiError> {
    parse_create(
        body.to_string().as_bytes(),
        live,
        wid(),
        T0,
        "https://kassa.example",
    )
}

fn hook() -> Webhook {
    create(
        json!({"callback_url": "https://hooks.shop.example/pay", "description": "Orders",
               "subscriptions": ["card_payment_captured", "CARD_PAYMENT_REFUNDED", "card_payment_captured"]}),
        true,
    )
    .unwrap()
}

#[test]
fn create_parses_a_webhook_and_dedupes_subscriptions() {
    let h = hook();
    assert!(h.active && h.live);
    assert_eq!(h.description.as_deref(), Some("Orders"));
    assert_eq!(
        h.subscriptions,
        vec![
            WebhookEventType::CardPaymentCaptured,
            WebhookEventType::CardPaymentRefunded
        ]
    );
    assert!(h.subscribes_to(WebhookEventType::CardPaymentCaptured));
    assert!(!h.subscribes_to(WebhookEventType::CardPaymentStarted));
    assert_eq!(h.schedule_seconds(), vec![60, 300, 3600, 86400, 172800]);
    assert_eq!(h.schedule_ms(), DEFAULT_RETRY_SCHEDULE_MS.to_vec());
}

#[test]
fn create_refuses_bad_bodies_with_govuk_pay_errors() {
    let cases = [
        (
            json!({"subscriptions": ["card_payment_captured"]}),
            ErrorCode::P0101,
            "callback_url",
            400,
        ),
        (
            json!({"callback_url": "https://x.example"}),
            ErrorCode::P0101,
            "subscriptions",
            400,
        ),
        (
            json!({"callback_url": 5, "subscriptions": ["card_payment_captured"]}),
            ErrorCode::P0102,
            "callback_url",
            400,
        ),
        (
            json!({"callback_url": "http://x.example", "subscriptions": ["card_payment_captured"]}),
            ErrorCode::P0102,
            "callback_url",
            422,
        ),
        (
            json!({"callback_url": "https://x.example", "subscriptions": []}),
            ErrorCode::P0102,
            "subscriptions",
            422,
        ),
        (
            json!({"callback_url": "https://x.example", "subscriptions": ["card_payment_settled"]}),
            ErrorCode::P0102,
            "subscriptions",
            422,
        ),
        (
            json!({"callback_url": "https://x.example", "subscriptions": "card_payment_captured"}),
            ErrorCode::P0102,
            "subscriptions",
            400,
        ),
        (
            json!({"callback_url": "https://x.example", "subscriptions": ["card_payment_captured"], "description": "x".repeat(256)}),
            ErrorCode::P0102,
            "description",
            422,
        ),
        (
            json!({"callback_url": "https://x.example", "subscriptions": ["card_payment_captured"], "retry_schedule": []}),
            ErrorCode::P0102,
            "retry_schedule",
            422,
        ),
        (
            json!({"callback_url": "https://x.example", "subscriptions": ["card_payment_captured"], "retry_schedule": [0]}),
            ErrorCode::P0102,
            "retry_schedule",
            422,
        ),
        (
            json!({"callback_url": "https://x.example", "subscriptions": ["card_payment_captured"], "retry_schedule": [1.5]}),
            ErrorCode::P0102,
            "retry_schedule",
            422,
        ),
        (
            json!({"callback_url": "https://x.example", "subscriptions": ["card_payment_captured"], "live": true}),
            ErrorCode::P0104,
            "live",
            400,
        ),
    ];
    for (body, code, field, status) in cases {
        let err = create(body.clone(), true).unwrap_err();
        assert_eq!(
            (err.code, err.field.as_deref(), err.http_status()),
            (code, Some(field), status),
            "{body}"
        );
    }
    for raw in ["", "[]", "nope", "null"] {
        let err = parse_create(raw.as_bytes(), false, wid(), T0, "").unwrap_err();
        assert_eq!(err.code, ErrorCode::P0197, "{raw}");
    }
}

#[test]
fn test_webhooks_may_use_http_and_custom_schedules() {
    let h = create(
        json!({"callback_url": "http://127.0.0.1:9200/in", "subscriptions": ["card_payment_failed"],
               "retry_schedule": [1, 2], "description": null}),
        false,
    )
    .unwrap();
    assert_eq!(h.schedule_ms(), vec![1000, 2000]);
    assert_eq!(h.description, None);
}

#[test]
fn patch_changes_only_what_it_names_and_is_all_or_nothing() {
    let h = hook();
    let off = apply_patch(&h, br#"{"status":"inactive","description":"Old"}"#).unwrap();
    assert!(!off.active);
    assert_eq!(off.description.as_deref(), Some("Old"));
    assert_eq!(off.callback_url, h.callback_url);
    let on = apply_patch(&off, br#"{"status":"active","retry_schedule":null}"#).unwrap();
    assert!(on.active);
    let err = apply_patch(
        &h,
        br#"{"description":"New","callback_url":"http://x.example"}"#,
    )
    .unwrap_err();
    assert_eq!(err.field.as_deref(), Some("callback_url"));
    let err = apply_patch(&h, br#"{"status":"paused"}"#).unwrap_err();
    assert_eq!(err.field.as_deref(), Some("status"));
    let err = apply_patch(&h, br#"{"id":"x"}"#).unwrap_err();
    assert_eq!(err.code, ErrorCode::P0104);
}

#[test]
fn the_view_shows_status_schedule_and_links() {
    let v =
        serde_json::to_value(hook().view("https://kassa.example/v1", "aaaaaaaaaaaaaaaa")).unwrap();
    assert_eq!(v["status"], "active");
    assert_eq!(
        v["subscriptions"],
        json!(["card_payment_captured", "card_payment_refunded"])
    );
    assert_eq!(v["created_date"], T0.to_rfc3339());
    let me = format!("https://kassa.example/v1/webhooks/{}", wid());
    assert_eq!(v["_links"]["self"]["href"], me);
    assert_eq!(v["_links"]["messages"]["href"], format!("{me}/messages"));
    assert_eq!(
        v["_links"]["public_key"]["href"],
        "https://kassa.example/webhooks/accounts/aaaaaaaaaaaaaaaa/public-key"
    );
}

#[test]
fn rotation_keeps_the_old_secret_signing_until_the_overlap_ends() {
    let ring = SecretRing {
        current: "whsec_old".into(),
        previous: None,
    };
    assert_eq!(ring.signing_secrets(T0), vec!["whsec_old"]);
    let rotated = ring.rotate("whsec_new".into(), T0, 10_000);
    assert_eq!(
        rotated.signing_secrets(T0.plus(9_999)),
        vec!["whsec_new", "whsec_old"]
    );
    assert_eq!(rotated.pay_signature_secret(T0.plus(9_999)), "whsec_old");
    assert_eq!(rotated.signing_secrets(T0.plus(10_000)), vec!["whsec_new"]);
    assert_eq!(rotated.pay_signature_secret(T0.plus(10_000)), "whsec_new");
    let view = SigningKeyView::new(&rotated, T0, None);
    assert_eq!(view.previous_signing_key.as_deref(), Some("whsec_old"));
    assert_eq!(
        view.previous_signing_key_expires_date,
        Some(T0.plus(10_000).to_rfc3339())
    );
    assert_eq!(
        SigningKeyView::new(&rotated, T0.plus(10_000), None).previous_signing_key,
        None
    );
    // A second rotation during an overlap retires the oldest secret at once.
    let again = rotated.rotate("whsec_newer".into(), T0.plus(1), 0);
    assert_eq!(again.signing_secrets(T0.plus(1)), vec!["whsec_newer"]);
}

#[test]
fn rotation_requests_default_to_a_day_and_are_bounded() {
    assert_eq!(parse_rotation(b""), Ok(DEFAULT_OVERLAP_MS));
    assert_eq!(parse_rotation(b"{}"), Ok(DEFAULT_OVERLAP_MS));
    assert_eq!(parse_rotation(br#"{"overlap_seconds":0}"#), Ok(0));
    assert_eq!(
        parse_rotation(br#"{"overlap_seconds":604800}"#),
        Ok(MAX_OVERLAP_MS)
    );
    assert!(parse_rotation(br#"{"overlap_seconds":604801}"#).is_err());
    assert!(parse_rotation(br#"{"overlap_seconds":-1}"#).is_err());
    assert_eq!(
        parse_rotation(br#"{"x":1}"#).unwrap_err().code,
        ErrorCode::P0104
    );
}

#[test]
fn the_message_body_is_the_seeds_shape_plus_sequence() {
    let payment = PaymentId::generate([3; 16]);
    let event = PaymentEvent {
        payment_id: payment,
        sequence: 7,
        kind: EventKind::CaptureConfirmed,
        state: ExternalState {
            status: ExternalStatus::Success,
            finished: true,
            code: None,
            message: None,
        },
        at: T0,
    };
    let resource = json!({"payment_id": payment.to_string(), "amount": 5000});
    let id = MessageId::generate([9; 16]);
    let text = message_body(id, &event, WebhookEventType::CardPaymentCaptured, &resource).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        v,
        json!({"id": id.to_string(), "api_version": 1, "created_date": "2023-11-14T22:13:20.000Z",
               "resource_id": payment.to_string(), "resource_type": "PAYMENT",
               "event_type": "CARD_PAYMENT_CAPTURED", "sequence": 7, "resource": resource})
    );
    assert!(text.starts_with(&format!(r#"{{"id":"{id}","api_version":1,"created_date""#)));
}

#[test]
fn message_queries_page_and_filter() {
    let q = MessageQuery::parse("status=failed&page=2&display_size=10&other=x").unwrap();
    assert_eq!(
        (q.status, q.page, q.display_size, q.offset()),
        (Some(MessageStatus::Failed), 2, 10, 10)
    );
    let links = q.page_links("https://k.example/v1/webhooks/w/messages", 35);
    assert_eq!(
        links["self"]["href"],
        "https://k.example/v1/webhooks/w/messages?page=2&display_size=10&status=failed"
    );
    assert!(links.contains_key("next_page") && links.contains_key("prev_page"));
    let last = MessageQuery::parse("page=4&display_size=10")
        .unwrap()
        .page_links("u", 35);
    assert!(!last.contains_key("next_page"));
    assert_eq!(
        MessageQuery::parse("").unwrap(),
        MessageQuery {
            status: None,
            page: 1,
            display_size: 20
        }
    );
    for bad in [
        "status=done",
        "page=0",
        "page=x",
        "display_size=101",
        "display_size=+5",
        "status=",
    ] {
        assert_eq!(
            MessageQuery::parse(bad).unwrap_err().code,
            ErrorCode::P0102,
            "{bad}"
        );
    }
}
