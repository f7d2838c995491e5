//! `GET /v1/payments` and `GET /v1/refunds`: query parsing, validation, paging links and
//! the result envelopes (`PaymentSearchResults`, `RefundSearchResults`).
//!
//! GOV.UK Pay validates every filter, collects the names of the invalid ones and answers
//! with a single P0401 (payments) or P1101 (refunds) listing them in a fixed order, e.g.
//! "Invalid parameters: from_date, display_size. See Public API documentation for the
//! correct data formats". Empty values count as absent, unknown parameters are ignored and
//! a repeated parameter's first value wins (JAX-RS `@QueryParam` semantics).

use crate::time::{days_from_civil, days_in_month, UnixMillis, DAY_MS};

use super::error::ApiError;
use super::links::{encode_component, Link, SearchNavigationLinks};
use super::payment::{PaymentDetailForSearch, PaymentStatus};
use super::refund::RefundResponse;

/// Results per page when `display_size` is not given, and the most allowed.
pub const MAX_DISPLAY_SIZE: u64 = 500;
/// Longest `reference` filter, in characters.
const REFERENCE_MAX_LENGTH: usize = 255;
/// Longest `email` filter, in characters.
const EMAIL_MAX_LENGTH: usize = 254;
/// Longest `card_brand` filter, in characters.
const CARD_BRAND_MAX_LENGTH: usize = 20;
/// Longest `agreement_id` filter, in characters.
const AGREEMENT_ID_MAX_LENGTH: usize = 26;
/// Largest `page` (GOV.UK Pay parses it as a 32-bit integer).
const MAX_PAGE: u64 = i32::MAX as u64;

/// Decodes one `application/x-www-form-urlencoded` component: `+` is a space and `%XX` a
/// byte. Returns `None` for a truncated or non-hex escape or bytes that are not UTF-8,
/// rather than guessing what the client meant.
pub fn percent_decode(component: &str) -> Option<String> {
    let bytes = component.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let hi = hex_value(*bytes.get(i + 1)?)?;
                let lo = hex_value(*bytes.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// What one query parameter held.
enum RawParam {
    /// Decoded, non-empty value.
    Value(String),
    /// The value could not be percent-decoded: the parameter is invalid.
    Undecodable,
}

/// The first occurrence of each of `names` in `query` (a leading `?` is allowed).
/// Pairs whose name cannot be decoded are skipped: they cannot name a known parameter.
fn collect_params<'n>(query: &str, names: &[&'n str]) -> Vec<(&'n str, RawParam)> {
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut found: Vec<(&'n str, RawParam)> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let Some(name) = percent_decode(raw_name) else {
            continue;
        };
        let Some(known) = names.iter().find(|n| **n == name) else {
            continue;
        };
        if found.iter().any(|(n, _)| n == known) {
            continue;
        }
        match percent_decode(raw_value) {
            Some(v) if v.trim().is_empty() => {}
            Some(v) => found.push((known, RawParam::Value(v))),
            None => found.push((known, RawParam::Undecodable)),
        }
    }
    found
}

/// Looks up a collected parameter: `Ok(None)` when absent, `Err(())` when undecodable.
fn take<'a>(params: &'a [(&str, RawParam)], name: &str) -> Result<Option<&'a str>, ()> {
    match params.iter().find(|(n, _)| *n == name) {
        None => Ok(None),
        Some((_, RawParam::Value(v))) => Ok(Some(v.as_str())),
        Some((_, RawParam::Undecodable)) => Err(()),
    }
}

/// Collects parsed filters and the names of invalid ones, in validation order.
struct Validator<'p> {
    params: &'p [(&'p str, RawParam)],
    invalid: Vec<&'static str>,
    echo: Vec<(&'static str, String)>,
}

impl<'p> Validator<'p> {
    /// Reads `name` and converts it with `parse`; a failure records `name` as invalid.
    /// Valid values are remembered verbatim for the paging links.
    fn field<T>(&mut self, name: &'static str, parse: impl FnOnce(&str) -> Option<T>) -> Option<T> {
        match take(self.params, name) {
            Ok(None) => None,
            Ok(Some(text)) => match parse(text) {
                Some(value) => {
                    self.echo.push((name, text.to_owned()));
                    Some(value)
                }
                None => {
                    self.invalid.push(name);
                    None
                }
            },
            Err(()) => {
                self.invalid.push(name);
                None
            }
        }
    }

