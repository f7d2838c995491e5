//! GOV.UK Pay's error body (`RequestError` / `ErrorResponse`) and its `P0xxx` codes.
//!
//! The codes, HTTP statuses and descriptions follow GOV.UK Pay's public API: the OpenAPI
//! file names only the shape (`code`, `description`, optional `field` and `header`), so the
//! list of codes comes from GOV.UK Pay's published "API error codes" table and the wording
//! from the descriptions its API actually returns. Codes for features Kassa does not offer
//! (recurring-payment agreements `P2xxx`, MOTO card-details API `P1211`/`P1212`, payment
//! links `P0105`) are left out on purpose: Kassa never has a reason to send them.

use core::fmt;

/// A GOV.UK Pay API error code.
///
/// Variants are named after the code itself because integrators search for the code; each
/// variant's doc says what it means. The same code can be sent with different HTTP statuses
/// (GOV.UK Pay sends P0102 as 400 for a wrong JSON type but 422 for a value out of range),
/// so [`ErrorCode::http_status`] is the usual status and [`ApiError`] carries the one that
/// applies to a given error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorCode {
    /// Create payment: a mandatory attribute is missing (or null or blank).
    P0101,
    /// Create payment: an attribute value is invalid (wrong type, out of range, too long...).
    P0102,
    /// Create payment: an attribute was sent that is not allowed here.
    P0104,
    /// Create payment: the `Idempotency-Key` was already used to create a payment.
    P0191,
    /// Create payment: `authorisation_mode` `moto_api` is not enabled for the account.
    P0195,
    /// Create payment: MOTO payments are not enabled for the account.
    P0196,
    /// Create payment: the request body is not valid JSON.
    P0197,
    /// Create payment: downstream system error.
    P0198,
    /// Create payment: there is a problem with the service account.
    P0199,
    /// Get payment: no payment has this id.
    P0200,
    /// Get payment: downstream system error.
    P0298,
    /// Get payment events: no payment has this id.
    P0300,
    /// Get payment events: downstream system error.
    P0398,
    /// Search payments: some query parameters are invalid.
    P0401,
    /// Search payments: the requested page does not exist.
    P0402,
    /// Search payments: downstream system error.
    P0498,
    /// Cancel payment: no payment has this id.
    P0500,
    /// Cancel payment: cancellation failed.
    P0501,
    /// Cancel payment: the payment cannot be cancelled in its current state.
    P0502,
    /// Cancel payment: downstream system error.
    P0598,
    /// Create refund: no payment has this id.
    P0600,
    /// Create refund: a mandatory attribute is missing.
    P0601,
    /// Create refund: an attribute value is invalid.
    P0602,
    /// Create refund: the payment is not available for refund.
    P0603,
    /// Create refund: `refund_amount_available` does not match the amount available.
    P0604,
    /// Create refund: the request body is not valid JSON.
    P0697,
    /// Create refund: downstream system error.
    P0698,
    /// Get refund: no refund (or no payment) has this id.
    P0700,
    /// Get refund: downstream system error.
    P0798,
    /// Get a payment's refunds: no payment has this id.
    P0800,
    /// Get a payment's refunds: downstream system error.
    P0898,
    /// Any endpoint: too many requests (rate limited).
    P0900,
    /// Any endpoint: request blocked by security rules (Kassa also uses it for bodies that
    /// are too large, which is the kind of request GOV.UK Pay's firewall blocks).
    P0920,
    /// Any endpoint: access to this resource is not enabled for the account.
    P0930,
    /// Any endpoint: the account's payment service provider is not fully configured.
    P0940,
    /// Payment and refund creation are disabled on this account.
    P0941,
    /// Any endpoint: the service is temporarily unavailable.
    P0999,
    /// Capture payment: no payment has this id.
    P1000,
    /// Capture payment: capture failed.
    P1001,
    /// Capture payment: the payment is not in a capturable state.
    P1003,
    /// Capture payment: downstream system error.
    P1098,
    /// Search refunds: the requested page does not exist.
    P1100,
    /// Search refunds: some query parameters are invalid.
    P1101,
    /// Search refunds: downstream system error.
    P1898,
}

