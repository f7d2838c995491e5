//! Refunds: how much of a payment can be refunded, the checks a refund request must pass,
//! and the small lifecycle of a refund once submitted.
//!
//! The invariant everything here protects: the refunds of a payment that succeeded or are
//! still in flight never add up to more than the money actually captured. Two mechanisms
//! keep it under concurrency:
//!
//! - Per payment, the edge serialises refund requests (one writer per payment), and
//!   [`submit_refund`] re-checks availability against the refunds it is given.
//! - Across the gap between a service reading `refund_summary.amount_available` and posting
//!   its refund, GOV.UK Pay's `refund_amount_available` field acts as a compare-and-swap:
//!   if it does not match the amount available now, the request fails with P0604 (412) and
//!   the service must re-read. Two services refunding "the remaining £10" at once therefore
//!   cannot both succeed.
//!
//! Errored refunds do not count against the payment: their amount is available again.

use serde::{Deserialize, Serialize};

use crate::api::error::{ApiError, ErrorCode};
use crate::event::{EventKind, PaymentEvent};
use crate::ids::{PaymentId, RefundId};
use crate::payment::{Payment, PaymentStatus};
use crate::time::UnixMillis;

/// Smallest refund GOV.UK Pay accepts (its refund request validator, `amount >= 1`).
pub const REFUND_AMOUNT_MIN: u64 = 1;

/// Largest refund GOV.UK Pay accepts in one request (the OpenAPI `maximum`, 10,000,000
/// pence). `crate::money` may take this over.
pub const REFUND_AMOUNT_MAX: u64 = 10_000_000;

/// Most refunds one payment can have (of any status): a bound on what a client can make a
/// payment store. The next one is refused with P0603 (`too_many_refunds`).
pub const MAX_REFUNDS_PER_PAYMENT: u64 = 100;

/// What a refund request is checked against: how many refunds the payment has (any
/// status) and the total of those in flight or succeeded. Storage can keep or compute this
/// without loading every refund (`RefundTally::of` is the same from a list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RefundTally {
    /// Refunds of the payment, whatever their status.
    pub count: u64,
    /// Total of its refunds that are `submitted` or `success`.
    pub amount_submitted: u64,
}

impl RefundTally {
    /// The tally of `payment`'s refunds in `refunds` (others' are ignored).
    pub fn of(payment: &Payment, refunds: &[Refund]) -> RefundTally {
        RefundTally {
            count: refunds
                .iter()
                .filter(|r| r.payment_id == payment.id())
                .count() as u64,
            amount_submitted: amount_submitted(payment, refunds),
        }
    }
}

/// A refund's status as GOV.UK Pay shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RefundStatus {
    /// Sent to the provider; not yet confirmed.
    Submitted,
    /// The provider confirmed the refund.
    Success,
    /// The provider refused it; nothing was refunded.
    Error,
}

impl RefundStatus {
    /// Every refund status.
    pub const ALL: [RefundStatus; 3] = [
        RefundStatus::Submitted,
        RefundStatus::Success,
        RefundStatus::Error,
    ];

    /// Whether this refund's amount is spoken for: in flight or done. Errored refunds give
    /// their amount back.
    pub const fn counts_against_payment(self) -> bool {
        matches!(self, RefundStatus::Submitted | RefundStatus::Success)
    }
}

/// GOV.UK Pay's `refund_summary.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RefundAvailability {
    /// Not refundable yet, but may become so (the money has not been captured yet).
    Pending,
    /// Some amount can be refunded.
    Available,
    /// Everything captured has been refunded or is being refunded.
    Full,
    /// Never refundable: the payment failed, was cancelled, expired or errored.
    Unavailable,
}

impl RefundAvailability {
    /// The wire name, e.g. `available`; also GOV.UK Pay's P0603 "refund status" reason.
    pub const fn as_str(self) -> &'static str {
        match self {
            RefundAvailability::Pending => "pending",
            RefundAvailability::Available => "available",
            RefundAvailability::Full => "full",
            RefundAvailability::Unavailable => "unavailable",
        }
    }
}

