//! The provider interface: the sandbox behind it, and every Stripe request and mapping,
//! parsed from Stripe's own published fixture objects (`tests/fixtures/stripe-fixtures.json`)
//! with their status and errors set the way Stripe sends them.

use super::*;
use crate::card::{validate_card, CardBrand, CardInput, ExpiryInput};
use crate::ids::PaymentId;
use crate::payment::{NewPayment, Payment, PaymentStatus, StateCode};
use crate::time::UnixMillis;
use serde_json::json;

const FIXTURES: &str = include_str!("../../../tests/fixtures/stripe-fixtures.json");
const NOW: UnixMillis = UnixMillis(1_767_225_600_000); // 2026-01-01

fn fixture(name: &str) -> Value {
    let all: Value = serde_json::from_str(FIXTURES).unwrap();
    all["resources"][name].clone()
}

/// Stripe's PaymentIntent fixture as a manual-capture intent in `status`.
fn intent(status: &str) -> Value {
    let mut pi = fixture("payment_intent");
    pi["status"] = json!(status);
    pi["capture_method"] = json!("manual");
    pi["last_payment_error"] = Value::Null;
    pi["next_action"] = Value::Null;
    pi
}

/// The intent after a confirmation, with the charge expanded as Kassa asks.
fn authorised_intent(funding: &str) -> Value {
    let mut pi = intent("requires_capture");
    let mut charge = fixture("charge");
    charge["payment_method_details"]["card"]["funding"] = json!(funding);
    charge["captured"] = json!(false);
    charge["payment_intent"] = pi["id"].clone();
    pi["latest_charge"] = charge;
    pi["amount_capturable"] = pi["amount"].clone();
    pi
}

/// A Stripe card decline as the API sends it: 402, the error, and the intent back in
/// `requires_payment_method` with the error as `last_payment_error`.
fn decline_body(code: &str, decline_code: Option<&str>) -> HttpResult {
    let mut error = json!({
        "type": "card_error",
        "code": code,
        "message": "Your card was declined.",
        "doc_url": format!("https://stripe.com/docs/error-codes/{}", code.replace('_', "-")),
        "request_log_url": "https://dashboard.stripe.com/test/logs/req_123",
    });
    if let Some(dc) = decline_code {
        error["decline_code"] = json!(dc);
    }
    let mut pi = intent("requires_payment_method");
    pi["last_payment_error"] = error.clone();
    error["payment_intent"] = pi;
    error["payment_method"] = fixture("payment_method");
    response(402, &json!({ "error": error }))
}

fn response(status: u16, body: &Value) -> HttpResult {
    HttpResult::Response {
        status,
        body: body.to_string(),
    }
}

fn error_body(status: u16, kind: &str, code: Option<&str>, pi: Option<Value>) -> HttpResult {
    let mut error = json!({"type": kind, "message": "Something about the request."});
    if let Some(code) = code {
        error["code"] = json!(code);
    }
    if let Some(pi) = pi {
        error["payment_intent"] = pi;
    }
    response(status, &json!({ "error": error }))
}

fn card(number: &str) -> ValidatedCard {
    validate_card(
        &CardInput {
            number: number.into(),
            expiry: ExpiryInput::Combined("12/30".into()),
            cvc: "123".into(),
            cardholder_name: "Mx Test Payer".into(),
        },
        NOW,
        &CardBrand::ALL,
    )
    .unwrap()
}

const PAYMENT: &str = "hu20sqlact5260q2nanm0q8u93";

fn payment_ref(provider_id: Option<&str>, attempt: u64) -> PaymentRef<'_> {
    PaymentRef {
        payment_id: PAYMENT,
        amount: 1450,
        description: "Council tax & more",
        reference: "INV-1",
        provider_id,
        attempt,
        sequence: 3,
        return_to: None,
    }
}

fn stripe() -> Adapter {
    Adapter::new(
        "stripe",
        Some(&Credentials::Stripe {
            secret_key: "sk_test_4eC39HqLyjWDarjtT1zdp7dc".into(),
            webhook_secret: None,
        }),
        &Endpoints {
            stripe_api_base: "http://127.0.0.1:9100/".into(),
            adyen_api_base: None,
        },
    )
    .unwrap()
}

fn sent<T: core::fmt::Debug>(call: Call<T>) -> HttpRequest {
    match call {
        Call::Send(req) => req,
        Call::Done(done) => panic!("expected a request, got {done:?}"),
    }
}

const PI: &str = "pi_1PgafyB7WZ01zgkWSjxsAJo3";

// ---- sandbox ----

#[test]
fn sandbox_answers_every_test_card_without_a_request() {
    let sandbox = Adapter::new(
        "sandbox",
        None,
        &Endpoints {
            stripe_api_base: String::new(),
            adyen_api_base: None,
        },
    )
    .unwrap();
    let p = payment_ref(None, 3);
    assert_eq!(
        sandbox.prepare(&p),
        Call::Done(Prepared::Ready { provider_id: None })
    );
    let expect = [
        ("4242424242424242", Some(CardType::Credit)),
        ("4444333322221111", Some(CardType::Credit)),
        ("4000056655665556", Some(CardType::Debit)),
        ("5105105105105100", Some(CardType::Debit)),
        ("4131840000000003", Some(CardType::Debit)),
    ];
    for (number, card_type) in expect {
        assert_eq!(
            sandbox.authorise(&p, &card(number)),
            Call::Done(Authorised::Authorised {
                provider_id: format!("sandbox-{PAYMENT}"),
                card: CardFacts {
                    card_type,
                    three_d_secure: None,
                },
            }),
            "{number}"
        );
    }
    let outcomes = [
        ("4000000000000002", Authorised::Declined(Decline::Declined)),
        (
            "4000000000000069",
            Authorised::Declined(Decline::ExpiredCard),
        ),
        (
            "4000000000000127",
            Authorised::Declined(Decline::IncorrectCvc),
        ),
        ("4000000000000119", Authorised::Error),
        ("5555555555554444", Authorised::Unsupported),
    ];
    for (number, outcome) in outcomes {
        assert_eq!(
            sandbox.authorise(&p, &card(number)),
            Call::Done(outcome),
            "{number}"
        );
    }
    assert_eq!(sandbox.query(&p), Call::Done(Queried::NotAuthorised));
    assert_eq!(sandbox.capture(&p), Call::Done(Settled::Done));
    assert_eq!(sandbox.void(&p), Call::Done(Settled::Done));
    assert_eq!(
        sandbox.refund(
            &p,
            &RefundRef {
                refund_id: "r1",
                amount: 5
            }
        ),
        Call::Done(Refunded::Succeeded {
            provider_refund_id: None
        })
    );
}