impl ErrorCode {
    /// Every code, in numeric order.
    pub const ALL: [ErrorCode; 44] = [
        ErrorCode::P0101,
        ErrorCode::P0102,
        ErrorCode::P0104,
        ErrorCode::P0191,
        ErrorCode::P0195,
        ErrorCode::P0196,
        ErrorCode::P0197,
        ErrorCode::P0198,
        ErrorCode::P0199,
        ErrorCode::P0200,
        ErrorCode::P0298,
        ErrorCode::P0300,
        ErrorCode::P0398,
        ErrorCode::P0401,
        ErrorCode::P0402,
        ErrorCode::P0498,
        ErrorCode::P0500,
        ErrorCode::P0501,
        ErrorCode::P0502,
        ErrorCode::P0598,
        ErrorCode::P0600,
        ErrorCode::P0601,
        ErrorCode::P0602,
        ErrorCode::P0603,
        ErrorCode::P0604,
        ErrorCode::P0697,
        ErrorCode::P0698,
        ErrorCode::P0700,
        ErrorCode::P0798,
        ErrorCode::P0800,
        ErrorCode::P0898,
        ErrorCode::P0900,
        ErrorCode::P0920,
        ErrorCode::P0930,
        ErrorCode::P0940,
        ErrorCode::P0941,
        ErrorCode::P0999,
        ErrorCode::P1000,
        ErrorCode::P1001,
        ErrorCode::P1003,
        ErrorCode::P1098,
        ErrorCode::P1100,
        ErrorCode::P1101,
        ErrorCode::P1898,
    ];

