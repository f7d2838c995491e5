//! The append-only event log of a payment, and the webhook events it feeds.
//!
//! Every status change of a payment (and every step of its refunds) appends exactly one
//! [`PaymentEvent`]. Events are numbered per payment from 1 with no gaps, so a consumer
//! that has seen sequence `n` knows precisely what it has missed; the snapshot of the
//! external state in each event means `/v1/payments/{id}/events` and webhook bodies can be
//! rendered from the log alone, without replaying the state machine.
//!
//! Webhooks are a projection of this log: [`EventKind::webhook_event_type`] picks the few
//! event kinds a service can subscribe to. The mapping follows GOV.UK Pay's webhook service
//! (`pay-webhooks`, `EventMapper`), adjusted where its public documentation says otherwise
//! (see [`WebhookEventType::CardPaymentSucceeded`]).

use serde::{Deserialize, Serialize};

use crate::ids::{PaymentId, RefundId};
use crate::payment::ExternalState;
use crate::time::UnixMillis;

/// What happened, as recorded in the log. One kind per emitting transition.
///
/// These are internal names: many never reach a service (they exist for audit and for
/// operations, e.g. [`EventKind::AuthorisationTimedOut`]). The public projection is
/// [`EventKind::webhook_event_type`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// The service created the payment (`POST /v1/payments`).
    PaymentCreated,
    /// The payer opened `next_url`.
    PaymentStarted,
    /// Card details went to the provider for authorisation.
    AuthorisationSubmitted,
    /// The provider did not answer (timeout or 5xx): the outcome is unknown until a status
    /// query resolves it. Operations watch this one.
    AuthorisationTimedOut,
    /// A status query established that no authorisation exists and none can appear any more
    /// (the provider-side attempt was cancelled), so the payer is back on the card page.
    AuthorisationAbandoned,
    /// The provider asked for 3-D Secure: the payer is sent to authenticate.
    AuthenticationRequired,
    /// The payer came back from 3-D Secure; the provider is asked for the outcome.
    AuthenticationReturned,
    /// The provider authorised the payment; the payer has not yet confirmed.
    AuthorisationSucceeded,
    /// The provider (or 3-D Secure) rejected the payment method.
    AuthorisationRejected,
    /// The provider returned a definitive error; no money was taken.
    AuthorisationErrored,
    /// The payer confirmed an immediate-capture payment: it is now `success`.
    PayerConfirmed,
    /// The payer confirmed a delayed-capture payment: it is now `capturable`.
    PayerConfirmedAwaitingCapture,
    /// The service called `/capture` on a delayed-capture payment.
    CaptureApprovedByService,
    /// A capture request went to the provider.
    CaptureSubmitted,
    /// A capture attempt failed transiently and was queued again.
    CaptureRetryScheduled,
    /// Capture failed permanently: money is authorised but not taken. Needs a human.
    CaptureFailed,
    /// The provider confirmed the capture: the money is taken.
    CaptureConfirmed,
    /// The payer selected "Cancel payment".
    CancelledByUser,
    /// The service cancelled the payment (`/cancel` or admin tool).
    CancelledByService,
    /// The payment expired before it was completed or captured.
    Expired,
    /// The provider released an authorisation hold after a cancellation or expiry.
    AuthorisationVoided,
    /// A refund was accepted and submitted to the provider.
    RefundSubmitted {
        /// The refund this step belongs to.
        refund_id: RefundId,
        /// Refunded amount, in minor units.
        amount: u64,
    },
    /// The provider confirmed a refund.
    RefundSucceeded {
        /// The refund this step belongs to.
        refund_id: RefundId,
        /// Refunded amount, in minor units.
        amount: u64,
    },
    /// The provider rejected a refund; its amount is available again.
    RefundFailed {
        /// The refund this step belongs to.
        refund_id: RefundId,
        /// Amount that was not refunded, in minor units.
        amount: u64,
    },
}

impl EventKind {
    /// The webhook a service may subscribe to for this event, if any.
    ///
    /// Mirrors GOV.UK Pay's `pay-webhooks` `EventMapper`: rejections, provider errors and
    /// both kinds of cancellation are `card_payment_failed` (GOV.UK Pay maps
    /// `CANCELLED_BY_EXTERNAL_SERVICE` to it even though the API status is `cancelled`),
    /// expiry is `card_payment_expired`, a confirmed capture is `card_payment_captured` and
    /// a successful refund is `card_payment_refunded`.
    pub fn webhook_event_type(&self) -> Option<WebhookEventType> {
        match self {
            EventKind::PaymentStarted => Some(WebhookEventType::CardPaymentStarted),
            EventKind::PayerConfirmed | EventKind::PayerConfirmedAwaitingCapture => {
                Some(WebhookEventType::CardPaymentSucceeded)
            }
            EventKind::CaptureConfirmed => Some(WebhookEventType::CardPaymentCaptured),
            EventKind::AuthorisationRejected
            | EventKind::AuthorisationErrored
            | EventKind::CancelledByUser
            | EventKind::CancelledByService => Some(WebhookEventType::CardPaymentFailed),
            EventKind::Expired => Some(WebhookEventType::CardPaymentExpired),
            EventKind::RefundSucceeded { .. } => Some(WebhookEventType::CardPaymentRefunded),
            // Internal milestones: an authorisation in flight, a capture being retried or
            // a hold being released are not things a service can act on, and announcing
            // them would invite services to treat an unsettled payment as settled.
            EventKind::PaymentCreated
            | EventKind::AuthorisationSubmitted
            | EventKind::AuthorisationTimedOut
            | EventKind::AuthorisationAbandoned
            // GOV.UK Pay has no webhook for 3-D Secure either: the payment stays `started`.
            | EventKind::AuthenticationRequired
            | EventKind::AuthenticationReturned
            | EventKind::AuthorisationSucceeded
            | EventKind::CaptureApprovedByService
            | EventKind::CaptureSubmitted
            | EventKind::CaptureRetryScheduled
            | EventKind::CaptureFailed
            | EventKind::AuthorisationVoided
            | EventKind::RefundSubmitted { .. }
            | EventKind::RefundFailed { .. } => None,
        }
    }

