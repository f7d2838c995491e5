//! Stripe: PaymentIntents with a card PaymentMethod, translated to and from HTTP as data.
//!
//! An authorisation is two calls, so that a timeout can always be resolved without sending
//! card data twice:
//!
//! 1. `POST /v1/payment_intents` without card data (`capture_method=manual`: Kassa's
//!    confirm page and delayed capture both come after authorisation). Its id becomes the
//!    payment's `provider_id`, stored with `AuthorisationSubmitted`.
//! 2. `POST /v1/payment_intents/{id}/confirm` with the card. If that times out, the status
//!    query `GET /v1/payment_intents/{id}` says what happened.
//!
//! Every mutating call carries an `Idempotency-Key` derived from Kassa's ids, so a repeat
//! (a retry, an alarm running twice) is the same request to Stripe and cannot charge,
//! capture or refund twice. Capture and cancel keys include the attempt number because
//! Stripe replays a stored 5xx for a reused key; repeating them is still safe since Stripe
//! refuses to capture or cancel twice, and that refusal carries the PaymentIntent, whose
//! status tells us it was already done.
//!
//! 3-D Secure: the confirmation carries a `return_url` on the gateway (and no
//! `use_stripe_sdk`), so a PaymentIntent that needs authentication answers
//! `requires_action` with `next_action.redirect_to_url`: the payer is sent there and comes
//! back to the gateway, which re-reads the PaymentIntent (`complete`). A failed
//! authentication leaves it in `requires_payment_method` with
//! `payment_intent_authentication_failure`: declined, P0010. Other next actions (Stripe.js
//! only) cannot be taken by a redirect: error P0050, nothing held.
//!
//! Errors: card declines (`card_error`) are failed P0010, except `processing_error`, which
//! is the provider's error (P0050) like the sandbox's 4000000000000119; anything
//! else definitive is P0050; timeouts, 409, 429, 5xx and unreadable answers are "unknown"
//! and go to the status query or a retry.

use super::form;
use super::{
    Authentication, Authorised, CardFacts, Decline, HttpMethod, HttpRequest, HttpResult,
    NextAction, PaymentRef, Prepared, Queried, RefundRef, Refunded, Settled, ThreeDSecureFacts,
};
use crate::api::payment::CardType;
use crate::card::ValidatedCard;
use serde_json::Value;

/// The API version Kassa's requests and parsing are written against.
pub const API_VERSION: &str = "2024-06-20";

/// The production API.
pub const DEFAULT_API_BASE: &str = "https://api.stripe.com";

/// An account's Stripe connection. `Debug` hides the key.
#[derive(Clone, PartialEq, Eq)]
pub struct Stripe {
    secret_key: String,
    api_base: String,
}

impl core::fmt::Debug for Stripe {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Stripe")
            .field("api_base", &self.api_base)
            .finish()
    }
}

/// Idempotency keys, one per Kassa operation (and attempt where noted in the module docs).
pub fn create_key(payment_id: &str) -> String {
    format!("kassa-{payment_id}-create")
}
pub fn confirm_key(payment_id: &str, attempt: u64) -> String {
    format!("kassa-{payment_id}-confirm-{attempt}")
}
pub fn capture_key(payment_id: &str, attempt: u64) -> String {
    format!("kassa-{payment_id}-capture-{attempt}")
}
pub fn cancel_key(payment_id: &str, attempt: u64) -> String {
    format!("kassa-{payment_id}-cancel-{attempt}")
}
pub fn refund_key(refund_id: &str) -> String {
    format!("kassa-refund-{refund_id}")
}

impl Stripe {
    pub fn new(secret_key: &str, api_base: &str) -> Stripe {
        Stripe {
            secret_key: secret_key.to_string(),
            api_base: api_base.trim_end_matches('/').to_string(),
        }
    }