    /// The code as it appears on the wire, e.g. `"P0102"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::P0101 => "P0101",
            ErrorCode::P0102 => "P0102",
            ErrorCode::P0104 => "P0104",
            ErrorCode::P0191 => "P0191",
            ErrorCode::P0195 => "P0195",
            ErrorCode::P0196 => "P0196",
            ErrorCode::P0197 => "P0197",
            ErrorCode::P0198 => "P0198",
            ErrorCode::P0199 => "P0199",
            ErrorCode::P0200 => "P0200",
            ErrorCode::P0298 => "P0298",
            ErrorCode::P0300 => "P0300",
            ErrorCode::P0398 => "P0398",
            ErrorCode::P0401 => "P0401",
            ErrorCode::P0402 => "P0402",
            ErrorCode::P0498 => "P0498",
            ErrorCode::P0500 => "P0500",
            ErrorCode::P0501 => "P0501",
            ErrorCode::P0502 => "P0502",
            ErrorCode::P0598 => "P0598",
            ErrorCode::P0600 => "P0600",
            ErrorCode::P0601 => "P0601",
            ErrorCode::P0602 => "P0602",
            ErrorCode::P0603 => "P0603",
            ErrorCode::P0604 => "P0604",
            ErrorCode::P0697 => "P0697",
            ErrorCode::P0698 => "P0698",
            ErrorCode::P0700 => "P0700",
            ErrorCode::P0798 => "P0798",
            ErrorCode::P0800 => "P0800",
            ErrorCode::P0898 => "P0898",
            ErrorCode::P0900 => "P0900",
            ErrorCode::P0920 => "P0920",
            ErrorCode::P0930 => "P0930",
            ErrorCode::P0940 => "P0940",
            ErrorCode::P0941 => "P0941",
            ErrorCode::P0999 => "P0999",
            ErrorCode::P1000 => "P1000",
            ErrorCode::P1001 => "P1001",
            ErrorCode::P1003 => "P1003",
            ErrorCode::P1098 => "P1098",
            ErrorCode::P1100 => "P1100",
            ErrorCode::P1101 => "P1101",
            ErrorCode::P1898 => "P1898",
        }
    }

    /// The HTTP status GOV.UK Pay usually sends with this code.
    ///
    /// P0101/P0104/P0197/P0601/P0697 are 400 because GOV.UK Pay raises them while reading
    /// the body; P0102/P0602 are 422 for constraint violations (the 400 variant for wrong
    /// JSON types is chosen by the constructor, see [`ApiError::invalid_type`]).
    pub const fn http_status(self) -> u16 {
        match self {
            ErrorCode::P0101
            | ErrorCode::P0104
            | ErrorCode::P0197
            | ErrorCode::P0501
            | ErrorCode::P0601
            | ErrorCode::P0603
            | ErrorCode::P0697
            | ErrorCode::P0920
            | ErrorCode::P1001 => 400,
            ErrorCode::P0930 | ErrorCode::P0940 | ErrorCode::P0941 => 403,
            ErrorCode::P0200
            | ErrorCode::P0300
            | ErrorCode::P0402
            | ErrorCode::P0500
            | ErrorCode::P0600
            | ErrorCode::P0700
            | ErrorCode::P0800
            | ErrorCode::P1000
            | ErrorCode::P1100 => 404,
            // P0191: a reused Idempotency-Key with a different body conflicts with the
            // request that first used it, so Kassa answers 409 Conflict.
            ErrorCode::P0191 | ErrorCode::P0502 | ErrorCode::P1003 => 409,
            ErrorCode::P0604 => 412,
            ErrorCode::P0102
            | ErrorCode::P0195
            | ErrorCode::P0196
            | ErrorCode::P0401
            | ErrorCode::P0602
            | ErrorCode::P1101 => 422,
            ErrorCode::P0900 => 429,
            ErrorCode::P0198
            | ErrorCode::P0199
            | ErrorCode::P0298
            | ErrorCode::P0398
            | ErrorCode::P0498
            | ErrorCode::P0598
            | ErrorCode::P0698
            | ErrorCode::P0798
            | ErrorCode::P0898
            | ErrorCode::P1098
            | ErrorCode::P1898 => 500,
            ErrorCode::P0999 => 503,
        }
    }

    /// The description sent when the code needs no details. Codes whose GOV.UK Pay
    /// description is a template (P0101, P0102, P0104, P0401, ...) get a generic sentence
    /// here; their [`ApiError`] constructors fill the template instead.
    pub const fn default_description(self) -> &'static str {
        match self {
            ErrorCode::P0101 | ErrorCode::P0601 => "Missing mandatory attribute",
            ErrorCode::P0102 | ErrorCode::P0602 => "Invalid attribute value",
            ErrorCode::P0104 => "Unexpected attribute",
            ErrorCode::P0191 => {
                "The `Idempotency-Key` you sent in the request header has already been used to create a payment."
            }
            ErrorCode::P0195 => "Using authorisation_mode of moto_api is not allowed for this account",
            ErrorCode::P0196 => {
                "MOTO payments are not enabled for this account. Please contact support if you would like to process MOTO payments"
            }
            ErrorCode::P0197 | ErrorCode::P0697 => "Unable to parse JSON",
            ErrorCode::P0199 => "There is an error with this account. Please contact support",
            ErrorCode::P0200
            | ErrorCode::P0300
            | ErrorCode::P0500
            | ErrorCode::P0600
            | ErrorCode::P0700
            | ErrorCode::P0800
            | ErrorCode::P1000 => "Not found",
            ErrorCode::P0401 | ErrorCode::P1101 => {
                "Invalid parameters. See Public API documentation for the correct data formats"
            }
            ErrorCode::P0402 | ErrorCode::P1100 => "Page not found",
            ErrorCode::P0501 | ErrorCode::P0502 => "Cancellation of payment failed",
            ErrorCode::P0603 => "The payment is not available for refund.",
            ErrorCode::P0604 => "Refund amount available mismatch.",
            ErrorCode::P0900 => "Too many requests",
            ErrorCode::P0920 => {
                "Request blocked by security rules. Please consult API documentation for more information."
            }
            ErrorCode::P0930 => {
                "Access to this resource is not enabled for this account. Please contact support."
            }
            ErrorCode::P0940 => {
                "Account is not fully configured. Please refer to documentation to setup your account or contact support."
            }
            ErrorCode::P0941 => {
                "Payment and refund creation has been disabled on this account. Please contact support."
            }
            ErrorCode::P0999 => "Service is unavailable",
            ErrorCode::P1001 => "Capture of payment failed",
            ErrorCode::P1003 => "Payment cannot be captured",
            ErrorCode::P0198
            | ErrorCode::P0298
            | ErrorCode::P0398
            | ErrorCode::P0498
            | ErrorCode::P0598
            | ErrorCode::P0698
            | ErrorCode::P0798
            | ErrorCode::P0898
            | ErrorCode::P1098
            | ErrorCode::P1898 => "Downstream system error",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The error body of every failed `/v1` request.
///
/// Serialises exactly like GOV.UK Pay's `RequestError` (which is a superset of
/// `ErrorResponse`): `field` and `header` appear only when set, `code` and `description`
/// always. The HTTP status is carried alongside but never serialised.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ApiError {
    /// The request attribute at fault, e.g. `"amount"` or `"line1"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The request header at fault, e.g. `"Idempotency-Key"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// The GOV.UK Pay error code.
    pub code: ErrorCode,
    /// A sentence for developers (not for paying users).
    pub description: String,
    /// The HTTP status to respond with.
    #[serde(skip)]
    status: u16,
}

