//! The store: typed loads and saves of everything the account keeps, and the one place
//! its SQL is written. It calls nothing above it (no operation, no handler, no provider).

pub mod credentials;
pub mod idempotency;
pub mod keys;
pub mod page_tokens;
pub mod retention;
pub mod schema;
pub mod sql;