    fn request(
        &self,
        method: HttpMethod,
        path: &str,
        idempotency_key: Option<String>,
        pairs: &[(&str, String)],
    ) -> HttpRequest {
        let mut headers = vec![
            (
                "Authorization".to_string(),
                format!("Bearer {}", self.secret_key),
            ),
            ("Stripe-Version".to_string(), API_VERSION.to_string()),
        ];
        let body = match method {
            HttpMethod::Get => None,
            HttpMethod::Post => {
                headers.push((
                    "Content-Type".to_string(),
                    "application/x-www-form-urlencoded".to_string(),
                ));
                Some(form::encode(pairs))
            }
        };
        if let Some(key) = idempotency_key {
            headers.push(("Idempotency-Key".to_string(), key));
        }
        let url = match (method, pairs.is_empty()) {
            (HttpMethod::Get, false) => format!("{}{path}?{}", self.api_base, form::encode(pairs)),
            _ => format!("{}{path}", self.api_base),
        };
        HttpRequest {
            method,
            url,
            headers,
            body,
        }
    }

    /// Step 1 of an authorisation: the PaymentIntent, without card data.
    pub fn create_intent(&self, payment: &PaymentRef<'_>) -> HttpRequest {
        self.request(
            HttpMethod::Post,
            "/v1/payment_intents",
            Some(create_key(payment.payment_id)),
            &[
                ("amount", payment.amount.to_string()),
                ("currency", "gbp".into()),
                ("capture_method", "manual".into()),
                ("payment_method_types[0]", "card".into()),
                ("description", payment.description.into()),
                ("metadata[kassa_payment_id]", payment.payment_id.into()),
                ("metadata[reference]", payment.reference.into()),
            ],
        )
    }

    /// Step 2: confirms the PaymentIntent with the card. The charge is expanded for the
    /// card's funding (debit or credit).
    pub fn confirm(
        &self,
        intent: &str,
        payment: &PaymentRef<'_>,
        card: &ValidatedCard,
    ) -> HttpRequest {
        let expiry = card.expiry();
        let mut pairs = vec![
            ("payment_method_data[type]", "card".into()),
            ("payment_method_data[card][number]", card.number().into()),
            (
                "payment_method_data[card][exp_month]",
                expiry.month.to_string(),
            ),
            (
                "payment_method_data[card][exp_year]",
                expiry.year.to_string(),
            ),
            ("payment_method_data[card][cvc]", card.cvc().into()),
            (
                "payment_method_data[billing_details][name]",
                card.cardholder_name().into(),
            ),
            ("expand[0]", "latest_charge".into()),
        ];
        // Where Stripe sends the payer back after 3-D Secure; with it (and without
        // `use_stripe_sdk`) the next action is a plain redirect.
        if let Some(url) = payment.return_to {
            pairs.push(("return_url", url.into()));
        }
        self.request(
            HttpMethod::Post,
            &format!("/v1/payment_intents/{}/confirm", path_segment(intent)),
            Some(confirm_key(payment.payment_id, payment.attempt)),
            &pairs,
        )
    }

    /// The status query.
    pub fn retrieve(&self, intent: &str) -> HttpRequest {
        self.request(
            HttpMethod::Get,
            &format!("/v1/payment_intents/{}", path_segment(intent)),
            None,
            &[("expand[0]", "latest_charge".into())],
        )
    }

    pub fn capture(&self, intent: &str, payment: &PaymentRef<'_>) -> HttpRequest {
        self.request(
            HttpMethod::Post,
            &format!("/v1/payment_intents/{}/capture", path_segment(intent)),
            Some(capture_key(payment.payment_id, payment.attempt)),
            &[("amount_to_capture", payment.amount.to_string())],
        )
    }

    pub fn cancel(&self, intent: &str, payment: &PaymentRef<'_>) -> HttpRequest {
        self.request(
            HttpMethod::Post,
            &format!("/v1/payment_intents/{}/cancel", path_segment(intent)),
            Some(cancel_key(payment.payment_id, payment.attempt)),
            &[],
        )
    }

