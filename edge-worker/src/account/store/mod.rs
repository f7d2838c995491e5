//! The store: typed loads and saves of everything the account keeps, and the one place
//! its SQL is written. It calls nothing above it (no operation, no handler, no provider).

pub mod account;
pub mod card_tokens;
pub mod credentials;
pub mod idempotency;
pub mod jobs;
pub mod keys;
pub mod notifications;
pub mod page_tokens;
pub mod payments;
pub mod refunds;
pub mod retention;
pub mod schema;
pub mod search;
pub mod sql;
pub mod webhooks;
