//! `POST /v1/payments`: parsing and validating `CreateCardPaymentRequest`.
//!
//! The body is parsed into a `serde_json::Value` first and then read attribute by
//! attribute, so that every error names the attribute at fault, a wrong JSON type is a
//! P0102 rather than a generic parse error, and no input can panic.
//!
//! Checks run in two passes, like GOV.UK Pay's: first each attribute's presence and JSON
//! type (errors sent as HTTP 400), in GOV.UK Pay's attribute order; then the rules on the
//! values (lengths, ranges, URL and email syntax; HTTP 422). So a body with a string
//! `reference` and an amount of 0 reports the `reference` type error, as GOV.UK Pay does.
//!
//! Where Kassa is deliberately stricter than GOV.UK Pay:
//! * unknown attributes are rejected with P0104 ("Unexpected attribute: x"), the code
//!   GOV.UK Pay uses for attributes not allowed in context, instead of being ignored;
//! * `return_url` must not contain credentials or whitespace;
//! * `email` must look like an address;
//! * `prefilled_cardholder_details.billing_address.country` must be two ASCII letters;
//! * recurring-payment agreements and `moto_api` authorisation are not supported yet.
//!
//! Lengths count Unicode scalar values (Rust `char`s), not bytes. GOV.UK Pay counts UTF-16
//! code units, which is never fewer, so every string GOV.UK Pay accepts fits here too, and
//! a limit means the same number of letters whatever the script.

use serde_json::{Map, Value};

use crate::money::{Amount, AmountError};

use super::error::ApiError;
use super::metadata::{parse_metadata, Metadata};
use super::payment::{Address, Language};

/// Longest `reference`, in characters.
pub const REFERENCE_MAX_LENGTH: usize = 255;
/// Longest `description`, in characters.
pub const DESCRIPTION_MAX_LENGTH: usize = 255;
/// Longest `return_url`, in characters.
pub const RETURN_URL_MAX_LENGTH: usize = 2000;
/// Longest `email`, in characters.
pub const EMAIL_MAX_LENGTH: usize = 254;
/// Longest `prefilled_cardholder_details.cardholder_name`, in characters.
pub const CARDHOLDER_NAME_MAX_LENGTH: usize = 255;
/// Longest `billing_address.line1`/`line2`/`city`, in characters.
pub const ADDRESS_LINE_MAX_LENGTH: usize = 255;
/// Longest `billing_address.postcode`, in characters (the spec's `maxLength`: 25).
pub const POSTCODE_MAX_LENGTH: usize = 25;

/// Every top-level attribute of `CreateCardPaymentRequest`. Anything else is rejected.
const KNOWN_ATTRIBUTES: [&str; 14] = [
    "amount",
    "reference",
    "description",
    "return_url",
    "language",
    "email",
    "prefilled_cardholder_details",
    "delayed_capture",
    "moto",
    "metadata",
    "set_up_agreement",
    "authorisation_mode",
    "agreement_id",
    "agreement_payment_type",
];

const PREFILLED: &str = "prefilled_cardholder_details";
const BILLING_ADDRESS: &str = "billing_address";

/// Characters GOV.UK Pay refuses in `reference` and `description` (its firewall blocks
/// them, so its API rejects them up front with "Must be a valid string format").
const FORBIDDEN_TEXT_CHARS: [char; 3] = ['<', '>', '|'];

/// A valid create-payment request.
///
/// Serialises as the `CreateCardPaymentRequest` body it was parsed from (absent optional
/// attributes left out), and deserialises through [`parse_create_payment_value`], so a
/// stored request passes exactly the checks a request body does and cannot be invalid.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "Value")]
pub struct CreatePaymentRequest {
    /// Amount in minor units (pence).
    pub amount: Amount,
    /// The service's reference (not unique).
    pub reference: String,
    /// Shown to the paying user.
    pub description: String,
    /// Absolute http(s) URL the paying user returns to.
    pub return_url: String,
    /// Payment page language (default English).
    pub language: Language,
    /// Prefilled email address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Prefilled cardholder name and billing address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefilled_cardholder_details: Option<PrefilledCardholderDetails>,
    /// Whether the service will capture the payment itself (default false).
    pub delayed_capture: bool,
    /// Mail Order / Telephone Order payment (default false).
    pub moto: bool,
    /// Custom metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

impl TryFrom<Value> for CreatePaymentRequest {
    type Error = ApiError;