    pub fn refund(
        &self,
        intent: &str,
        payment: &PaymentRef<'_>,
        refund: &RefundRef<'_>,
    ) -> HttpRequest {
        self.request(
            HttpMethod::Post,
            "/v1/refunds",
            Some(refund_key(refund.refund_id)),
            &[
                ("payment_intent", intent.into()),
                ("amount", refund.amount.to_string()),
                ("metadata[kassa_payment_id]", payment.payment_id.into()),
                ("metadata[kassa_refund_id]", refund.refund_id.into()),
            ],
        )
    }
}

/// PaymentIntent ids are `pi_` plus alphanumerics; anything else in a stored id is
/// percent-encoded rather than allowed to change the path.
fn path_segment(id: &str) -> String {
    form::encode(&[("", id.to_string())])
        .trim_start_matches('=')
        .to_string()
}

/// What an answer from Stripe is.
enum Answer {
    /// 2xx with a JSON object.
    Object(Value),
    /// 4xx with Stripe's `{"error": {...}}`.
    Error { status: u16, error: Value },
    /// Timeout, connection failure, 409 (a concurrent request with the same idempotency
    /// key), 429, 5xx, or a body that is not what Stripe sends: the outcome is unknown.
    Unknown,
}

fn answer(result: &HttpResult) -> Answer {
    let HttpResult::Response { status, body } = result else {
        return Answer::Unknown;
    };
    let status = *status;
    if status == 409 || status == 429 || status >= 500 {
        return Answer::Unknown;
    }
    let Ok(value) = serde_json::from_str::<Value>(body) else {
        return Answer::Unknown;
    };
    match status {
        200..=299 if value.get("object").and_then(Value::as_str).is_some() => Answer::Object(value),
        400..=499 => match value.get("error") {
            Some(error) if error.is_object() => Answer::Error {
                status,
                error: error.clone(),
            },
            _ => Answer::Unknown,
        },
        _ => Answer::Unknown,
    }
}

fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// A PaymentIntent's `status`, if the value is one.
fn intent_status(value: &Value) -> Option<&str> {
    (text(value, "object") == Some("payment_intent"))
        .then(|| text(value, "status"))
        .flatten()
}

/// The decline class of a `card_error` (or of a PaymentIntent's `last_payment_error`):
/// `None` when the error is not a decline. `processing_error` is a card error but not the
/// card's fault: it is the provider's error, as in GOV.UK Pay's sandbox.
pub(super) fn decline(error: &Value) -> Option<Decline> {
    // The payer failed 3-D Secure: Stripe files it as an `invalid_request_error`, but it is
    // the bank's rejection of the payer, as GOV.UK Pay reports it (P0010).
    if text(error, "code") == Some("payment_intent_authentication_failure") {
        return Some(Decline::AuthenticationFailed);
    }
    if text(error, "type") != Some("card_error") {
        return None;
    }
    let code = text(error, "code").unwrap_or_default();
    let decline_code = text(error, "decline_code").unwrap_or_default();
    Some(match (code, decline_code) {
        ("processing_error", _) => return None,
        ("expired_card", _) | (_, "expired_card") => Decline::ExpiredCard,
        ("incorrect_cvc" | "invalid_cvc", _) | (_, "incorrect_cvc" | "invalid_cvc") => {
            Decline::IncorrectCvc
        }
        ("incorrect_number" | "invalid_number", _) | (_, "incorrect_number" | "invalid_number") => {
            Decline::IncorrectNumber
        }
        (_, "insufficient_funds") => Decline::InsufficientFunds,
        (_, "fraudulent" | "stolen_card" | "lost_card" | "pickup_card") => Decline::Fraud,
        _ => Decline::Declined,
    })
}

