//! Kassa's payment domain, sans-IO.
//!
//! Every rule that both the edge worker and the checkout widget need lives here, so the
//! browser and the server validate identically. Nothing in this crate touches the network,
//! reads a clock or draws global randomness: time (`UnixMillis`) and random bytes are
//! parameters. It builds natively and for `wasm32-unknown-unknown`.

pub mod account;
pub mod api;
pub mod at_rest;
pub mod base64url;
pub mod card;
pub mod credentials;
pub mod event;
pub mod hpke;
pub mod idempotency;
pub mod ids;
pub mod language;
pub mod money;
pub mod payment;
pub mod provider;
pub mod rate_limit;
pub mod refund;
pub mod retention;
pub mod sealed_token;
pub mod time;
pub mod version;
pub mod view;
pub mod webhook;
pub mod webhook_signature;