impl ApiError {
    /// An error with `code`'s default description and HTTP status.
    pub fn new(code: ErrorCode) -> ApiError {
        ApiError::with_description(code, code.default_description())
    }

    /// An error with `code`'s default HTTP status and a custom description.
    pub fn with_description(code: ErrorCode, description: impl Into<String>) -> ApiError {
        ApiError {
            field: None,
            header: None,
            code,
            description: description.into(),
            status: code.http_status(),
        }
    }

    /// The HTTP status to respond with.
    pub const fn http_status(&self) -> u16 {
        self.status
    }

    /// Overrides the HTTP status (for the few codes GOV.UK Pay sends with several).
    pub fn with_status(mut self, status: u16) -> ApiError {
        self.status = status;
        self
    }

    /// Names the request attribute at fault.
    pub fn with_field(mut self, field: impl Into<String>) -> ApiError {
        self.field = Some(field.into());
        self
    }

    /// Names the request header at fault.
    pub fn with_header(mut self, header: impl Into<String>) -> ApiError {
        self.header = Some(header.into());
        self
    }

    // --- Create payment ----------------------------------------------------------------

    /// P0101 (400): `"Missing mandatory attribute: amount"`.
    pub fn missing(field: &str) -> ApiError {
        ApiError::with_description(
            ErrorCode::P0101,
            format!("Missing mandatory attribute: {field}"),
        )
        .with_field(field)
    }

    /// P0102 (422) for a value that has the right type but breaks a rule:
    /// `"Invalid attribute value: amount. Must be less than or equal to 10000000"`.
    pub fn invalid(field: &str, why: &str) -> ApiError {
        ApiError::with_description(
            ErrorCode::P0102,
            format!("Invalid attribute value: {field}. {why}"),
        )
        .with_field(field)
    }

    /// P0102 sent as 400, which is what GOV.UK Pay does when the JSON type itself is wrong
    /// (a string `amount`, a number `reference`): it rejects those while reading the body,
    /// before any rule is checked.
    pub fn invalid_type(field: &str, why: &str) -> ApiError {
        ApiError::invalid(field, why).with_status(400)
    }

    /// P0104 (400): `"Unexpected attribute: foo"`.
    ///
    /// GOV.UK Pay sends this code, without `field`, for attributes that are not allowed in
    /// the request's context (e.g. `agreement_id` without `authorisation_mode: agreement`).
    /// Kassa also sends it for attributes it does not know at all, and adds `field` so that
    /// clients can see which one without parsing the description.
    pub fn unexpected_field(field: &str) -> ApiError {
        ApiError::with_description(ErrorCode::P0104, format!("Unexpected attribute: {field}"))
            .with_field(field)
    }

    /// P0197 (400): `"Unable to parse JSON"`.
    pub fn unparseable_json() -> ApiError {
        ApiError::new(ErrorCode::P0197)
    }

    /// P0102 about a request header, e.g. a malformed `Idempotency-Key`.
    pub fn invalid_header(header: &str, description: impl Into<String>) -> ApiError {
        ApiError::with_description(ErrorCode::P0102, description).with_header(header)
    }

    /// P0191: the `Idempotency-Key` was already used to create a different payment.
    pub fn idempotency_key_already_used() -> ApiError {
        ApiError::new(ErrorCode::P0191).with_header("Idempotency-Key")
    }

    // --- Not found ---------------------------------------------------------------------

    /// P0200 (404): the payment in a `GET /v1/payments/{id}` does not exist.
    pub fn not_found() -> ApiError {
        ApiError::new(ErrorCode::P0200)
    }

    /// P0300 (404): the payment in `GET /v1/payments/{id}/events` does not exist.
    pub fn events_not_found() -> ApiError {
        ApiError::new(ErrorCode::P0300)
    }

    /// P0500 (404): the payment in `POST /v1/payments/{id}/cancel` does not exist.
    pub fn cancel_not_found() -> ApiError {
        ApiError::new(ErrorCode::P0500)
    }

    /// P1000 (404): the payment in `POST /v1/payments/{id}/capture` does not exist.
    pub fn capture_not_found() -> ApiError {
        ApiError::new(ErrorCode::P1000)
    }

    /// P0600 (404): the payment in `POST /v1/payments/{id}/refunds` does not exist.
    pub fn refund_payment_not_found() -> ApiError {
        ApiError::new(ErrorCode::P0600)
    }

    /// P0700 (404): the refund (or its payment) in `GET .../refunds/{refund_id}` does not exist.
    pub fn refund_not_found() -> ApiError {
        ApiError::new(ErrorCode::P0700)
    }

