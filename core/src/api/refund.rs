//! Refunds: the `POST /v1/payments/{id}/refunds` body (`PaymentRefundRequest`) and the
//! refund resources (`Refund`, the list `RefundForSearchResult`, `RefundDetailForSearch`).

use serde_json::Value;

use crate::money::Amount;
use crate::time::UnixMillis;

use super::error::ApiError;
use super::links::RefundLinks;
use super::{ser_instant, ser_opt_date};

/// A valid refund request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundRequest {
    /// How much to refund, in minor units.
    pub amount: Amount,
    /// What the service believes can still be refunded; when sent, the refund is made only
    /// if it matches (otherwise P0604), which guards against two refunds racing.
    pub refund_amount_available: Option<u64>,
}

/// Parses and validates a refund body.
///
/// `amount` follows the create-payment rules with the refund codes: missing is P0601,
/// wrong type P0602 (400), out of 1..=10,000,000 P0602 (422). `refund_amount_available` is
/// optional (the spec requires only `amount`) but must be a whole number when sent.
/// Unknown attributes are ignored, as GOV.UK Pay does: unlike create payment there is no
/// code for them on this endpoint.
pub fn parse_refund_request(body: &[u8]) -> Result<RefundRequest, ApiError> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let value: Value =
        serde_json::from_slice(body).map_err(|_| ApiError::refund_unparseable_json())?;
    let Value::Object(object) = &value else {
        return Err(ApiError::refund_unparseable_json());
    };
    let amount = read_int(object.get("amount"), "amount")?
        .ok_or_else(|| ApiError::refund_missing("amount"))?;
    let available = read_int(
        object.get("refund_amount_available"),
        "refund_amount_available",
    )?;

    let amount = Amount::new(u64::try_from(amount).unwrap_or(0))
        .map_err(|e| ApiError::refund_invalid("amount", &e.to_string()))?;
    let refund_amount_available = match available {
        None => None,
        Some(n) => Some(u64::try_from(n).map_err(|_| {
            ApiError::refund_invalid(
                "refund_amount_available",
                "Must be greater than or equal to 0",
            )
        })?),
    };
    Ok(RefundRequest {
        amount,
        refund_amount_available,
    })
}

/// A 32-bit JSON integer, or `None` when absent or null.
fn read_int(value: Option<&Value>, field: &str) -> Result<Option<i64>, ApiError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .filter(|i| i32::try_from(*i).is_ok())
            .map(Some)
            .ok_or_else(|| ApiError::refund_invalid_type(field, "Must be a valid numeric format")),
        Some(_) => Err(ApiError::refund_invalid_type(
            field,
            "Must be a valid numeric format",
        )),
    }
}

/// A refund's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    /// Sent to the payment service provider.
    Submitted,
    /// Refunded.
    Success,
    /// The refund failed.
    Error,
}

/// `settlement_summary` of a refund; `{}` until the provider settles it.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct RefundSettlementSummary {
    /// The day the refund was taken from a payout (`2016-01-21`).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_opt_date"
    )]
    pub settled_date: Option<UnixMillis>,
}

/// A refund (`Refund`; with `payment_id` set, `RefundDetailForSearch`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RefundResponse {
    /// Kassa's refund id.
    pub refund_id: String,
    /// When the refund was created.
    #[serde(serialize_with = "ser_instant")]
    pub created_date: UnixMillis,
    /// The refunded payment; written in search results only, as GOV.UK Pay does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
    /// Refunded amount in minor units.
    pub amount: u64,
    /// Status.
    pub status: RefundStatus,
    /// Settlement information.
    pub settlement_summary: RefundSettlementSummary,
    /// `self` and `payment` links.
    #[serde(rename = "_links")]
    pub links: RefundLinks,
}

impl RefundResponse {
    /// A refund of `payment_id` as returned by `POST .../refunds` and `GET .../refunds/{id}`.
    pub fn new(
        api_base_url: &str,
        payment_id: &str,
        refund_id: &str,
        amount: u64,
        status: RefundStatus,
        created_date: UnixMillis,
        settled_date: Option<UnixMillis>,
    ) -> RefundResponse {
        RefundResponse {
            refund_id: refund_id.to_owned(),
            created_date,
            payment_id: None,
            amount,
            status,
            settlement_summary: RefundSettlementSummary { settled_date },
            links: RefundLinks::for_refund(api_base_url, payment_id, refund_id),
        }
    }

    /// The same refund as a search result, which also names its payment.
    pub fn for_search(mut self, payment_id: &str) -> RefundResponse {
        self.payment_id = Some(payment_id.to_owned());
        self
    }
}

/// `GET /v1/payments/{id}/refunds` (`RefundForSearchResult`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RefundsResponse {
    /// The payment.
    pub payment_id: String,
    /// `self` (this list) and `payment`.
    #[serde(rename = "_links")]
    pub links: RefundLinks,
    /// The refunds.
    #[serde(rename = "_embedded")]
    pub embedded: EmbeddedRefunds,
}

/// `_embedded` of [`RefundsResponse`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EmbeddedRefunds {
    /// Oldest first.
    pub refunds: Vec<RefundResponse>,
}