    /// The same validation as a request body: [`parse_create_payment_value`].
    fn try_from(value: Value) -> Result<CreatePaymentRequest, ApiError> {
        parse_create_payment_value(&value)
    }
}

impl CreatePaymentRequest {
    /// Whether `return_url` uses https. The API requires it for live API keys (GOV.UK Pay
    /// allows http only on test accounts); that policy depends on the key, so it is
    /// checked by the caller, not by the parser.
    pub fn return_url_is_https(&self) -> bool {
        url_scheme(&self.return_url).is_some_and(|s| s.eq_ignore_ascii_case("https"))
    }
}

/// `prefilled_cardholder_details`.
///
/// Deserialising does not validate (it reads what Kassa itself stored); request bodies go
/// through [`parse_create_payment`].
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct PrefilledCardholderDetails {
    /// Name to prefill.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cardholder_name: Option<String>,
    /// Address to prefill.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<Address>,
}

/// Parses and validates a create-payment body.
///
/// Bytes that are not JSON, or JSON that is not an object, give P0197 "Unable to parse
/// JSON". Every other problem is reported on its attribute (see the module docs).
pub fn parse_create_payment(body: &[u8]) -> Result<CreatePaymentRequest, ApiError> {
    parse_create_payment_value(&body_value(body)?)
}

/// A request body as JSON, or P0197.
pub(crate) fn body_value(body: &[u8]) -> Result<Value, ApiError> {
    // A UTF-8 byte order mark is legal at the start of a JSON text for lenient readers
    // (and Jackson, behind GOV.UK Pay, skips it); serde_json does not, so drop it here.
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    serde_json::from_slice(body).map_err(|_| ApiError::unparseable_json())
}

/// Validates an already-parsed create-payment body (see [`parse_create_payment`]).
pub fn parse_create_payment_value(value: &Value) -> Result<CreatePaymentRequest, ApiError> {
    let Value::Object(body) = value else {
        // An array or scalar can't be a request: the body is not the JSON the API expects.
        return Err(ApiError::unparseable_json());
    };
    // serde_json's map is sorted, so the first unknown attribute reported is stable.
    if let Some(unknown) = body
        .keys()
        .find(|k| !KNOWN_ATTRIBUTES.contains(&k.as_str()))
    {
        return Err(ApiError::unexpected_field(unknown));
    }

    // Pass 1: presence and JSON types, in GOV.UK Pay's order.
    let amount = read_amount(body.get("amount"))?;
    let reference = read_required_text(body, "reference")?;
    let description = read_required_text(body, "description")?;
    let return_url = read_optional_string(body, "return_url", "Must be a valid URL format")?;
    let moto = read_optional_bool(body, "moto")?;
    reject_agreement_setup(body)?;
    read_authorisation_mode(body)?;
    for context_only in ["agreement_id", "agreement_payment_type"] {
        // GOV.UK Pay accepts these only with `authorisation_mode: agreement` (or with
        // `set_up_agreement`), which Kassa does not offer, so they are always out of place.
        if body.contains_key(context_only) {
            return Err(ApiError::unexpected_field(context_only));
        }
    }
    let language = read_language(body)?;
    let delayed_capture = read_optional_bool(body, "delayed_capture")?;
    let email = read_optional_string(body, "email", "Field must be a string")?;
    let prefilled = match body.get(PREFILLED) {
        Some(value) => read_prefilled(value)?,
        None => None,
    };
    let metadata = match body.get("metadata") {
        Some(value) => parse_metadata(value)?,
        None => None,
    };
    let return_url = match return_url {
        Some(url) if !url.trim().is_empty() => url,
        _ => return Err(ApiError::missing("return_url")),
    };

    // Pass 2: the rules on the values.
    let amount = Amount::new(amount_to_u64(amount)).map_err(|e| amount_error(&e))?;
    check_max_length("reference", &reference, REFERENCE_MAX_LENGTH)?;
    check_max_length("description", &description, DESCRIPTION_MAX_LENGTH)?;
    check_max_length("return_url", &return_url, RETURN_URL_MAX_LENGTH)?;
    validate_return_url(&return_url).map_err(|why| ApiError::invalid("return_url", why))?;
    // An empty email means "no email", which is what a form with an empty field sends.
    let email = email.filter(|e| !e.is_empty());
    if let Some(email) = &email {
        check_max_length("email", email, EMAIL_MAX_LENGTH)?;
        if !is_plausible_email(email) {
            return Err(ApiError::invalid("email", "Must be a valid email address"));
        }
    }
    let prefilled = match prefilled {
        Some(p) => Some(validate_prefilled(p)?),
        None => None,
    };

    Ok(CreatePaymentRequest {
        amount,
        reference,
        description,
        return_url,
        language,
        email,
        prefilled_cardholder_details: prefilled,
        delayed_capture: delayed_capture.unwrap_or(false),
        moto: moto.unwrap_or(false),
        metadata,
    })
}

/// `amount`: a JSON integer that fits GOV.UK Pay's 32-bit field. Decimals (`12.0`),
/// exponents (`1e3`), strings and out-of-range integers are "not a valid numeric format".
fn read_amount(value: Option<&Value>) -> Result<i64, ApiError> {
    match value {
        None | Some(Value::Null) => Err(ApiError::missing("amount")),
        Some(Value::Number(n)) => n
            .as_i64()
            .filter(|i| i32::try_from(*i).is_ok())
            .ok_or_else(|| ApiError::invalid_type("amount", "Must be a valid numeric format")),
        Some(_) => Err(ApiError::invalid_type(
            "amount",
            "Must be a valid numeric format",
        )),
    }
}

fn amount_to_u64(amount: i64) -> u64 {
    // Negative amounts become 0, which `Amount::new` rejects as too small.
    u64::try_from(amount).unwrap_or(0)
}

fn amount_error(error: &AmountError) -> ApiError {
    ApiError::invalid("amount", &error.to_string())
}

/// `reference` and `description`: required, strings, not blank, none of `< > |`.
fn read_required_text(body: &Map<String, Value>, field: &str) -> Result<String, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Err(ApiError::missing(field)),
        Some(Value::String(s)) if s.trim().is_empty() => Err(ApiError::missing(field)),
        Some(Value::String(s)) if s.contains(FORBIDDEN_TEXT_CHARS) => Err(ApiError::invalid_type(
            field,
            "Must be a valid string format",
        )),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(ApiError::invalid_type(
            field,
            "Must be a valid string format",
        )),
    }
}

/// An optional string attribute: absent or `null` is `None`; any other non-string is a
/// type error with GOV.UK Pay's per-attribute wording `why`.
fn read_optional_string(
    body: &Map<String, Value>,
    field: &str,
    why: &str,
) -> Result<Option<String>, ApiError> {
    read_nullable_string(body.get(field), field, why)
}

fn read_nullable_string(
    value: Option<&Value>,
    field: &str,
    why: &str,
) -> Result<Option<String>, ApiError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::invalid_type(field, why)),
    }
}

/// `moto`, `delayed_capture`: if sent, must be `true` or `false` (`null` included: GOV.UK
/// Pay rejects an explicit null here).
fn read_optional_bool(body: &Map<String, Value>, field: &str) -> Result<Option<bool>, ApiError> {
    match body.get(field) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ApiError::invalid_type(field, "Must be true or false")),
    }
}

/// `language`: `"en"` or `"cy"`. A wrong type, null or blank is a 400 and an unknown code a
/// 422, with the same wording, as GOV.UK Pay does.
fn read_language(body: &Map<String, Value>) -> Result<Language, ApiError> {
    const WHY: &str = "Must be \"en\" or \"cy\"";
    match body.get("language") {
        None => Ok(Language::En),
        Some(Value::String(s)) if !s.trim().is_empty() => {
            Language::parse(s).ok_or_else(|| ApiError::invalid("language", WHY))
        }
        Some(_) => Err(ApiError::invalid_type("language", WHY)),
    }
}

/// `set_up_agreement` asks to save the card on a recurring-payment agreement, which Kassa
/// does not support yet. Saying so beats silently taking a one-off payment.
fn reject_agreement_setup(body: &Map<String, Value>) -> Result<(), ApiError> {
    match body.get("set_up_agreement") {
        None | Some(Value::Null) => Ok(()),
        Some(_) => Err(ApiError::invalid(
            "set_up_agreement",
            "Kassa does not support agreements for recurring payments yet",
        )),
    }
}