/// GOV.UK Pay's `refund_summary` object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundSummary {
    /// Whether the payment can be refunded.
    pub status: RefundAvailability,
    /// How much can be refunded now (or, while `pending`, once captured).
    pub amount_available: u64,
    /// How much has been refunded or is being refunded.
    pub amount_submitted: u64,
}

/// One refund of a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    id: RefundId,
    payment_id: PaymentId,
    amount: u64,
    status: RefundStatus,
    created_at: UnixMillis,
    provider_refund_id: Option<String>,
}

impl Refund {
    /// The refund id.
    pub fn id(&self) -> RefundId {
        self.id
    }

    /// The payment it refunds.
    pub fn payment_id(&self) -> PaymentId {
        self.payment_id
    }

    /// Amount in minor units.
    pub fn amount(&self) -> u64 {
        self.amount
    }

    /// Current status.
    pub fn status(&self) -> RefundStatus {
        self.status
    }

    /// When it was requested.
    pub fn created_at(&self) -> UnixMillis {
        self.created_at
    }

    /// The provider's id for the refund, once known.
    pub fn provider_refund_id(&self) -> Option<&str> {
        self.provider_refund_id.as_deref()
    }

    /// Applies the provider's answer: the only way a refund's status changes. Appends the
    /// resulting event to the payment's log (refunds share the payment's sequence).
    pub fn apply(
        &mut self,
        input: RefundInput,
        payment: &mut Payment,
        now: UnixMillis,
    ) -> Result<PaymentEvent, IllegalRefundTransition> {
        let kind = input.kind();
        if payment.id() != self.payment_id {
            return Err(IllegalRefundTransition {
                from: self.status,
                input: kind,
                reason: IllegalRefundReason::WrongPayment,
            });
        }
        let transition = next_refund(self.status, kind)?;
        if let RefundInput::ProviderSucceeded { provider_refund_id } = input {
            if provider_refund_id.is_some() {
                self.provider_refund_id = provider_refund_id;
            }
        }
        self.status = transition.to;
        let event = transition.emits.event_kind(self.id, self.amount);
        Ok(payment.append_refund_event(event, now))
    }
}

/// Where a payment stands with respect to refunds, decided by its status alone.
enum Refundability {
    NotYet,
    Refundable,
    Never,
}

/// Exhaustive on purpose: a new payment status must decide its refundability.
///
/// Only `Captured` is refundable: refunding money that has not been taken (capture queued,
/// in flight or failed) could pay out more than was received. That matches GOV.UK Pay's
/// connector, which reports `pending` until the charge is `CAPTURED`. Unlike the connector,
/// a `capturable` payment is `pending` rather than `unavailable`: it is on its way to being
/// refundable, and `unavailable` would tell the service it never will be.
fn refundability(status: PaymentStatus) -> Refundability {
    match status {
        PaymentStatus::Captured => Refundability::Refundable,
        PaymentStatus::Created
        | PaymentStatus::Started
        | PaymentStatus::AuthorisationSubmitted
        | PaymentStatus::AuthorisationUnknown
        | PaymentStatus::AuthenticationRequired
        | PaymentStatus::Authorised
        | PaymentStatus::AwaitingCapture
        | PaymentStatus::CaptureQueued
        | PaymentStatus::CaptureSubmitted
        | PaymentStatus::CaptureFailed => Refundability::NotYet,
        PaymentStatus::Declined
        | PaymentStatus::ProviderError
        | PaymentStatus::ExpiryVoidPending
        | PaymentStatus::Expired
        | PaymentStatus::UserCancelVoidPending
        | PaymentStatus::CancelledByUser
        | PaymentStatus::ServiceCancelVoidPending
        | PaymentStatus::CancelledByService => Refundability::Never,
    }
}

/// The total of this payment's refunds that are in flight or succeeded. Refunds of other
/// payments are ignored, so a caller passing the wrong list cannot inflate availability.
fn amount_submitted(payment: &Payment, refunds: &[Refund]) -> u64 {
    refunds
        .iter()
        .filter(|r| r.payment_id == payment.id() && r.status.counts_against_payment())
        .fold(0u64, |sum, r| sum.saturating_add(r.amount))
}

