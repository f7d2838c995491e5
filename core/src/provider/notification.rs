//! Providers' notifications (webhooks) into Kassa, in Kassa's terms.
//!
//! Some outcomes only ever arrive this way (Adyen answers captures, cancels and refunds
//! with "received" and reports the result later), and others arrive sooner this way than
//! by polling (an authorisation whose answer was lost). Each provider module verifies its
//! own signature and turns a verified body into [`Notification`]s; nothing outside what
//! the signature covers is read. What a notification may change is then decided here, as
//! data, and applied through the payment's and refunds' state machines like any provider
//! answer: a notification that arrives twice, late or out of order finds its transition
//! already made or no longer legal, and changes nothing.

use super::{CardFacts, Decline};
use crate::payment::{AuthorisationOutcome, PaymentInput, PaymentStatus};
use crate::refund::RefundInput;

/// One verified event from a provider about one payment (or one of its refunds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The provider's own id for this event (with its kind where the provider reuses ids
    /// across kinds): the key duplicates are recognised by.
    pub id: String,
    /// Whether the provider says it is about a live payment. Verified with that mode's
    /// secret, so a claim about the other mode cannot pass.
    pub live: bool,
    /// The Kassa payment it is about, as Kassa told the provider (a merchant reference or
    /// metadata).
    pub payment_id: String,
    /// The provider's id for the payment, when the event carries it.
    pub provider_id: Option<String>,
    pub event: NotificationEvent,
}

/// What happened, as far as Kassa acts on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotificationEvent {
    /// The authorisation succeeded: money is held.
    Authorised { card: CardFacts },
    /// The authorisation was refused.
    Declined(Decline),
    /// The authorisation failed with an error: nothing held.
    AuthorisationFailed,
    /// The capture succeeded: the money is taken.
    Captured,
    /// The capture failed for good.
    CaptureFailed,
    /// The hold (or an open attempt) was released.
    Voided,
    /// A refund succeeded.
    Refunded {
        /// Kassa's refund id, as Kassa told the provider.
        refund_id: String,
        provider_refund_id: Option<String>,
    },
    /// A refund failed: its amount is available again.
    RefundFailed { refund_id: String },
    /// Something Kassa does not act on (yet): a dispute, a report. Acknowledged, kept for
    /// duplicates, logged by kind.
    Ignored { kind: String },
}

/// Why a notification was not taken. Every one of them changes nothing; the endpoint
/// answers 401 for [`Refused::Signature`] (the provider retries and someone should look),
/// 400 for the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// No notification secret is configured for the provider in the mode claimed.
    NoSecret,
    /// The signature does not verify (or is missing, or outside its time tolerance).
    Signature,
    /// Not a body this provider sends.
    Malformed,
}

/// What a provider's notification request carried: its body and the headers signatures
/// travel in.
#[derive(Debug, Clone, Copy)]
pub struct Inbound<'a> {
    pub body: &'a [u8],
    /// `Stripe-Signature`, for Stripe.
    pub signature_header: Option<&'a str>,
    pub now: crate::time::UnixMillis,
}

/// Whether a notification body claims to be about live payments, read before it is
/// verified only to pick which mode's secret verifies it (a wrong claim then fails).
pub fn claims_live(kind: crate::account::ProviderKind, body: &[u8]) -> Option<bool> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    match kind {
        crate::account::ProviderKind::Sandbox => None,
        crate::account::ProviderKind::Stripe => value.get("livemode")?.as_bool(),
        crate::account::ProviderKind::Adyen => match value.get("live")? {
            serde_json::Value::String(s) => Some(s == "true"),
            serde_json::Value::Bool(b) => Some(*b),
            _ => None,
        },
    }
}

/// Verifies a provider's notification with the account's secret for it and turns it into
/// Kassa's terms. `merchant_account` is what the credentials name (Adyen checks every
/// item is for it).
pub fn verify(
    credentials: &super::Credentials,
    inbound: Inbound<'_>,
) -> Result<Vec<Notification>, Refused> {
    let Some(secret) = credentials.notification_secret() else {
        return Err(Refused::NoSecret);
    };
    match credentials {
        // Each provider's own module verifies and reads its notifications.
        super::Credentials::Stripe { .. } => super::stripe_webhook::verify(secret, inbound),
        super::Credentials::Adyen {
            merchant_account, ..
        } => super::adyen::notifications::verify(
            secret,
            merchant_account,
            credentials.live(),
            inbound.body,
        ),
    }
}

