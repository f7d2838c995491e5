//! Kassa's internal payment statuses, and the GOV.UK Pay `state` object each one shows.
//!
//! GOV.UK Pay's public state is deliberately coarse (eight statuses). Kassa needs finer
//! statuses internally to stay safe around the provider: an authorisation whose outcome is
//! unknown, a capture being retried and an authorisation hold still to be released are all
//! different situations that look the same from outside. Every internal status maps to
//! exactly one [`ExternalState`]; the mapping is a total `match`, so adding a status forces
//! a decision about what services see.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// GOV.UK Pay's `state.status`.
///
/// See <https://docs.payments.service.gov.uk/api_reference/#payment-status-meanings>.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExternalStatus {
    /// Created through the API; the payer has not visited `next_url`.
    Created,
    /// The payer is entering card details (or they are being authorised).
    Started,
    /// Authorised by the provider; the payer has not yet selected Confirm.
    Submitted,
    /// Delayed capture: confirmed by the payer, waiting for the service to capture.
    Capturable,
    /// The payer confirmed; the money is being or has been taken.
    Success,
    /// The payment did not complete (see `code`).
    Failed,
    /// The service cancelled the payment.
    Cancelled,
    /// Something went wrong with the provider; no money was taken.
    Error,
}

impl ExternalStatus {
    /// Every external status.
    pub const ALL: [ExternalStatus; 8] = [
        ExternalStatus::Created,
        ExternalStatus::Started,
        ExternalStatus::Submitted,
        ExternalStatus::Capturable,
        ExternalStatus::Success,
        ExternalStatus::Failed,
        ExternalStatus::Cancelled,
        ExternalStatus::Error,
    ];

    /// The wire name, e.g. `capturable`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ExternalStatus::Created => "created",
            ExternalStatus::Started => "started",
            ExternalStatus::Submitted => "submitted",
            ExternalStatus::Capturable => "capturable",
            ExternalStatus::Success => "success",
            ExternalStatus::Failed => "failed",
            ExternalStatus::Cancelled => "cancelled",
            ExternalStatus::Error => "error",
        }
    }

    /// Parses a wire value (`"success"`).
    pub fn parse(value: &str) -> Option<ExternalStatus> {
        ExternalStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == value)
    }

    /// GOV.UK Pay's `finished`: the status can no longer change.
    pub const fn is_finished(self) -> bool {
        match self {
            ExternalStatus::Created
            | ExternalStatus::Started
            | ExternalStatus::Submitted
            | ExternalStatus::Capturable => false,
            ExternalStatus::Success
            | ExternalStatus::Failed
            | ExternalStatus::Cancelled
            | ExternalStatus::Error => true,
        }
    }
}

/// The codes GOV.UK Pay puts in `state.code` of unsuccessful payments, serialised as the
/// code itself (`"P0010"`).
///
/// Codes and messages are those of GOV.UK Pay's connector (`ExternalChargeState`), which is
/// what its API actually returns; the documentation's table paraphrases some of them
/// (<https://docs.payments.service.gov.uk/api_reference/#errors-caused-by-payment-statuses>).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StateCode {
    /// P0010: rejected by the bank, a fraud check or 3-D Secure.
    #[serde(rename = "P0010")]
    PaymentMethodRejected,
    /// P0020: not completed (or, for delayed capture, not captured) in time.
    #[serde(rename = "P0020")]
    PaymentExpired,
    /// P0030: the payer selected Cancel payment.
    #[serde(rename = "P0030")]
    CancelledByUser,
    /// P0040: the service cancelled the payment.
    #[serde(rename = "P0040")]
    CancelledByService,
    /// P0050: the provider returned an error.
    #[serde(rename = "P0050")]
    ProviderError,
}

impl StateCode {
    /// The code, e.g. `P0020`.
    pub const fn code(self) -> &'static str {
        match self {
            StateCode::PaymentMethodRejected => "P0010",
            StateCode::PaymentExpired => "P0020",
            StateCode::CancelledByUser => "P0030",
            StateCode::CancelledByService => "P0040",
            StateCode::ProviderError => "P0050",
        }
    }

    /// GOV.UK Pay's `state.message` for the code.
    pub const fn message(self) -> &'static str {
        match self {
            StateCode::PaymentMethodRejected => "Payment method rejected",
            StateCode::PaymentExpired => "Payment expired",
            StateCode::CancelledByUser => "Payment was cancelled by the user",
            StateCode::CancelledByService => "Payment was cancelled by the service",
            StateCode::ProviderError => "Payment provider returned an error",
        }
    }
}