/// The payment's `refund_summary`.
///
/// - `pending`: not captured yet; `amount_available` is what will be refundable once it
///   is (as in GOV.UK Pay's own example of a `pending` summary).
/// - `available` / `full`: captured; `amount_available` is the captured amount minus
///   submitted and successful refunds, `full` when that is zero.
/// - `unavailable`: the payment ended without money taken; nothing is available.
pub fn refund_summary(payment: &Payment, refunds: &[Refund]) -> RefundSummary {
    summary_for(payment, amount_submitted(payment, refunds))
}

/// [`refund_summary`] from the total already submitted (see [`RefundTally`]).
pub fn summary_for(payment: &Payment, submitted: u64) -> RefundSummary {
    let remaining = payment.amount().saturating_sub(submitted);
    let (status, amount_available) = match refundability(payment.status()) {
        Refundability::NotYet => (RefundAvailability::Pending, remaining),
        Refundability::Refundable if remaining > 0 => (RefundAvailability::Available, remaining),
        Refundability::Refundable => (RefundAvailability::Full, 0),
        Refundability::Never => (RefundAvailability::Unavailable, 0),
    };
    RefundSummary {
        status,
        amount_available,
        amount_submitted: submitted,
    }
}

/// A refund request that passed every check, ready for [`submit_refund`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundPlan {
    amount: u64,
    amount_available: u64,
}

impl RefundPlan {
    /// The amount to refund.
    pub fn amount(&self) -> u64 {
        self.amount
    }

    /// The amount available before this refund.
    pub fn amount_available(&self) -> u64 {
        self.amount_available
    }

    /// The amount that will remain available after it.
    pub fn amount_available_after(&self) -> u64 {
        self.amount_available.saturating_sub(self.amount)
    }
}

/// Why a refund request was refused. [`RefundError::public_api_error`] gives GOV.UK Pay's
/// answer for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RefundError {
    /// `amount` below [`REFUND_AMOUNT_MIN`] (zero).
    AmountBelowMinimum {
        /// What was asked for.
        amount: u64,
    },
    /// `amount` above [`REFUND_AMOUNT_MAX`].
    AmountAboveMaximum {
        /// What was asked for.
        amount: u64,
    },
    /// The payment cannot be refunded now (`pending`, `full` or `unavailable`).
    NotAvailable {
        /// The payment's refund status.
        status: RefundAvailability,
    },
    /// The service's `refund_amount_available` is stale: someone refunded in between.
    AmountAvailableMismatch {
        /// What the service believed was available.
        expected: u64,
        /// What is actually available.
        actual: u64,
    },
    /// More than is available was requested.
    AmountExceedsAvailable {
        /// What was asked for.
        amount: u64,
        /// What is available.
        available: u64,
    },
    /// The payment already has [`MAX_REFUNDS_PER_PAYMENT`] refunds.
    TooManyRefunds {
        /// The limit.
        max: u64,
    },
}

impl core::fmt::Display for RefundError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let e = self.public_api_error();
        write!(
            f,
            "{} {}: {}",
            e.http_status(),
            e.code.as_str(),
            e.description
        )
    }
}

impl std::error::Error for RefundError {}

impl RefundError {
    /// GOV.UK Pay's response for this refusal (`POST /v1/payments/{id}/refunds`), from its
    /// API reference error table and `pay-publicapi`'s error codes:
    ///
    /// | error | HTTP | code | description |
    /// |---|---|---|---|
    /// | amount 0 / above max | 422 | P0602 | `Invalid attribute value: amount. Must be …` |
    /// | not refundable | 400 | P0603 | `… Payment refund status: pending\|full\|unavailable` |
    /// | amount above available | 400 | P0603 | `… Payment refund status: amount_not_available` |
    /// | stale `refund_amount_available` | 412 | P0604 | `Refund amount available mismatch.` |
    /// | [`MAX_REFUNDS_PER_PAYMENT`] reached (Kassa's bound) | 400 | P0603 | `… too_many_refunds …` |
    ///
    /// (P0601, a missing `amount`, is a parsing error and belongs to the API layer.)
    pub fn public_api_error(&self) -> ApiError {
        let not_available = |reason: &str| {
            ApiError::with_description(
                ErrorCode::P0603,
                format!("The payment is not available for refund. Payment refund status: {reason}"),
            )
        };
        match self {
            RefundError::AmountBelowMinimum { .. } => ApiError::with_description(
                ErrorCode::P0602,
                format!("Invalid attribute value: amount. Must be greater than or equal to {REFUND_AMOUNT_MIN}"),
            )
            .with_field("amount"),
            RefundError::AmountAboveMaximum { .. } => ApiError::with_description(
                ErrorCode::P0602,
                format!("Invalid attribute value: amount. Must be less than or equal to {REFUND_AMOUNT_MAX}"),
            )
            .with_field("amount"),
            RefundError::NotAvailable { status } => not_available(status.as_str()),
            // GOV.UK Pay's connector reports this as REFUND_NOT_AVAILABLE with the reason
            // `amount_not_available`, which the public API turns into P0603.
            RefundError::AmountExceedsAvailable { .. } => not_available("amount_not_available"),
            RefundError::AmountAvailableMismatch { .. } => ApiError::new(ErrorCode::P0604),
            RefundError::TooManyRefunds { max } => ApiError::with_description(
                ErrorCode::P0603,
                format!("The payment is not available for refund. Payment refund status: too_many_refunds (a payment can have at most {max} refunds)"),
            ),
        }
    }
}

