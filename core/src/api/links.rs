//! HAL `_links` for payments, refunds, events and search pages.
//!
//! GOV.UK Pay writes links as `{"href": ..., "method": ...}`; POST links may add `type` and
//! `params`. Search navigation links (`self`, `first_page`, ...) carry only `href`, which is
//! what GOV.UK Pay's HAL builder emits, so `method` is optional here.

use std::collections::BTreeMap;

/// A link: where to go (`href`) and with which HTTP `method`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Link {
    /// Absolute URL.
    pub href: String,
    /// `"GET"` or `"POST"`; absent on search navigation links.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<&'static str>,
}

impl Link {
    /// A `GET` link.
    pub fn get(href: impl Into<String>) -> Link {
        Link {
            href: href.into(),
            method: Some("GET"),
        }
    }

    /// A link with only `href`, as on search navigation links.
    pub fn href_only(href: impl Into<String>) -> Link {
        Link {
            href: href.into(),
            method: None,
        }
    }
}

/// A `POST` link, optionally with the form `type` and `params` to send.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PostLink {
    /// Absolute URL.
    pub href: String,
    /// Always `"POST"`.
    pub method: &'static str,
    /// Body content type, e.g. `"application/x-www-form-urlencoded"`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Form fields to send.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params: Option<BTreeMap<String, String>>,
}

impl PostLink {
    /// A bare `POST` link (cancel, capture).
    pub fn post(href: impl Into<String>) -> PostLink {
        PostLink {
            href: href.into(),
            method: "POST",
            content_type: None,
            params: None,
        }
    }
}

/// `_links` of a single payment (`CreatePaymentResult`, `PaymentWithAllLinks`).
///
/// Links that do not apply are left out of the JSON entirely, as GOV.UK Pay does.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PaymentLinks {
    /// `GET` this payment.
    #[serde(rename = "self")]
    pub self_link: Link,
    /// Where to send the paying user; only while the payment journey can start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_url: Option<Link>,
    /// The same as a form `POST` carrying the one-time token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_url_post: Option<PostLink>,
    /// `GET` this payment's events.
    pub events: Link,
    /// `GET` this payment's refunds.
    pub refunds: Link,
    /// `POST` to cancel; only while cancelling is allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel: Option<PostLink>,
    /// `POST` to capture; only while the payment awaits capture.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture: Option<PostLink>,
}

/// `_links` of a payment inside search results (`PaymentLinksForSearch`).
///
/// Unlike [`PaymentLinks`], GOV.UK Pay serialises `cancel` and `capture` as explicit
/// `null` here, so these fields always appear.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PaymentLinksForSearch {
    /// `GET` this payment.
    #[serde(rename = "self")]
    pub self_link: Link,
    /// `POST` to cancel, or `null`.
    pub cancel: Option<PostLink>,
    /// `GET` this payment's events.
    pub events: Link,
    /// `GET` this payment's refunds.
    pub refunds: Link,
    /// `POST` to capture, or `null`.
    pub capture: Option<PostLink>,
}

/// Builds the `_links` of a payment from Kassa's base URL and what the payment allows.
///
/// The caller decides `cancel`/`capture` from the payment's state (GOV.UK Pay offers cancel
/// while the payment is unfinished and capture while it is `capturable`); this module has
/// no view of the state machine, by design.
#[derive(Debug, Clone)]
pub struct PaymentLinksBuilder<'a> {
    api_base_url: &'a str,
    payment_id: &'a str,
    next_url: Option<(&'a str, &'a str)>,
    cancel: bool,
    capture: bool,
}