/// Debit or credit, from the expanded `latest_charge` (a bare charge id tells nothing).
pub(super) fn card_facts(intent: &Value) -> CardFacts {
    let card = intent.pointer("/latest_charge/payment_method_details/card");
    let funding = card.and_then(|c| text(c, "funding"));
    // 3-D Secure took place when the payer was authenticated (with or without a
    // challenge) or the issuer acknowledged the attempt. An exemption or a card that does
    // not support it is not 3-D Secure, and Stripe's fixtures carry the object with every
    // field null.
    let three_d_secure = card
        .and_then(|c| c.get("three_d_secure"))
        .filter(|t| {
            matches!(
                text(t, "result"),
                Some("authenticated" | "attempt_acknowledged")
            )
        })
        .map(|t| ThreeDSecureFacts {
            version: text(t, "version").map(str::to_string),
        });
    CardFacts {
        card_type: match funding {
            Some("credit") => Some(CardType::Credit),
            Some("debit") => Some(CardType::Debit),
            _ => None,
        },
        three_d_secure,
    }
}

/// The redirect a `requires_action` PaymentIntent asks for, if it is one the payer's
/// browser can follow (`redirect_to_url`; `use_stripe_sdk` needs Stripe.js).
fn redirect_action(intent: &Value) -> Option<Authentication> {
    let next = intent.get("next_action")?;
    if text(next, "type") != Some("redirect_to_url") {
        return None;
    }
    let url = next
        .pointer("/redirect_to_url/url")
        .and_then(Value::as_str)?;
    let action = NextAction::Redirect {
        url: url.to_string(),
    };
    // Only an absolute http(s) URL is followed.
    action.target_origin()?;
    Some(Authentication {
        action,
        state: None,
        version: None,
    })
}

/// What a PaymentIntent's state means for the authorisation.
fn classify(intent: &Value) -> Queried {
    let Some(id) = text(intent, "id").filter(|id| !id.is_empty()) else {
        return Queried::Pending;
    };
    let authorised = || Queried::Authorised {
        provider_id: id.to_string(),
        card: card_facts(intent),
    };
    match intent_status(intent) {
        // `succeeded` would mean captured already, which `capture_method=manual` rules out;
        // if it happens the money is taken, so it must never be shown as failed. Capture
        // then finds it captured.
        Some("requires_capture" | "succeeded") => authorised(),
        Some("requires_payment_method") => match intent.get("last_payment_error") {
            Some(error) if !error.is_null() => match decline(error) {
                Some(kind) => Queried::Declined(kind),
                None => Queried::Error,
            },
            _ => Queried::NotAuthorised,
        },
        Some("requires_confirmation") => Queried::NotAuthorised,
        Some("requires_action") => match redirect_action(intent) {
            Some(authentication) => Queried::ActionRequired(authentication),
            // A next action only Stripe.js can take: nothing is held, and nothing Kassa
            // can do will change that.
            None => Queried::Error,
        },
        Some("canceled") => Queried::Error,
        _ => Queried::Pending,
    }
}

/// Step 1's answer.
pub fn parse_create_intent(result: &HttpResult) -> Prepared {
    match answer(result) {
        Answer::Object(intent) => match (intent_status(&intent), text(&intent, "id")) {
            (Some("requires_payment_method" | "requires_confirmation"), Some(id)) => {
                Prepared::Ready {
                    provider_id: Some(id.to_string()),
                }
            }
            _ => Prepared::Failed,
        },
        // No card data was sent: whatever happened, nothing can be authorised.
        Answer::Error { .. } | Answer::Unknown => Prepared::Failed,
    }
}

/// Step 2's answer.
pub fn parse_confirm(result: &HttpResult) -> Authorised {
    let from_intent = |intent: &Value| match classify(intent) {
        Queried::Authorised { provider_id, card } => Authorised::Authorised { provider_id, card },
        Queried::Declined(kind) => Authorised::Declined(kind),
        Queried::ActionRequired(authentication) => Authorised::ActionRequired(authentication),
        Queried::Error => Authorised::Error,
        // Confirmed but not authorised, with no error: only a status query can tell.
        Queried::NotAuthorised | Queried::Pending => Authorised::Unknown,
    };
    match answer(result) {
        Answer::Object(intent) => from_intent(&intent),
        Answer::Error { error, .. } => {
            // Stripe puts the PaymentIntent in errors about it: a decline leaves it in
            // `requires_payment_method` with the error; a confirmation repeated after a
            // timeout finds it already authorised.
            if let Some(intent) = error.get("payment_intent").filter(|i| i.is_object()) {
                return match from_intent(intent) {
                    // Still processing: money may yet be held.
                    Authorised::Unknown if intent_status(intent) == Some("processing") => {
                        Authorised::Unknown
                    }
                    // Refused, and not authorised: nothing is held.
                    Authorised::Unknown => Authorised::Error,
                    outcome => outcome,
                };
            }
            match decline(&error) {
                Some(kind) => Authorised::Declined(kind),
                None => Authorised::Error,
            }
        }
        Answer::Unknown => Authorised::Unknown,
    }
}