/// Checks a refund request without changing anything.
///
/// Checks run in GOV.UK Pay's order: the amount's bounds (public API validation), then
/// whether the payment is refundable, then the compare-and-swap on
/// `refund_amount_available` (only if the service sent it), then the amount against what
/// is available.
pub fn request_refund(
    payment: &Payment,
    existing_refunds: &[Refund],
    amount: u64,
    refund_amount_available: Option<u64>,
) -> Result<RefundPlan, RefundError> {
    let tally = RefundTally::of(payment, existing_refunds);
    request_refund_against(payment, tally, amount, refund_amount_available)
}

/// [`request_refund`] against a [`RefundTally`] of the payment's refunds. The limit on
/// their number comes after GOV.UK Pay's own checks, so its answers are unchanged below it.
pub fn request_refund_against(
    payment: &Payment,
    tally: RefundTally,
    amount: u64,
    refund_amount_available: Option<u64>,
) -> Result<RefundPlan, RefundError> {
    if amount < REFUND_AMOUNT_MIN {
        return Err(RefundError::AmountBelowMinimum { amount });
    }
    if amount > REFUND_AMOUNT_MAX {
        return Err(RefundError::AmountAboveMaximum { amount });
    }
    let summary = summary_for(payment, tally.amount_submitted);
    if summary.status != RefundAvailability::Available {
        return Err(RefundError::NotAvailable {
            status: summary.status,
        });
    }
    let available = summary.amount_available;
    if let Some(expected) = refund_amount_available {
        if expected != available {
            return Err(RefundError::AmountAvailableMismatch {
                expected,
                actual: available,
            });
        }
    }
    if amount > available {
        return Err(RefundError::AmountExceedsAvailable { amount, available });
    }
    if tally.count >= MAX_REFUNDS_PER_PAYMENT {
        return Err(RefundError::TooManyRefunds {
            max: MAX_REFUNDS_PER_PAYMENT,
        });
    }
    Ok(RefundPlan {
        amount,
        amount_available: available,
    })
}

/// Checks a refund request and, if it passes, creates the refund as `submitted` and appends
/// `refund_submitted` to the payment's log. The edge then sends it to the provider and
/// reports the answer with [`Refund::apply`].
///
/// Must run inside the payment's single-writer section with the complete list of its
/// refunds: that, plus the checks of [`request_refund`], is what keeps the refunds within
/// the captured amount.
pub fn submit_refund(
    payment: &mut Payment,
    existing_refunds: &[Refund],
    amount: u64,
    refund_amount_available: Option<u64>,
    refund_id: RefundId,
    now: UnixMillis,
) -> Result<(Refund, PaymentEvent), RefundError> {
    let tally = RefundTally::of(payment, existing_refunds);
    submit_refund_against(
        payment,
        tally,
        amount,
        refund_amount_available,
        refund_id,
        now,
    )
}

