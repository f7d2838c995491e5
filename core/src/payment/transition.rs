//! The payment transition table: the one place that decides how a status may change.
//!
//! [`next`] is a pure function of (status, input kind, delayed capture). Everything that
//! changes a payment's status goes through it ([`crate::payment::Payment::apply`] is the
//! only caller that mutates), so reading this `match` is reading the whole lifecycle.

use crate::api::error::{ApiError, ErrorCode};
use serde::{Deserialize, Serialize};

use super::card_summary::CardSummary;
use super::state::PaymentStatus;
use crate::event::EventKind;

/// What a status query to the provider found out about an authorisation in doubt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorisationOutcome {
    /// The provider holds an authorisation for the payment.
    Authorised,
    /// The provider declined it.
    Declined,
    /// No authorisation exists and none can appear any more: the edge has cancelled the
    /// provider-side attempt (e.g. the payer abandoned 3-D Secure) or the provider never
    /// received it. The payer is back on the card page; expiry can now proceed normally.
    NotAuthorised,
    /// The provider is still working on it: ask again later.
    Pending,
}

/// An input to the payment state machine: a payer action, a service API call, a provider
/// answer or a timer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PaymentInput {
    /// The payer opened `next_url` (again, if they reload).
    PageOpened,
    /// The payer submitted card details and they were sent for authorisation. Only the
    /// PCI-safe summary travels here.
    CardSubmitted {
        /// Brand, first six and last four digits, expiry, cardholder name.
        card: CardSummary,
    },
    /// The provider authorised the payment.
    ProviderAuthorised {
        /// The provider's id for the transaction (GOV.UK Pay's `provider_id`).
        provider_id: String,
    },
    /// The provider, the issuer or 3-D Secure declined the payment.
    ProviderDeclined,
    /// The provider answered with a definitive error: nothing was authorised.
    ProviderError,
    /// The provider did not answer in time, or failed with a 5xx: outcome unknown.
    ProviderTimedOut,
    /// The provider wants the payer authenticated (3-D Secure) before it decides. What the
    /// payer's browser must do is kept beside the payment (`PaymentRecord::authentication`).
    ProviderActionRequired,
    /// The payer came back from the authentication (or answered the sandbox's challenge):
    /// Kassa now asks the provider for the outcome. Nothing the return carries is trusted;
    /// only the provider's answer decides.
    AuthenticationReturned,
    /// A status query answered for an authorisation in doubt.
    StatusQueryResolved {
        /// What the provider says.
        outcome: AuthorisationOutcome,
        /// The provider's transaction id, if the query returned one.
        provider_id: Option<String>,
    },
    /// The payer selected Confirm.
    PayerConfirmed,
    /// The payer selected Cancel payment.
    PayerCancelled,
    /// The service called `POST /v1/payments/{id}/cancel`.
    ServiceCancelled,
    /// The service called `POST /v1/payments/{id}/capture` on a delayed-capture payment.
    CaptureRequested,
    /// A capture request was sent to the provider.
    CaptureSubmitted,
    /// The provider confirmed the capture.
    CaptureSucceeded,
    /// A capture attempt failed in a way worth retrying.
    CaptureFailedTransient,
    /// Capture failed for good (retries exhausted or a definitive refusal).
    CaptureFailedPermanent,
    /// The provider released an authorisation hold after cancellation or expiry.
    AuthorisationVoided,
    /// The payment's deadline passed (see [`crate::payment::Payment::expire_if_due`]).
    Expire,
}