/// `authorisation_mode`: only `web` (the default) is supported.
fn read_authorisation_mode(body: &Map<String, Value>) -> Result<(), ApiError> {
    const FIELD: &str = "authorisation_mode";
    match body.get(FIELD) {
        None => Ok(()),
        Some(Value::String(s)) if s == "web" => Ok(()),
        Some(Value::String(s)) if s == "moto_api" || s == "agreement" => Err(ApiError::invalid(
            FIELD,
            &format!("Kassa does not support the {s} authorisation mode yet. Must be web"),
        )),
        Some(Value::String(s)) if !s.trim().is_empty() => {
            Err(ApiError::invalid(FIELD, "Must be web"))
        }
        Some(_) => Err(ApiError::invalid_type(FIELD, "Must be web")),
    }
}

/// Reads `prefilled_cardholder_details` (types only; lengths are checked in pass 2).
///
/// Nested attributes are named by their own name in errors (`line1`, `cardholder_name`),
/// GOV.UK Pay's convention; unknown nested attributes, which GOV.UK Pay ignores and Kassa
/// rejects, are named by their full dotted path so they can be found.
fn read_prefilled(value: &Value) -> Result<Option<PrefilledCardholderDetails>, ApiError> {
    let object = match value {
        Value::Null => return Ok(None),
        Value::Object(object) => object,
        _ => return Err(ApiError::invalid_type(PREFILLED, "Must be an object")),
    };
    if let Some(unknown) = object
        .keys()
        .find(|k| k.as_str() != "cardholder_name" && k.as_str() != BILLING_ADDRESS)
    {
        return Err(ApiError::unexpected_field(&format!(
            "{PREFILLED}.{unknown}"
        )));
    }
    let cardholder_name = read_nullable_string(
        object.get("cardholder_name"),
        "cardholder_name",
        "Field must be a string",
    )?;
    let billing_address = match object.get(BILLING_ADDRESS) {
        None | Some(Value::Null) => None,
        Some(Value::Object(address)) => Some(read_address(address)?),
        Some(_) => return Err(ApiError::invalid_type(BILLING_ADDRESS, "Must be an object")),
    };
    Ok(Some(PrefilledCardholderDetails {
        cardholder_name,
        billing_address,
    }))
}

fn read_address(object: &Map<String, Value>) -> Result<Address, ApiError> {
    const LINES: [&str; 5] = ["line1", "line2", "postcode", "city", "country"];
    if let Some(unknown) = object.keys().find(|k| !LINES.contains(&k.as_str())) {
        return Err(ApiError::unexpected_field(&format!(
            "{PREFILLED}.{BILLING_ADDRESS}.{unknown}"
        )));
    }
    let read = |name: &str| read_nullable_string(object.get(name), name, "Field must be a string");
    Ok(Address {
        line1: read("line1")?,
        line2: read("line2")?,
        postcode: read("postcode")?,
        city: read("city")?,
        country: read("country")?,
    })
}

/// Pass 2 for `prefilled_cardholder_details`: lengths, the country code, and empty strings
/// dropped (an empty prefill is no prefill).
fn validate_prefilled(
    prefilled: PrefilledCardholderDetails,
) -> Result<PrefilledCardholderDetails, ApiError> {
    let cardholder_name = non_empty(prefilled.cardholder_name);
    if let Some(name) = &cardholder_name {
        check_max_length("cardholder_name", name, CARDHOLDER_NAME_MAX_LENGTH)?;
    }
    let billing_address = match prefilled.billing_address {
        Some(address) => Some(validate_address(address)?),
        None => None,
    };
    Ok(PrefilledCardholderDetails {
        cardholder_name,
        billing_address,
    })
}

fn validate_address(address: Address) -> Result<Address, ApiError> {
    let line1 = non_empty(address.line1);
    let line2 = non_empty(address.line2);
    let postcode = non_empty(address.postcode);
    let city = non_empty(address.city);
    let country = non_empty(address.country);
    for (field, value, max) in [
        ("line1", &line1, ADDRESS_LINE_MAX_LENGTH),
        ("line2", &line2, ADDRESS_LINE_MAX_LENGTH),
        ("postcode", &postcode, POSTCODE_MAX_LENGTH),
        ("city", &city, ADDRESS_LINE_MAX_LENGTH),
    ] {
        if let Some(value) = value {
            check_max_length(field, value, max)?;
        }
    }
    let country = match country {
        Some(code) => Some(validate_country(&code)?),
        None => None,
    };
    Ok(Address {
        line1,
        line2,
        postcode,
        city,
        country,
    })
}

/// Two letters, returned upper-cased ("gb" and "GB" mean the same country).
fn validate_country(code: &str) -> Result<String, ApiError> {
    if code.chars().count() != 2 {
        return Err(ApiError::invalid(
            "country",
            "Must be exactly 2 characters length",
        ));
    }
    if !code.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(ApiError::invalid(
            "country",
            "Must be a 2-letter ISO 3166-1 alpha-2 country code",
        ));
    }
    Ok(code.to_ascii_uppercase())
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|s| !s.is_empty())
}

/// GOV.UK Pay's length rule and wording: "Must be less than or equal to 255 characters
/// length".
fn check_max_length(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.chars().count() > max {
        Err(ApiError::invalid(
            field,
            &format!("Must be less than or equal to {max} characters length"),
        ))
    } else {
        Ok(())
    }
}

/// The scheme of an absolute URL (the text before the first `:`), if it is syntactically
/// a scheme.
fn url_scheme(url: &str) -> Option<&str> {
    let (scheme, _) = url.split_once(':')?;
    let mut chars = scheme.chars();
    let first_is_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (first_is_letter && rest_ok).then_some(scheme)
}

/// Checks that `url` is an absolute `http`/`https` URL with a host and without
/// credentials, returning the reason in GOV.UK Pay's style when it is not.
///
/// This rejects relative URLs, `javascript:`/`data:` and other schemes, and anything with
/// whitespace or control characters (which no correctly encoded URL contains). Credentials
/// are refused because the URL is shown to and followed by the paying user's browser.
pub fn validate_return_url(url: &str) -> Result<(), &'static str> {
    const FORMAT: &str = "Must be a valid URL format";
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(FORMAT);
    }
    let scheme = url_scheme(url).ok_or(FORMAT)?;
    if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) {
        return Err(FORMAT);
    }
    let after_scheme = url.get(scheme.len() + 1..).ok_or(FORMAT)?;
    let rest = after_scheme.strip_prefix("//").ok_or(FORMAT)?;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..authority_end).ok_or(FORMAT)?;
    if authority.contains('@') {
        return Err("Must not contain a username or password");
    }
    let (host, port) = split_host_port(authority).ok_or(FORMAT)?;
    if !is_valid_host(host) {
        return Err(FORMAT);
    }
    if let Some(port) = port {
        let ok = !port.is_empty()
            && port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|p| p <= 65_535);
        if !ok {
            return Err(FORMAT);
        }
    }
    Ok(())
}

