//! The payment lifecycle: statuses, the transition table, expiry, and the `Payment`
//! aggregate that ties them to an append-only event log.

mod card_summary;
mod state;
mod transition;

pub use card_summary::{CardSummary, CardSummaryError};
pub use state::{ExternalState, ExternalStatus, PaymentStatus, StateCode};
pub use transition::{
    next, AuthorisationOutcome, IllegalReason, IllegalTransition, PaymentInput, PaymentInputKind,
    PublicApiError, Transition,
};

/// A payment's id. A plain string for now; `crate::ids` will provide a checked type.
pub type PaymentId = String;