/// The payload-free shape of a [`PaymentInput`]: what the transition table looks at, and
/// what errors report (they must not carry card data around).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentInputKind {
    /// See [`PaymentInput::PageOpened`].
    PageOpened,
    /// See [`PaymentInput::CardSubmitted`].
    CardSubmitted,
    /// See [`PaymentInput::ProviderAuthorised`].
    ProviderAuthorised,
    /// See [`PaymentInput::ProviderDeclined`].
    ProviderDeclined,
    /// See [`PaymentInput::ProviderError`].
    ProviderError,
    /// See [`PaymentInput::ProviderTimedOut`].
    ProviderTimedOut,
    /// See [`PaymentInput::ProviderActionRequired`].
    ProviderActionRequired,
    /// See [`PaymentInput::AuthenticationReturned`].
    AuthenticationReturned,
    /// See [`PaymentInput::StatusQueryResolved`].
    StatusQueryResolved(AuthorisationOutcome),
    /// See [`PaymentInput::PayerConfirmed`].
    PayerConfirmed,
    /// See [`PaymentInput::PayerCancelled`].
    PayerCancelled,
    /// See [`PaymentInput::ServiceCancelled`].
    ServiceCancelled,
    /// See [`PaymentInput::CaptureRequested`].
    CaptureRequested,
    /// See [`PaymentInput::CaptureSubmitted`].
    CaptureSubmitted,
    /// See [`PaymentInput::CaptureSucceeded`].
    CaptureSucceeded,
    /// See [`PaymentInput::CaptureFailedTransient`].
    CaptureFailedTransient,
    /// See [`PaymentInput::CaptureFailedPermanent`].
    CaptureFailedPermanent,
    /// See [`PaymentInput::AuthorisationVoided`].
    AuthorisationVoided,
    /// See [`PaymentInput::Expire`].
    Expire,
}

impl PaymentInputKind {
    /// Every input kind, including each status-query outcome.
    pub const ALL: [PaymentInputKind; 22] = [
        PaymentInputKind::PageOpened,
        PaymentInputKind::CardSubmitted,
        PaymentInputKind::ProviderAuthorised,
        PaymentInputKind::ProviderDeclined,
        PaymentInputKind::ProviderError,
        PaymentInputKind::ProviderTimedOut,
        PaymentInputKind::ProviderActionRequired,
        PaymentInputKind::AuthenticationReturned,
        PaymentInputKind::StatusQueryResolved(AuthorisationOutcome::Authorised),
        PaymentInputKind::StatusQueryResolved(AuthorisationOutcome::Declined),
        PaymentInputKind::StatusQueryResolved(AuthorisationOutcome::NotAuthorised),
        PaymentInputKind::StatusQueryResolved(AuthorisationOutcome::Pending),
        PaymentInputKind::PayerConfirmed,
        PaymentInputKind::PayerCancelled,
        PaymentInputKind::ServiceCancelled,
        PaymentInputKind::CaptureRequested,
        PaymentInputKind::CaptureSubmitted,
        PaymentInputKind::CaptureSucceeded,
        PaymentInputKind::CaptureFailedTransient,
        PaymentInputKind::CaptureFailedPermanent,
        PaymentInputKind::AuthorisationVoided,
        PaymentInputKind::Expire,
    ];

    /// Inputs that move a payment towards taking money. Past the payment's deadline they
    /// are refused even if the expiry alarm has not fired yet, so a late confirmation can
    /// never capture a payment GOV.UK Pay would have expired. (Cancellations stay allowed:
    /// they end the payment just as safely as expiry does.)
    pub const fn blocked_after_deadline(self) -> bool {
        matches!(
            self,
            PaymentInputKind::PageOpened
                | PaymentInputKind::CardSubmitted
                | PaymentInputKind::AuthenticationReturned
                | PaymentInputKind::PayerConfirmed
                | PaymentInputKind::CaptureRequested
        )
    }
}

impl PaymentInput {
    /// The payload-free kind of this input.
    pub fn kind(&self) -> PaymentInputKind {
        match self {
            PaymentInput::PageOpened => PaymentInputKind::PageOpened,
            PaymentInput::CardSubmitted { .. } => PaymentInputKind::CardSubmitted,
            PaymentInput::ProviderAuthorised { .. } => PaymentInputKind::ProviderAuthorised,
            PaymentInput::ProviderDeclined => PaymentInputKind::ProviderDeclined,
            PaymentInput::ProviderError => PaymentInputKind::ProviderError,
            PaymentInput::ProviderTimedOut => PaymentInputKind::ProviderTimedOut,
            PaymentInput::ProviderActionRequired => PaymentInputKind::ProviderActionRequired,
            PaymentInput::AuthenticationReturned => PaymentInputKind::AuthenticationReturned,
            PaymentInput::StatusQueryResolved { outcome, .. } => {
                PaymentInputKind::StatusQueryResolved(*outcome)
            }
            PaymentInput::PayerConfirmed => PaymentInputKind::PayerConfirmed,
            PaymentInput::PayerCancelled => PaymentInputKind::PayerCancelled,
            PaymentInput::ServiceCancelled => PaymentInputKind::ServiceCancelled,
            PaymentInput::CaptureRequested => PaymentInputKind::CaptureRequested,
            PaymentInput::CaptureSubmitted => PaymentInputKind::CaptureSubmitted,
            PaymentInput::CaptureSucceeded => PaymentInputKind::CaptureSucceeded,
            PaymentInput::CaptureFailedTransient => PaymentInputKind::CaptureFailedTransient,
            PaymentInput::CaptureFailedPermanent => PaymentInputKind::CaptureFailedPermanent,
            PaymentInput::AuthorisationVoided => PaymentInputKind::AuthorisationVoided,
            PaymentInput::Expire => PaymentInputKind::Expire,
        }
    }
}

