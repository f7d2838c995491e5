//! A merchant account's settings and the rules for changing them through the admin API.
//!
//! The account object stores `AccountConfig` as JSON; `apply_patch` validates an admin
//! `PATCH /admin/v1/accounts/{id}` body against the current settings and returns the new
//! ones, or a GOV.UK Pay-style error naming the field, changing nothing.

use crate::api::error::ApiError;
use crate::card::CardBrand;
use crate::payment::DELAYED_CAPTURE_EXPIRY_MS;
use crate::time::MINUTE_MS;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// GOV.UK Pay's default rate limits: 15 POST requests and 75 other requests per second.
pub const DEFAULT_POST_PER_SECOND: u32 = 15;
pub const DEFAULT_OTHER_PER_SECOND: u32 = 75;
/// Unfinished payments expire after 90 minutes unless the account says otherwise.
pub const DEFAULT_EXPIRY_MINUTES: u32 = 90;
/// The longest window an account may choose: as long as a delayed-capture hold lasts.
pub const MAX_EXPIRY_MINUTES: u32 = (DELAYED_CAPTURE_EXPIRY_MS / MINUTE_MS) as u32;
const MAX_ORIGINS: usize = 20;
const MAX_RATE: u32 = 10_000;

/// Which payment provider authorises this account's payments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// Kassa's built-in sandbox, which behaves like GOV.UK Pay's test cards.
    #[default]
    Sandbox,
    /// Stripe, with the account's own secret key.
    Stripe,
    /// Adyen, with the account's own API key and merchant account.
    Adyen,
}

impl ProviderKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Sandbox => "sandbox",
            ProviderKind::Stripe => "stripe",
            ProviderKind::Adyen => "adyen",
        }
    }
}

/// Requests per second an account may make, by kind of operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimits {
    pub post_per_second: u32,
    pub other_per_second: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            post_per_second: DEFAULT_POST_PER_SECOND,
            other_per_second: DEFAULT_OTHER_PER_SECOND,
        }
    }
}

/// An account's settings, as stored and as the admin API returns them. Provider
/// credentials are stored separately, encrypted, and never appear here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountConfig {
    pub payment_provider: ProviderKind,
    pub accepted_card_brands: Vec<CardBrand>,
    /// Origins allowed to embed the checkout iframe (`frame-ancestors`).
    pub allowed_origins: Vec<String>,
    pub payment_expiry_minutes: u32,
    pub rate_limits: RateLimits,
}

impl Default for AccountConfig {
    fn default() -> Self {
        AccountConfig {
            payment_provider: ProviderKind::Sandbox,
            accepted_card_brands: CardBrand::ALL.to_vec(),
            allowed_origins: Vec::new(),
            payment_expiry_minutes: DEFAULT_EXPIRY_MINUTES,
            rate_limits: RateLimits::default(),
        }
    }
}

impl AccountConfig {
    pub fn expiry_window_ms(&self) -> u64 {
        u64::from(self.payment_expiry_minutes) * MINUTE_MS
    }

    /// The origins that may embed checkout for test or live payments. Plain-http origins
    /// (the merchant's own machine) serve test payments only: a live card form is framed
    /// only by a page served over TLS.
    pub fn embedding_origins(&self, live: bool) -> Vec<String> {
        self.allowed_origins
            .iter()
            .filter(|origin| !live || origin.starts_with("https://"))
            .cloned()
            .collect()
    }
}

/// The admin PATCH body, validated: the new settings plus provider credentials if sent
/// (the caller encrypts and stores those apart from the settings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigChange {
    pub config: AccountConfig,
    pub provider_credentials: Option<Map<String, Value>>,
}

