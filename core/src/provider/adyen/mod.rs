//! Adyen: the Checkout API (v71), translated to and from HTTP as data.
//!
//! An authorisation is one call, `POST /payments` with the card (Adyen has no object to
//! create first, so `prepare` answers at once and card data is sent in exactly one request
//! per attempt). Kassa always captures after the payer's confirmation (or later, for
//! delayed capture), so every payment asks for manual capture
//! (`additionalData.manualCapture`). The payment's Kassa id is its `reference`, which is
//! what Adyen's notifications name it by.
//!
//! 3-D Secure is Adyen's redirect flow, never the native one (Kassa's pages take no
//! Adyen.js): the payment carries the gateway's `returnUrl`, a card that needs
//! authentication answers `RedirectShopper` with an `action` to follow (a GET link or a
//! POST form), and the payer comes back to the gateway with `redirectResult` in the query.
//! `complete` sends that to `POST /payments/details`, whose answer is read like the
//! authorisation's. A native step (`IdentifyShopper`, `ChallengeShopper`) is not one Kassa
//! can take: error P0050, nothing held.
//!
//! Adyen has no status API for a payment. An authorisation whose answer was lost (a
//! timeout, a 5xx, `Received` or `Pending`) stays unknown until Adyen's AUTHORISATION
//! notification says what happened ([`notifications`]), so the status query first answers
//! "pending" without a request. Where no notification arrives, the query gives up
//! ([`GIVE_UP_AT_QUERY`]): it sends a standalone cancel (`POST /cancels`, by the merchant
//! reference the authorisation was sent with, as there is no pspReference to cancel by),
//! which cancels the authorisation if Adyen made one. Once Adyen has `received` it nothing
//! can be held any more, so the query answers "not authorised": the payer is back on the
//! card page (or expiry proceeds), and an AUTHORISATION notification arriving later finds
//! nothing in flight and changes nothing. Anything but `received` asks again later. Its
//! outcome comes as a TECHNICAL_CANCEL notification, which Kassa has no need to act on.
//!
//! Captures, cancels and refunds (`/payments/{pspReference}/captures|cancels|refunds`) are
//! only ever answered `received`: the outcome comes later in a notification (CAPTURE,
//! CANCELLATION, REFUND), so they answer `Settled::Pending` / `Refunded::Pending`. Their
//! references are Kassa's ids: the payment id for captures and cancels, and
//! `{payment_id}.{refund_id}` for refunds, so that a REFUND notification (which names
//! the modification by the reference it was given) says both which payment and which
//! refund it is about, inside what Adyen's signature covers.
//!
//! Every mutating call carries an `Idempotency-Key` derived from Kassa's ids (at most 64
//! characters, Adyen's limit; Adyen keeps a key's answer for at least 31 days and tells a
//! transient error apart, to be retried with the same key). A capture, cancel or refund
//! repeated after a lost answer reuses its key, so Adyen answers with the first request's
//! answer instead of doing it twice; an authorisation's and a 3-D Secure completion's keys
//! name the attempt, as each attempt is a new request.
//!
//! Errors: `Refused` is declined (failed P0010) unless the refusal reason is the
//! acquirer's or issuer's failure (error P0050); `Error` and `Cancelled` are P0050;
//! validation and authentication errors (4xx) are P0050, as nothing was authorised;
//! timeouts, 429, 5xx, Adyen's "request in progress" (422 code 704) and unreadable
//! answers are unknown.

pub mod notifications;

use super::{
    Authentication, Authorised, CardFacts, Decline, HttpMethod, HttpRequest, HttpResult,
    NextAction, PaymentRef, Queried, RefundRef, Refunded, Returned, Settled, ThreeDSecureFacts,
};
use crate::api::payment::CardType;
use crate::card::ValidatedCard;
use serde_json::{json, Value};

/// The Checkout API version Kassa's requests and parsing are written against.
pub const API_VERSION: &str = "v71";

/// Adyen's test Checkout endpoint (without the version).
pub const TEST_API_BASE: &str = "https://checkout-test.adyen.com";

/// The currency every Kassa payment is in.
const CURRENCY: &str = "GBP";

