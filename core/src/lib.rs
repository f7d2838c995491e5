//! Kassa's payment domain, sans-IO.
//!
//! Every rule that both the edge worker and the checkout widget need lives here, so the
//! browser and the server validate identically. Nothing in this crate touches the network,
//! reads a clock or draws global randomness: time (`UnixMillis`) and random bytes are
//! parameters. It builds natively and for `wasm32-unknown-unknown`.

pub mod version;