impl RefundsResponse {
    /// The list of `payment_id`'s refunds.
    pub fn new(api_base_url: &str, payment_id: &str, refunds: Vec<RefundResponse>) -> Self {
        RefundsResponse {
            payment_id: payment_id.to_owned(),
            links: RefundLinks::for_refund_list(api_base_url, payment_id),
            embedded: EmbeddedRefunds { refunds },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::error::ErrorCode;
    use serde_json::json;

    const API: &str = "https://publicapi.payments.service.gov.uk";
    const PID: &str = "01k7da2d0021m0pcbjov354et8";

    fn err(body: &str) -> ApiError {
        parse_refund_request(body.as_bytes()).unwrap_err()
    }

    #[test]
    fn parses_amount_and_available() {
        let r = parse_refund_request(br#"{"amount": 150000, "refund_amount_available": 200000}"#)
            .unwrap();
        assert_eq!(r.amount.minor_units(), 150_000);
        assert_eq!(r.refund_amount_available, Some(200_000));
        let r = parse_refund_request(br#"{"amount": 1}"#).unwrap();
        assert_eq!(r.refund_amount_available, None);
    }

    #[test]
    fn missing_amount_is_p0601() {
        let e = err(r#"{"refund_amount_available": 5}"#);
        assert_eq!(e.code, ErrorCode::P0601);
        assert_eq!(e.field.as_deref(), Some("amount"));
        assert_eq!(e.description, "Missing mandatory attribute: amount");
        assert_eq!(e.http_status(), 400);
    }

    #[test]
    fn string_amount_is_p0602_400() {
        let e = err(r#"{"amount": "100"}"#);
        assert_eq!(e.code, ErrorCode::P0602);
        assert_eq!(e.field.as_deref(), Some("amount"));
        assert_eq!(
            e.description,
            "Invalid attribute value: amount. Must be a valid numeric format"
        );
        assert_eq!(e.http_status(), 400);
    }

    #[test]
    fn amount_out_of_range_is_p0602_422() {
        let e = err(r#"{"amount": 0}"#);
        assert_eq!(e.code, ErrorCode::P0602);
        assert_eq!(
            e.description,
            "Invalid attribute value: amount. Must be greater than or equal to 1"
        );
        assert_eq!(e.http_status(), 422);
        let e = err(r#"{"amount": 10000001}"#);
        assert_eq!(
            e.description,
            "Invalid attribute value: amount. Must be less than or equal to 10000000"
        );
    }

    #[test]
    fn bad_available_amount() {
        let e = err(r#"{"amount": 1, "refund_amount_available": "x"}"#);
        assert_eq!(e.field.as_deref(), Some("refund_amount_available"));
        assert_eq!(e.code, ErrorCode::P0602);
        let e = err(r#"{"amount": 1, "refund_amount_available": -1}"#);
        assert_eq!(e.http_status(), 422);
    }

    #[test]
    fn unparseable_refund_body_is_p0697() {
        for body in ["", "{", "[1]", "null"] {
            let e = err(body);
            assert_eq!(e.code, ErrorCode::P0697);
            assert_eq!(e.description, "Unable to parse JSON");
        }
    }

    #[test]
    fn unknown_refund_attributes_are_ignored() {
        assert!(parse_refund_request(br#"{"amount": 5, "reason": "x"}"#).is_ok());
    }

    #[test]
    fn refund_list_matches_the_documented_example() {
        let refund = |id: &str, created: &str, amount| {
            RefundResponse::new(
                API,
                PID,
                id,
                amount,
                RefundStatus::Success,
                UnixMillis::parse_rfc3339(created).unwrap(),
                None,
            )
        };
        let list = RefundsResponse::new(
            API,
            PID,
            vec![
                refund(
                    "fvtj4naca8nstj2u0roq3t4p6r",
                    "2022-02-17T12:42:55.510Z",
                    5000,
                ),
                refund(
                    "4jfabcee0ev36so050kooajabk",
                    "2022-03-22T12:44:15.227Z",
                    1000,
                ),
            ],
        );
        let item = |id: &str, created: &str, amount: u64| {
            json!({
                "refund_id": id,
                "created_date": created,
                "amount": amount,
                "status": "success",
                "settlement_summary": {},
                "_links": {
                    "self": {"href": format!("{API}/v1/payments/{PID}/refunds/{id}"), "method": "GET"},
                    "payment": {"href": format!("{API}/v1/payments/{PID}"), "method": "GET"}
                }
            })
        };
        assert_eq!(
            serde_json::to_value(&list).unwrap(),
            json!({
                "payment_id": PID,
                "_links": {
                    "self": {"href": format!("{API}/v1/payments/{PID}/refunds"), "method": "GET"},
                    "payment": {"href": format!("{API}/v1/payments/{PID}"), "method": "GET"}
                },
                "_embedded": {"refunds": [
                    item("fvtj4naca8nstj2u0roq3t4p6r", "2022-02-17T12:42:55.510Z", 5000),
                    item("4jfabcee0ev36so050kooajabk", "2022-03-22T12:44:15.227Z", 1000)
                ]}
            })
        );
    }

    #[test]
    fn search_result_refund_names_payment_and_settlement() {
        let r = RefundResponse::new(
            API,
            PID,
            "r1",
            120,
            RefundStatus::Submitted,
            UnixMillis::parse_rfc3339("2017-01-10T16:52:07.855Z").unwrap(),
            UnixMillis::parse_rfc3339("2017-01-12T00:00:00Z"),
        )
        .for_search(PID);
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["payment_id"], PID);
        assert_eq!(v["status"], "submitted");
        assert_eq!(
            v["settlement_summary"],
            json!({"settled_date": "2017-01-12"})
        );
        assert_eq!(v["created_date"], "2017-01-10T16:52:07.855Z");
    }
}