/// GOV.UK Pay's `state` object, exactly as the API renders it.
///
/// `code` and `message` are omitted unless the payment ended unsuccessfully.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalState {
    /// Where the payment is in the lifecycle.
    pub status: ExternalStatus,
    /// Whether the status can still change.
    pub finished: bool,
    /// Why an unsuccessful payment ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<StateCode>,
    /// Human-readable text for `code`. A `Cow` so that the mapping never allocates while
    /// stored events still deserialise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Cow<'static, str>>,
}

impl ExternalState {
    /// A state without a code: `finished` follows from the status.
    pub const fn plain(status: ExternalStatus) -> ExternalState {
        ExternalState {
            status,
            finished: status.is_finished(),
            code: None,
            message: None,
        }
    }

    /// A finished, unsuccessful state with GOV.UK Pay's code and message.
    pub const fn with_code(status: ExternalStatus, code: StateCode) -> ExternalState {
        ExternalState {
            status,
            finished: true,
            code: Some(code),
            message: Some(Cow::Borrowed(code.message())),
        }
    }
}

/// Kassa's internal payment status. Changed only by [`crate::payment::next`].
///
/// Serialised in snake case for storage; never shown to services (they see
/// [`PaymentStatus::external_state`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Created through the API.
    Created,
    /// The payer opened the payment page.
    Started,
    /// Card details (or, after 3-D Secure, the payer's return) are with the provider: its
    /// answer is awaited.
    AuthorisationSubmitted,
    /// The provider wants the payer authenticated (3-D Secure; GOV.UK Pay's `AUTHORISATION
    /// 3DS REQUIRED`): the payer is sent to the challenge, and comes back to Kassa, which
    /// then asks the provider for the outcome. Nothing is authorised yet, but the
    /// provider-side attempt is open and could still authorise, so cancelling or expiring
    /// it releases it at the provider (`*VoidPending`).
    AuthenticationRequired,
    /// The provider timed out or failed with a 5xx: money may or may not be held. Shown as
    /// `started`, never as failed, until a status query or a provider notification says
    /// what happened.
    AuthorisationUnknown,
    /// Authorised; the payer is on the confirm page.
    Authorised,
    /// Delayed capture: confirmed by the payer, waiting for the service's `/capture`.
    AwaitingCapture,
    /// Capture approved and waiting to be (re)submitted to the provider.
    CaptureQueued,
    /// A capture request is with the provider.
    CaptureSubmitted,
    /// Capture failed permanently after retries: money authorised but not taken. Still
    /// `success` externally (the payer was told it succeeded and `finished` states never
    /// change); operations resubmit or reconcile it.
    CaptureFailed,
    /// The provider confirmed the capture.
    Captured,
    /// The provider rejected the payment method (P0010).
    Declined,
    /// The provider returned a definitive error; no money was taken (P0050).
    ProviderError,
    /// Expired while an authorisation was held: the hold is being released (P0020).
    ExpiryVoidPending,
    /// Expired (P0020).
    Expired,
    /// The payer cancelled while an authorisation was held: it is being released (P0030).
    UserCancelVoidPending,
    /// The payer cancelled (P0030).
    CancelledByUser,
    /// The service cancelled while an authorisation was held: it is being released (P0040).
    ServiceCancelVoidPending,
    /// The service cancelled (P0040).
    CancelledByService,
}

impl PaymentStatus {
    /// Every internal status.
    pub const ALL: [PaymentStatus; 19] = [
        PaymentStatus::Created,
        PaymentStatus::Started,
        PaymentStatus::AuthorisationSubmitted,
        PaymentStatus::AuthenticationRequired,
        PaymentStatus::AuthorisationUnknown,
        PaymentStatus::Authorised,
        PaymentStatus::AwaitingCapture,
        PaymentStatus::CaptureQueued,
        PaymentStatus::CaptureSubmitted,
        PaymentStatus::CaptureFailed,
        PaymentStatus::Captured,
        PaymentStatus::Declined,
        PaymentStatus::ProviderError,
        PaymentStatus::ExpiryVoidPending,
        PaymentStatus::Expired,
        PaymentStatus::UserCancelVoidPending,
        PaymentStatus::CancelledByUser,
        PaymentStatus::ServiceCancelVoidPending,
        PaymentStatus::CancelledByService,
    ];

