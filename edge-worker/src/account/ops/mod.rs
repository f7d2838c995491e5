//! The operations: what may happen to a payment, a refund, a webhook message (create,
//! authorise, capture, cancel, refund, expire, apply a provider's answer, deliver). Each
//! state change is one synchronous section over the store; providers and webhook delivery
//! are driven from here, after their section. Nothing here knows about requests or pages.

pub mod account;
pub mod authenticate;
pub mod authorise;
pub mod create;
pub mod delivery;
pub mod notifications;
pub mod payer;
pub mod payments;
pub mod provider_jobs;
pub mod refunds;
pub mod tokenized;
pub mod webhooks;