/// An account's Adyen connection. `Debug` hides the key.
#[derive(Clone, PartialEq, Eq)]
pub struct Adyen {
    api_key: String,
    merchant_account: String,
    /// The versioned Checkout base, e.g. `https://checkout-test.adyen.com/v71`.
    base: String,
}

impl core::fmt::Debug for Adyen {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Adyen")
            .field("merchant_account", &self.merchant_account)
            .field("base", &self.base)
            .finish()
    }
}

/// Idempotency keys, one per Kassa operation (and attempt where noted in the module docs).
pub fn authorise_key(payment_id: &str, attempt: u64) -> String {
    format!("kassa-{payment_id}-authorise-{attempt}")
}
pub fn details_key(payment_id: &str, attempt: u64) -> String {
    format!("kassa-{payment_id}-details-{attempt}")
}
pub fn capture_key(payment_id: &str) -> String {
    format!("kassa-{payment_id}-capture")
}
pub fn cancel_key(payment_id: &str) -> String {
    format!("kassa-{payment_id}-cancel")
}
/// The give-up cancel's key names the authorisation in doubt by the payment's event number
/// ([`PaymentRef::sequence`]): repeated after a lost answer it is the same request, and
/// the next authorisation of the payment that is lost gets a cancel of its own (with one
/// key for all, Adyen would answer the second with the first's answer and cancel nothing).
pub fn give_up_key(payment_id: &str, sequence: u64) -> String {
    format!("kassa-{payment_id}-giveup-{sequence}")
}

/// The status query (numbered from 0 by the job's attempts) that gives up on an
/// authorisation in doubt instead of waiting for its notification: the second.
///
/// The first query comes 30 s after the authorisation's 10 s timeout (or after the job's
/// lease, if the invocation died), the second 30 s later (`retry_delay_ms`): about 70 s
/// after the card was sent. Adyen notifies within seconds of deciding, so the first round
/// lets a notification already on its way land first; one that has not come by then has
/// been lost or failed to deliver, and Adyen retries a failed delivery only minutes later,
/// all the while the payer watches "being processed". Giving up is safe whatever Adyen did
/// (a hold it made is cancelled, a late notification is ignored); its only cost is that an
/// authorisation whose notification was merely slow is cancelled and the payer asked for
/// the card again. A later round (the third, at about 2 min 10 s; the fourth at 4 min 10 s)
/// would trade more of the payer's waiting for fewer such retries.
pub const GIVE_UP_AT_QUERY: u64 = 1;
pub fn refund_key(refund_id: &str) -> String {
    format!("kassa-refund-{refund_id}")
}

/// The reference a refund is sent with: which payment and which refund, as the REFUND
/// notification gives it back (see [`notifications`]).
pub fn refund_reference(payment_id: &str, refund_id: &str) -> String {
    format!("{payment_id}.{refund_id}")
}

/// The Checkout base for these credentials: `api_base` (a local server in tests) when
/// set, else Adyen's live endpoint for the account's live URL prefix, else the test one.
pub fn checkout_base(api_base: Option<&str>, live_url_prefix: Option<&str>) -> String {
    match (api_base, live_url_prefix) {
        (Some(base), _) => format!("{}/{API_VERSION}", base.trim_end_matches('/')),
        (None, Some(prefix)) => {
            format!("https://{prefix}-checkout-live.adyenpayments.com/checkout/{API_VERSION}")
        }
        (None, None) => format!("{TEST_API_BASE}/{API_VERSION}"),
    }
}

impl Adyen {
    pub fn new(
        api_key: &str,
        merchant_account: &str,
        live_url_prefix: Option<&str>,
        api_base: Option<&str>,
    ) -> Adyen {
        Adyen {
            api_key: api_key.to_string(),
            merchant_account: merchant_account.to_string(),
            base: checkout_base(api_base, live_url_prefix),
        }
    }

    fn post(&self, path: &str, idempotency_key: String, body: &Value) -> HttpRequest {
        HttpRequest {
            method: HttpMethod::Post,
            url: format!("{}{path}", self.base),
            headers: vec![
                ("X-API-Key".to_string(), self.api_key.clone()),
                ("Content-Type".to_string(), "application/json".to_string()),
                ("Idempotency-Key".to_string(), idempotency_key),
            ],
            body: Some(body.to_string()),
        }
    }