    /// The refund this event concerns, for events about a refund.
    ///
    /// Webhooks for refunds carry the refund as their `resource` (GOV.UK Pay's
    /// `resource_type: REFUND`), so the sender needs to know which one.
    pub fn refund_id(&self) -> Option<RefundId> {
        match self {
            EventKind::RefundSubmitted { refund_id, .. }
            | EventKind::RefundSucceeded { refund_id, .. }
            | EventKind::RefundFailed { refund_id, .. } => Some(*refund_id),
            _ => None,
        }
    }
}

/// One entry of a payment's append-only log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentEvent {
    /// The payment the event belongs to (refund events belong to their payment too, so one
    /// sequence orders everything that happened to the money).
    pub payment_id: PaymentId,
    /// 1 for the creation event, then +1 per event, with no gaps.
    pub sequence: u64,
    /// What happened.
    pub kind: EventKind,
    /// The payment's external state right after the event.
    pub state: ExternalState,
    /// When it happened, as supplied by the caller.
    pub at: UnixMillis,
}

/// The webhook event types a service can subscribe to.
///
/// Serialised in snake case (`card_payment_succeeded`), the names GOV.UK Pay's webhook
/// service stores and sends; its documentation prints them upper-case
/// (`CARD_PAYMENT_CAPTURED`), see [`WebhookEventType::as_upper_str`].
///
/// `card_payment_settled` is deliberately absent: settlement is learnt from the provider's
/// payout reports, which this lifecycle does not model, so no transition could emit it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookEventType {
    /// The payer opened the payment page.
    CardPaymentStarted,
    /// The provider authorised the payment and the payer confirmed it, so the authorisation
    /// is final: `success` for immediate capture, `capturable` for delayed capture.
    ///
    /// GOV.UK Pay documents this event as "your payment service provider has authorised the
    /// payment". Before the payer confirms, the authorisation can still be cancelled or
    /// expire, so announcing it then would be premature. For delayed capture this is the
    /// event that tells the service it may call `/capture`; GOV.UK Pay's implementation
    /// instead sends it when the service captures, which tells the service nothing new.
    CardPaymentSucceeded,
    /// The provider confirmed the capture: the money has been taken.
    CardPaymentCaptured,
    /// A refund reached the payer's account (as far as the provider reports).
    CardPaymentRefunded,
    /// The payment ended without money being taken: rejected, provider error, or cancelled
    /// by the payer or the service.
    CardPaymentFailed,
    /// The payment expired.
    CardPaymentExpired,
}

impl WebhookEventType {
    /// Every webhook event type, for subscription forms and exhaustive tests.
    pub const ALL: [WebhookEventType; 6] = [
        WebhookEventType::CardPaymentStarted,
        WebhookEventType::CardPaymentSucceeded,
        WebhookEventType::CardPaymentCaptured,
        WebhookEventType::CardPaymentRefunded,
        WebhookEventType::CardPaymentFailed,
        WebhookEventType::CardPaymentExpired,
    ];