    /// The GOV.UK Pay `state` services see for this status.
    pub const fn external_state(self) -> ExternalState {
        use ExternalStatus as X;
        match self {
            PaymentStatus::Created => ExternalState::plain(X::Created),
            // An authorisation in flight or in doubt is still "started": the payer has not
            // been told anything final, and "failed"/"error" would promise that no money
            // was taken, which we do not know yet.
            //
            // 3-D Secure is part of the payer's journey, `started` as in GOV.UK Pay.
            PaymentStatus::Started
            | PaymentStatus::AuthorisationSubmitted
            | PaymentStatus::AuthenticationRequired
            | PaymentStatus::AuthorisationUnknown => ExternalState::plain(X::Started),
            PaymentStatus::Authorised => ExternalState::plain(X::Submitted),
            PaymentStatus::AwaitingCapture => ExternalState::plain(X::Capturable),
            PaymentStatus::CaptureQueued
            | PaymentStatus::CaptureSubmitted
            | PaymentStatus::CaptureFailed
            | PaymentStatus::Captured => ExternalState::plain(X::Success),
            PaymentStatus::Declined => {
                ExternalState::with_code(X::Failed, StateCode::PaymentMethodRejected)
            }
            PaymentStatus::ExpiryVoidPending | PaymentStatus::Expired => {
                ExternalState::with_code(X::Failed, StateCode::PaymentExpired)
            }
            PaymentStatus::UserCancelVoidPending | PaymentStatus::CancelledByUser => {
                ExternalState::with_code(X::Failed, StateCode::CancelledByUser)
            }
            PaymentStatus::ServiceCancelVoidPending | PaymentStatus::CancelledByService => {
                ExternalState::with_code(X::Cancelled, StateCode::CancelledByService)
            }
            PaymentStatus::ProviderError => {
                ExternalState::with_code(X::Error, StateCode::ProviderError)
            }
        }
    }

    /// Whether services see this payment as `finished`.
    pub fn is_finished(self) -> bool {
        self.external_state().finished
    }

    /// Whether cancellation or expiry left a card hold that the provider must release
    /// (then reported with `PaymentInput::AuthorisationVoided`).
    pub const fn is_void_pending(self) -> bool {
        matches!(
            self,
            PaymentStatus::ExpiryVoidPending
                | PaymentStatus::UserCancelVoidPending
                | PaymentStatus::ServiceCancelVoidPending
        )
    }

    /// Whether the provider may be about to authorise (or may already have authorised)
    /// without Kassa knowing. Such a payment cannot simply be expired: the edge must first
    /// learn the outcome with a status query.
    pub const fn authorisation_in_flight(self) -> bool {
        matches!(
            self,
            PaymentStatus::AuthorisationSubmitted | PaymentStatus::AuthorisationUnknown
        )
    }