/// Applies an admin PATCH body to `current`. Unknown fields and wrong values are refused
/// with the offending field named.
pub fn apply_patch(current: &AccountConfig, body: &[u8]) -> Result<ConfigChange, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|_| ApiError::unparseable_json())?;
    let Value::Object(fields) = value else {
        return Err(ApiError::unparseable_json());
    };
    let mut config = current.clone();
    let mut provider_credentials = None;
    for (name, value) in &fields {
        match name.as_str() {
            "payment_provider" => {
                config.payment_provider = match value.as_str() {
                    Some("sandbox") => ProviderKind::Sandbox,
                    Some("stripe") => ProviderKind::Stripe,
                    Some("adyen") => ProviderKind::Adyen,
                    _ => return Err(ApiError::invalid(name, "Must be sandbox, stripe or adyen")),
                }
            }
            "provider_credentials" => match value {
                Value::Object(map) if map.values().all(Value::is_string) => {
                    provider_credentials = Some(map.clone());
                }
                _ => {
                    return Err(ApiError::invalid(
                        name,
                        "Must be an object of string values",
                    ))
                }
            },
            "accepted_card_brands" => {
                config.accepted_card_brands = card_brands(value)
                    .ok_or_else(|| {
                        ApiError::invalid(
                            name,
                            "Must be a non-empty array of card brand ids (visa, master-card, american-express, diners-club, discover, jcb, unionpay, maestro)",
                        )
                    })?;
            }
            "allowed_origins" => {
                config.allowed_origins = origins(value).ok_or_else(|| {
                    ApiError::invalid(
                        name,
                        "Must be an array of at most 20 origins such as https://shop.example (http only for localhost or 127.0.0.1)",
                    )
                })?;
            }
            "payment_expiry_minutes" => {
                config.payment_expiry_minutes = value
                    .as_u64()
                    .filter(|m| (1..=u64::from(MAX_EXPIRY_MINUTES)).contains(m))
                    .map(|m| m as u32)
                    .ok_or_else(|| {
                        ApiError::invalid(
                            name,
                            &format!(
                                "Must be a whole number of minutes from 1 to {MAX_EXPIRY_MINUTES}"
                            ),
                        )
                    })?;
            }
            "rate_limits" => {
                config.rate_limits = rate_limits(value).ok_or_else(|| {
                    ApiError::invalid(
                        name,
                        &format!("Must be {{\"post_per_second\": n, \"other_per_second\": n}} with n from 1 to {MAX_RATE}"),
                    )
                })?;
            }
            _ => return Err(ApiError::unexpected_field(name)),
        }
    }
    Ok(ConfigChange {
        config,
        provider_credentials,
    })
}

fn card_brands(value: &Value) -> Option<Vec<CardBrand>> {
    let items = value.as_array()?;
    let mut brands = Vec::new();
    for item in items {
        let brand = CardBrand::from_id(item.as_str()?)?;
        if !brands.contains(&brand) {
            brands.push(brand);
        }
    }
    (!brands.is_empty()).then_some(brands)
}

fn origins(value: &Value) -> Option<Vec<String>> {
    let items = value.as_array()?;
    if items.len() > MAX_ORIGINS {
        return None;
    }
    let mut origins: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        let origin = item.as_str().and_then(normalise_origin)?;
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    Some(origins)
}

/// `scheme://host[:port]` with nothing after it, lower-cased. Plain http is only for the
/// merchant's own machine: an embedding page must otherwise be served over TLS.
///
/// The origin ends up in a `Content-Security-Policy` header (`frame-ancestors`), so only
/// the characters a host and port can have are taken after the scheme: no control
/// characters (a CR or LF would split the header, a NUL or tab corrupt it), no spaces,
/// commas or semicolons (which would start another source, policy or directive), and no
/// other punctuation. Control characters are refused even where `trim` would drop them.
pub fn normalise_origin(text: &str) -> Option<String> {
    if text.chars().any(char::is_control) {
        return None;
    }
    let lower = text.trim().to_ascii_lowercase();
    let (scheme, rest) = lower.split_once("://")?;
    let host_char =
        |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':' | b'[' | b']');
    if rest.is_empty() || !rest.bytes().all(host_char) {
        return None;
    }
    // A trailing `:digits` is a port, except inside an IPv6 literal such as `[::1]`.
    let host = match rest.rsplit_once(':') {
        Some((host, port)) if !rest.ends_with(']') => {
            if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            host
        }
        _ => rest,
    };
    match scheme {
        "https" => Some(lower.clone()),
        "http" if host == "localhost" || host == "127.0.0.1" || host == "[::1]" => {
            Some(lower.clone())
        }
        _ => None,
    }
}