    fn amount(value: u64) -> Value {
        json!({"currency": CURRENCY, "value": value})
    }

    /// `POST /payments` with the card: the authorisation, manual capture, redirect 3-D
    /// Secure back to `return_to`.
    pub fn payment(&self, payment: &PaymentRef<'_>, card: &ValidatedCard) -> HttpRequest {
        let expiry = card.expiry();
        let mut body = json!({
            "merchantAccount": self.merchant_account,
            "reference": payment.payment_id,
            "amount": Self::amount(payment.amount),
            "paymentMethod": {
                "type": "scheme",
                "number": card.number(),
                "expiryMonth": format!("{:02}", expiry.month),
                "expiryYear": expiry.year.to_string(),
                "cvc": card.cvc(),
                "holderName": card.cardholder_name(),
            },
            "shopperInteraction": "Ecommerce",
            "channel": "Web",
            // Kassa captures after the payer confirms (or when the merchant asks, for
            // delayed capture): never on authorisation.
            "additionalData": {"manualCapture": "true"},
            "merchantOrderReference": payment.reference,
        });
        // Where Adyen sends the payer back after 3-D Secure.
        if let Some(url) = payment.return_to {
            body["returnUrl"] = json!(url);
        }
        self.post(
            "/payments",
            authorise_key(payment.payment_id, payment.attempt),
            &body,
        )
    }

    /// `POST /payments/details` with what the payer's redirect back carried.
    pub fn details(&self, payment: &PaymentRef<'_>, redirect_result: &str) -> HttpRequest {
        self.post(
            "/payments/details",
            details_key(payment.payment_id, payment.attempt),
            &json!({"details": {"redirectResult": redirect_result}}),
        )
    }

    pub fn capture(&self, psp_reference: &str, payment: &PaymentRef<'_>) -> HttpRequest {
        self.post(
            &format!("/payments/{}/captures", path_segment(psp_reference)),
            capture_key(payment.payment_id),
            &json!({
                "merchantAccount": self.merchant_account,
                "amount": Self::amount(payment.amount),
                "reference": payment.payment_id,
            }),
        )
    }

    pub fn cancel(&self, psp_reference: &str, payment: &PaymentRef<'_>) -> HttpRequest {
        self.post(
            &format!("/payments/{}/cancels", path_segment(psp_reference)),
            cancel_key(payment.payment_id),
            &json!({
                "merchantAccount": self.merchant_account,
                "reference": payment.payment_id,
            }),
        )
    }

    /// `POST /cancels`: the standalone cancel, by the merchant reference the authorisation
    /// was sent with (the payment id), for an authorisation whose pspReference Kassa never
    /// learnt.
    pub fn standalone_cancel(&self, payment: &PaymentRef<'_>) -> HttpRequest {
        self.post(
            "/cancels",
            give_up_key(payment.payment_id, payment.sequence),
            &json!({
                "merchantAccount": self.merchant_account,
                "paymentReference": payment.payment_id,
                "reference": payment.payment_id,
            }),
        )
    }

    /// An authorisation in doubt: wait for its notification for the first rounds
    /// (`payment.attempt` counts them), then give it up with a standalone cancel.
    pub fn query(&self, payment: &PaymentRef<'_>) -> super::Call<Queried> {
        if payment.attempt < GIVE_UP_AT_QUERY {
            super::Call::Done(Queried::Pending)
        } else {
            super::Call::Send(self.standalone_cancel(payment))
        }
    }

    pub fn refund(
        &self,
        psp_reference: &str,
        payment: &PaymentRef<'_>,
        refund: &RefundRef<'_>,
    ) -> HttpRequest {
        self.post(
            &format!("/payments/{}/refunds", path_segment(psp_reference)),
            refund_key(refund.refund_id),
            &json!({
                "merchantAccount": self.merchant_account,
                "amount": Self::amount(refund.amount),
                "reference": refund_reference(payment.payment_id, refund.refund_id),
            }),
        )
    }