#[test]
fn adapters_are_chosen_by_the_payments_provider() {
    let endpoints = Endpoints {
        stripe_api_base: stripe::DEFAULT_API_BASE.into(),
        adyen_api_base: None,
    };
    assert_eq!(
        Adapter::new("stripe", None, &endpoints),
        Err(AdapterError::MissingCredentials)
    );
    assert_eq!(
        Adapter::new("worldpay", None, &endpoints),
        Err(AdapterError::UnknownProvider)
    );
}

fn stripe_key(key: &str) -> Credentials {
    Credentials::Stripe {
        secret_key: key.into(),
        webhook_secret: None,
    }
}

#[test]
fn every_call_is_checked_against_the_payments_mode_and_credentials() {
    let endpoints = Endpoints {
        stripe_api_base: stripe::DEFAULT_API_BASE.into(),
        adyen_api_base: None,
    };
    let test_key = stripe_key("sk_test_4eC39HqLyjWDarjtT1zdp7dc");
    let live_key = stripe_key("sk_live_4eC39HqLyjWDarjtT1zdp7dc");
    let other_live = stripe_key("rk_live_a0000000000000000000000000");
    let call = |provider, live, credential| CallFor {
        provider,
        live,
        credential,
    };
    // The sandbox moves no money: it never serves a live payment.
    assert_eq!(
        Adapter::for_payment(call("sandbox", false, None), None, &endpoints),
        Ok(Adapter::Sandbox)
    );
    assert_eq!(
        Adapter::for_payment(call("sandbox", true, None), None, &endpoints),
        Err(AdapterError::WrongMode)
    );
    // Credentials serve their own mode only.
    for (live, creds) in [(true, &test_key), (false, &live_key)] {
        assert_eq!(
            Adapter::for_payment(call("stripe", live, None), Some(creds), &endpoints),
            Err(AdapterError::WrongMode)
        );
    }
    // A payment's calls go out only with the credentials it was created with.
    let made_with = live_key.fingerprint();
    assert!(matches!(
        Adapter::for_payment(
            call("stripe", true, Some(&made_with)),
            Some(&live_key),
            &endpoints
        ),
        Ok(Adapter::Stripe(_))
    ));
    assert_eq!(
        Adapter::for_payment(
            call("stripe", true, Some(&made_with)),
            Some(&other_live),
            &endpoints
        ),
        Err(AdapterError::CredentialChanged)
    );
    assert_eq!(
        Adapter::for_payment(call("stripe", true, Some(&made_with)), None, &endpoints),
        Err(AdapterError::CredentialChanged)
    );
    assert_eq!(
        Adapter::for_payment(call("stripe", true, None), None, &endpoints),
        Err(AdapterError::MissingCredentials)
    );
}