    fn text(&mut self, name: &'static str, max_chars: usize) -> Option<String> {
        self.field(name, |t| {
            (t.chars().count() <= max_chars).then(|| t.to_owned())
        })
    }

    fn instant(&mut self, name: &'static str) -> Option<UnixMillis> {
        self.field(name, UnixMillis::parse_rfc3339)
    }

    fn date(&mut self, name: &'static str) -> Option<UnixMillis> {
        self.field(name, parse_civil_date)
    }

    /// `page` and `display_size`, which are not echoed as filters: the paging links set
    /// them per link.
    fn number(&mut self, name: &'static str, min: u64, max: u64) -> Option<u64> {
        let value = self.field(name, |t| {
            parse_number(t).filter(|n| (min..=max).contains(n))
        });
        self.echo.retain(|(n, _)| *n != name);
        value
    }
}

/// Digits only: no sign, no spaces, no exponent.
fn parse_number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `YYYY-MM-DD`, as midnight UTC of that day.
pub fn parse_civil_date(text: &str) -> Option<UnixMillis> {
    let b = text.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let year: i64 = parse_number(text.get(0..4)?)?.try_into().ok()?;
    let month: u32 = parse_number(text.get(5..7)?)?.try_into().ok()?;
    let day: u32 = parse_number(text.get(8..10)?)?.try_into().ok()?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let days = u64::try_from(days_from_civil(year, month, day)).ok()?;
    Some(UnixMillis(days.checked_mul(DAY_MS)?))
}

fn exact_digits(text: &str, len: usize) -> Option<String> {
    (text.len() == len && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.to_owned())
}

/// A validated `GET /v1/payments` query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentSearchQuery {
    /// Exact reference (GOV.UK Pay matches it case-insensitively).
    pub reference: Option<String>,
    /// Full or partial email.
    pub email: Option<String>,
    /// Payment status.
    pub state: Option<PaymentStatus>,
    /// Card brand, e.g. `visa`.
    pub card_brand: Option<String>,
    /// Cardholder name.
    pub cardholder_name: Option<String>,
    /// First 6 digits of the card number.
    pub first_digits_card_number: Option<String>,
    /// Last 4 digits of the card number.
    pub last_digits_card_number: Option<String>,
    /// Created at or after.
    pub from_date: Option<UnixMillis>,
    /// Created before.
    pub to_date: Option<UnixMillis>,
    /// Settled on or after this day (midnight UTC).
    pub from_settled_date: Option<UnixMillis>,
    /// Settled before this day (midnight UTC).
    pub to_settled_date: Option<UnixMillis>,
    /// Agreement id (exact).
    pub agreement_id: Option<String>,
    /// 1-based page number (default 1).
    pub page: u64,
    /// Results per page, 1..=500 (default 500).
    pub display_size: u64,
    /// Valid filters as sent, in canonical order, for the paging links.
    filters: Vec<(&'static str, String)>,
}

const PAYMENT_PARAMS: [&str; 14] = [
    "reference",
    "email",
    "state",
    "card_brand",
    "cardholder_name",
    "first_digits_card_number",
    "last_digits_card_number",
    "from_date",
    "to_date",
    "from_settled_date",
    "to_settled_date",
    "agreement_id",
    "page",
    "display_size",
];