fn rate_limits(value: &Value) -> Option<RateLimits> {
    let map = value.as_object()?;
    let read = |key: &str| {
        map.get(key)?
            .as_u64()
            .filter(|n| (1..=u64::from(MAX_RATE)).contains(n))
            .map(|n| n as u32)
    };
    if map
        .keys()
        .any(|k| k != "post_per_second" && k != "other_per_second")
    {
        return None;
    }
    Some(RateLimits {
        post_per_second: read("post_per_second")?,
        other_per_second: read("other_per_second")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patch(body: &str) -> Result<ConfigChange, ApiError> {
        apply_patch(&AccountConfig::default(), body.as_bytes())
    }

    #[test]
    fn defaults_are_govuk_pays() {
        let c = AccountConfig::default();
        assert_eq!(c.payment_provider, ProviderKind::Sandbox);
        assert_eq!(c.payment_expiry_minutes, 90);
        assert_eq!(c.expiry_window_ms(), 90 * 60 * 1000);
        assert_eq!(c.rate_limits.post_per_second, 15);
        assert_eq!(c.rate_limits.other_per_second, 75);
        assert_eq!(c.accepted_card_brands.len(), CardBrand::ALL.len());
    }

    #[test]
    fn live_payments_embed_only_in_https_pages() {
        let c = patch(r#"{"allowed_origins":["https://shop.example","http://localhost:8080"]}"#)
            .unwrap()
            .config;
        assert_eq!(
            c.embedding_origins(false),
            vec!["https://shop.example", "http://localhost:8080"]
        );
        assert_eq!(c.embedding_origins(true), vec!["https://shop.example"]);
    }

    #[test]
    fn patches_every_setting() {
        let change = patch(
            r#"{"payment_provider":"stripe","provider_credentials":{"secret_key":"sk_test_x"},
                "accepted_card_brands":["visa","master-card","visa"],
                "allowed_origins":["https://Shop.Example","http://127.0.0.1:8080","https://shop.example"],
                "payment_expiry_minutes":5,"rate_limits":{"post_per_second":100,"other_per_second":200}}"#,
        )
        .unwrap();
        let c = change.config;
        assert_eq!(c.payment_provider, ProviderKind::Stripe);
        assert_eq!(
            c.accepted_card_brands,
            vec![CardBrand::Visa, CardBrand::Mastercard]
        );
        assert_eq!(
            c.allowed_origins,
            vec!["https://shop.example", "http://127.0.0.1:8080"]
        );
        assert_eq!(
            normalise_origin("http://[::1]:3000").as_deref(),
            Some("http://[::1]:3000")
        );
        assert_eq!(c.payment_expiry_minutes, 5);
        assert_eq!(c.rate_limits.post_per_second, 100);
        assert_eq!(
            change.provider_credentials.unwrap()["secret_key"],
            "sk_test_x"
        );
    }

    #[test]
    fn refuses_bad_values_naming_the_field() {
        for (body, field) in [
            (r#"{"payment_provider":"paypal"}"#, "payment_provider"),
            (r#"{"provider_credentials":"sk"}"#, "provider_credentials"),
            (
                r#"{"provider_credentials":{"k":1}}"#,
                "provider_credentials",
            ),
            (r#"{"accepted_card_brands":[]}"#, "accepted_card_brands"),
            (
                r#"{"accepted_card_brands":["amex"]}"#,
                "accepted_card_brands",
            ),
            (
                r#"{"allowed_origins":["http://shop.example"]}"#,
                "allowed_origins",
            ),
            (
                r#"{"allowed_origins":["https://shop.example/path"]}"#,
                "allowed_origins",
            ),
            (
                r#"{"allowed_origins":["https://user@shop.example"]}"#,
                "allowed_origins",
            ),
            (
                r#"{"allowed_origins":["https://*.example"]}"#,
                "allowed_origins",
            ),
            (
                r#"{"allowed_origins":["https://shop.example:99999x"]}"#,
                "allowed_origins",
            ),
            (
                r#"{"allowed_origins":["http://localhost.evil.example"]}"#,
                "allowed_origins",
            ),
            (r#"{"payment_expiry_minutes":0}"#, "payment_expiry_minutes"),
            (
                r#"{"payment_expiry_minutes":7201}"#,
                "payment_expiry_minutes",
            ),
            (
                r#"{"payment_expiry_minutes":"5"}"#,
                "payment_expiry_minutes",
            ),
            (
                r#"{"rate_limits":{"post_per_second":0,"other_per_second":1}}"#,
                "rate_limits",
            ),
            (r#"{"rate_limits":{"post_per_second":1}}"#, "rate_limits"),
            (r#"{"colour":"blue"}"#, "colour"),
        ] {
            let err = patch(body).unwrap_err();
            assert_eq!(err.field.as_deref(), Some(field), "{body}");
        }
        assert!(patch("[]").is_err());
        assert!(patch("{").is_err());
    }

    #[test]
    fn origins_with_control_or_header_characters_are_refused() {
        for origin in [
            "https://shop.example\r\nX-Injected: 1",
            "https://shop.example\nscript-src *",
            "https://shop.example\r",
            "https://shop.example\n",
            "\u{0}https://shop.example",
            "https://shop\u{0}.example",
            "https://shop.example\t",
            "https://shop\u{7f}.example",
            "https://shop\u{85}.example",
            "https://shop.example,https://evil.example",
            "https://shop.example\\evil",
            "https://shöp.example",
        ] {
            assert_eq!(normalise_origin(origin), None, "{origin:?}");
            let body = serde_json::json!({ "allowed_origins": [origin] }).to_string();
            let err = patch(&body).unwrap_err();
            assert_eq!(err.field.as_deref(), Some("allowed_origins"), "{origin:?}");
        }
        // Surrounding spaces are still forgiven; IDN hosts are taken in their ASCII form.
        assert_eq!(
            normalise_origin(" https://xn--shp-sna.example:8443 ").as_deref(),
            Some("https://xn--shp-sna.example:8443")
        );
    }

    #[test]
    fn an_empty_patch_changes_nothing() {
        let change = patch("{}").unwrap();
        assert_eq!(change.config, AccountConfig::default());
        assert_eq!(change.provider_credentials, None);
    }

    #[test]
    fn config_round_trips_through_storage_json() {
        let c = AccountConfig::default();
        let text = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<AccountConfig>(&text).unwrap(), c);
    }
}
