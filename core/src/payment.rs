//! The payment lifecycle: statuses, the transition table, expiry, and the `Payment`
//! aggregate that ties them to an append-only event log.

mod state;

pub use state::{ExternalState, ExternalStatus, PaymentStatus, StateCode};