/// The payment state machine's input for a notification, given where the payment is, or
/// `None` when it has nothing to say to the payment in that status (a duplicate, a late
/// or reordered event, a refund event, an ignored kind). The table still has the last
/// word: an input returned here for a status it does not accept is refused there.
pub fn payment_input(status: PaymentStatus, notification: &Notification) -> Option<PaymentInput> {
    use NotificationEvent as N;
    let in_flight = status.authorisation_in_flight();
    match &notification.event {
        // Only an authorisation Kassa is waiting to learn about: a notification never
        // authorises a payment the payer has not finished (3-D Secure is resolved by the
        // payer's return, or released by expiry).
        N::Authorised { .. } if in_flight => Some(PaymentInput::StatusQueryResolved {
            outcome: AuthorisationOutcome::Authorised,
            provider_id: notification.provider_id.clone(),
        }),
        N::Declined(_) if in_flight => Some(PaymentInput::StatusQueryResolved {
            outcome: AuthorisationOutcome::Declined,
            provider_id: None,
        }),
        N::AuthorisationFailed if in_flight => Some(PaymentInput::ProviderError),
        N::Captured
            if matches!(
                status,
                PaymentStatus::CaptureSubmitted | PaymentStatus::CaptureFailed
            ) =>
        {
            Some(PaymentInput::CaptureSucceeded)
        }
        N::CaptureFailed if status == PaymentStatus::CaptureSubmitted => {
            Some(PaymentInput::CaptureFailedPermanent)
        }
        N::Voided if status.awaiting_void() => Some(PaymentInput::AuthorisationVoided),
        _ => None,
    }
}

/// The refund state machine's input for a notification about refund `refund_id`, if it
/// is one.
pub fn refund_input(notification: &Notification) -> Option<(&str, RefundInput)> {
    match &notification.event {
        NotificationEvent::Refunded {
            refund_id,
            provider_refund_id,
        } => Some((
            refund_id.as_str(),
            RefundInput::ProviderSucceeded {
                provider_refund_id: provider_refund_id.clone(),
            },
        )),
        NotificationEvent::RefundFailed { refund_id } => {
            Some((refund_id.as_str(), RefundInput::ProviderFailed))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payment::next;

    fn notification(event: NotificationEvent) -> Notification {
        Notification {
            id: "n1".into(),
            live: false,
            payment_id: "hu20sqlact5260q2nanm0q8u93".into(),
            provider_id: Some("psp_1".into()),
            event,
        }
    }

    fn events() -> Vec<NotificationEvent> {
        vec![
            NotificationEvent::Authorised {
                card: CardFacts::default(),
            },
            NotificationEvent::Declined(Decline::Declined),
            NotificationEvent::AuthorisationFailed,
            NotificationEvent::Captured,
            NotificationEvent::CaptureFailed,
            NotificationEvent::Voided,
            NotificationEvent::Refunded {
                refund_id: "r".into(),
                provider_refund_id: None,
            },
            NotificationEvent::RefundFailed {
                refund_id: "r".into(),
            },
            NotificationEvent::Ignored {
                kind: "dispute".into(),
            },
        ]
    }

    /// Whatever arrives, in whatever status: the input offered is one the table takes
    /// there, or none; so a duplicate or reordered notification can never be an error
    /// that alarms, and never moves a payment the table would not.
    #[test]
    fn every_input_offered_is_legal_where_it_is_offered() {
        for status in PaymentStatus::ALL {
            for event in events() {
                let n = notification(event.clone());
                if let Some(input) = payment_input(status, &n) {
                    for dc in [false, true] {
                        assert!(
                            next(status, input.kind(), dc).is_ok(),
                            "{status:?} {event:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn notifications_resolve_only_what_kassa_waits_for() {
        let authorised = notification(NotificationEvent::Authorised {
            card: CardFacts::default(),
        });
        assert!(payment_input(PaymentStatus::AuthorisationUnknown, &authorised).is_some());
        for status in [
            PaymentStatus::Started,
            PaymentStatus::AuthenticationRequired,
            PaymentStatus::Authorised,
            PaymentStatus::Declined,
            PaymentStatus::Expired,
        ] {
            assert_eq!(payment_input(status, &authorised), None, "{status:?}");
        }
        let captured = notification(NotificationEvent::Captured);
        assert_eq!(
            payment_input(PaymentStatus::CaptureSubmitted, &captured),
            Some(PaymentInput::CaptureSucceeded)
        );
        assert_eq!(payment_input(PaymentStatus::Captured, &captured), None);
        let voided = notification(NotificationEvent::Voided);
        assert_eq!(
            payment_input(PaymentStatus::ExpiryVoidPending, &voided),
            Some(PaymentInput::AuthorisationVoided)
        );
        assert_eq!(payment_input(PaymentStatus::Authorised, &voided), None);
        let refunded = notification(NotificationEvent::Refunded {
            refund_id: "r1".into(),
            provider_refund_id: Some("pr".into()),
        });
        assert_eq!(payment_input(PaymentStatus::Captured, &refunded), None);
        assert_eq!(
            refund_input(&refunded),
            Some((
                "r1",
                RefundInput::ProviderSucceeded {
                    provider_refund_id: Some("pr".into())
                }
            ))
        );
    }
}