#[test]
fn credentials_know_their_mode_and_have_distinct_stable_fingerprints() {
    let test_key = stripe_key("sk_test_4eC39HqLyjWDarjtT1zdp7dc");
    let live_key = stripe_key("sk_live_4eC39HqLyjWDarjtT1zdp7dc");
    assert!(!test_key.live());
    assert!(live_key.live());
    assert!(stripe_key("rk_live_abcdefghijklmn").live());
    let fp = test_key.fingerprint();
    assert_eq!(fp.len(), 24);
    assert!(fp.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(fp, test_key.clone().fingerprint());
    assert_ne!(fp, live_key.fingerprint());
    // It names the key without containing it.
    assert!(!fp.contains("4eC39HqLyjWDarjtT1zdp7dc"));
}

// ---- Stripe requests ----

#[test]
fn create_intent_sends_no_card_data_and_a_payment_derived_key() {
    let req = sent(stripe().prepare(&payment_ref(None, 0)));
    assert_eq!(req.method, HttpMethod::Post);
    assert_eq!(req.url, "http://127.0.0.1:9100/v1/payment_intents");
    assert_eq!(
        req.header("authorization"),
        Some("Bearer sk_test_4eC39HqLyjWDarjtT1zdp7dc")
    );
    assert_eq!(req.header("Stripe-Version"), Some(stripe::API_VERSION));
    assert_eq!(
        req.header("Content-Type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        req.header("Idempotency-Key"),
        Some("kassa-hu20sqlact5260q2nanm0q8u93-create")
    );
    assert_eq!(
        req.body.as_deref(),
        Some(
            "amount=1450&currency=gbp&capture_method=manual&payment_method_types[0]=card\
             &description=Council%20tax%20%26%20more\
             &metadata[kassa_payment_id]=hu20sqlact5260q2nanm0q8u93&metadata[reference]=INV-1"
        )
    );
}

#[test]
fn confirm_sends_the_card_once_per_attempt_and_hides_it_from_debug() {
    let c = card("4242424242424242");
    let req = sent(stripe().authorise(&payment_ref(Some(PI), 4), &c));
    assert_eq!(
        req.url,
        format!("http://127.0.0.1:9100/v1/payment_intents/{PI}/confirm")
    );
    assert_eq!(
        req.header("Idempotency-Key"),
        Some("kassa-hu20sqlact5260q2nanm0q8u93-confirm-4")
    );
    assert_eq!(
        req.body.as_deref(),
        Some(
            "payment_method_data[type]=card&payment_method_data[card][number]=4242424242424242\
             &payment_method_data[card][exp_month]=12&payment_method_data[card][exp_year]=2030\
             &payment_method_data[card][cvc]=123\
             &payment_method_data[billing_details][name]=Mx%20Test%20Payer&expand[0]=latest_charge"
        )
    );
    let debug = format!("{req:?}");
    assert!(!debug.contains("4242424242424242"), "{debug}");
    assert!(!debug.contains("sk_test"), "{debug}");
    // Without an intent there is nothing to confirm: an error, and no request with card data.
    assert_eq!(
        stripe().authorise(&payment_ref(None, 4), &c),
        Call::Done(Authorised::Error)
    );
}

#[test]
fn query_capture_cancel_and_refund_requests() {
    let s = stripe();
    let q = sent(s.query(&payment_ref(Some(PI), 0)));
    assert_eq!(q.method, HttpMethod::Get);
    assert_eq!(
        q.url,
        format!("http://127.0.0.1:9100/v1/payment_intents/{PI}?expand[0]=latest_charge")
    );
    assert_eq!(q.body, None);
    assert_eq!(q.header("Idempotency-Key"), None);
    // However many times the job has asked, the query is the same read (only Adyen's,
    // having no status API, changes with the attempt).
    for attempt in [1, 2, 9] {
        assert_eq!(sent(s.query(&payment_ref(Some(PI), attempt))), q);
    }

    let c = sent(s.capture(&payment_ref(Some(PI), 2)));
    assert_eq!(
        c.url,
        format!("http://127.0.0.1:9100/v1/payment_intents/{PI}/capture")
    );
    assert_eq!(c.body.as_deref(), Some("amount_to_capture=1450"));
    assert_eq!(
        c.header("Idempotency-Key"),
        Some("kassa-hu20sqlact5260q2nanm0q8u93-capture-2")
    );

    let v = sent(s.void(&payment_ref(Some(PI), 1)));
    assert_eq!(
        v.url,
        format!("http://127.0.0.1:9100/v1/payment_intents/{PI}/cancel")
    );
    assert_eq!(v.body.as_deref(), Some(""));
    assert_eq!(
        v.header("Idempotency-Key"),
        Some("kassa-hu20sqlact5260q2nanm0q8u93-cancel-1")
    );

    let r = sent(s.refund(
        &payment_ref(Some(PI), 0),
        &RefundRef {
            refund_id: "j2cg5v5q6d3jbqhhq3ml3bgd6f",
            amount: 500,
        },
    ));
    assert_eq!(r.url, "http://127.0.0.1:9100/v1/refunds");
    assert_eq!(
        r.body.as_deref(),
        Some(
            "payment_intent=pi_1PgafyB7WZ01zgkWSjxsAJo3&amount=500\
             &metadata[kassa_payment_id]=hu20sqlact5260q2nanm0q8u93\
             &metadata[kassa_refund_id]=j2cg5v5q6d3jbqhhq3ml3bgd6f"
        )
    );
    assert_eq!(
        r.header("Idempotency-Key"),
        Some("kassa-refund-j2cg5v5q6d3jbqhhq3ml3bgd6f")
    );

    // Without a PaymentIntent: nothing to void; capture and refund cannot happen.
    assert_eq!(s.void(&payment_ref(None, 1)), Call::Done(Settled::Done));
    assert_eq!(
        s.capture(&payment_ref(None, 1)),
        Call::Done(Settled::Refused)
    );
    // A stored id can never change the request's path.
    let odd = sent(s.query(&payment_ref(Some("pi_1/../../v1/charges"), 0)));
    assert_eq!(
        odd.url,
        "http://127.0.0.1:9100/v1/payment_intents/pi_1%2F..%2F..%2Fv1%2Fcharges?expand[0]=latest_charge"
    );
}

// ---- Stripe answers ----

#[test]
fn created_intent_gives_the_provider_id() {
    let s = stripe();
    assert_eq!(
        s.parse_prepare(&response(200, &fixture("payment_intent"))),
        Prepared::Ready {
            provider_id: Some(PI.into())
        }
    );
    for failed in [
        HttpResult::TimedOut,
        HttpResult::Unreachable,
        HttpResult::Unreadable,
        response(500, &json!({"error": {"type": "api_error"}})),
        error_body(401, "invalid_request_error", None, None),
        response(200, &intent("canceled")),
        HttpResult::Response {
            status: 200,
            body: "<html>".into(),
        },
    ] {
        assert_eq!(s.parse_prepare(&failed), Prepared::Failed, "{failed:?}");
    }
}

#[test]
fn authorised_with_card_funding_from_the_expanded_charge() {
    let s = stripe();
    for (funding, card_type) in [
        ("credit", Some(CardType::Credit)),
        ("debit", Some(CardType::Debit)),
        ("prepaid", None),
    ] {
        assert_eq!(
            s.parse_authorise(&response(200, &authorised_intent(funding))),
            Authorised::Authorised {
                provider_id: PI.into(),
                card: CardFacts {
                    card_type,
                    three_d_secure: None,
                },
            }
        );
    }
    // The charge not expanded (a bare id): authorised, funding unknown.
    let mut pi = intent("requires_capture");
    pi["latest_charge"] = json!("ch_1PgafuB7WZ01zgkWXYmPNZs8");
    assert_eq!(
        s.parse_authorise(&response(200, &pi)),
        Authorised::Authorised {
            provider_id: PI.into(),
            card: CardFacts::default(),
        }
    );
}

#[test]
fn every_decline_class_is_a_decline() {
    let s = stripe();
    let cases = [
        ("card_declined", Some("generic_decline"), Decline::Declined),
        ("card_declined", Some("do_not_honor"), Decline::Declined),
        (
            "card_declined",
            Some("insufficient_funds"),
            Decline::InsufficientFunds,
        ),
        ("card_declined", Some("fraudulent"), Decline::Fraud),
        ("card_declined", Some("stolen_card"), Decline::Fraud),
        ("card_declined", Some("lost_card"), Decline::Fraud),
        ("expired_card", None, Decline::ExpiredCard),
        ("incorrect_cvc", None, Decline::IncorrectCvc),
        ("incorrect_number", None, Decline::IncorrectNumber),
        ("card_declined", None, Decline::Declined),
    ];
    for (code, decline_code, kind) in cases {
        let body = decline_body(code, decline_code);
        assert_eq!(
            s.parse_authorise(&body),
            Authorised::Declined(kind),
            "{code} {decline_code:?}"
        );
        // The same decline found later by a status query.
        let HttpResult::Response { body, .. } = &body else {
            unreachable!()
        };
        let error: Value = serde_json::from_str(body).unwrap();
        let pi = error["error"]["payment_intent"].clone();
        assert_eq!(s.parse_query(&response(200, &pi)), Queried::Declined(kind));
    }
    // A decline without the intent in the body is still a decline.
    assert_eq!(
        s.parse_authorise(&error_body(402, "card_error", Some("card_declined"), None)),
        Authorised::Declined(Decline::Declined)
    );
}

#[test]
fn processing_error_is_the_providers_error_not_a_decline() {
    let s = stripe();
    assert_eq!(
        s.parse_authorise(&decline_body("processing_error", None)),
        Authorised::Error
    );
}

#[test]
fn a_next_action_only_stripe_js_can_take_is_an_error_with_nothing_held() {
    let s = stripe();
    let mut pi = intent("requires_action");
    pi["next_action"] = json!({"type": "use_stripe_sdk", "use_stripe_sdk": {}});
    assert_eq!(s.parse_authorise(&response(200, &pi)), Authorised::Error);
    assert_eq!(s.parse_query(&response(200, &pi)), Queried::Error);
    assert_eq!(s.parse_complete(&response(200, &pi)), Authorised::Error);
}

#[test]
fn three_d_secure_redirects_the_payer_and_the_return_re_reads_the_intent() {
    let s = stripe();
    let url = "https://hooks.stripe.com/3d_secure_2/hosted?merchant=acct_1&payment_intent=pi_1";
    let mut pi = intent("requires_action");
    pi["next_action"] = json!({"type": "redirect_to_url",
        "redirect_to_url": {"url": url, "return_url": "https://gw.example/pay/r"}});
    let wanted = Authentication {
        action: NextAction::Redirect { url: url.into() },
        state: None,
        version: None,
    };
    assert_eq!(
        s.parse_authorise(&response(200, &pi)),
        Authorised::ActionRequired(wanted.clone())
    );
    assert_eq!(
        Authorised::ActionRequired(wanted.clone()).payment_input(),
        Some(PaymentInput::ProviderActionRequired)
    );
    assert_eq!(
        s.parse_query(&response(200, &pi)),
        Queried::ActionRequired(wanted.clone())
    );
    assert_eq!(
        wanted.action.target_origin().as_deref(),
        Some("https://hooks.stripe.com")
    );
    // Completing re-reads the intent, without card data.
    let call = s.complete(
        &payment_ref(Some("pi_1"), 0),
        &wanted,
        Returned { fields: &[] },
    );
    let Call::Send(req) = call else {
        panic!("complete must ask Stripe")
    };
    assert_eq!(req.method, HttpMethod::Get);
    assert!(req.url.contains("/v1/payment_intents/pi_1?"), "{}", req.url);
    assert!(req.body.is_none());
    // A redirect somewhere that is not a web page is not followed.
    pi["next_action"]["redirect_to_url"]["url"] = json!("javascript:alert(1)");
    assert_eq!(s.parse_authorise(&response(200, &pi)), Authorised::Error);
}

#[test]
fn after_the_return_the_intent_decides() {
    let s = stripe();
    let mut authorised = intent("requires_capture");
    authorised["latest_charge"] = json!({"object": "charge", "payment_method_details": {"card": {
        "funding": "credit",
        "three_d_secure": {"authentication_flow": "challenge", "result": "authenticated", "version": "2.2.0"}}}});
    let Authorised::Authorised { card, .. } = s.parse_complete(&response(200, &authorised)) else {
        panic!("authorised")
    };
    assert_eq!(
        card.three_d_secure,
        Some(ThreeDSecureFacts {
            version: Some("2.2.0".into())
        })
    );
    // An exemption is no 3-D Secure: `authorisation_summary` would say it was required.
    let mut exempted = authorised.clone();
    exempted["latest_charge"]["payment_method_details"]["card"]["three_d_secure"]["result"] =
        json!("exempted");
    let Authorised::Authorised { card, .. } = s.parse_complete(&response(200, &exempted)) else {
        panic!("authorised")
    };
    assert_eq!(card.three_d_secure, None);
    let mut failed = intent("requires_payment_method");
    failed["last_payment_error"] = json!({"type": "invalid_request_error",
        "code": "payment_intent_authentication_failure",
        "message": "The provided PaymentMethod has failed authentication."});
    assert_eq!(
        s.parse_complete(&response(200, &failed)),
        Authorised::Declined(Decline::AuthenticationFailed)
    );
    assert_eq!(
        s.parse_query(&response(200, &failed)),
        Queried::Declined(Decline::AuthenticationFailed)
    );
    assert_eq!(s.parse_complete(&HttpResult::TimedOut), Authorised::Unknown);
}

/// The fixture charge with its (all-null) `three_d_secure` filled in as Stripe fills it.
fn three_ds_charge(pi: &Value, flow: &str) -> Value {
    let mut charge = fixture("charge");
    charge["payment_intent"] = pi["id"].clone();
    charge["captured"] = json!(false);
    let three_ds = &mut charge["payment_method_details"]["card"]["three_d_secure"];
    three_ds["authentication_flow"] = json!(flow);
    three_ds["result"] = json!("authenticated");
    three_ds["version"] = json!("2.2.0");
    charge
}

#[test]
fn three_d_secure_answers_for_stripes_test_cards_built_from_the_fixtures() {
    let s = stripe();
    let version = Some(ThreeDSecureFacts {
        version: Some("2.2.0".into()),
    });

    // 4000000000003220 confirmed with a return_url: the whole intent as Stripe answers it,
    // a redirect to a plain http page (the local fake) with no charge yet.
    let mut waiting = intent("requires_action");
    let challenge = "http://127.0.0.1:41234/3ds/pi_1PgafyB7WZ01zgkWSjxsAJo3";
    waiting["payment_method"] = json!("pm_1PgafyB7WZ01zgkW");
    waiting["next_action"] = json!({"type": "redirect_to_url", "redirect_to_url": {
        "url": challenge, "return_url": "http://127.0.0.1:8787/pay/acc/pid/3ds/return"}});
    let redirect = Authentication {
        action: NextAction::Redirect {
            url: challenge.into(),
        },
        state: None,
        version: None,
    };
    assert_eq!(
        redirect.action.target_origin().as_deref(),
        Some("http://127.0.0.1:41234")
    );
    assert_eq!(
        s.parse_authorise(&response(200, &waiting)),
        Authorised::ActionRequired(redirect.clone())
    );
    // Back without finishing the challenge: still waiting, sent there again.
    assert_eq!(
        s.parse_complete(&response(200, &waiting)),
        Authorised::ActionRequired(redirect)
    );

    // 4000000000003055: frictionless, authorised in the confirmation's answer itself.
    let mut frictionless = intent("requires_capture");
    frictionless["amount_capturable"] = frictionless["amount"].clone();
    frictionless["latest_charge"] = three_ds_charge(&frictionless, "frictionless");
    assert_eq!(
        s.parse_authorise(&response(200, &frictionless)),
        Authorised::Authorised {
            provider_id: PI.into(),
            card: CardFacts {
                card_type: Some(CardType::Credit),
                three_d_secure: version.clone(),
            },
        }
    );

    // 4000000000003220 after a completed challenge.
    let mut completed = intent("requires_capture");
    completed["latest_charge"] = three_ds_charge(&completed, "challenge");
    let Authorised::Authorised { card, .. } = s.parse_complete(&response(200, &completed)) else {
        panic!("authorised after the challenge")
    };
    assert_eq!(card.three_d_secure, version);

    // 4000008400001629: authenticated, then declined by the issuer. The failed charge that
    // carries the authentication is not an authorisation.
    let mut declined = intent("requires_payment_method");
    let mut failed_charge = three_ds_charge(&declined, "challenge");
    failed_charge["status"] = json!("failed");
    failed_charge["paid"] = json!(false);
    failed_charge["failure_code"] = json!("card_declined");
    declined["latest_charge"] = failed_charge;
    declined["last_payment_error"] = json!({"type": "card_error", "code": "card_declined",
        "decline_code": "generic_decline", "message": "Your card was declined."});
    assert_eq!(
        s.parse_complete(&response(200, &declined)),
        Authorised::Declined(Decline::Declined)
    );
    assert_eq!(
        s.parse_query(&response(200, &declined)),
        Queried::Declined(Decline::Declined)
    );

    // Abandoned and cancelled (expiry): nothing held, and no return can authorise it.
    let mut cancelled = waiting.clone();
    cancelled["status"] = json!("canceled");
    cancelled["cancellation_reason"] = json!("requested_by_customer");
    assert_eq!(
        s.parse_complete(&response(200, &cancelled)),
        Authorised::Error
    );
}

#[test]
fn confirmations_carry_the_gateways_return_url_and_never_use_stripe_sdk() {
    let s = stripe();
    let card = card("4000000000003220");
    let mut payment = payment_ref(Some("pi_1"), 3);
    payment.return_to = Some("https://gw.example/pay/acc/pid/3ds/return");
    let Call::Send(req) = s.authorise(&payment, &card) else {
        panic!("send")
    };
    let body = req.body.unwrap();
    assert!(
        body.contains("return_url=https%3A%2F%2Fgw.example%2Fpay%2Facc%2Fpid%2F3ds%2Freturn"),
        "{body}"
    );
    assert!(!body.contains("use_stripe_sdk"));
}

#[test]
fn network_failures_5xx_and_malformed_answers_are_unknown() {
    let s = stripe();
    let unknown = [
        HttpResult::TimedOut,
        HttpResult::Unreachable,
        HttpResult::Unreadable,
        error_body(500, "api_error", None, None),
        response(502, &json!({})),
        HttpResult::Response {
            status: 503,
            body: "upstream connect error".into(),
        },
        error_body(429, "invalid_request_error", Some("rate_limit"), None),
        error_body(409, "idempotency_error", None, None),
        HttpResult::Response {
            status: 200,
            body: "{\"id\": \"pi_1\"".into(),
        },
        response(200, &json!({"id": PI})),
        response(200, &json!([1, 2])),
        response(200, &intent("processing")),
        response(200, &intent("requires_payment_method")),
        response(302, &json!({})),
        response(400, &json!({"message": "not stripe"})),
    ];
    for result in unknown {
        assert_eq!(
            s.parse_authorise(&result),
            Authorised::Unknown,
            "{result:?}"
        );
    }
    assert_eq!(
        Authorised::Unknown.payment_input(),
        Some(PaymentInput::ProviderTimedOut)
    );
}

#[test]
fn definitive_request_errors_are_errors() {
    let s = stripe();
    for result in [
        error_body(
            400,
            "invalid_request_error",
            Some("parameter_invalid_integer"),
            None,
        ),
        error_body(401, "invalid_request_error", None, None),
        error_body(
            403,
            "invalid_request_error",
            Some("secret_key_required"),
            None,
        ),
        error_body(404, "invalid_request_error", Some("resource_missing"), None),
        response(200, &intent("canceled")),
        // A repeated confirmation of an intent that was given up.
        error_body(
            400,
            "invalid_request_error",
            Some("payment_intent_unexpected_state"),
            Some(intent("canceled")),
        ),
    ] {
        assert_eq!(s.parse_authorise(&result), Authorised::Error, "{result:?}");
    }
}

#[test]
fn a_repeated_confirmation_finds_the_earlier_authorisation() {
    let s = stripe();
    let body = error_body(
        400,
        "invalid_request_error",
        Some("payment_intent_unexpected_state"),
        Some(authorised_intent("debit")),
    );
    assert!(matches!(
        s.parse_authorise(&body),
        Authorised::Authorised { .. }
    ));
    let processing = error_body(
        400,
        "invalid_request_error",
        Some("payment_intent_unexpected_state"),
        Some(intent("processing")),
    );
    assert_eq!(s.parse_authorise(&processing), Authorised::Unknown);
}

#[test]
fn status_query_outcomes() {
    let s = stripe();
    assert_eq!(
        s.parse_query(&response(200, &authorised_intent("credit"))),
        Queried::Authorised {
            provider_id: PI.into(),
            card: CardFacts {
                card_type: Some(CardType::Credit),
                three_d_secure: None,
            },
        }
    );
    assert!(matches!(
        s.parse_query(&response(200, &intent("succeeded"))),
        Queried::Authorised { .. }
    ));
    assert_eq!(
        s.parse_query(&response(200, &intent("requires_payment_method"))),
        Queried::NotAuthorised
    );
    assert_eq!(
        s.parse_query(&response(200, &intent("requires_confirmation"))),
        Queried::NotAuthorised
    );
    assert_eq!(
        s.parse_query(&response(200, &intent("processing"))),
        Queried::Pending
    );
    assert_eq!(
        s.parse_query(&response(200, &intent("canceled"))),
        Queried::Error
    );
    let mut processing_error = intent("requires_payment_method");
    processing_error["last_payment_error"] =
        json!({"type": "card_error", "code": "processing_error"});
    assert_eq!(
        s.parse_query(&response(200, &processing_error)),
        Queried::Error
    );
    // The fixture as published (with an idempotency error as last_payment_error): not a
    // decline, so the provider's error.
    assert_eq!(
        s.parse_query(&response(200, &fixture("payment_intent"))),
        Queried::Error
    );
    for pending in [
        HttpResult::TimedOut,
        HttpResult::Unreachable,
        HttpResult::Unreadable,
        error_body(500, "api_error", None, None),
        error_body(429, "invalid_request_error", Some("rate_limit"), None),
        error_body(400, "invalid_request_error", None, None),
        response(
            200,
            &json!({"object": "payment_intent", "status": "requires_capture"}),
        ),
    ] {
        assert_eq!(s.parse_query(&pending), Queried::Pending, "{pending:?}");
    }
    assert_eq!(
        s.parse_query(&error_body(
            404,
            "invalid_request_error",
            Some("resource_missing"),
            None
        )),
        Queried::Error
    );
}

#[test]
fn capture_outcomes() {
    let s = stripe();
    let unexpected = |pi| {
        error_body(
            400,
            "invalid_request_error",
            Some("payment_intent_unexpected_state"),
            Some(pi),
        )
    };
    assert_eq!(
        s.parse_capture(&response(200, &intent("succeeded"))),
        Settled::Done
    );
    assert_eq!(
        s.parse_capture(&unexpected(intent("succeeded"))),
        Settled::Done
    );
    assert_eq!(
        s.parse_capture(&unexpected(intent("canceled"))),
        Settled::Refused
    );
    assert_eq!(
        s.parse_capture(&error_body(
            400,
            "invalid_request_error",
            Some("charge_expired_for_capture"),
            None
        )),
        Settled::Refused
    );
    for retry in [
        HttpResult::TimedOut,
        HttpResult::Unreachable,
        HttpResult::Unreadable,
        error_body(500, "api_error", None, None),
        error_body(409, "idempotency_error", None, None),
        response(200, &intent("requires_capture")),
        HttpResult::Response {
            status: 200,
            body: String::new(),
        },
    ] {
        assert_eq!(s.parse_capture(&retry), Settled::Retry, "{retry:?}");
    }
}

#[test]
fn void_outcomes() {
    let s = stripe();
    assert_eq!(
        s.parse_void(&response(200, &intent("canceled"))),
        Settled::Done
    );
    assert_eq!(
        s.parse_void(&error_body(
            400,
            "invalid_request_error",
            Some("payment_intent_unexpected_state"),
            Some(intent("canceled"))
        )),
        Settled::Done
    );
    assert_eq!(
        s.parse_void(&error_body(
            400,
            "invalid_request_error",
            Some("payment_intent_unexpected_state"),
            Some(intent("succeeded"))
        )),
        Settled::Refused
    );
    assert_eq!(s.parse_void(&HttpResult::TimedOut), Settled::Retry);
    assert_eq!(s.parse_void(&HttpResult::Unreadable), Settled::Retry);
    assert_eq!(
        s.parse_void(&error_body(503, "api_error", None, None)),
        Settled::Retry
    );
}

#[test]
fn refund_outcomes_from_the_refund_fixture() {
    let s = stripe();
    let refund = fixture("refund");
    assert_eq!(
        s.parse_refund(&response(200, &refund)),
        Refunded::Succeeded {
            provider_refund_id: Some("re_1Pgc72B7WZ01zgkWqPvrRrPE".into())
        }
    );
    let mut pending = refund.clone();
    pending["status"] = json!("pending");
    assert!(matches!(
        s.parse_refund(&response(200, &pending)),
        Refunded::Succeeded { .. }
    ));
    let mut failed = refund;
    failed["status"] = json!("failed");
    assert_eq!(s.parse_refund(&response(200, &failed)), Refunded::Refused);
    assert_eq!(
        s.parse_refund(&error_body(
            400,
            "invalid_request_error",
            Some("charge_already_refunded"),
            None
        )),
        Refunded::Refused
    );
    assert_eq!(s.parse_refund(&HttpResult::TimedOut), Refunded::Retry);
    assert_eq!(s.parse_refund(&HttpResult::Unreadable), Refunded::Retry);
    assert_eq!(
        s.parse_refund(&error_body(500, "api_error", None, None)),
        Refunded::Retry
    );
    assert_eq!(
        s.parse_refund(&response(200, &intent("succeeded"))),
        Refunded::Retry
    );
}

// ---- outcomes into the state machine ----

fn submitted_payment() -> Payment {
    let (mut payment, _) = Payment::create(
        NewPayment {
            id: PaymentId::generate([7; 16]),
            amount: 1450,
            reference: "INV-1".into(),
            description: "d".into(),
            delayed_capture: false,
            expiry_window_ms: None,
        },
        NOW,
    );
    payment.apply(PaymentInput::PageOpened, NOW).unwrap();
    let c = card("4242424242424242");
    let summary = crate::payment::CardSummary::new(
        c.brand().id(),
        c.first_six(),
        c.last_four(),
        c.expiry().to_string(),
        None,
    )
    .unwrap();
    payment
        .apply(PaymentInput::CardSubmitted { card: summary }, NOW)
        .unwrap();
    assert!(payment.record_provider_reference(PI.into()));
    payment
}

#[test]
fn authorisation_outcomes_drive_the_payment_to_govuk_states() {
    let cases = [
        (
            Authorised::Authorised {
                provider_id: PI.into(),
                card: CardFacts::default(),
            },
            PaymentStatus::Authorised,
        ),
        (
            Authorised::Declined(Decline::Fraud),
            PaymentStatus::Declined,
        ),
        (
            Authorised::ActionRequired(Authentication {
                action: NextAction::SandboxChallenge,
                state: None,
                version: None,
            }),
            PaymentStatus::AuthenticationRequired,
        ),
        (Authorised::Error, PaymentStatus::ProviderError),
        (Authorised::Unknown, PaymentStatus::AuthorisationUnknown),
    ];
    for (outcome, status) in cases {
        let mut p = submitted_payment();
        assert_eq!(p.provider_id(), Some(PI));
        p.apply(outcome.payment_input().unwrap(), NOW).unwrap();
        assert_eq!(p.status(), status, "{outcome:?}");
    }
    let mut p = submitted_payment();
    p.apply(
        Authorised::Declined(Decline::Declined)
            .payment_input()
            .unwrap(),
        NOW,
    )
    .unwrap();
    assert_eq!(
        p.external_state().code,
        Some(StateCode::PaymentMethodRejected)
    );
    assert_eq!(Authorised::Unsupported.payment_input(), None);
}

#[test]
fn status_query_outcomes_resolve_an_unknown_authorisation() {
    let cases = [
        (
            Queried::Authorised {
                provider_id: PI.into(),
                card: CardFacts::default(),
            },
            Some(PaymentStatus::Authorised),
        ),
        (
            Queried::Declined(Decline::Declined),
            Some(PaymentStatus::Declined),
        ),
        (Queried::NotAuthorised, Some(PaymentStatus::Started)),
        (Queried::Error, Some(PaymentStatus::ProviderError)),
        (Queried::Pending, None),
    ];
    for (outcome, status) in cases {
        let mut p = submitted_payment();
        p.apply(PaymentInput::ProviderTimedOut, NOW).unwrap();
        match (outcome.payment_input(), status) {
            (Some(input), Some(status)) => {
                p.apply(input, NOW).unwrap();
                assert_eq!(p.status(), status, "{outcome:?}");
            }
            (None, None) => assert_eq!(p.status(), PaymentStatus::AuthorisationUnknown),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn provider_reference_is_recorded_only_while_authorising() {
    let (mut p, _) = Payment::create(
        NewPayment {
            id: PaymentId::generate([8; 16]),
            amount: 1,
            reference: "r".into(),
            description: "d".into(),
            delayed_capture: false,
            expiry_window_ms: None,
        },
        NOW,
    );
    assert!(!p.record_provider_reference("pi_x".into()));
    assert_eq!(p.provider_id(), None);
    let mut p = submitted_payment();
    let seq = p.last_sequence();
    assert!(p.record_provider_reference("pi_y".into()));
    assert_eq!(p.provider_id(), Some("pi_y"));
    assert_eq!(p.last_sequence(), seq, "no event");
}

// ---- credentials, retries ----

#[test]
fn stripe_credentials_are_validated_masked_and_never_debug_printed() {
    let map = |v: Value| v.as_object().unwrap().clone();
    let creds = Credentials::parse(
        ProviderKind::Stripe,
        &map(json!({"secret_key": "sk_test_51Hx0000000000000000001234"})),
    )
    .unwrap();
    assert_eq!(creds.kind(), ProviderKind::Stripe);
    assert_eq!(
        Value::Object(creds.masked()),
        json!({"secret_key": "sk_test_…1234"})
    );
    let debug = format!("{creds:?}");
    assert!(!debug.contains("51Hx"), "{debug}");
    assert_eq!(
        Credentials::from_json(creds.to_json().as_bytes()),
        Some(creds.clone())
    );
    assert_eq!(Credentials::from_json(b"{}"), None);
    for bad in [
        json!({}),
        json!({"secret_key": "pk_test_51Hx000000000000"}),
        json!({"secret_key": "sk_test_"}),
        json!({"secret_key": "sk_test_51Hx0000000000000000001234", "other": "x"}),
        json!({"secret_key": "sk_test_51Hx00000000000 0000001234"}),
        json!({"api_key": "sk_test_51Hx0000000000000000001234"}),
    ] {
        let err = Credentials::parse(ProviderKind::Stripe, &map(bad.clone())).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("provider_credentials"), "{bad}");
        assert!(!err.description.contains("51Hx"));
    }
    assert!(Credentials::parse(ProviderKind::Sandbox, &map(json!({}))).is_err());
}

#[test]
fn stripe_keys_serve_only_payments_of_their_own_mode() {
    let key = |k: &str| Credentials::Stripe {
        secret_key: k.to_string(),
        webhook_secret: None,
    };
    for (k, test, live) in [
        ("sk_test_51Hx0000000000000000001234", true, false),
        ("rk_test_51Hx0000000000000000001234", true, false),
        ("sk_live_51Hx0000000000000000001234", false, true),
        ("rk_live_51Hx0000000000000000001234", false, true),
    ] {
        assert_eq!(key(k).serves(false), test, "{k} for test payments");
        assert_eq!(key(k).serves(true), live, "{k} for live payments");
    }
}

#[test]
fn retries_back_off_to_an_hour() {
    assert_eq!(retry_delay_ms(0), 30_000);
    assert_eq!(retry_delay_ms(1), 30_000);
    assert_eq!(retry_delay_ms(2), 60_000);
    assert_eq!(retry_delay_ms(3), 120_000);
    assert_eq!(retry_delay_ms(8), 3_600_000);
    assert_eq!(retry_delay_ms(u32::MAX), 3_600_000);
    const { assert!(LEASE_MS > REQUEST_TIMEOUT_MS) };
}

#[test]
fn an_alarm_run_starts_a_bounded_number_of_provider_jobs_in_bounded_time() {
    // A provider that answers nothing: every call takes the full timeout.
    let mut elapsed = 0;
    let mut started = 0;
    while alarm_may_start(started, elapsed) {
        started += 1;
        elapsed += REQUEST_TIMEOUT_MS;
    }
    assert_eq!(started, 2, "two timeouts fill the budget");
    assert!(elapsed <= ALARM_BUDGET_MS + REQUEST_TIMEOUT_MS);
    // A fast provider: the count bounds the run.
    let (mut started, mut elapsed) = (0, 0);
    while alarm_may_start(started, elapsed) {
        started += 1;
        elapsed += 50;
    }
    assert_eq!(started, ALARM_JOBS);
}

#[test]
fn notification_secrets_never_change_which_credentials_a_payment_uses() {
    let key = "sk_test_51KassaIntegrationTests000000000000000000000001";
    let plain = Credentials::Stripe {
        secret_key: key.into(),
        webhook_secret: None,
    };
    let with_secret = Credentials::Stripe {
        secret_key: key.into(),
        webhook_secret: Some("whsec_abcdefghijklmnop".into()),
    };
    assert_eq!(plain.fingerprint(), with_secret.fingerprint());
    assert_eq!(
        with_secret.notification_secret(),
        Some("whsec_abcdefghijklmnop")
    );
    let back = Credentials::from_json(with_secret.to_json().as_bytes()).unwrap();
    assert_eq!(back, with_secret);
    // Stored before webhook secrets existed.
    let old = format!(r#"{{"provider":"stripe","secret_key":"{key}"}}"#);
    assert_eq!(Credentials::from_json(old.as_bytes()), Some(plain));
    assert!(!format!("{with_secret:?}").contains("abcdefghijklmnop"));
}

#[test]
fn adyen_credentials_are_validated_and_their_mode_is_the_live_url_prefix() {
    let fields = |v: Value| v.as_object().unwrap().clone();
    let test = Credentials::parse(
        ProviderKind::Adyen,
        &fields(
            json!({"api_key": "AQEyhmfxKfA0123456789abcdef", "merchant_account": "KassaECOM",
            "hmac_key": "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"}),
        ),
    )
    .unwrap();
    assert!(!test.live() && test.serves(false) && !test.serves(true));
    assert_eq!(test.kind(), ProviderKind::Adyen);
    let live = Credentials::parse(
        ProviderKind::Adyen,
        &fields(
            json!({"api_key": "AQEyhmfxKfA0123456789abcdef", "merchant_account": "KassaECOM",
            "live_url_prefix": "1797a841fbb37ca7-KassaECOM"}),
        ),
    )
    .unwrap();
    assert!(live.live());
    assert_ne!(test.fingerprint(), live.fingerprint());
    let masked = serde_json::Value::Object(test.masked()).to_string();
    assert!(
        masked.contains("KassaECOM") && !masked.contains("0123456789abcdef"),
        "{masked}"
    );
    assert!(!format!("{test:?}").contains("0123456789abcdef"));
    assert_eq!(
        Credentials::from_json(test.to_json().as_bytes()),
        Some(test)
    );
    for bad in [
        json!({"api_key": "short", "merchant_account": "M"}),
        json!({"api_key": "AQEyhmfxKfA0123456789abcdef"}),
        json!({"api_key": "AQEyhmfxKfA0123456789abcdef", "merchant_account": "M", "hmac_key": "xyz"}),
        json!({"api_key": "AQEyhmfxKfA0123456789abcdef", "merchant_account": "M", "live_url_prefix": "a/b"}),
        json!({"api_key": "AQEyhmfxKfA0123456789abcdef", "merchant_account": "M", "extra": "x"}),
    ] {
        assert!(
            Credentials::parse(ProviderKind::Adyen, &fields(bad.clone())).is_err(),
            "{bad}"
        );
    }
}