/// [`submit_refund`] against a [`RefundTally`] of the payment's refunds, which must be
/// read in the same single-writer section.
pub fn submit_refund_against(
    payment: &mut Payment,
    tally: RefundTally,
    amount: u64,
    refund_amount_available: Option<u64>,
    refund_id: RefundId,
    now: UnixMillis,
) -> Result<(Refund, PaymentEvent), RefundError> {
    let plan = request_refund_against(payment, tally, amount, refund_amount_available)?;
    let refund = Refund {
        id: refund_id,
        payment_id: payment.id(),
        amount: plan.amount,
        status: RefundStatus::Submitted,
        created_at: now,
        provider_refund_id: None,
    };
    let event = payment.append_refund_event(
        EventKind::RefundSubmitted {
            refund_id: refund.id,
            amount: refund.amount,
        },
        now,
    );
    Ok((refund, event))
}

/// The provider's answer about a submitted refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RefundInput {
    /// The provider confirmed the refund.
    ProviderSucceeded {
        /// The provider's id for the refund, if it gave one.
        provider_refund_id: Option<String>,
    },
    /// The provider refused the refund.
    ProviderFailed,
}

/// The payload-free shape of a [`RefundInput`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundInputKind {
    /// See [`RefundInput::ProviderSucceeded`].
    ProviderSucceeded,
    /// See [`RefundInput::ProviderFailed`].
    ProviderFailed,
}

impl RefundInputKind {
    /// Every refund input kind.
    pub const ALL: [RefundInputKind; 2] = [
        RefundInputKind::ProviderSucceeded,
        RefundInputKind::ProviderFailed,
    ];
}

impl RefundInput {
    /// The payload-free kind of this input.
    pub fn kind(&self) -> RefundInputKind {
        match self {
            RefundInput::ProviderSucceeded { .. } => RefundInputKind::ProviderSucceeded,
            RefundInput::ProviderFailed => RefundInputKind::ProviderFailed,
        }
    }
}

/// The event a refund transition emits (every refund transition emits one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundEvent {
    /// `refund_succeeded` (webhook `card_payment_refunded`).
    Succeeded,
    /// `refund_failed`.
    Failed,
}

impl RefundEvent {
    /// The log entry for this refund.
    pub fn event_kind(self, refund_id: RefundId, amount: u64) -> EventKind {
        match self {
            RefundEvent::Succeeded => EventKind::RefundSucceeded { refund_id, amount },
            RefundEvent::Failed => EventKind::RefundFailed { refund_id, amount },
        }
    }
}

/// A legal refund step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundTransition {
    /// The new status.
    pub to: RefundStatus,
    /// The event to append.
    pub emits: RefundEvent,
}

/// Why a refund input was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IllegalRefundReason {
    /// No row in the refund table (the refund is already final).
    NotInTable,
    /// The refund was applied against a payment it does not belong to.
    WrongPayment,
}

/// A refused refund input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IllegalRefundTransition {
    /// The refund's (unchanged) status.
    pub from: RefundStatus,
    /// What was attempted.
    pub input: RefundInputKind,
    /// Why it was refused.
    pub reason: IllegalRefundReason,
}

impl core::fmt::Display for IllegalRefundTransition {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "illegal refund transition: {:?} on {:?} ({:?})",
            self.input, self.from, self.reason
        )
    }
}

impl std::error::Error for IllegalRefundTransition {}

/// The refund transition table: `submitted` → `success` | `error`, nothing else.
///
/// Final statuses are final: a provider that reports success after an error (or the
/// reverse) is a reconciliation case for a human, not something to apply silently, since
/// either direction changes how much of the payment is available.
pub fn next_refund(
    status: RefundStatus,
    input: RefundInputKind,
) -> Result<RefundTransition, IllegalRefundTransition> {
    match (status, input) {
        (RefundStatus::Submitted, RefundInputKind::ProviderSucceeded) => Ok(RefundTransition {
            to: RefundStatus::Success,
            emits: RefundEvent::Succeeded,
        }),
        (RefundStatus::Submitted, RefundInputKind::ProviderFailed) => Ok(RefundTransition {
            to: RefundStatus::Error,
            emits: RefundEvent::Failed,
        }),
        _ => Err(IllegalRefundTransition {
            from: status,
            input,
            reason: IllegalRefundReason::NotInTable,
        }),
    }
}

#[cfg(test)]
mod tests;