impl<'a> PaymentLinksBuilder<'a> {
    /// Links for `payment_id` under `api_base_url` (e.g. `https://kassa.example`; a trailing
    /// slash is ignored).
    pub fn new(api_base_url: &'a str, payment_id: &'a str) -> PaymentLinksBuilder<'a> {
        PaymentLinksBuilder {
            api_base_url,
            payment_id,
            next_url: None,
            cancel: false,
            capture: false,
        }
    }

    /// Adds `next_url` (`{checkout_base_url}/secure/{token}`) and `next_url_post`
    /// (`{checkout_base_url}/secure` with `chargeTokenId`), GOV.UK Pay's shapes. The token is
    /// a one-time secret for the paying user's browser, so pass it only while the journey can
    /// still start.
    pub fn next_url(mut self, checkout_base_url: &'a str, token: &'a str) -> Self {
        self.next_url = Some((checkout_base_url, token));
        self
    }

    /// Whether to offer the `cancel` link.
    pub fn cancellable(mut self, allowed: bool) -> Self {
        self.cancel = allowed;
        self
    }

    /// Whether to offer the `capture` link.
    pub fn capturable(mut self, allowed: bool) -> Self {
        self.capture = allowed;
        self
    }

    /// `{api_base}/v1/payments/{id}`.
    pub fn payment_url(&self) -> String {
        payment_url(self.api_base_url, self.payment_id)
    }

    /// The links of a single-payment response.
    pub fn build(&self) -> PaymentLinks {
        let base = self.payment_url();
        let (next_url, next_url_post) = match self.next_url {
            Some((checkout, token)) => {
                let checkout = trim_base(checkout);
                let mut params = BTreeMap::new();
                params.insert("chargeTokenId".to_owned(), token.to_owned());
                (
                    Some(Link::get(format!(
                        "{checkout}/secure/{}",
                        encode_path_segment(token)
                    ))),
                    Some(PostLink {
                        href: format!("{checkout}/secure"),
                        method: "POST",
                        content_type: Some("application/x-www-form-urlencoded".to_owned()),
                        params: Some(params),
                    }),
                )
            }
            None => (None, None),
        };
        PaymentLinks {
            self_link: Link::get(base.clone()),
            next_url,
            next_url_post,
            events: Link::get(format!("{base}/events")),
            refunds: Link::get(format!("{base}/refunds")),
            cancel: self
                .cancel
                .then(|| PostLink::post(format!("{base}/cancel"))),
            capture: self
                .capture
                .then(|| PostLink::post(format!("{base}/capture"))),
        }
    }

    /// The links of the same payment inside search results (no `next_url`: GOV.UK Pay
    /// never exposes the paying user's token in searches).
    pub fn build_for_search(&self) -> PaymentLinksForSearch {
        let base = self.payment_url();
        PaymentLinksForSearch {
            self_link: Link::get(base.clone()),
            cancel: self
                .cancel
                .then(|| PostLink::post(format!("{base}/cancel"))),
            events: Link::get(format!("{base}/events")),
            refunds: Link::get(format!("{base}/refunds")),
            capture: self
                .capture
                .then(|| PostLink::post(format!("{base}/capture"))),
        }
    }
}

/// `_links` of a refund: itself and its payment (`RefundLinksForSearch`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RefundLinks {
    /// `GET` this refund (or, on a list of refunds, the list).
    #[serde(rename = "self")]
    pub self_link: Link,
    /// `GET` the refunded payment.
    pub payment: Link,
}

impl RefundLinks {
    /// Links of refund `refund_id` of `payment_id`.
    pub fn for_refund(api_base_url: &str, payment_id: &str, refund_id: &str) -> RefundLinks {
        let payment = payment_url(api_base_url, payment_id);
        RefundLinks {
            self_link: Link::get(format!(
                "{payment}/refunds/{}",
                encode_path_segment(refund_id)
            )),
            payment: Link::get(payment),
        }
    }

    /// Links of the list of `payment_id`'s refunds.
    pub fn for_refund_list(api_base_url: &str, payment_id: &str) -> RefundLinks {
        let payment = payment_url(api_base_url, payment_id);
        RefundLinks {
            self_link: Link::get(format!("{payment}/refunds")),
            payment: Link::get(payment),
        }
    }
}

/// Links to move between pages of search results (`SearchNavigationLinks`).
///
/// `prev_page` and `next_page` are left out on the first and last page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SearchNavigationLinks {
    /// This page again.
    #[serde(rename = "self")]
    pub self_link: Link,
    /// Page 1.
    pub first_page: Link,
    /// The previous page, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev_page: Option<Link>,
    /// The next page, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page: Option<Link>,
    /// The last page (page 1 when there are no results).
    pub last_page: Link,
}

/// `{api_base}/v1/payments/{id}`, with the id percent-encoded so that no id can escape its
/// path segment.
pub fn payment_url(api_base_url: &str, payment_id: &str) -> String {
    format!(
        "{}/v1/payments/{}",
        trim_base(api_base_url),
        encode_path_segment(payment_id)
    )
}