    /// The payer is back from 3-D Secure: ask Adyen with the redirect's result. Without
    /// one there is nothing to ask with, and the attempt may still have been authorised at
    /// Adyen: unknown, for the AUTHORISATION notification to resolve.
    pub fn complete(
        &self,
        payment: &PaymentRef<'_>,
        returned: Returned<'_>,
    ) -> super::Call<Authorised> {
        match returned.field("redirectResult").filter(|r| !r.is_empty()) {
            Some(result) => super::Call::Send(self.details(payment, result)),
            None => super::Call::Done(Authorised::Unknown),
        }
    }
}

/// PSP references are 16 alphanumerics; anything else in a stored id is percent-encoded
/// rather than allowed to change the path.
fn path_segment(id: &str) -> String {
    super::form::encode(&[("", id.to_string())])
        .trim_start_matches('=')
        .to_string()
}

/// What an answer from Adyen is.
enum Answer {
    /// 2xx with a JSON object.
    Object(Value),
    /// A definitive 4xx (Adyen's `ServiceError`, or no body).
    Error,
    /// Timeout, connection failure, 429, 5xx, a request with the same idempotency key
    /// still in progress (422 code 704), or a body that is not what Adyen sends.
    Unknown,
}

fn answer(result: &HttpResult) -> Answer {
    let HttpResult::Response { status, body } = result else {
        return Answer::Unknown;
    };
    let status = *status;
    let value = serde_json::from_str::<Value>(body).ok();
    match status {
        200..=299 => match value {
            Some(v) if v.is_object() => Answer::Object(v),
            _ => Answer::Unknown,
        },
        409 | 429 => Answer::Unknown,
        422 if value
            .as_ref()
            .and_then(|v| text(v, "errorCode"))
            .is_some_and(|c| c == "704") =>
        {
            Answer::Unknown
        }
        400..=499 => Answer::Error,
        _ => Answer::Unknown,
    }
}

fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// A refusal, by Adyen's `refusalReasonCode` (or its `refusalReason` text when the code
/// is absent): declined, or the acquirer's or issuer's failure (nothing held, P0050).
fn refusal(response: &Value) -> Authorised {
    let code = text(response, "refusalReasonCode").unwrap_or_default();
    let reason = text(response, "refusalReason").unwrap_or_default();
    let kind = match (code, reason) {
        ("4" | "9" | "21", _) | ("", "Acquirer Error" | "Issuer Unavailable" | "Not Submitted") => {
            return Authorised::Error
        }
        ("6", _) | ("", "Expired Card") => Decline::ExpiredCard,
        ("8", _) | ("", "Invalid Card Number") => Decline::IncorrectNumber,
        ("11", _) | ("", "3D Not Authenticated") => Decline::AuthenticationFailed,
        ("12", _) | ("", "Not enough balance") => Decline::InsufficientFunds,
        ("14" | "20" | "22" | "31", _)
        | ("", "Acquirer Fraud" | "FRAUD" | "FRAUD-CANCELLED" | "Issuer Suspected Fraud") => {
            Decline::Fraud
        }
        ("24", _) | ("", "CVC Declined") => Decline::IncorrectCvc,
        _ => Decline::Declined,
    };
    Authorised::Declined(kind)
}

/// Debit or credit and 3-D Secure, where Adyen's `additionalData` says (the fields are
/// returned when the merchant account is set to send them).
fn card_facts(response: &Value) -> CardFacts {
    let data = response.get("additionalData");
    let field = |name: &str| data.and_then(|d| text(d, name));
    let three_d_secure =
        (field("threeDAuthenticated") == Some("true")).then(|| ThreeDSecureFacts {
            version: field("threeDSVersion")
                .or_else(|| field("threeds2.threeDS2ResponseData.messageVersion"))
                .map(str::to_string),
        });
    CardFacts {
        card_type: match field("fundingSource") {
            Some("CREDIT") => Some(CardType::Credit),
            Some("DEBIT") => Some(CardType::Debit),
            _ => None,
        },
        three_d_secure,
    }
}

