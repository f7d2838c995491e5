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

pub mod create_payment;
pub mod error;
pub mod events;
pub mod links;
pub mod metadata;
pub mod payment;
pub mod refund;
pub mod sealed_card;
pub mod search;

pub use create_payment::{parse_create_payment, CreatePaymentRequest, PrefilledCardholderDetails};
pub use error::{ApiError, ErrorCode};
pub use events::PaymentEventsResponse;
pub use links::{Link, PaymentLinks, PaymentLinksBuilder, PostLink, SearchNavigationLinks};
pub use metadata::{Metadata, MetadataValue};
pub use payment::{PaymentDetailForSearch, PaymentResponse, PaymentState, PaymentStatus};
pub use refund::{parse_refund_request, RefundRequest, RefundResponse, RefundsResponse};
pub use search::{
    paging_links, PaymentSearchQuery, PaymentSearchResults, RefundSearchQuery, RefundSearchResults,
};

use crate::time::UnixMillis;

/// Serialises an instant the way GOV.UK Pay writes `created_date`:
/// `2016-01-21T17:15:00.000Z`.
fn ser_instant<S: serde::Serializer>(
    instant: &UnixMillis,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&instant.to_rfc3339())
}

/// [`ser_instant`] for optional fields (used with `skip_serializing_if = "Option::is_none"`).
fn ser_opt_instant<S: serde::Serializer>(
    instant: &Option<UnixMillis>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match instant {
        Some(instant) => ser_instant(instant, serializer),
        None => serializer.serialize_none(),
    }
}

/// Serialises the UTC day of an optional instant as `2016-01-21`, GOV.UK Pay's format for
/// settlement dates.
fn ser_opt_date<S: serde::Serializer>(
    instant: &Option<UnixMillis>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match instant {
        Some(instant) => serializer.serialize_str(&payment::civil_date(*instant)),
        None => serializer.serialize_none(),
    }
}