impl PaymentSearchQuery {
    /// Parses a raw query string (with or without the leading `?`).
    ///
    /// Invalid parameters are reported together as P0401, in GOV.UK Pay's order: state,
    /// reference, email, card_brand, from_date, to_date, page, display_size, agreement_id,
    /// first_digits_card_number, last_digits_card_number; the settled dates (which GOV.UK
    /// Pay's search added later) follow to_date, as they do in its refund search.
    pub fn parse(query: &str) -> Result<PaymentSearchQuery, ApiError> {
        let params = collect_params(query, &PAYMENT_PARAMS);
        let mut v = Validator {
            params: &params,
            invalid: Vec::new(),
            echo: Vec::new(),
        };
        let state = v.field("state", PaymentStatus::parse);
        let reference = v.text("reference", REFERENCE_MAX_LENGTH);
        let email = v.text("email", EMAIL_MAX_LENGTH);
        let card_brand = v.text("card_brand", CARD_BRAND_MAX_LENGTH);
        let from_date = v.instant("from_date");
        let to_date = v.instant("to_date");
        let from_settled_date = v.date("from_settled_date");
        let to_settled_date = v.date("to_settled_date");
        let page = v.number("page", 1, MAX_PAGE);
        let display_size = v.number("display_size", 1, MAX_DISPLAY_SIZE);
        let agreement_id = v.text("agreement_id", AGREEMENT_ID_MAX_LENGTH);
        let first_digits_card_number = v.field("first_digits_card_number", |t| exact_digits(t, 6));
        let last_digits_card_number = v.field("last_digits_card_number", |t| exact_digits(t, 4));
        let cardholder_name = v.field("cardholder_name", |t| Some(t.to_owned()));
        if !v.invalid.is_empty() {
            return Err(ApiError::search_invalid(&v.invalid));
        }
        let filters = canonical_order(v.echo, &PAYMENT_PARAMS);
        Ok(PaymentSearchQuery {
            reference,
            email,
            state,
            card_brand,
            cardholder_name,
            first_digits_card_number,
            last_digits_card_number,
            from_date,
            to_date,
            from_settled_date,
            to_settled_date,
            agreement_id,
            page: page.unwrap_or(1),
            display_size: display_size.unwrap_or(MAX_DISPLAY_SIZE),
            filters,
        })
    }

    /// The valid filters as sent (excluding `page` and `display_size`), for building
    /// paging links that repeat the same search.
    pub fn filters(&self) -> &[(&'static str, String)] {
        &self.filters
    }

    /// How many results to skip for this page.
    pub fn offset(&self) -> u64 {
        self.page
            .saturating_sub(1)
            .saturating_mul(self.display_size)
    }

    /// P0402 when the page is past the last one (page 1 always exists, even when empty).
    pub fn check_page_exists(&self, total: u64) -> Result<(), ApiError> {
        if self.page > last_page(total, self.display_size) {
            Err(ApiError::search_page_not_found())
        } else {
            Ok(())
        }
    }
}

/// A validated `GET /v1/refunds` query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundSearchQuery {
    /// Created at or after.
    pub from_date: Option<UnixMillis>,
    /// Created before.
    pub to_date: Option<UnixMillis>,
    /// Settled on or after this day (midnight UTC).
    pub from_settled_date: Option<UnixMillis>,
    /// Settled before this day (midnight UTC).
    pub to_settled_date: Option<UnixMillis>,
    /// 1-based page number (default 1).
    pub page: u64,
    /// Results per page, 1..=500 (default 500).
    pub display_size: u64,
    filters: Vec<(&'static str, String)>,
}

const REFUND_PARAMS: [&str; 6] = [
    "from_date",
    "to_date",
    "from_settled_date",
    "to_settled_date",
    "page",
    "display_size",
];

impl RefundSearchQuery {
    /// Parses a raw query string; invalid parameters are reported together as P1101 in
    /// GOV.UK Pay's order: from_date, to_date, from_settled_date, to_settled_date, page,
    /// display_size.
    pub fn parse(query: &str) -> Result<RefundSearchQuery, ApiError> {
        let params = collect_params(query, &REFUND_PARAMS);
        let mut v = Validator {
            params: &params,
            invalid: Vec::new(),
            echo: Vec::new(),
        };
        let from_date = v.instant("from_date");
        let to_date = v.instant("to_date");
        let from_settled_date = v.date("from_settled_date");
        let to_settled_date = v.date("to_settled_date");
        let page = v.number("page", 1, MAX_PAGE);
        let display_size = v.number("display_size", 1, MAX_DISPLAY_SIZE);
        if !v.invalid.is_empty() {
            return Err(ApiError::refund_search_invalid(&v.invalid));
        }
        Ok(RefundSearchQuery {
            from_date,
            to_date,
            from_settled_date,
            to_settled_date,
            page: page.unwrap_or(1),
            display_size: display_size.unwrap_or(MAX_DISPLAY_SIZE),
            filters: v.echo,
        })
    }