/// The answer to re-reading the PaymentIntent after the payer's return from 3-D Secure.
/// Authorised, declined (a failed authentication included), still waiting for the payer
/// (they came back without finishing: they are sent again), or unknown: the status query
/// takes over, as after a lost confirmation.
pub fn parse_complete(result: &HttpResult) -> Authorised {
    match parse_query(result) {
        Queried::Authorised { provider_id, card } => Authorised::Authorised { provider_id, card },
        Queried::Declined(kind) => Authorised::Declined(kind),
        Queried::ActionRequired(authentication) => Authorised::ActionRequired(authentication),
        Queried::Error => Authorised::Error,
        // Re-read, it is not authorised and not waiting: whatever the reason, the status
        // query decides, never the return.
        Queried::NotAuthorised | Queried::Pending => Authorised::Unknown,
    }
}

/// The status query's answer.
pub fn parse_query(result: &HttpResult) -> Queried {
    match answer(result) {
        Answer::Object(intent) => classify(&intent),
        // The intent is gone or the key no longer works: nothing can be held through it
        // that Kassa could capture, and asking again will not change the answer.
        Answer::Error {
            status: 401 | 403 | 404,
            ..
        } => Queried::Error,
        Answer::Error { .. } | Answer::Unknown => Queried::Pending,
    }
}

/// Capture's answer.
pub fn parse_capture(result: &HttpResult) -> Settled {
    let from_status = |status: Option<&str>| match status {
        Some("succeeded") => Some(Settled::Done),
        Some("canceled") => Some(Settled::Refused),
        _ => None,
    };
    match answer(result) {
        Answer::Object(intent) => from_status(intent_status(&intent)).unwrap_or(Settled::Retry),
        // A capture repeated after a lost answer is refused with the intent already
        // `succeeded`: it was done.
        Answer::Error { error, .. } => error
            .get("payment_intent")
            .and_then(|i| from_status(intent_status(i)))
            .unwrap_or(Settled::Refused),
        Answer::Unknown => Settled::Retry,
    }
}

/// Cancel's (void's) answer.
pub fn parse_cancel(result: &HttpResult) -> Settled {
    let canceled = |intent: &Value| intent_status(intent) == Some("canceled");
    match answer(result) {
        Answer::Object(intent) if canceled(&intent) => Settled::Done,
        Answer::Object(_) | Answer::Unknown => Settled::Retry,
        Answer::Error { error, .. } => match error.get("payment_intent") {
            Some(intent) if canceled(intent) => Settled::Done,
            _ => Settled::Refused,
        },
    }
}

/// Refund's answer.
pub fn parse_refund(result: &HttpResult) -> Refunded {
    match answer(result) {
        Answer::Object(refund) if text(&refund, "object") == Some("refund") => {
            match text(&refund, "status") {
                // `pending` refunds complete on Stripe's side without further calls; the
                // idempotency key would only replay `pending` if asked again.
                Some("succeeded" | "pending") => Refunded::Succeeded {
                    provider_refund_id: text(&refund, "id").map(str::to_string),
                },
                Some("failed" | "canceled") => Refunded::Refused,
                _ => Refunded::Retry,
            }
        }
        Answer::Object(_) | Answer::Unknown => Refunded::Retry,
        Answer::Error { .. } => Refunded::Refused,
    }
}
