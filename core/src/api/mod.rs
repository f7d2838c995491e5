//! The `/v1` API contract: a drop-in for GOV.UK Pay's public API.
//!
//! Request parsing and response shapes live here so that the edge worker (and anything
//! else speaking `/v1`) produces byte-for-byte GOV.UK Pay-compatible JSON: the same
//! attribute names, nesting, HAL `_links`, states and `P0xxx` error codes. The reference is
//! GOV.UK Pay's OpenAPI file (`govukpay-publicapi-openapi.json`), completed where it is
//! silent by GOV.UK Pay's published documentation and observable behaviour.
//!
//! * [`error`]: `ApiError` and the `ErrorCode` list.
//! * [`create_payment`]: `POST /v1/payments` body.
//! * [`payment`]: payment resources and wire enums.
//! * [`refund`]: refund body and resources.
//! * [`search`]: payment and refund search queries, paging and result envelopes.
//! * [`events`]: payment events.
//! * [`links`]: HAL links and their builders.
//! * [`metadata`]: custom payment metadata.
//!
//! The module is sans-IO like the rest of the crate: no clock (times are `UnixMillis`
//! parameters), no network, and every constructor takes the base URL it should link to.

pub mod error;
pub mod links;
pub mod metadata;

pub use error::{ApiError, ErrorCode};
pub use links::{Link, PaymentLinks, PaymentLinksBuilder, PostLink, SearchNavigationLinks};
pub use metadata::{Metadata, MetadataValue};