    /// The valid filters as sent, for paging links.
    pub fn filters(&self) -> &[(&'static str, String)] {
        &self.filters
    }

    /// How many results to skip for this page.
    pub fn offset(&self) -> u64 {
        self.page
            .saturating_sub(1)
            .saturating_mul(self.display_size)
    }

    /// P1100 when the page is past the last one.
    pub fn check_page_exists(&self, total: u64) -> Result<(), ApiError> {
        if self.page > last_page(total, self.display_size) {
            Err(ApiError::refund_search_page_not_found())
        } else {
            Ok(())
        }
    }
}

fn canonical_order(
    mut echo: Vec<(&'static str, String)>,
    order: &[&str],
) -> Vec<(&'static str, String)> {
    echo.sort_by_key(|(name, _)| order.iter().position(|n| n == name));
    echo
}

/// The last page number for `total` results (1 when there are none, so that an empty
/// search still has a first and last page).
pub fn last_page(total: u64, display_size: u64) -> u64 {
    let size = display_size.max(1);
    total.div_ceil(size).max(1)
}

/// The paging `_links` of a search: `self`, `first_page`, `last_page`, and `prev_page` /
/// `next_page` where they exist.
///
/// `base_url` is the absolute search URL without a query (e.g.
/// `https://kassa.example/v1/payments`); `query` the filters to repeat, in order. Each
/// link's query is the filters, then `display_size`, then `page`, percent-encoded.
pub fn paging_links<K: AsRef<str>, V: AsRef<str>>(
    base_url: &str,
    query: &[(K, V)],
    total: u64,
    page: u64,
    display_size: u64,
) -> SearchNavigationLinks {
    let display_size = display_size.max(1);
    let last = last_page(total, display_size);
    let mut filters = String::new();
    for (name, value) in query {
        filters.push_str(&encode_component(name.as_ref()));
        filters.push('=');
        filters.push_str(&encode_component(value.as_ref()));
        filters.push('&');
    }
    let link = |p: u64| {
        Link::href_only(format!(
            "{base_url}?{filters}display_size={display_size}&page={p}"
        ))
    };
    SearchNavigationLinks {
        self_link: link(page),
        first_page: link(1),
        prev_page: (page > 1).then(|| link(page.saturating_sub(1).min(last))),
        next_page: (page < last).then(|| link(page.saturating_add(1))),
        last_page: link(last),
    }
}

/// `GET /v1/payments` response.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PaymentSearchResults {
    /// Payments matching the search.
    pub total: u64,
    /// Payments on this page.
    pub count: u64,
    /// This page's number.
    pub page: u64,
    /// This page's payments, newest first.
    pub results: Vec<PaymentDetailForSearch>,
    /// Paging links.
    #[serde(rename = "_links")]
    pub links: SearchNavigationLinks,
}

impl PaymentSearchResults {
    /// Wraps one page of results for `query`.
    pub fn new(
        api_base_url: &str,
        query: &PaymentSearchQuery,
        total: u64,
        results: Vec<PaymentDetailForSearch>,
    ) -> PaymentSearchResults {
        let base = format!("{}/v1/payments", super::links::trim_base(api_base_url));
        PaymentSearchResults {
            total,
            count: results.len() as u64,
            page: query.page,
            results,
            links: paging_links(
                &base,
                query.filters(),
                total,
                query.page,
                query.display_size,
            ),
        }
    }
}

/// `GET /v1/refunds` response.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RefundSearchResults {
    /// Refunds matching the search.
    pub total: u64,
    /// Refunds on this page.
    pub count: u64,
    /// This page's number.
    pub page: u64,
    /// This page's refunds (with `payment_id`), newest first.
    pub results: Vec<RefundResponse>,
    /// Paging links.
    #[serde(rename = "_links")]
    pub links: SearchNavigationLinks,
}

impl RefundSearchResults {
    /// Wraps one page of results for `query`.
    pub fn new(
        api_base_url: &str,
        query: &RefundSearchQuery,
        total: u64,
        results: Vec<RefundResponse>,
    ) -> RefundSearchResults {
        let base = format!("{}/v1/refunds", super::links::trim_base(api_base_url));
        RefundSearchResults {
            total,
            count: results.len() as u64,
            page: query.page,
            results,
            links: paging_links(
                &base,
                query.filters(),
                total,
                query.page,
                query.display_size,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::error::ErrorCode;
    use crate::api::links::PaymentLinksBuilder;
    use crate::api::payment::PaymentState;
    use crate::api::refund::RefundStatus;
    use proptest::prelude::*;
    use serde_json::json;

    const API: &str = "https://publicapi.payments.service.gov.uk";

    fn invalid(query: &str) -> String {
        let err = PaymentSearchQuery::parse(query).unwrap_err();
        assert_eq!(err.code, ErrorCode::P0401);
        assert_eq!(err.http_status(), 422);
        assert_eq!(err.field, None);
        err.description
    }

    fn listed(params: &str) -> String {
        format!("Invalid parameters: {params}. See Public API documentation for the correct data formats")
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a+b%20c").as_deref(), Some("a b c"));
        assert_eq!(
            percent_decode("2021-01-01T08%3A00%3A00Z").as_deref(),
            Some("2021-01-01T08:00:00Z")
        );
        assert_eq!(percent_decode("%C3%A9").as_deref(), Some("é"));
        assert_eq!(percent_decode("%e2%82%ac").as_deref(), Some("€"));
        assert_eq!(percent_decode("%"), None);
        assert_eq!(percent_decode("%4"), None);
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%FF"), None);
        assert_eq!(percent_decode("").as_deref(), Some(""));
    }

    #[test]
    fn empty_query_gets_defaults() {
        for q in ["", "?", "&&"] {
            let s = PaymentSearchQuery::parse(q).unwrap();
            assert_eq!(s.page, 1);
            assert_eq!(s.display_size, 500);
            assert_eq!(s.state, None);
            assert!(s.filters().is_empty());
        }
    }

    #[test]
    fn every_filter_parses() {
        let s = PaymentSearchQuery::parse(
            "?reference=ref+1&email=a%40b.com&state=success&card_brand=visa&cardholder_name=J+Bogs\
             &first_digits_card_number=424242&last_digits_card_number=4242\
             &from_date=2015-08-13T12%3A35%3A00Z&to_date=2015-08-14T12:35:00Z\
             &from_settled_date=2022-08-13&to_settled_date=2022-08-14\
             &agreement_id=abcefghjklmnopqr1234567890&page=2&display_size=20",
        )
        .unwrap();
        assert_eq!(s.reference.as_deref(), Some("ref 1"));
        assert_eq!(s.email.as_deref(), Some("a@b.com"));
        assert_eq!(s.state, Some(PaymentStatus::Success));
        assert_eq!(s.card_brand.as_deref(), Some("visa"));
        assert_eq!(s.cardholder_name.as_deref(), Some("J Bogs"));
        assert_eq!(s.first_digits_card_number.as_deref(), Some("424242"));
        assert_eq!(s.last_digits_card_number.as_deref(), Some("4242"));
        assert_eq!(s.from_date, Some(UnixMillis(1_439_469_300_000)));
        assert_eq!(s.to_date, UnixMillis::parse_rfc3339("2015-08-14T12:35:00Z"));
        assert_eq!(
            s.from_settled_date,
            UnixMillis::parse_rfc3339("2022-08-13T00:00:00Z")
        );
        assert_eq!(
            s.to_settled_date,
            UnixMillis::parse_rfc3339("2022-08-14T00:00:00Z")
        );
        assert_eq!(
            s.agreement_id.as_deref(),
            Some("abcefghjklmnopqr1234567890")
        );
        assert_eq!(s.page, 2);
        assert_eq!(s.display_size, 20);
        assert_eq!(s.offset(), 20);
        let names: Vec<_> = s.filters().iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            [
                "reference",
                "email",
                "state",
                "card_brand",
                "cardholder_name",
                "first_digits_card_number",
                "last_digits_card_number",
                "from_date",
                "to_date",
                "from_settled_date",
                "to_settled_date",
                "agreement_id"
            ]
        );
    }

    #[test]
    fn capturable_state_is_searchable() {
        assert_eq!(
            PaymentSearchQuery::parse("state=capturable").unwrap().state,
            Some(PaymentStatus::Capturable)
        );
    }

    #[test]
    fn invalid_state() {
        assert_eq!(invalid("state=paid"), listed("state"));
        assert_eq!(invalid("state=SUCCESS"), listed("state"));
    }

    #[test]
    fn invalid_dates() {
        assert_eq!(invalid("from_date=2015-08-13"), listed("from_date"));
        assert_eq!(invalid("to_date=yesterday"), listed("to_date"));
        assert_eq!(
            invalid("from_settled_date=2022-02-30"),
            listed("from_settled_date")
        );
        assert_eq!(
            invalid("to_settled_date=2022-08-13T00:00:00Z"),
            listed("to_settled_date")
        );
    }

    #[test]
    fn invalid_page() {
        for p in ["0", "-1", "x", "1.5", "2147483648", "+1"] {
            assert_eq!(invalid(&format!("page={p}")), listed("page"), "{p}");
        }
        assert_eq!(
            PaymentSearchQuery::parse("page=2147483647").unwrap().page,
            2_147_483_647
        );
    }

    #[test]
    fn display_size_bounds() {
        assert_eq!(
            PaymentSearchQuery::parse("display_size=1")
                .unwrap()
                .display_size,
            1
        );
        assert_eq!(
            PaymentSearchQuery::parse("display_size=500")
                .unwrap()
                .display_size,
            500
        );
        assert_eq!(invalid("display_size=501"), listed("display_size"));
        assert_eq!(invalid("display_size=0"), listed("display_size"));
    }

    #[test]
    fn card_digit_filters() {
        assert_eq!(
            invalid("first_digits_card_number=12345"),
            listed("first_digits_card_number")
        );
        assert_eq!(
            invalid("first_digits_card_number=12345a"),
            listed("first_digits_card_number")
        );
        assert_eq!(
            invalid("last_digits_card_number=12345"),
            listed("last_digits_card_number")
        );
        assert_eq!(
            invalid("last_digits_card_number=%EF%BC%91234"),
            listed("last_digits_card_number")
        );
    }

    #[test]
    fn length_limited_filters() {
        assert!(PaymentSearchQuery::parse(&format!("reference={}", "r".repeat(255))).is_ok());
        assert_eq!(
            invalid(&format!("reference={}", "r".repeat(256))),
            listed("reference")
        );
        assert_eq!(
            invalid(&format!("email={}", "e".repeat(255))),
            listed("email")
        );
        assert_eq!(
            invalid(&format!("card_brand={}", "c".repeat(21))),
            listed("card_brand")
        );
        assert_eq!(
            invalid(&format!("agreement_id={}", "a".repeat(27))),
            listed("agreement_id")
        );
    }

    #[test]
    fn all_invalid_parameters_listed_in_order() {
        assert_eq!(
            invalid("display_size=0&last_digits_card_number=1&from_date=x&state=x&page=0&to_settled_date=x"),
            listed("state, from_date, to_settled_date, page, display_size, last_digits_card_number")
        );
    }

    #[test]
    fn undecodable_value_makes_its_parameter_invalid() {
        assert_eq!(invalid("reference=%E2%82"), listed("reference"));
        assert_eq!(invalid("email=%zz"), listed("email"));
    }

    #[test]
    fn empty_values_unknown_params_and_repeats() {
        let s = PaymentSearchQuery::parse("state=&page=&foo=bar&reference=a&reference=b&%zz=1")
            .unwrap();
        assert_eq!(s.state, None);
        assert_eq!(s.page, 1);
        assert_eq!(s.reference.as_deref(), Some("a"));
    }

    #[test]
    fn encoded_parameter_names_are_decoded() {
        assert_eq!(
            PaymentSearchQuery::parse("st%61te=success").unwrap().state,
            Some(PaymentStatus::Success)
        );
    }

    #[test]
    fn page_existence() {
        let q = PaymentSearchQuery::parse("page=3&display_size=20").unwrap();
        assert!(q.check_page_exists(41).is_ok());
        let err = q.check_page_exists(40).unwrap_err();
        assert_eq!(err.code, ErrorCode::P0402);
        assert_eq!(err.http_status(), 404);
        assert!(PaymentSearchQuery::parse("")
            .unwrap()
            .check_page_exists(0)
            .is_ok());
        let rq = RefundSearchQuery::parse("page=2").unwrap();
        assert_eq!(rq.check_page_exists(0).unwrap_err().code, ErrorCode::P1100);
    }

    #[test]
    fn refund_query_parses_and_validates() {
        let q = RefundSearchQuery::parse(
            "from_date=2021-04-01T08:00:00Z&display_size=5&to_settled_date=2022-08-13",
        )
        .unwrap();
        assert_eq!(
            q.from_date,
            UnixMillis::parse_rfc3339("2021-04-01T08:00:00Z")
        );
        assert_eq!(q.display_size, 5);
        assert_eq!(q.page, 1);
        assert!(q.to_settled_date.is_some());
        let err = RefundSearchQuery::parse(
            "page=0&from_date=x&display_size=900&to_settled_date=13-08-2022",
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::P1101);
        assert_eq!(err.http_status(), 422);
        assert_eq!(
            err.description,
            listed("from_date, to_settled_date, page, display_size")
        );
    }

    #[test]
    fn refund_query_ignores_payment_filters() {
        assert!(RefundSearchQuery::parse("state=bogus&reference=x").is_ok());
    }

    #[test]
    fn civil_dates_parse_strictly() {
        assert_eq!(parse_civil_date("1970-01-02"), Some(UnixMillis(DAY_MS)));
        assert_eq!(
            parse_civil_date("2024-02-29"),
            UnixMillis::parse_rfc3339("2024-02-29T00:00:00Z")
        );
        for bad in [
            "2023-02-29",
            "2022-13-01",
            "2022-00-10",
            "2022-1-01",
            "22-01-01",
            "2022/01/01",
            "1969-12-31",
            "２022-01-01",
        ] {
            assert_eq!(parse_civil_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn paging_links_middle_page() {
        let links = paging_links(
            "https://k.example/v1/payments",
            &[("state", "created")],
            74,
            3,
            20,
        );
        let v = serde_json::to_value(links).unwrap();
        let href = |p: u64| json!({"href": format!("https://k.example/v1/payments?state=created&display_size=20&page={p}")});
        assert_eq!(
            v,
            json!({
                "self": href(3), "first_page": href(1), "prev_page": href(2),
                "next_page": href(4), "last_page": href(4)
            })
        );
    }

    #[test]
    fn paging_links_single_page_has_no_prev_or_next() {
        let v = serde_json::to_value(paging_links::<&str, &str>(
            "https://k.example/v1/refunds",
            &[],
            0,
            1,
            500,
        ))
        .unwrap();
        let href = json!({"href": "https://k.example/v1/refunds?display_size=500&page=1"});
        assert_eq!(
            v,
            json!({"self": href, "first_page": href, "last_page": href})
        );
    }

    #[test]
    fn paging_links_encode_filter_values() {
        let links = paging_links(
            "https://k.example/v1/payments",
            &[
                ("from_date", "2021-01-01T08:00:00Z"),
                ("reference", "a&b=c"),
            ],
            1,
            1,
            500,
        );
        assert_eq!(
            links.self_link.href,
            "https://k.example/v1/payments?from_date=2021-01-01T08%3A00%3A00Z&reference=a%26b%3Dc&display_size=500&page=1"
        );
    }

    #[test]
    fn paging_links_beyond_last_page() {
        let links = paging_links::<&str, &str>("https://k.example/v1/payments", &[], 10, 5, 5);
        assert_eq!(
            links.prev_page.unwrap().href,
            "https://k.example/v1/payments?display_size=5&page=2"
        );
        assert!(links.next_page.is_none());
    }

    #[test]
    fn payment_search_results_envelope() {
        let query =
            PaymentSearchQuery::parse("from_date=2021-01-01T08%3A00%3A00Z&state=success").unwrap();
        let id = "hu20sqlact5260q2nanm0q8u93";
        let item = PaymentDetailForSearch::new(
            id,
            1200,
            "Pay your council tax.",
            "12345",
            PaymentState::new(PaymentStatus::Success),
            "sandbox",
            UnixMillis::parse_rfc3339("2021-04-07T09:49:36.631Z").unwrap(),
            PaymentLinksBuilder::new(API, id).build_for_search(),
        );
        let results = PaymentSearchResults::new(API, &query, 1, vec![item]);
        let v = serde_json::to_value(&results).unwrap();
        let href = json!({"href": format!("{API}/v1/payments?state=success&from_date=2021-01-01T08%3A00%3A00Z&display_size=500&page=1")});
        assert_eq!(v["total"], 1);
        assert_eq!(v["count"], 1);
        assert_eq!(v["page"], 1);
        assert_eq!(
            v["_links"],
            json!({"self": href, "first_page": href, "last_page": href})
        );
        assert_eq!(
            v["results"][0]["_links"],
            json!({
                "self": {"href": format!("{API}/v1/payments/{id}"), "method": "GET"},
                "cancel": null,
                "events": {"href": format!("{API}/v1/payments/{id}/events"), "method": "GET"},
                "refunds": {"href": format!("{API}/v1/payments/{id}/refunds"), "method": "GET"},
                "capture": null
            })
        );
        assert_eq!(
            v["results"][0]["state"],
            json!({"status": "success", "finished": true})
        );
    }

    #[test]
    fn refund_search_results_envelope() {
        let query =
            RefundSearchQuery::parse("from_date=2021-04-01T08:00:00Z&display_size=5").unwrap();
        let refund = RefundResponse::new(
            API,
            "01k7da2d0021m0pcbjov354et8",
            "4jfabcee0ev36so050kooajabk",
            1000,
            RefundStatus::Success,
            UnixMillis::parse_rfc3339("2022-03-22T12:44:15.227Z").unwrap(),
            None,
        )
        .for_search("01k7da2d0021m0pcbjov354et8");
        let v =
            serde_json::to_value(RefundSearchResults::new(API, &query, 142, vec![refund])).unwrap();
        assert_eq!(v["total"], 142);
        assert_eq!(v["count"], 1);
        assert_eq!(
            v["results"][0],
            json!({
                "refund_id": "4jfabcee0ev36so050kooajabk",
                "created_date": "2022-03-22T12:44:15.227Z",
                "payment_id": "01k7da2d0021m0pcbjov354et8",
                "amount": 1000,
                "_links": {
                    "self": {"href": format!("{API}/v1/payments/01k7da2d0021m0pcbjov354et8/refunds/4jfabcee0ev36so050kooajabk"), "method": "GET"},
                    "payment": {"href": format!("{API}/v1/payments/01k7da2d0021m0pcbjov354et8"), "method": "GET"}
                },
                "status": "success",
                "settlement_summary": {}
            })
        );
        assert_eq!(
            v["_links"]["next_page"]["href"],
            format!("{API}/v1/refunds?from_date=2021-04-01T08%3A00%3A00Z&display_size=5&page=2")
        );
        assert_eq!(
            v["_links"]["last_page"]["href"],
            format!("{API}/v1/refunds?from_date=2021-04-01T08%3A00%3A00Z&display_size=5&page=29")
        );
        assert!(v["_links"].get("prev_page").is_none());
    }

    proptest! {
        #[test]
        fn query_parsing_never_panics(q in ".{0,200}") {
            let _ = PaymentSearchQuery::parse(&q);
            let _ = RefundSearchQuery::parse(&q);
        }

        #[test]
        fn decode_inverts_encode(s in ".{0,60}") {
            prop_assert_eq!(percent_decode(&encode_component(&s)), Some(s));
        }

        #[test]
        fn paging_is_consistent(total in 0u64..100_000, size in 1u64..=500, page in 1u64..400) {
            let links = paging_links::<&str, &str>("https://k.example/v1/payments", &[], total, page, size);
            let last = last_page(total, size);
            prop_assert_eq!(links.next_page.is_some(), page < last);
            prop_assert_eq!(links.prev_page.is_some(), page > 1);
            let suffix = format!("page={}", last);
            prop_assert!(links.last_page.href.ends_with(&suffix));
        }
    }
}