    /// The wire name, e.g. `card_payment_captured`.
    pub const fn as_str(self) -> &'static str {
        match self {
            WebhookEventType::CardPaymentStarted => "card_payment_started",
            WebhookEventType::CardPaymentSucceeded => "card_payment_succeeded",
            WebhookEventType::CardPaymentCaptured => "card_payment_captured",
            WebhookEventType::CardPaymentRefunded => "card_payment_refunded",
            WebhookEventType::CardPaymentFailed => "card_payment_failed",
            WebhookEventType::CardPaymentExpired => "card_payment_expired",
        }
    }

    /// The name as GOV.UK Pay's documentation prints it, e.g. `CARD_PAYMENT_CAPTURED`.
    pub const fn as_upper_str(self) -> &'static str {
        match self {
            WebhookEventType::CardPaymentStarted => "CARD_PAYMENT_STARTED",
            WebhookEventType::CardPaymentSucceeded => "CARD_PAYMENT_SUCCEEDED",
            WebhookEventType::CardPaymentCaptured => "CARD_PAYMENT_CAPTURED",
            WebhookEventType::CardPaymentRefunded => "CARD_PAYMENT_REFUNDED",
            WebhookEventType::CardPaymentFailed => "CARD_PAYMENT_FAILED",
            WebhookEventType::CardPaymentExpired => "CARD_PAYMENT_EXPIRED",
        }
    }

    /// Parses a wire name in either case.
    pub fn parse(name: &str) -> Option<WebhookEventType> {
        WebhookEventType::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rf_1() -> RefundId {
        RefundId::generate([1; 16])
    }

    fn refund(kind: fn(RefundId, u64) -> EventKind) -> EventKind {
        kind(rf_1(), 100)
    }

    #[test]
    fn webhook_mapping_is_exactly_as_documented() {
        use WebhookEventType as W;
        let expected: Vec<(EventKind, Option<W>)> = vec![
            (EventKind::PaymentCreated, None),
            (EventKind::PaymentStarted, Some(W::CardPaymentStarted)),
            (EventKind::AuthorisationSubmitted, None),
            (EventKind::AuthorisationTimedOut, None),
            (EventKind::AuthorisationAbandoned, None),
            (EventKind::AuthorisationSucceeded, None),
            (EventKind::AuthorisationRejected, Some(W::CardPaymentFailed)),
            (EventKind::AuthorisationErrored, Some(W::CardPaymentFailed)),
            (EventKind::PayerConfirmed, Some(W::CardPaymentSucceeded)),
            (
                EventKind::PayerConfirmedAwaitingCapture,
                Some(W::CardPaymentSucceeded),
            ),
            (EventKind::CaptureApprovedByService, None),
            (EventKind::CaptureSubmitted, None),
            (EventKind::CaptureRetryScheduled, None),
            (EventKind::CaptureFailed, None),
            (EventKind::CaptureConfirmed, Some(W::CardPaymentCaptured)),
            (EventKind::CancelledByUser, Some(W::CardPaymentFailed)),
            (EventKind::CancelledByService, Some(W::CardPaymentFailed)),
            (EventKind::Expired, Some(W::CardPaymentExpired)),
            (EventKind::AuthorisationVoided, None),
            (
                refund(|refund_id, amount| EventKind::RefundSubmitted { refund_id, amount }),
                None,
            ),
            (
                refund(|refund_id, amount| EventKind::RefundSucceeded { refund_id, amount }),
                Some(W::CardPaymentRefunded),
            ),
            (
                refund(|refund_id, amount| EventKind::RefundFailed { refund_id, amount }),
                None,
            ),
        ];
        for (kind, webhook) in expected {
            assert_eq!(kind.webhook_event_type(), webhook, "{kind:?}");
        }
    }

    #[test]
    fn every_webhook_type_is_reachable_from_some_event() {
        let kinds = [
            EventKind::PaymentStarted,
            EventKind::PayerConfirmed,
            EventKind::CaptureConfirmed,
            refund(|refund_id, amount| EventKind::RefundSucceeded { refund_id, amount }),
            EventKind::AuthorisationRejected,
            EventKind::Expired,
        ];
        for webhook in WebhookEventType::ALL {
            assert!(
                kinds
                    .iter()
                    .any(|k| k.webhook_event_type() == Some(webhook)),
                "{webhook:?}"
            );
        }
    }

    #[test]
    fn webhook_names_round_trip() {
        for t in WebhookEventType::ALL {
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.as_str()));
            assert_eq!(serde_json::from_str::<WebhookEventType>(&json).unwrap(), t);
            assert_eq!(WebhookEventType::parse(t.as_str()), Some(t));
            assert_eq!(WebhookEventType::parse(t.as_upper_str()), Some(t));
            assert_eq!(t.as_upper_str().to_ascii_lowercase(), t.as_str());
        }
        assert_eq!(WebhookEventType::parse("card_payment_settled"), None);
    }

    #[test]
    fn event_kinds_serialise_snake_case_and_round_trip() {
        let kind = EventKind::RefundSucceeded {
            refund_id: rf_1(),
            amount: 250,
        };
        let json = serde_json::to_string(&kind).unwrap();
        // Ids serialise as their text form, so stored events stay plain strings.
        assert_eq!(
            json,
            format!(
                r#"{{"type":"refund_succeeded","refund_id":"{}","amount":250}}"#,
                rf_1()
            )
        );
        assert_eq!(serde_json::from_str::<EventKind>(&json).unwrap(), kind);
        assert_eq!(
            serde_json::to_string(&EventKind::PayerConfirmedAwaitingCapture).unwrap(),
            r#"{"type":"payer_confirmed_awaiting_capture"}"#
        );
        assert_eq!(kind.refund_id(), Some(rf_1()));
        assert!(serde_json::from_str::<EventKind>(
            r#"{"type":"refund_succeeded","refund_id":"rf_1","amount":250}"#
        )
        .is_err());
        assert_eq!(EventKind::Expired.refund_id(), None);
    }
}