/// The redirect a `RedirectShopper` answer asks for, if it is one the payer's browser can
/// follow: a GET link, or a form to POST with the action's `data`.
fn redirect_action(response: &Value) -> Option<Authentication> {
    let action = response.get("action")?;
    if text(action, "type") != Some("redirect") {
        return None;
    }
    let url = text(action, "url")?.to_string();
    let next = match text(action, "method").unwrap_or("GET") {
        "GET" => NextAction::Redirect { url },
        "POST" => {
            let data = action.get("data").and_then(Value::as_object);
            let fields = data
                .map(|d| {
                    d.iter()
                        .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                        .collect()
                })
                .unwrap_or_default();
            NextAction::PostForm { url, fields }
        }
        _ => return None,
    };
    // Only an absolute http(s) URL is followed.
    next.target_origin()?;
    let version = response
        .pointer("/additionalData/threeds2.threeDS2ResponseData.messageVersion")
        .and_then(Value::as_str)
        .map(str::to_string);
    Some(Authentication {
        action: next,
        // Adyen's reference for the attempt, for support; `/payments/details` needs only
        // the redirect's result.
        state: text(response, "pspReference").map(str::to_string),
        version,
    })
}

/// A `/payments` or `/payments/details` answer.
fn payment_outcome(response: &Value) -> Authorised {
    match text(response, "resultCode") {
        Some("Authorised") => match text(response, "pspReference").filter(|p| !p.is_empty()) {
            Some(psp) => Authorised::Authorised {
                provider_id: psp.to_string(),
                card: card_facts(response),
            },
            // Authorised without a reference to capture it by: only the notification can
            // tell which payment is held.
            None => Authorised::Unknown,
        },
        Some("Refused") => refusal(response),
        Some("RedirectShopper") => match redirect_action(response) {
            Some(authentication) => Authorised::ActionRequired(authentication),
            None => Authorised::Error,
        },
        // Native 3-D Secure (Adyen.js only), vouchers and the like: not something the
        // payer can do on Kassa's pages; nothing is held.
        Some("IdentifyShopper" | "ChallengeShopper" | "PresentToShopper") => Authorised::Error,
        Some("Error" | "Cancelled") => Authorised::Error,
        // `Received`, `Pending`, or a code Kassa does not know: the notification says.
        _ => Authorised::Unknown,
    }
}

/// The authorisation's answer.
pub fn parse_payment(result: &HttpResult) -> Authorised {
    match answer(result) {
        Answer::Object(response) => payment_outcome(&response),
        // Refused before it was processed (validation, credentials): nothing held.
        Answer::Error => Authorised::Error,
        Answer::Unknown => Authorised::Unknown,
    }
}

/// The answer to `/payments/details` after the payer's return: read like the
/// authorisation's (a failed authentication is `Refused`, reason 11: declined, P0010).
pub fn parse_details(result: &HttpResult) -> Authorised {
    parse_payment(result)
}

fn received(response: &Value) -> bool {
    text(response, "status") == Some("received")
}

/// The give-up cancel's answer: once Adyen has taken it nothing can be held any more
/// ("not authorised"); anything else (an error, a timeout, a refusal) asks again later
/// with the same key, the payment still in doubt.
pub fn parse_query(result: &HttpResult) -> Queried {
    match answer(result) {
        Answer::Object(response) if received(&response) => Queried::NotAuthorised,
        Answer::Object(_) | Answer::Error | Answer::Unknown => Queried::Pending,
    }
}

/// A capture's or cancel's answer: taken (the notification reports how it ended),
/// refused for good, or worth retrying with the same key.
pub fn parse_modification(result: &HttpResult) -> Settled {
    match answer(result) {
        Answer::Object(response) if received(&response) => Settled::Pending,
        Answer::Object(_) | Answer::Unknown => Settled::Retry,
        Answer::Error => Settled::Refused,
    }
}

/// A refund's answer.
pub fn parse_refund(result: &HttpResult) -> Refunded {
    match answer(result) {
        Answer::Object(response) if received(&response) => Refunded::Pending {
            provider_refund_id: text(&response, "pspReference").map(str::to_string),
        },
        Answer::Object(_) | Answer::Unknown => Refunded::Retry,
        Answer::Error => Refunded::Refused,
    }
}

#[cfg(test)]
mod tests;