/// The base URL without trailing slashes, so that `https://x/` and `https://x` give the
/// same links.
pub(crate) fn trim_base(base: &str) -> &str {
    base.trim_end_matches('/')
}

/// Percent-encodes everything except RFC 3986 unreserved characters. Used for path
/// segments and query values alike: being stricter than necessary is harmless, and it
/// means ids and user-supplied filter values can never change a URL's structure.
pub fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(hex_digit(byte >> 4));
            out.push(hex_digit(byte & 0x0f));
        }
    }
    out
}

/// Percent-encodes a path segment (see [`encode_component`]).
pub fn encode_path_segment(segment: &str) -> String {
    encode_component(segment)
}

fn hex_digit(nibble: u8) -> char {
    let nibble = nibble & 0x0f;
    char::from(if nibble < 10 {
        b'0' + nibble
    } else {
        b'A' + (nibble - 10)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const API: &str = "https://publicapi.payments.service.gov.uk";
    const ID: &str = "hu20sqlact5260q2nanm0q8u93";

    #[test]
    fn new_payment_links_match_the_create_example() {
        let links = PaymentLinksBuilder::new(API, ID)
            .next_url(
                "https://www.payments.service.gov.uk",
                "ef1b6ff1-db34-4c62-b854-3ed4ba3c4049",
            )
            .cancellable(true)
            .build();
        assert_eq!(
            serde_json::to_value(&links).unwrap(),
            json!({
                "self": {"href": format!("{API}/v1/payments/{ID}"), "method": "GET"},
                "next_url": {
                    "href": "https://www.payments.service.gov.uk/secure/ef1b6ff1-db34-4c62-b854-3ed4ba3c4049",
                    "method": "GET"
                },
                "next_url_post": {
                    "type": "application/x-www-form-urlencoded",
                    "params": {"chargeTokenId": "ef1b6ff1-db34-4c62-b854-3ed4ba3c4049"},
                    "href": "https://www.payments.service.gov.uk/secure",
                    "method": "POST"
                },
                "events": {"href": format!("{API}/v1/payments/{ID}/events"), "method": "GET"},
                "refunds": {"href": format!("{API}/v1/payments/{ID}/refunds"), "method": "GET"},
                "cancel": {"href": format!("{API}/v1/payments/{ID}/cancel"), "method": "POST"}
            })
        );
    }

    #[test]
    fn finished_payment_has_only_read_links() {
        let v = serde_json::to_value(PaymentLinksBuilder::new(API, ID).build()).unwrap();
        let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["events", "refunds", "self"]);
    }

    #[test]
    fn capture_link_only_when_allowed() {
        let v = serde_json::to_value(PaymentLinksBuilder::new(API, ID).capturable(true).build())
            .unwrap();
        assert_eq!(
            v["capture"],
            json!({"href": format!("{API}/v1/payments/{ID}/capture"), "method": "POST"})
        );
        assert!(v.get("cancel").is_none());
    }

    #[test]
    fn search_links_have_explicit_nulls() {
        let v = serde_json::to_value(PaymentLinksBuilder::new(API, ID).build_for_search()).unwrap();
        assert_eq!(v["cancel"], serde_json::Value::Null);
        assert_eq!(v["capture"], serde_json::Value::Null);
        assert!(v.get("next_url").is_none());
    }

    #[test]
    fn trailing_slash_and_odd_ids_are_safe() {
        assert_eq!(
            payment_url("https://k.example/", "a/b?c"),
            "https://k.example/v1/payments/a%2Fb%3Fc"
        );
    }

    #[test]
    fn refund_links() {
        let v = serde_json::to_value(RefundLinks::for_refund(API, ID, "r1")).unwrap();
        assert_eq!(
            v,
            json!({
                "self": {"href": format!("{API}/v1/payments/{ID}/refunds/r1"), "method": "GET"},
                "payment": {"href": format!("{API}/v1/payments/{ID}"), "method": "GET"}
            })
        );
    }

    #[test]
    fn encodes_reserved_and_non_ascii() {
        assert_eq!(
            encode_component("2021-01-01T08:00:00Z"),
            "2021-01-01T08%3A00%3A00Z"
        );
        assert_eq!(encode_component("a b&c=d+é"), "a%20b%26c%3Dd%2B%C3%A9");
        assert_eq!(encode_component("AZaz09-._~"), "AZaz09-._~");
    }
}