/// Splits `host[:port]`, keeping an IPv6 literal's brackets with the host.
fn split_host_port(authority: &str) -> Option<(&str, Option<&str>)> {
    if authority.starts_with('[') {
        let close = authority.find(']')?;
        let host = authority.get(..=close)?;
        let after = authority.get(close + 1..)?;
        if after.is_empty() {
            Some((host, None))
        } else {
            Some((host, Some(after.strip_prefix(':')?)))
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => Some((host, Some(port))),
            None => Some((authority, None)),
        }
    }
}

/// A host name (ASCII letters, digits, hyphens and underscores, which real hosts use even
/// though DNS host names should not; non-empty dot-separated labels) or a bracketed IPv6
/// literal. Internationalised names must be sent in their `xn--` form.
fn is_valid_host(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return !inner.is_empty()
            && inner.contains(':')
            && inner
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
    }
    !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// A deliberately loose email check: one `@` with something on both sides, a domain of
/// non-empty dot-separated labels, and no whitespace or control characters. Anything
/// stricter would reject real addresses; the real test is the email arriving.
fn is_plausible_email(email: &str) -> bool {
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && domain.split('.').all(|label| !label.is_empty())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::error::ErrorCode;
    use crate::api::metadata::MetadataValue;
    use proptest::prelude::*;
    use serde_json::json;

    fn valid() -> Value {
        json!({
            "amount": 14500,
            "reference": "12345",
            "description": "Pay your council tax",
            "return_url": "https://your.service.gov.uk/completed"
        })
    }

    fn with(key: &str, value: Value) -> Value {
        let mut v = valid();
        v[key] = value;
        v
    }

    fn without(key: &str) -> Value {
        let mut v = valid();
        if let Some(obj) = v.as_object_mut() {
            obj.remove(key);
        }
        v
    }

    fn parse(v: &Value) -> Result<CreatePaymentRequest, ApiError> {
        parse_create_payment(v.to_string().as_bytes())
    }

    /// Asserts an error's code, field, HTTP status and description.
    fn assert_err(v: &Value, code: ErrorCode, field: &str, status: u16, description: &str) {
        let err = parse(v).unwrap_err();
        assert_eq!(err.code, code, "{v}");
        assert_eq!(err.field.as_deref(), Some(field), "{v}");
        assert_eq!(err.http_status(), status, "{v}");
        assert_eq!(err.description, description, "{v}");
    }

    fn prefilled(details: Value) -> Value {
        with("prefilled_cardholder_details", details)
    }

    fn address(address: Value) -> Value {
        prefilled(json!({ "billing_address": address }))
    }

    // --- Whole bodies ----------------------------------------------------------------

    #[test]
    fn minimal_request_gets_defaults() {
        let r = parse(&valid()).unwrap();
        assert_eq!(r.amount.minor_units(), 14500);
        assert_eq!(r.reference, "12345");
        assert_eq!(r.description, "Pay your council tax");
        assert_eq!(r.return_url, "https://your.service.gov.uk/completed");
        assert_eq!(r.language, Language::En);
        assert_eq!(r.email, None);
        assert_eq!(r.prefilled_cardholder_details, None);
        assert!(!r.delayed_capture);
        assert!(!r.moto);
        assert_eq!(r.metadata, None);
        assert!(r.return_url_is_https());
    }

    #[test]
    fn documented_example_request_parses() {
        let body = br#"{
          "amount": 14500,
          "reference" : "12345",
          "description": "Pay your council tax",
          "return_url": "https://your.service.gov.uk/completed",
          "delayed_capture": false,
          "metadata": {"ledger_code": "AB100", "internal_reference_number": 200},
          "email": "sherlock.holmes@example.com",
          "prefilled_cardholder_details": {
            "cardholder_name": "Sherlock Holmes",
            "billing_address": {"line1": "221 Baker Street", "line2": "Flat b",
              "postcode": "NW1 6XE", "city": "London", "country": "GB"}
          },
          "language": "en"
        }"#;
        let r = parse_create_payment(body).unwrap();
        assert_eq!(r.email.as_deref(), Some("sherlock.holmes@example.com"));
        let p = r.prefilled_cardholder_details.unwrap();
        assert_eq!(p.cardholder_name.as_deref(), Some("Sherlock Holmes"));
        let a = p.billing_address.unwrap();
        assert_eq!(a.postcode.as_deref(), Some("NW1 6XE"));
        assert_eq!(a.country.as_deref(), Some("GB"));
        let m = r.metadata.unwrap();
        assert_eq!(
            m.get("ledger_code"),
            Some(&MetadataValue::String("AB100".into()))
        );
    }

    #[test]
    fn unparseable_json_is_p0197() {
        for body in [&b"{"[..], b"", b"not json", b"{\"amount\": }", b"\xff\xfe"] {
            let err = parse_create_payment(body).unwrap_err();
            assert_eq!(err.code, ErrorCode::P0197);
            assert_eq!(err.description, "Unable to parse JSON");
            assert_eq!(err.field, None);
            assert_eq!(err.http_status(), 400);
        }
    }

    #[test]
    fn non_object_json_is_p0197() {
        for body in ["[]", "null", "1", "\"x\"", "true"] {
            assert_eq!(
                parse_create_payment(body.as_bytes()).unwrap_err().code,
                ErrorCode::P0197
            );
        }
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        let mut body = b"\xEF\xBB\xBF".to_vec();
        body.extend_from_slice(valid().to_string().as_bytes());
        assert!(parse_create_payment(&body).is_ok());
    }

    #[test]
    fn unknown_top_level_attribute_is_p0104() {
        assert_err(
            &with("colour", json!("blue")),
            ErrorCode::P0104,
            "colour",
            400,
            "Unexpected attribute: colour",
        );
    }

    #[test]
    fn unknown_attribute_is_reported_before_missing_ones() {
        let err = parse(&json!({"ammount": 100})).unwrap_err();
        assert_eq!(err.code, ErrorCode::P0104);
        assert_eq!(err.field.as_deref(), Some("ammount"));
    }

    #[test]
    fn type_errors_come_before_rule_errors() {
        let mut v = with("amount", json!(0));
        v["reference"] = json!(5);
        assert_err(
            &v,
            ErrorCode::P0102,
            "reference",
            400,
            "Invalid attribute value: reference. Must be a valid string format",
        );
    }

    // --- amount ------------------------------------------------------------------------

    #[test]
    fn amount_missing() {
        assert_err(
            &without("amount"),
            ErrorCode::P0101,
            "amount",
            400,
            "Missing mandatory attribute: amount",
        );
    }

    #[test]
    fn amount_null_is_missing() {
        assert_err(
            &with("amount", Value::Null),
            ErrorCode::P0101,
            "amount",
            400,
            "Missing mandatory attribute: amount",
        );
    }

    #[test]
    fn amount_as_string_is_invalid_type() {
        assert_err(
            &with("amount", json!("1000")),
            ErrorCode::P0102,
            "amount",
            400,
            "Invalid attribute value: amount. Must be a valid numeric format",
        );
    }

    #[test]
    fn amount_as_decimal_is_invalid_type() {
        for v in [json!(12.5), json!(12.0)] {
            assert_err(
                &with("amount", v),
                ErrorCode::P0102,
                "amount",
                400,
                "Invalid attribute value: amount. Must be a valid numeric format",
            );
        }
    }

    #[test]
    fn amount_as_bool_array_or_object_is_invalid_type() {
        for v in [json!(true), json!([100]), json!({"value": 100})] {
            assert_err(
                &with("amount", v),
                ErrorCode::P0102,
                "amount",
                400,
                "Invalid attribute value: amount. Must be a valid numeric format",
            );
        }
    }

    #[test]
    fn amount_beyond_32_bits_is_invalid_type() {
        assert_err(
            &with("amount", json!(2_147_483_648_i64)),
            ErrorCode::P0102,
            "amount",
            400,
            "Invalid attribute value: amount. Must be a valid numeric format",
        );
    }

    #[test]
    fn amount_zero_rejected() {
        assert_err(
            &with("amount", json!(0)),
            ErrorCode::P0102,
            "amount",
            422,
            "Invalid attribute value: amount. Must be greater than or equal to 1",
        );
    }

    #[test]
    fn amount_negative_rejected() {
        assert_err(
            &with("amount", json!(-5)),
            ErrorCode::P0102,
            "amount",
            422,
            "Invalid attribute value: amount. Must be greater than or equal to 1",
        );
    }

    #[test]
    fn amount_bounds_accepted() {
        assert_eq!(
            parse(&with("amount", json!(1)))
                .unwrap()
                .amount
                .minor_units(),
            1
        );
        assert_eq!(
            parse(&with("amount", json!(10_000_000)))
                .unwrap()
                .amount
                .minor_units(),
            10_000_000
        );
    }

    #[test]
    fn amount_above_max_rejected() {
        assert_err(
            &with("amount", json!(10_000_001)),
            ErrorCode::P0102,
            "amount",
            422,
            "Invalid attribute value: amount. Must be less than or equal to 10000000",
        );
    }

    // --- reference and description -------------------------------------------------------

    #[test]
    fn reference_missing() {
        assert_err(
            &without("reference"),
            ErrorCode::P0101,
            "reference",
            400,
            "Missing mandatory attribute: reference",
        );
    }

    #[test]
    fn reference_null_or_blank_is_missing() {
        for v in [Value::Null, json!(""), json!("   ")] {
            assert_err(
                &with("reference", v),
                ErrorCode::P0101,
                "reference",
                400,
                "Missing mandatory attribute: reference",
            );
        }
    }

    #[test]
    fn reference_as_number_is_invalid_type() {
        assert_err(
            &with("reference", json!(12345)),
            ErrorCode::P0102,
            "reference",
            400,
            "Invalid attribute value: reference. Must be a valid string format",
        );
    }

    #[test]
    fn reference_as_array_is_invalid_type() {
        assert_err(
            &with("reference", json!(["a"])),
            ErrorCode::P0102,
            "reference",
            400,
            "Invalid attribute value: reference. Must be a valid string format",
        );
    }

    #[test]
    fn reference_with_firewall_characters_rejected() {
        for s in ["<script>", "a|b", "x>y"] {
            assert_err(
                &with("reference", json!(s)),
                ErrorCode::P0102,
                "reference",
                400,
                "Invalid attribute value: reference. Must be a valid string format",
            );
        }
    }

    #[test]
    fn reference_at_limit_ok() {
        assert!(parse(&with("reference", json!("r".repeat(255)))).is_ok());
    }

    #[test]
    fn reference_over_limit_rejected() {
        assert_err(&with("reference", json!("r".repeat(256))), ErrorCode::P0102, "reference", 422, "Invalid attribute value: reference. Must be less than or equal to 255 characters length");
    }

    #[test]
    fn reference_length_counts_characters_not_bytes() {
        // 255 three-byte characters (765 bytes) are 255 characters: accepted.
        assert!(parse(&with("reference", json!("€".repeat(255)))).is_ok());
        assert_eq!(
            parse(&with("reference", json!("€".repeat(256))))
                .unwrap_err()
                .code,
            ErrorCode::P0102
        );
    }

    #[test]
    fn description_missing() {
        assert_err(
            &without("description"),
            ErrorCode::P0101,
            "description",
            400,
            "Missing mandatory attribute: description",
        );
    }

    #[test]
    fn description_null_is_missing() {
        assert_err(
            &with("description", Value::Null),
            ErrorCode::P0101,
            "description",
            400,
            "Missing mandatory attribute: description",
        );
    }

    #[test]
    fn description_as_bool_is_invalid_type() {
        assert_err(
            &with("description", json!(false)),
            ErrorCode::P0102,
            "description",
            400,
            "Invalid attribute value: description. Must be a valid string format",
        );
    }

    #[test]
    fn description_at_limit_ok() {
        assert!(parse(&with("description", json!("d".repeat(255)))).is_ok());
    }

    #[test]
    fn description_over_limit_rejected() {
        assert_err(&with("description", json!("d".repeat(256))), ErrorCode::P0102, "description", 422, "Invalid attribute value: description. Must be less than or equal to 255 characters length");
    }

    // --- return_url ----------------------------------------------------------------------

    #[test]
    fn return_url_missing() {
        assert_err(
            &without("return_url"),
            ErrorCode::P0101,
            "return_url",
            400,
            "Missing mandatory attribute: return_url",
        );
    }

    #[test]
    fn return_url_null_or_empty_is_missing() {
        for v in [Value::Null, json!("")] {
            assert_err(
                &with("return_url", v),
                ErrorCode::P0101,
                "return_url",
                400,
                "Missing mandatory attribute: return_url",
            );
        }
    }

    #[test]
    fn return_url_as_number_is_invalid_type() {
        assert_err(
            &with("return_url", json!(42)),
            ErrorCode::P0102,
            "return_url",
            400,
            "Invalid attribute value: return_url. Must be a valid URL format",
        );
    }

    #[test]
    fn return_url_relative_rejected() {
        for url in [
            "/completed",
            "completed",
            "//host.example/x",
            "your.service.gov.uk/x",
        ] {
            assert_err(
                &with("return_url", json!(url)),
                ErrorCode::P0102,
                "return_url",
                422,
                "Invalid attribute value: return_url. Must be a valid URL format",
            );
        }
    }

    #[test]
    fn return_url_other_schemes_rejected() {
        for url in [
            "javascript:alert(1)",
            "JavaScript://x.example/%0aalert(1)",
            "data:text/html,hi",
            "ftp://files.example/x",
            "file:///etc/passwd",
        ] {
            assert_err(
                &with("return_url", json!(url)),
                ErrorCode::P0102,
                "return_url",
                422,
                "Invalid attribute value: return_url. Must be a valid URL format",
            );
        }
    }

    #[test]
    fn return_url_with_credentials_rejected() {
        for url in [
            "https://user:pass@service.example/x",
            "https://user@service.example/",
        ] {
            assert_err(
                &with("return_url", json!(url)),
                ErrorCode::P0102,
                "return_url",
                422,
                "Invalid attribute value: return_url. Must not contain a username or password",
            );
        }
    }

    #[test]
    fn return_url_at_sign_in_path_is_fine() {
        assert!(parse(&with(
            "return_url",
            json!("https://service.example/u/a@b.example")
        ))
        .is_ok());
    }

    #[test]
    fn return_url_bad_hosts_and_ports_rejected() {
        for url in [
            "https://",
            "https:///path",
            "https://bad host/",
            "https://a..b/",
            "https://-a.example/",
            "https://host.example:/",
            "https://host.example:99999/",
            "https://host.example:8o/",
            "https://[]/",
            "https://[::1/",
            "https://host.example/pa th",
            "https://host.example/\u{7}",
        ] {
            assert_err(
                &with("return_url", json!(url)),
                ErrorCode::P0102,
                "return_url",
                422,
                "Invalid attribute value: return_url. Must be a valid URL format",
            );
        }
    }

    #[test]
    fn return_url_good_forms_accepted() {
        for url in [
            "https://your.service.gov.uk/completed",
            "http://localhost:3000/return?x=1#frag",
            "HTTPS://EXAMPLE.COM",
            "https://[::1]:8443/x",
            "https://xn--bcher-kva.example/?q=%20",
            "https://example.com?only=query",
            "https://my_host.example/",
        ] {
            assert!(parse(&with("return_url", json!(url))).is_ok(), "{url}");
        }
    }

    #[test]
    fn return_url_at_limit_ok() {
        let base = "https://example.com/";
        let url = format!("{base}{}", "a".repeat(2000 - base.len()));
        assert_eq!(url.len(), 2000);
        assert!(parse(&with("return_url", json!(url))).is_ok());
    }

    #[test]
    fn return_url_over_limit_rejected() {
        let base = "https://example.com/";
        let url = format!("{base}{}", "a".repeat(2001 - base.len()));
        assert_err(&with("return_url", json!(url)), ErrorCode::P0102, "return_url", 422, "Invalid attribute value: return_url. Must be less than or equal to 2000 characters length");
    }

    #[test]
    fn return_url_https_detection() {
        assert!(!parse(&with("return_url", json!("http://localhost/x")))
            .unwrap()
            .return_url_is_https());
        assert!(parse(&with("return_url", json!("HTTPS://x.example")))
            .unwrap()
            .return_url_is_https());
    }

    // --- language ------------------------------------------------------------------------

    #[test]
    fn language_welsh_accepted() {
        assert_eq!(
            parse(&with("language", json!("cy"))).unwrap().language,
            Language::Cy
        );
        assert_eq!(
            parse(&with("language", json!("en"))).unwrap().language,
            Language::En
        );
    }

    #[test]
    fn language_unknown_rejected() {
        for l in ["fr", "EN", "english"] {
            assert_err(
                &with("language", json!(l)),
                ErrorCode::P0102,
                "language",
                422,
                "Invalid attribute value: language. Must be \"en\" or \"cy\"",
            );
        }
    }

    #[test]
    fn language_wrong_type_or_null_rejected() {
        for v in [Value::Null, json!(1), json!(""), json!(["en"])] {
            assert_err(
                &with("language", v),
                ErrorCode::P0102,
                "language",
                400,
                "Invalid attribute value: language. Must be \"en\" or \"cy\"",
            );
        }
    }

    // --- email ---------------------------------------------------------------------------

    #[test]
    fn email_accepted() {
        let r = parse(&with("email", json!("Joe.Bogs@example.org"))).unwrap();
        assert_eq!(r.email.as_deref(), Some("Joe.Bogs@example.org"));
    }

    #[test]
    fn email_null_or_empty_means_none() {
        assert_eq!(parse(&with("email", Value::Null)).unwrap().email, None);
        assert_eq!(parse(&with("email", json!(""))).unwrap().email, None);
    }

    #[test]
    fn email_wrong_type_rejected() {
        assert_err(
            &with("email", json!(7)),
            ErrorCode::P0102,
            "email",
            400,
            "Invalid attribute value: email. Field must be a string",
        );
    }

    #[test]
    fn email_syntax_rejected() {
        for e in [
            "no-at-sign",
            "@example.com",
            "joe@",
            "joe@@example.com",
            "joe @example.com",
            "joe@example..com",
            "joe@.example",
        ] {
            assert_err(
                &with("email", json!(e)),
                ErrorCode::P0102,
                "email",
                422,
                "Invalid attribute value: email. Must be a valid email address",
            );
        }
    }

    #[test]
    fn email_at_limit_ok() {
        let email = format!("{}@example.com", "a".repeat(254 - "@example.com".len()));
        assert_eq!(email.chars().count(), 254);
        assert!(parse(&with("email", json!(email))).is_ok());
    }

    #[test]
    fn email_over_limit_rejected() {
        let email = format!("{}@example.com", "a".repeat(255 - "@example.com".len()));
        assert_err(
            &with("email", json!(email)),
            ErrorCode::P0102,
            "email",
            422,
            "Invalid attribute value: email. Must be less than or equal to 254 characters length",
        );
    }

    // --- booleans ------------------------------------------------------------------------

    #[test]
    fn delayed_capture_and_moto_accepted() {
        let mut v = with("delayed_capture", json!(true));
        v["moto"] = json!(true);
        let r = parse(&v).unwrap();
        assert!(r.delayed_capture);
        assert!(r.moto);
    }

    #[test]
    fn delayed_capture_wrong_type_rejected() {
        for v in [json!("true"), json!(1), Value::Null] {
            assert_err(
                &with("delayed_capture", v),
                ErrorCode::P0102,
                "delayed_capture",
                400,
                "Invalid attribute value: delayed_capture. Must be true or false",
            );
        }
    }

    #[test]
    fn moto_wrong_type_rejected() {
        for v in [json!("false"), json!(0), Value::Null] {
            assert_err(
                &with("moto", v),
                ErrorCode::P0102,
                "moto",
                400,
                "Invalid attribute value: moto. Must be true or false",
            );
        }
    }

    // --- authorisation mode and agreements -----------------------------------------------

    #[test]
    fn authorisation_mode_web_accepted() {
        assert!(parse(&with("authorisation_mode", json!("web"))).is_ok());
    }

    #[test]
    fn authorisation_mode_moto_api_not_supported() {
        assert_err(&with("authorisation_mode", json!("moto_api")), ErrorCode::P0102, "authorisation_mode", 422, "Invalid attribute value: authorisation_mode. Kassa does not support the moto_api authorisation mode yet. Must be web");
    }

    #[test]
    fn authorisation_mode_agreement_not_supported() {
        assert_err(&with("authorisation_mode", json!("agreement")), ErrorCode::P0102, "authorisation_mode", 422, "Invalid attribute value: authorisation_mode. Kassa does not support the agreement authorisation mode yet. Must be web");
    }

    #[test]
    fn authorisation_mode_unknown_or_wrong_type() {
        assert_err(
            &with("authorisation_mode", json!("phone")),
            ErrorCode::P0102,
            "authorisation_mode",
            422,
            "Invalid attribute value: authorisation_mode. Must be web",
        );
        assert_err(
            &with("authorisation_mode", json!(1)),
            ErrorCode::P0102,
            "authorisation_mode",
            400,
            "Invalid attribute value: authorisation_mode. Must be web",
        );
    }

    #[test]
    fn set_up_agreement_not_supported() {
        assert_err(&with("set_up_agreement", json!("abcefghjklmnopqr1234567890")), ErrorCode::P0102, "set_up_agreement", 422, "Invalid attribute value: set_up_agreement. Kassa does not support agreements for recurring payments yet");
        assert!(parse(&with("set_up_agreement", Value::Null)).is_ok());
    }

    #[test]
    fn agreement_id_without_agreement_mode_is_unexpected() {
        assert_err(
            &with("agreement_id", json!("abcefghjklmnopqr1234567890")),
            ErrorCode::P0104,
            "agreement_id",
            400,
            "Unexpected attribute: agreement_id",
        );
    }

    #[test]
    fn agreement_payment_type_is_unexpected() {
        assert_err(
            &with("agreement_payment_type", json!("recurring")),
            ErrorCode::P0104,
            "agreement_payment_type",
            400,
            "Unexpected attribute: agreement_payment_type",
        );
    }

    // --- prefilled cardholder details ----------------------------------------------------

    #[test]
    fn prefilled_null_is_none() {
        assert_eq!(
            parse(&prefilled(Value::Null))
                .unwrap()
                .prefilled_cardholder_details,
            None
        );
    }

    #[test]
    fn prefilled_not_an_object_rejected() {
        assert_err(
            &prefilled(json!("Sherlock")),
            ErrorCode::P0102,
            "prefilled_cardholder_details",
            400,
            "Invalid attribute value: prefilled_cardholder_details. Must be an object",
        );
    }

    #[test]
    fn prefilled_unknown_attribute_rejected() {
        assert_err(
            &prefilled(json!({"phone": "1"})),
            ErrorCode::P0104,
            "prefilled_cardholder_details.phone",
            400,
            "Unexpected attribute: prefilled_cardholder_details.phone",
        );
    }

    #[test]
    fn cardholder_name_wrong_type_rejected() {
        assert_err(
            &prefilled(json!({"cardholder_name": 1})),
            ErrorCode::P0102,
            "cardholder_name",
            400,
            "Invalid attribute value: cardholder_name. Field must be a string",
        );
    }

    #[test]
    fn cardholder_name_at_limit_ok() {
        let r = parse(&prefilled(json!({"cardholder_name": "n".repeat(255)}))).unwrap();
        assert_eq!(
            r.prefilled_cardholder_details
                .unwrap()
                .cardholder_name
                .unwrap()
                .len(),
            255
        );
    }

    #[test]
    fn cardholder_name_over_limit_rejected() {
        assert_err(&prefilled(json!({"cardholder_name": "n".repeat(256)})), ErrorCode::P0102, "cardholder_name", 422, "Invalid attribute value: cardholder_name. Must be less than or equal to 255 characters length");
    }

    #[test]
    fn billing_address_not_an_object_rejected() {
        assert_err(
            &address(json!(["221B"])),
            ErrorCode::P0102,
            "billing_address",
            400,
            "Invalid attribute value: billing_address. Must be an object",
        );
    }

    #[test]
    fn billing_address_unknown_attribute_rejected() {
        assert_err(
            &address(json!({"line3": "x"})),
            ErrorCode::P0104,
            "prefilled_cardholder_details.billing_address.line3",
            400,
            "Unexpected attribute: prefilled_cardholder_details.billing_address.line3",
        );
    }

    #[test]
    fn address_line_wrong_type_rejected() {
        for line in ["line1", "line2", "postcode", "city", "country"] {
            assert_err(
                &address(json!({ line: 5 })),
                ErrorCode::P0102,
                line,
                400,
                &format!("Invalid attribute value: {line}. Field must be a string"),
            );
        }
    }

    #[test]
    fn address_lines_at_limit_ok() {
        let v = address(json!({
            "line1": "a".repeat(255), "line2": "b".repeat(255),
            "city": "c".repeat(255), "postcode": "p".repeat(25), "country": "gb"
        }));
        let a = parse(&v)
            .unwrap()
            .prefilled_cardholder_details
            .unwrap()
            .billing_address
            .unwrap();
        assert_eq!(a.country.as_deref(), Some("GB"));
        assert_eq!(a.postcode.map(|p| p.len()), Some(25));
    }

    #[test]
    fn address_lines_over_limit_rejected() {
        for (line, max) in [
            ("line1", 255),
            ("line2", 255),
            ("city", 255),
            ("postcode", 25),
        ] {
            assert_err(
                &address(json!({ line: "x".repeat(max + 1) })),
                ErrorCode::P0102,
                line,
                422,
                &format!("Invalid attribute value: {line}. Must be less than or equal to {max} characters length"),
            );
        }
    }

    #[test]
    fn country_must_be_two_letters() {
        assert_err(
            &address(json!({"country": "GBR"})),
            ErrorCode::P0102,
            "country",
            422,
            "Invalid attribute value: country. Must be exactly 2 characters length",
        );
        assert_err(
            &address(json!({"country": "G1"})),
            ErrorCode::P0102,
            "country",
            422,
            "Invalid attribute value: country. Must be a 2-letter ISO 3166-1 alpha-2 country code",
        );
    }

    #[test]
    fn empty_prefill_strings_are_dropped() {
        let v = prefilled(
            json!({"cardholder_name": "", "billing_address": {"line1": "", "country": null}}),
        );
        let p = parse(&v).unwrap().prefilled_cardholder_details.unwrap();
        assert_eq!(p.cardholder_name, None);
        assert_eq!(p.billing_address, Some(Address::default()));
    }

    // --- metadata ------------------------------------------------------------------------

    #[test]
    fn metadata_errors_surface_with_field() {
        assert_err(
            &with("metadata", json!({"a": {"b": 1}})),
            ErrorCode::P0102,
            "metadata",
            422,
            "Invalid attribute value: metadata. Values must be of type String, Boolean or Number",
        );
        assert_err(
            &with("metadata", Value::Null),
            ErrorCode::P0102,
            "metadata",
            422,
            "Invalid attribute value: metadata. Value must not be null",
        );
    }

    // --- robustness ----------------------------------------------------------------------

    #[test]
    fn deeply_nested_json_is_rejected_without_overflow() {
        let body = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(
            parse_create_payment(body.as_bytes()).unwrap_err().code,
            ErrorCode::P0197
        );
        let nested = format!(
            r#"{{"amount":1,"reference":"r","description":"d","return_url":"https://x.example","metadata":{}1{}}}"#,
            "{\"a\":".repeat(5000),
            "}".repeat(5000)
        );
        assert!(parse_create_payment(nested.as_bytes()).is_err());
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|i| json!(i)),
            any::<f64>()
                .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
            ".{0,40}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(
                    prop_oneof![
                        Just("amount".to_owned()),
                        Just("reference".to_owned()),
                        Just("description".to_owned()),
                        Just("return_url".to_owned()),
                        Just("metadata".to_owned()),
                        Just("prefilled_cardholder_details".to_owned()),
                        Just("billing_address".to_owned()),
                        Just("email".to_owned()),
                        Just("language".to_owned()),
                        ".{0,8}",
                    ],
                    inner,
                    0..8
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    #[test]
    fn serde_round_trips_through_the_request_rules() {
        let body = json!({
            "amount": 14500,
            "reference": "12345",
            "description": "Pay your council tax",
            "return_url": "https://your.service.gov.uk/completed",
            "language": "cy",
            "email": "sherlock.holmes@example.com",
            "delayed_capture": true,
            "moto": false,
            "metadata": {"ledger_code": "AB100", "count": 200, "ratio": 1.5, "paid": true},
            "prefilled_cardholder_details": {
                "cardholder_name": "J. Bogs",
                "billing_address": {"line1": "address line 1", "postcode": "AB1 CD2", "country": "GB"}
            }
        });
        let request = parse(&body).unwrap();
        // Serialising gives back the body (every attribute here was sent explicitly).
        assert_eq!(serde_json::to_value(&request).unwrap(), body);
        let json = serde_json::to_string(&request).unwrap();
        assert_eq!(
            serde_json::from_str::<CreatePaymentRequest>(&json).unwrap(),
            request
        );
        // Defaults are written out, and absent optional attributes are left out.
        let minimal = parse(&valid()).unwrap();
        assert_eq!(
            serde_json::to_value(&minimal).unwrap(),
            json!({
                "amount": 14500,
                "reference": "12345",
                "description": "Pay your council tax",
                "return_url": "https://your.service.gov.uk/completed",
                "language": "en",
                "delayed_capture": false,
                "moto": false
            })
        );
    }

    #[test]
    fn deserialising_applies_the_request_rules() {
        let err = serde_json::from_value::<CreatePaymentRequest>(with("amount", json!(0)))
            .unwrap_err()
            .to_string();
        assert!(err.contains("P0102"), "{err}");
        assert!(serde_json::from_value::<CreatePaymentRequest>(with("extra", json!(1))).is_err());
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_bytes(body in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_create_payment(&body);
        }

        #[test]
        fn never_panics_on_arbitrary_json(value in arb_json()) {
            let _ = parse_create_payment(value.to_string().as_bytes());
            // Also on near-valid bodies with one attribute replaced by arbitrary JSON.
            for key in KNOWN_ATTRIBUTES {
                let _ = parse_create_payment_value(&with(key, value.clone()));
            }
        }

        #[test]
        fn errors_always_name_a_field_except_p0197(value in arb_json()) {
            if let Err(err) = parse_create_payment_value(&value) {
                prop_assert!(err.code == ErrorCode::P0197 || err.field.is_some());
                prop_assert!(matches!(err.http_status(), 400 | 422));
            }
        }

        #[test]
        fn valid_amounts_round_trip(amount in 1u64..=10_000_000) {
            let r = parse(&with("amount", json!(amount))).unwrap();
            prop_assert_eq!(r.amount.minor_units(), amount);
        }
    }
}
