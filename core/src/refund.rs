//! Refunds of a payment.

/// A refund's id. A plain string for now; `crate::ids` will provide a checked type.
pub type RefundId = String;