    /// Whether an authorisation hold must be released at the provider (void/cancel) before
    /// the payment can reach its final status. The edge polls for these.
    pub const fn awaiting_void(self) -> bool {
        matches!(
            self,
            PaymentStatus::ExpiryVoidPending
                | PaymentStatus::UserCancelVoidPending
                | PaymentStatus::ServiceCancelVoidPending
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(
        status: ExternalStatus,
        finished: bool,
        code: Option<&str>,
        msg: Option<&str>,
    ) -> ExternalState {
        let code = code.map(|c| match c {
            "P0010" => StateCode::PaymentMethodRejected,
            "P0020" => StateCode::PaymentExpired,
            "P0030" => StateCode::CancelledByUser,
            "P0040" => StateCode::CancelledByService,
            "P0050" => StateCode::ProviderError,
            other => panic!("unknown code {other}"),
        });
        ExternalState {
            status,
            finished,
            code,
            message: msg.map(|m| Cow::Owned(m.to_string())),
        }
    }

    #[test]
    fn every_internal_status_maps_to_its_govuk_state() {
        use ExternalStatus as X;
        use PaymentStatus as S;
        let expected = [
            (S::Created, state(X::Created, false, None, None)),
            (S::Started, state(X::Started, false, None, None)),
            (
                S::AuthorisationSubmitted,
                state(X::Started, false, None, None),
            ),
            (
                S::AuthorisationUnknown,
                state(X::Started, false, None, None),
            ),
            (
                S::AuthenticationRequired,
                state(X::Started, false, None, None),
            ),
            (S::Authorised, state(X::Submitted, false, None, None)),
            (S::AwaitingCapture, state(X::Capturable, false, None, None)),
            (S::CaptureQueued, state(X::Success, true, None, None)),
            (S::CaptureSubmitted, state(X::Success, true, None, None)),
            (S::CaptureFailed, state(X::Success, true, None, None)),
            (S::Captured, state(X::Success, true, None, None)),
            (
                S::Declined,
                state(
                    X::Failed,
                    true,
                    Some("P0010"),
                    Some("Payment method rejected"),
                ),
            ),
            (
                S::ProviderError,
                state(
                    X::Error,
                    true,
                    Some("P0050"),
                    Some("Payment provider returned an error"),
                ),
            ),
            (
                S::ExpiryVoidPending,
                state(X::Failed, true, Some("P0020"), Some("Payment expired")),
            ),
            (
                S::Expired,
                state(X::Failed, true, Some("P0020"), Some("Payment expired")),
            ),
            (
                S::UserCancelVoidPending,
                state(
                    X::Failed,
                    true,
                    Some("P0030"),
                    Some("Payment was cancelled by the user"),
                ),
            ),
            (
                S::CancelledByUser,
                state(
                    X::Failed,
                    true,
                    Some("P0030"),
                    Some("Payment was cancelled by the user"),
                ),
            ),
            (
                S::ServiceCancelVoidPending,
                state(
                    X::Cancelled,
                    true,
                    Some("P0040"),
                    Some("Payment was cancelled by the service"),
                ),
            ),
            (
                S::CancelledByService,
                state(
                    X::Cancelled,
                    true,
                    Some("P0040"),
                    Some("Payment was cancelled by the service"),
                ),
            ),
        ];
        assert_eq!(expected.len(), PaymentStatus::ALL.len());
        for (status, want) in expected {
            assert_eq!(status.external_state(), want, "{status:?}");
            assert_eq!(status.is_finished(), want.finished, "{status:?}");
        }
    }

    #[test]
    fn every_external_status_is_reachable() {
        for x in ExternalStatus::ALL {
            assert!(
                PaymentStatus::ALL
                    .iter()
                    .any(|s| s.external_state().status == x),
                "{x:?}"
            );
        }
    }

    #[test]
    fn in_doubt_authorisations_never_look_failed() {
        for s in PaymentStatus::ALL
            .into_iter()
            .filter(|s| s.authorisation_in_flight())
        {
            let st = s.external_state();
            assert_eq!(st.status, ExternalStatus::Started);
            assert!(!st.finished);
            assert_eq!(st.code, None);
        }
    }

    #[test]
    fn state_serialises_like_govuk_pay() {
        let failed = PaymentStatus::Expired.external_state();
        assert_eq!(
            serde_json::to_string(&failed).unwrap(),
            r#"{"status":"failed","finished":true,"code":"P0020","message":"Payment expired"}"#
        );
        let created = PaymentStatus::Created.external_state();
        assert_eq!(
            serde_json::to_string(&created).unwrap(),
            r#"{"status":"created","finished":false}"#
        );
        for s in PaymentStatus::ALL {
            let st = s.external_state();
            let json = serde_json::to_string(&st).unwrap();
            assert_eq!(serde_json::from_str::<ExternalState>(&json).unwrap(), st);
        }
    }

    #[test]
    fn statuses_serialise_snake_case() {
        assert_eq!(
            serde_json::to_string(&PaymentStatus::AuthorisationUnknown).unwrap(),
            r#""authorisation_unknown""#
        );
        for x in ExternalStatus::ALL {
            assert_eq!(
                serde_json::to_string(&x).unwrap(),
                format!("\"{}\"", x.as_str())
            );
        }
    }

    #[test]
    fn codes_and_messages_match_govuk_pay() {
        let all = [
            (
                StateCode::PaymentMethodRejected,
                "P0010",
                "Payment method rejected",
            ),
            (StateCode::PaymentExpired, "P0020", "Payment expired"),
            (
                StateCode::CancelledByUser,
                "P0030",
                "Payment was cancelled by the user",
            ),
            (
                StateCode::CancelledByService,
                "P0040",
                "Payment was cancelled by the service",
            ),
            (
                StateCode::ProviderError,
                "P0050",
                "Payment provider returned an error",
            ),
        ];
        for (code, text, message) in all {
            assert_eq!(code.code(), text);
            assert_eq!(code.message(), message);
            assert_eq!(serde_json::to_string(&code).unwrap(), format!("\"{text}\""));
        }
    }
}