    /// P0800 (404): the payment in `GET /v1/payments/{id}/refunds` does not exist.
    pub fn refunds_not_found() -> ApiError {
        ApiError::new(ErrorCode::P0800)
    }

    // --- Cancel and capture ------------------------------------------------------------

    /// P0501 (400): cancellation failed.
    pub fn cancel_failed() -> ApiError {
        ApiError::new(ErrorCode::P0501)
    }

    /// P0502 (409): the payment is finished and cannot be cancelled.
    pub fn cancel_conflict() -> ApiError {
        ApiError::new(ErrorCode::P0502)
    }

    /// P1001 (400): capture failed.
    pub fn capture_failed() -> ApiError {
        ApiError::new(ErrorCode::P1001)
    }

    /// P1003 (409): the payment is not capturable.
    pub fn capture_conflict() -> ApiError {
        ApiError::new(ErrorCode::P1003)
    }

    // --- Refunds -----------------------------------------------------------------------

    /// P0601 (400): `"Missing mandatory attribute: amount"` on a refund request.
    pub fn refund_missing(field: &str) -> ApiError {
        ApiError::with_description(
            ErrorCode::P0601,
            format!("Missing mandatory attribute: {field}"),
        )
        .with_field(field)
    }

    /// P0602 (422): an invalid refund attribute value.
    pub fn refund_invalid(field: &str, why: &str) -> ApiError {
        ApiError::with_description(
            ErrorCode::P0602,
            format!("Invalid attribute value: {field}. {why}"),
        )
        .with_field(field)
    }

    /// P0602 sent as 400 for a wrong JSON type (see [`ApiError::invalid_type`]).
    pub fn refund_invalid_type(field: &str, why: &str) -> ApiError {
        ApiError::refund_invalid(field, why).with_status(400)
    }

    /// P0697 (400): the refund body is not valid JSON.
    pub fn refund_unparseable_json() -> ApiError {
        ApiError::new(ErrorCode::P0697)
    }

    /// P0603 (400): the payment cannot be refunded; `refund_status` is its
    /// `refund_summary.status` (e.g. `"pending"`, `"full"`).
    pub fn refund_not_available(refund_status: &str) -> ApiError {
        ApiError::with_description(
            ErrorCode::P0603,
            format!(
                "The payment is not available for refund. Payment refund status: {refund_status}"
            ),
        )
    }

    /// P0604 (412): `refund_amount_available` does not match.
    pub fn refund_amount_available_mismatch() -> ApiError {
        ApiError::new(ErrorCode::P0604)
    }

    // --- Searches ----------------------------------------------------------------------

    /// P0401 (422): `"Invalid parameters: from_date, page. See Public API documentation for
    /// the correct data formats"`.
    pub fn search_invalid(params: &[&str]) -> ApiError {
        ApiError::with_description(ErrorCode::P0401, invalid_parameters(params))
    }

    /// P0402 (404): the requested page of payment results does not exist.
    pub fn search_page_not_found() -> ApiError {
        ApiError::new(ErrorCode::P0402)
    }

    /// P1101 (422): invalid refund search parameters, worded like P0401.
    pub fn refund_search_invalid(params: &[&str]) -> ApiError {
        ApiError::with_description(ErrorCode::P1101, invalid_parameters(params))
    }

    /// P1100 (404): the requested page of refund results does not exist.
    pub fn refund_search_page_not_found() -> ApiError {
        ApiError::new(ErrorCode::P1100)
    }

    // --- Any endpoint ------------------------------------------------------------------

    /// P0900 (429): rate limited.
    pub fn too_many_requests() -> ApiError {
        ApiError::new(ErrorCode::P0900)
    }

    /// P0920 (400): blocked by security rules, e.g. a body larger than Kassa accepts.
    pub fn request_blocked() -> ApiError {
        ApiError::new(ErrorCode::P0920)
    }

    /// P0940 (403): the account's payment service provider is not configured.
    pub fn account_not_configured() -> ApiError {
        ApiError::new(ErrorCode::P0940)
    }

    /// P0999 (503): temporarily unavailable.
    pub fn unavailable() -> ApiError {
        ApiError::new(ErrorCode::P0999)
    }

    /// A "Downstream system error" (500) with the endpoint-specific code, e.g. P0198 for
    /// create payment or P0298 for get payment.
    pub fn downstream(code: ErrorCode) -> ApiError {
        ApiError::with_description(code, "Downstream system error").with_status(500)
    }
}