/// A legal step: the status to move to and the event to append, if any. `emits` is `None`
/// exactly for idempotent self-transitions (a reload, a repeated `/capture`, a status query
/// that found nothing new), so the log only grows when something happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// The new status.
    pub to: PaymentStatus,
    /// The event to append.
    pub emits: Option<EventKind>,
}

/// Why an input was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IllegalReason {
    /// The transition table has no row for this status and input.
    NotInTable,
    /// The payment's deadline has passed; it is about to expire.
    ExpiryDue,
    /// `Expire` arrived before the payment's deadline.
    NotYetDue,
}

/// A refused input: the typed error of [`next`] and [`crate::payment::Payment::apply`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IllegalTransition {
    /// The status the payment was (and still is) in.
    pub from: PaymentStatus,
    /// What was attempted.
    pub input: PaymentInputKind,
    /// Why it was refused.
    pub reason: IllegalReason,
}

impl core::fmt::Display for IllegalTransition {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "illegal payment transition: {:?} on {:?} ({:?})",
            self.input, self.from, self.reason
        )
    }
}

impl std::error::Error for IllegalTransition {}

impl IllegalTransition {
    /// The public API error for a refused service command, or `None` for inputs that do not
    /// come from the public API (those are internal errors: log and alert).
    ///
    /// - `POST /v1/payments/{id}/cancel` → 409 `P0502` "Cancellation of payment failed"
    ///   (GOV.UK Pay: "This payment cannot be cancelled"; the API reference's error table).
    /// - `POST /v1/payments/{id}/capture` → 409 `P1003` "Payment cannot be captured"
    ///   (GOV.UK Pay: "The `status` of the payment must be `capturable`"). Capture errors
    ///   are in GOV.UK Pay's P10xx range; P08xx belongs to listing a payment's refunds.
    pub fn public_api_error(&self) -> Option<ApiError> {
        match self.input {
            PaymentInputKind::ServiceCancelled => Some(ApiError::new(ErrorCode::P0502)),
            PaymentInputKind::CaptureRequested => Some(ApiError::new(ErrorCode::P1003)),
            _ => None,
        }
    }
}

/// The payment transition table.
///
/// `delayed_capture` decides where a confirmed payment goes (`capturable` or straight to
/// capture) and whether `/capture` is meaningful at all.
///
/// Notable decisions:
/// - Service cancellation follows GOV.UK Pay (allowed while `created`, `started`,
///   `submitted`, `capturable`) except while an authorisation is in flight or in doubt:
///   a cancel then could race an authorisation we do not know about, so it is refused
///   (P0502) and succeeds once the outcome is known.
/// - Cancelling or expiring a payment that holds an authorisation goes through a
///   `*VoidPending` status: the external state is final at once (as GOV.UK Pay does), and
///   the edge releases the hold and reports [`PaymentInputKind::AuthorisationVoided`].
/// - Repeated `/capture` on an already-approved delayed-capture payment is an idempotent
///   no-op, as in GOV.UK Pay's connector, so a retried API call does not get a 409.
pub fn next(
    status: PaymentStatus,
    input: PaymentInputKind,
    delayed_capture: bool,
) -> Result<Transition, IllegalTransition> {
    use AuthorisationOutcome as O;
    use EventKind as E;
    use PaymentInputKind as I;
    use PaymentStatus as S;

    let step = |to: S, event: E| {
        Ok(Transition {
            to,
            emits: Some(event),
        })
    };
    let stay = || {
        Ok(Transition {
            to: status,
            emits: None,
        })
    };

    match (status, input) {
        // Payer journey.
        (S::Created, I::PageOpened) => step(S::Started, E::PaymentStarted),
        (S::Started, I::PageOpened) => stay(),
        (S::Started, I::CardSubmitted) => {
            step(S::AuthorisationSubmitted, E::AuthorisationSubmitted)
        }

        // Authorisation outcomes. A late provider notification may resolve a timeout as
        // well as a status query can.
        (
            S::AuthorisationSubmitted | S::AuthorisationUnknown,
            I::ProviderAuthorised | I::StatusQueryResolved(O::Authorised),
        ) => step(S::Authorised, E::AuthorisationSucceeded),
        (
            S::AuthorisationSubmitted | S::AuthorisationUnknown,
            I::ProviderDeclined | I::StatusQueryResolved(O::Declined),
        ) => step(S::Declined, E::AuthorisationRejected),
        (S::AuthorisationSubmitted | S::AuthorisationUnknown, I::ProviderError) => {
            step(S::ProviderError, E::AuthorisationErrored)
        }
        (S::AuthorisationSubmitted, I::ProviderTimedOut) => {
            step(S::AuthorisationUnknown, E::AuthorisationTimedOut)
        }
        (
            S::AuthorisationSubmitted | S::AuthorisationUnknown,
            I::StatusQueryResolved(O::NotAuthorised),
        ) => step(S::Started, E::AuthorisationAbandoned),
        (
            S::AuthorisationSubmitted | S::AuthorisationUnknown,
            I::StatusQueryResolved(O::Pending),
        ) => stay(),

        // 3-D Secure. The provider asks for it in answer to the card (or a status query finds
        // the attempt waiting for it); the payer's return sends Kassa back to the provider for
        // the outcome, which may ask for another step. A reload of the page changes nothing.
        (S::AuthorisationSubmitted | S::AuthorisationUnknown, I::ProviderActionRequired) => {
            step(S::AuthenticationRequired, E::AuthenticationRequired)
        }
        (S::AuthenticationRequired, I::AuthenticationReturned) => {
            step(S::AuthorisationSubmitted, E::AuthenticationReturned)
        }
        (S::AuthenticationRequired, I::PageOpened) => stay(),

        // Confirmation and capture.
        (S::Authorised, I::PayerConfirmed) if delayed_capture => {
            step(S::AwaitingCapture, E::PayerConfirmedAwaitingCapture)
        }
        (S::Authorised, I::PayerConfirmed) => step(S::CaptureQueued, E::PayerConfirmed),
        (S::AwaitingCapture, I::CaptureRequested) if delayed_capture => {
            step(S::CaptureQueued, E::CaptureApprovedByService)
        }
        (
            S::CaptureQueued | S::CaptureSubmitted | S::CaptureFailed | S::Captured,
            I::CaptureRequested,
        ) if delayed_capture => stay(),
        (S::CaptureQueued | S::CaptureFailed, I::CaptureSubmitted) => {
            step(S::CaptureSubmitted, E::CaptureSubmitted)
        }
        (S::CaptureSubmitted | S::CaptureFailed, I::CaptureSucceeded) => {
            step(S::Captured, E::CaptureConfirmed)
        }
        (S::CaptureSubmitted, I::CaptureFailedTransient) => {
            step(S::CaptureQueued, E::CaptureRetryScheduled)
        }
        (S::CaptureSubmitted, I::CaptureFailedPermanent) => {
            step(S::CaptureFailed, E::CaptureFailed)
        }

        // Cancellation by the payer: from the card page, or the confirm page (hold to void).
        (S::Started, I::PayerCancelled) => step(S::CancelledByUser, E::CancelledByUser),
        // An open 3-D Secure attempt is released like a hold: the payer could still finish
        // the challenge at the provider and have it authorise.
        (S::AuthenticationRequired, I::PayerCancelled) => {
            step(S::UserCancelVoidPending, E::CancelledByUser)
        }
        (S::Authorised, I::PayerCancelled) => step(S::UserCancelVoidPending, E::CancelledByUser),
        (S::UserCancelVoidPending, I::AuthorisationVoided) => {
            step(S::CancelledByUser, E::AuthorisationVoided)
        }

        // Cancellation by the service.
        (S::Created | S::Started, I::ServiceCancelled) => {
            step(S::CancelledByService, E::CancelledByService)
        }
        (S::Authorised | S::AwaitingCapture | S::AuthenticationRequired, I::ServiceCancelled) => {
            step(S::ServiceCancelVoidPending, E::CancelledByService)
        }
        (S::ServiceCancelVoidPending, I::AuthorisationVoided) => {
            step(S::CancelledByService, E::AuthorisationVoided)
        }

        // Expiry.
        (S::Created | S::Started, I::Expire) => step(S::Expired, E::Expired),
        (S::Authorised | S::AwaitingCapture | S::AuthenticationRequired, I::Expire) => {
            step(S::ExpiryVoidPending, E::Expired)
        }
        (S::ExpiryVoidPending, I::AuthorisationVoided) => step(S::Expired, E::AuthorisationVoided),

        _ => Err(IllegalTransition {
            from: status,
            input,
            reason: IllegalReason::NotInTable,
        }),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::payment::state::ExternalStatus;

    /// Which values of `delayed_capture` a row applies to.
    #[derive(Clone, Copy, Debug)]
    pub(crate) enum Dc {
        Any,
        Only(bool),
    }

    impl Dc {
        fn matches(self, dc: bool) -> bool {
            match self {
                Dc::Any => true,
                Dc::Only(want) => want == dc,
            }
        }
    }

    /// The table, written out row by row independently of `next`'s match: the spec that
    /// `next` and the property tests are checked against.
    pub(crate) fn expected_rows() -> Vec<(
        PaymentStatus,
        PaymentInputKind,
        Dc,
        PaymentStatus,
        Option<EventKind>,
    )> {
        use AuthorisationOutcome as O;
        use EventKind as E;
        use PaymentInputKind as I;
        use PaymentStatus as S;
        let mut rows = vec![
            (
                S::Created,
                I::PageOpened,
                Dc::Any,
                S::Started,
                Some(E::PaymentStarted),
            ),
            (S::Started, I::PageOpened, Dc::Any, S::Started, None),
            (
                S::Started,
                I::CardSubmitted,
                Dc::Any,
                S::AuthorisationSubmitted,
                Some(E::AuthorisationSubmitted),
            ),
            (
                S::AuthorisationSubmitted,
                I::ProviderTimedOut,
                Dc::Any,
                S::AuthorisationUnknown,
                Some(E::AuthorisationTimedOut),
            ),
            (
                S::Authorised,
                I::PayerConfirmed,
                Dc::Only(false),
                S::CaptureQueued,
                Some(E::PayerConfirmed),
            ),
            (
                S::Authorised,
                I::PayerConfirmed,
                Dc::Only(true),
                S::AwaitingCapture,
                Some(E::PayerConfirmedAwaitingCapture),
            ),
            (
                S::AwaitingCapture,
                I::CaptureRequested,
                Dc::Only(true),
                S::CaptureQueued,
                Some(E::CaptureApprovedByService),
            ),
            (
                S::CaptureQueued,
                I::CaptureRequested,
                Dc::Only(true),
                S::CaptureQueued,
                None,
            ),
            (
                S::CaptureSubmitted,
                I::CaptureRequested,
                Dc::Only(true),
                S::CaptureSubmitted,
                None,
            ),
            (
                S::CaptureFailed,
                I::CaptureRequested,
                Dc::Only(true),
                S::CaptureFailed,
                None,
            ),
            (
                S::Captured,
                I::CaptureRequested,
                Dc::Only(true),
                S::Captured,
                None,
            ),
            (
                S::CaptureQueued,
                I::CaptureSubmitted,
                Dc::Any,
                S::CaptureSubmitted,
                Some(E::CaptureSubmitted),
            ),
            (
                S::CaptureFailed,
                I::CaptureSubmitted,
                Dc::Any,
                S::CaptureSubmitted,
                Some(E::CaptureSubmitted),
            ),
            (
                S::CaptureSubmitted,
                I::CaptureSucceeded,
                Dc::Any,
                S::Captured,
                Some(E::CaptureConfirmed),
            ),
            (
                S::CaptureFailed,
                I::CaptureSucceeded,
                Dc::Any,
                S::Captured,
                Some(E::CaptureConfirmed),
            ),
            (
                S::CaptureSubmitted,
                I::CaptureFailedTransient,
                Dc::Any,
                S::CaptureQueued,
                Some(E::CaptureRetryScheduled),
            ),
            (
                S::CaptureSubmitted,
                I::CaptureFailedPermanent,
                Dc::Any,
                S::CaptureFailed,
                Some(E::CaptureFailed),
            ),
            (
                S::Started,
                I::PayerCancelled,
                Dc::Any,
                S::CancelledByUser,
                Some(E::CancelledByUser),
            ),
            (
                S::Authorised,
                I::PayerCancelled,
                Dc::Any,
                S::UserCancelVoidPending,
                Some(E::CancelledByUser),
            ),
            (
                S::UserCancelVoidPending,
                I::AuthorisationVoided,
                Dc::Any,
                S::CancelledByUser,
                Some(E::AuthorisationVoided),
            ),
            (
                S::Created,
                I::ServiceCancelled,
                Dc::Any,
                S::CancelledByService,
                Some(E::CancelledByService),
            ),
            (
                S::Started,
                I::ServiceCancelled,
                Dc::Any,
                S::CancelledByService,
                Some(E::CancelledByService),
            ),
            (
                S::Authorised,
                I::ServiceCancelled,
                Dc::Any,
                S::ServiceCancelVoidPending,
                Some(E::CancelledByService),
            ),
            (
                S::AwaitingCapture,
                I::ServiceCancelled,
                Dc::Any,
                S::ServiceCancelVoidPending,
                Some(E::CancelledByService),
            ),
            (
                S::ServiceCancelVoidPending,
                I::AuthorisationVoided,
                Dc::Any,
                S::CancelledByService,
                Some(E::AuthorisationVoided),
            ),
            (S::Created, I::Expire, Dc::Any, S::Expired, Some(E::Expired)),
            (S::Started, I::Expire, Dc::Any, S::Expired, Some(E::Expired)),
            (
                S::Authorised,
                I::Expire,
                Dc::Any,
                S::ExpiryVoidPending,
                Some(E::Expired),
            ),
            (
                S::AwaitingCapture,
                I::Expire,
                Dc::Any,
                S::ExpiryVoidPending,
                Some(E::Expired),
            ),
            (
                S::ExpiryVoidPending,
                I::AuthorisationVoided,
                Dc::Any,
                S::Expired,
                Some(E::AuthorisationVoided),
            ),
        ];
        for from in [S::AuthorisationSubmitted, S::AuthorisationUnknown] {
            rows.extend([
                (
                    from,
                    I::ProviderAuthorised,
                    Dc::Any,
                    S::Authorised,
                    Some(E::AuthorisationSucceeded),
                ),
                (
                    from,
                    I::StatusQueryResolved(O::Authorised),
                    Dc::Any,
                    S::Authorised,
                    Some(E::AuthorisationSucceeded),
                ),
                (
                    from,
                    I::ProviderDeclined,
                    Dc::Any,
                    S::Declined,
                    Some(E::AuthorisationRejected),
                ),
                (
                    from,
                    I::StatusQueryResolved(O::Declined),
                    Dc::Any,
                    S::Declined,
                    Some(E::AuthorisationRejected),
                ),
                (
                    from,
                    I::ProviderError,
                    Dc::Any,
                    S::ProviderError,
                    Some(E::AuthorisationErrored),
                ),
                (
                    from,
                    I::StatusQueryResolved(O::NotAuthorised),
                    Dc::Any,
                    S::Started,
                    Some(E::AuthorisationAbandoned),
                ),
                (
                    from,
                    I::StatusQueryResolved(O::Pending),
                    Dc::Any,
                    from,
                    None,
                ),
                (
                    from,
                    I::ProviderActionRequired,
                    Dc::Any,
                    S::AuthenticationRequired,
                    Some(E::AuthenticationRequired),
                ),
            ]);
        }
        // 3-D Secure: the payer's return goes back to the provider; cancelling or expiring
        // releases the open attempt like a hold.
        rows.extend([
            (
                S::AuthenticationRequired,
                I::AuthenticationReturned,
                Dc::Any,
                S::AuthorisationSubmitted,
                Some(E::AuthenticationReturned),
            ),
            (
                S::AuthenticationRequired,
                I::PageOpened,
                Dc::Any,
                S::AuthenticationRequired,
                None,
            ),
            (
                S::AuthenticationRequired,
                I::PayerCancelled,
                Dc::Any,
                S::UserCancelVoidPending,
                Some(E::CancelledByUser),
            ),
            (
                S::AuthenticationRequired,
                I::ServiceCancelled,
                Dc::Any,
                S::ServiceCancelVoidPending,
                Some(E::CancelledByService),
            ),
            (
                S::AuthenticationRequired,
                I::Expire,
                Dc::Any,
                S::ExpiryVoidPending,
                Some(E::Expired),
            ),
        ]);
        rows
    }

    /// The row for (from, input, dc), if the spec has one.
    pub(crate) fn expected(
        from: PaymentStatus,
        input: PaymentInputKind,
        dc: bool,
    ) -> Option<(PaymentStatus, Option<EventKind>)> {
        expected_rows()
            .into_iter()
            .find(|(f, i, d, _, _)| *f == from && *i == input && d.matches(dc))
            .map(|(_, _, _, to, emits)| (to, emits))
    }

    #[test]
    fn every_legal_row_behaves_as_specified() {
        let rows = expected_rows();
        assert_eq!(rows.len(), 51);
        for (from, input, dcs, to, emits) in rows {
            for dc in [false, true].into_iter().filter(|dc| dcs.matches(*dc)) {
                assert_eq!(
                    next(from, input, dc),
                    Ok(Transition {
                        to,
                        emits: emits.clone()
                    }),
                    "{from:?} + {input:?} (delayed_capture={dc})"
                );
            }
        }
    }

    #[test]
    fn everything_outside_the_table_is_a_typed_error() {
        let mut illegal = 0;
        for from in PaymentStatus::ALL {
            for input in PaymentInputKind::ALL {
                for dc in [false, true] {
                    if expected(from, input, dc).is_none() {
                        illegal += 1;
                        assert_eq!(
                            next(from, input, dc),
                            Err(IllegalTransition {
                                from,
                                input,
                                reason: IllegalReason::NotInTable
                            }),
                            "{from:?} + {input:?} (delayed_capture={dc})"
                        );
                    }
                }
            }
        }
        // 18 statuses × 20 inputs × 2 = 720 combinations; the rest are legal.
        assert!(illegal > 600, "{illegal}");
    }

    #[test]
    fn a_sample_of_illegal_transitions() {
        use PaymentInputKind as I;
        use PaymentStatus as S;
        let sample = [
            (S::Created, I::CardSubmitted, false),
            (S::Created, I::PayerConfirmed, false),
            (S::Started, I::ProviderAuthorised, false),
            (S::Authorised, I::CaptureRequested, true),
            (S::AwaitingCapture, I::CaptureRequested, false),
            (S::CaptureQueued, I::CaptureRequested, false),
            (S::Captured, I::ServiceCancelled, false),
            (S::Captured, I::Expire, false),
            (S::Declined, I::ProviderAuthorised, false),
            (S::Expired, I::PageOpened, false),
            (S::AuthorisationSubmitted, I::ServiceCancelled, false),
            (S::AuthorisationUnknown, I::Expire, false),
            (S::AuthorisationUnknown, I::ProviderTimedOut, false),
            (S::CaptureQueued, I::CaptureSucceeded, false),
            (S::CancelledByService, I::ServiceCancelled, false),
            (S::Created, I::PayerCancelled, false),
        ];
        for (from, input, dc) in sample {
            assert!(next(from, input, dc).is_err(), "{from:?} + {input:?}");
        }
    }

    #[test]
    fn service_cancel_is_allowed_exactly_where_govuk_pay_allows_it_minus_in_flight() {
        for from in PaymentStatus::ALL {
            for dc in [false, true] {
                let ok = next(from, PaymentInputKind::ServiceCancelled, dc).is_ok();
                let govuk_allows = matches!(
                    from.external_state().status,
                    ExternalStatus::Created
                        | ExternalStatus::Started
                        | ExternalStatus::Submitted
                        | ExternalStatus::Capturable
                );
                assert_eq!(
                    ok,
                    govuk_allows && !from.authorisation_in_flight(),
                    "{from:?}"
                );
            }
        }
    }

    #[test]
    fn capture_requests_are_legal_only_for_delayed_capture_from_capturable_onwards() {
        for from in PaymentStatus::ALL {
            assert!(next(from, PaymentInputKind::CaptureRequested, false).is_err());
        }
        let moved = next(
            PaymentStatus::AwaitingCapture,
            PaymentInputKind::CaptureRequested,
            true,
        );
        assert_eq!(moved.map(|t| t.to), Ok(PaymentStatus::CaptureQueued));
    }

    #[test]
    fn api_errors_map_to_govuk_codes() {
        let cancel = next(
            PaymentStatus::Captured,
            PaymentInputKind::ServiceCancelled,
            false,
        )
        .unwrap_err()
        .public_api_error()
        .unwrap();
        assert_eq!((cancel.http_status(), cancel.code.as_str()), (409, "P0502"));
        let capture = next(
            PaymentStatus::Started,
            PaymentInputKind::CaptureRequested,
            true,
        )
        .unwrap_err()
        .public_api_error()
        .unwrap();
        assert_eq!(
            (capture.http_status(), capture.code.as_str()),
            (409, "P1003")
        );
        let internal = next(
            PaymentStatus::Captured,
            PaymentInputKind::ProviderDeclined,
            false,
        )
        .unwrap_err();
        assert_eq!(internal.public_api_error(), None);
        assert!(internal.to_string().contains("Captured"));
    }

    #[test]
    fn finished_payments_never_change_external_state_through_the_table() {
        for from in PaymentStatus::ALL.into_iter().filter(|s| s.is_finished()) {
            for input in PaymentInputKind::ALL {
                for dc in [false, true] {
                    if let Ok(t) = next(from, input, dc) {
                        assert_eq!(
                            t.to.external_state(),
                            from.external_state(),
                            "{from:?} + {input:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn events_are_emitted_exactly_when_the_status_changes() {
        for (from, input, _, to, emits) in expected_rows() {
            assert_eq!(emits.is_some(), from != to, "{from:?} + {input:?}");
        }
    }

    #[test]
    fn input_kinds_cover_every_input() {
        let card = CardSummary::new("Visa", "424242", "4242", "04/29", None).unwrap();
        let inputs = [
            PaymentInput::PageOpened,
            PaymentInput::CardSubmitted { card },
            PaymentInput::ProviderAuthorised {
                provider_id: "pi_1".into(),
            },
            PaymentInput::ProviderDeclined,
            PaymentInput::ProviderError,
            PaymentInput::ProviderTimedOut,
            PaymentInput::ProviderActionRequired,
            PaymentInput::AuthenticationReturned,
            PaymentInput::StatusQueryResolved {
                outcome: AuthorisationOutcome::Authorised,
                provider_id: None,
            },
            PaymentInput::StatusQueryResolved {
                outcome: AuthorisationOutcome::Declined,
                provider_id: None,
            },
            PaymentInput::StatusQueryResolved {
                outcome: AuthorisationOutcome::NotAuthorised,
                provider_id: None,
            },
            PaymentInput::StatusQueryResolved {
                outcome: AuthorisationOutcome::Pending,
                provider_id: None,
            },
            PaymentInput::PayerConfirmed,
            PaymentInput::PayerCancelled,
            PaymentInput::ServiceCancelled,
            PaymentInput::CaptureRequested,
            PaymentInput::CaptureSubmitted,
            PaymentInput::CaptureSucceeded,
            PaymentInput::CaptureFailedTransient,
            PaymentInput::CaptureFailedPermanent,
            PaymentInput::AuthorisationVoided,
            PaymentInput::Expire,
        ];
        let kinds: Vec<_> = inputs.iter().map(PaymentInput::kind).collect();
        assert_eq!(kinds, PaymentInputKind::ALL.to_vec());
        let json = serde_json::to_string(&inputs[2]).unwrap();
        assert_eq!(
            json,
            r#"{"type":"provider_authorised","provider_id":"pi_1"}"#
        );
    }
}