/// GOV.UK Pay's template for search validation errors.
fn invalid_parameters(params: &[&str]) -> String {
    format!(
        "Invalid parameters: {}. See Public API documentation for the correct data formats",
        params.join(", ")
    )
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.description)
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn serialises_like_the_spec_example() {
        let err = ApiError::invalid("amount", "Must be less than or equal to 10000000");
        assert_eq!(
            serde_json::to_value(&err).unwrap(),
            json!({
                "field": "amount",
                "code": "P0102",
                "description": "Invalid attribute value: amount. Must be less than or equal to 10000000"
            })
        );
        assert_eq!(err.http_status(), 422);
    }

    #[test]
    fn omits_absent_field_and_header() {
        let err = ApiError::too_many_requests();
        assert_eq!(
            serde_json::to_value(&err).unwrap(),
            json!({"code": "P0900", "description": "Too many requests"})
        );
        assert_eq!(err.http_status(), 429);
    }

    #[test]
    fn header_errors_name_the_header() {
        let err = ApiError::idempotency_key_already_used();
        let v = serde_json::to_value(&err).unwrap();
        assert_eq!(v["header"], "Idempotency-Key");
        assert_eq!(v["code"], "P0191");
        assert!(v.get("field").is_none());
        assert_eq!(err.http_status(), 409);
    }

    #[test]
    fn missing_attribute_wording() {
        let err = ApiError::missing("reference");
        assert_eq!(err.description, "Missing mandatory attribute: reference");
        assert_eq!(err.field.as_deref(), Some("reference"));
        assert_eq!(err.http_status(), 400);
    }

    #[test]
    fn wrong_type_is_400_but_same_code() {
        let err = ApiError::invalid_type("amount", "Must be a valid numeric format");
        assert_eq!(err.code, ErrorCode::P0102);
        assert_eq!(err.http_status(), 400);
    }

    #[test]
    fn unexpected_attribute_wording() {
        let err = ApiError::unexpected_field("colour");
        assert_eq!(err.code, ErrorCode::P0104);
        assert_eq!(err.description, "Unexpected attribute: colour");
        assert_eq!(err.http_status(), 400);
    }

    #[test]
    fn search_errors_list_parameters() {
        let err = ApiError::search_invalid(&["from_date", "display_size"]);
        assert_eq!(
            err.description,
            "Invalid parameters: from_date, display_size. See Public API documentation for the correct data formats"
        );
        assert_eq!(err.http_status(), 422);
        assert_eq!(
            ApiError::refund_search_invalid(&["page"]).code,
            ErrorCode::P1101
        );
    }

    #[test]
    fn refund_not_available_names_status() {
        let err = ApiError::refund_not_available("full");
        assert_eq!(
            err.description,
            "The payment is not available for refund. Payment refund status: full"
        );
        assert_eq!(err.http_status(), 400);
    }

    #[test]
    fn codes_are_unique_sorted_and_well_formed() {
        let names: Vec<_> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
        for code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(
                s.len() == 5 && s.starts_with('P') && s[1..].bytes().all(|b| b.is_ascii_digit())
            );
            assert_eq!(code.to_string(), s);
            assert_eq!(serde_json::to_value(code).unwrap(), json!(s));
            assert!(!code.default_description().is_empty());
            assert_eq!(ApiError::new(code).http_status(), code.http_status());
        }
    }

    #[test]
    fn http_statuses_match_govuk_pay() {
        let expect = [
            (ErrorCode::P0101, 400),
            (ErrorCode::P0102, 422),
            (ErrorCode::P0197, 400),
            (ErrorCode::P0198, 500),
            (ErrorCode::P0200, 404),
            (ErrorCode::P0401, 422),
            (ErrorCode::P0402, 404),
            (ErrorCode::P0501, 400),
            (ErrorCode::P0502, 409),
            (ErrorCode::P0603, 400),
            (ErrorCode::P0604, 412),
            (ErrorCode::P0900, 429),
            (ErrorCode::P0940, 403),
            (ErrorCode::P0999, 503),
            (ErrorCode::P1003, 409),
            (ErrorCode::P1101, 422),
        ];
        for (code, status) in expect {
            assert_eq!(code.http_status(), status, "{code}");
        }
    }

    #[test]
    fn downstream_errors_are_500() {
        let err = ApiError::downstream(ErrorCode::P0298);
        assert_eq!(err.http_status(), 500);
        assert_eq!(err.description, "Downstream system error");
    }
}
