//! Webhooks: subscriptions, their requests and views, signing-secret rotation, message
//! bodies and paging. The worker stores and sends; every rule is here.
//!
//! * [`callback_url`]: where a webhook may point (https for live, no credentials, no
//!   internal addresses for live accounts).
//! * [`delivery`]: message statuses, the retry schedule and what an attempt changes.
//! * This module: the webhook itself ([`Webhook`], created and patched from API bodies),
//!   its secrets during rotation ([`SecretRing`]), the message body GOV.UK Pay sends plus a
//!   per-payment `sequence` ([`message_body`]), and the message list's paging.

pub mod callback_url;
pub mod delivery;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::api::error::ApiError;
use crate::event::{PaymentEvent, WebhookEventType};
use crate::ids::{MessageId, WebhookId};
use crate::time::{UnixMillis, DAY_MS, SECOND_MS};
use delivery::{
    schedule_ms, MessageStatus, DEFAULT_RETRY_SCHEDULE_MS, MAX_RETRIES, MAX_RETRY_SECONDS,
    MIN_RETRY_SECONDS,
};

/// The message body's `api_version`, as GOV.UK Pay sends it.
pub const API_VERSION: u32 = 1;
/// The longest description accepted.
pub const MAX_DESCRIPTION_CHARS: usize = 255;
/// How long the previous secret keeps signing after a rotation, unless the request says.
pub const DEFAULT_OVERLAP_MS: u64 = DAY_MS;
/// The longest overlap a rotation may ask for.
pub const MAX_OVERLAP_MS: u64 = 7 * DAY_MS;
/// Webhooks per account and mode (test or live).
pub const MAX_WEBHOOKS: u64 = 20;

/// A webhook subscription, as stored (secrets are stored apart, sealed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    pub id: WebhookId,
    /// Created with a live key: receives live payments' events only (and the reverse).
    pub live: bool,
    pub callback_url: String,
    pub description: Option<String>,
    /// The event types it receives, in the order given, without duplicates.
    pub subscriptions: Vec<WebhookEventType>,
    pub active: bool,
    pub created_at: UnixMillis,
    /// Retry delays in seconds; `None` for GOV.UK Pay's default schedule.
    pub retry_schedule: Option<Vec<u64>>,
    /// The API origin the webhook was created through: `_links` inside message resources
    /// point there, as they would in the creator's own `GET /v1/payments/{id}`.
    pub api_origin: String,
}

impl Webhook {
    /// Whether an event of this type is enqueued for this webhook (active or not: an
    /// inactive webhook still records a `will_not_send` message, so the history is complete).
    pub fn subscribes_to(&self, event_type: WebhookEventType) -> bool {
        self.subscriptions.contains(&event_type)
    }

    /// The retry delays in milliseconds.
    pub fn schedule_ms(&self) -> Vec<u64> {
        match &self.retry_schedule {
            Some(seconds) => schedule_ms(seconds),
            None => DEFAULT_RETRY_SCHEDULE_MS.to_vec(),
        }
    }

    /// The schedule in seconds, as the API shows it.
    pub fn schedule_seconds(&self) -> Vec<u64> {
        match &self.retry_schedule {
            Some(seconds) => seconds.clone(),
            None => DEFAULT_RETRY_SCHEDULE_MS
                .iter()
                .map(|ms| ms / SECOND_MS)
                .collect(),
        }
    }

    /// The webhook as the API returns it.
    pub fn view(&self, api_base: &str, account: &str) -> WebhookView {
        let base = api_base.trim_end_matches('/').trim_end_matches("/v1");
        let me = format!("{base}/v1/webhooks/{}", self.id);
        WebhookView {
            webhook_id: self.id.to_string(),
            callback_url: self.callback_url.clone(),
            description: self.description.clone(),
            subscriptions: self.subscriptions.iter().map(|t| t.as_str()).collect(),
            status: if self.active { "active" } else { "inactive" },
            live: self.live,
            created_date: self.created_at.to_rfc3339(),
            retry_schedule: self.schedule_seconds(),
            links: WebhookLinks {
                messages: Link::get(format!("{me}/messages")),
                signing_key: Link::get(format!("{me}/signing-key")),
                public_key: Link::get(public_key_url(base, account)),
                self_: Link::get(me),
            },
        }
    }
}

/// Where an account's ed25519 public key (`whpk_…`) is published, unauthenticated.
pub fn public_key_url(base: &str, account: &str) -> String {
    format!(
        "{}/webhooks/accounts/{account}/public-key",
        base.trim_end_matches('/')
    )
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub href: String,
    pub method: &'static str,
}

impl Link {
    fn get(href: String) -> Link {
        Link {
            href,
            method: "GET",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookLinks {
    #[serde(rename = "self")]
    pub self_: Link,
    pub messages: Link,
    pub signing_key: Link,
    pub public_key: Link,
}

/// `GET /v1/webhooks/{id}` and friends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookView {
    pub webhook_id: String,
    pub callback_url: String,
    pub description: Option<String>,
    pub subscriptions: Vec<&'static str>,
    pub status: &'static str,
    pub live: bool,
    pub created_date: String,
    pub retry_schedule: Vec<u64>,
    #[serde(rename = "_links")]
    pub links: WebhookLinks,
}

// ---------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------

fn object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(ApiError::unparseable_json()),
    }
}

fn callback_url(value: &Value, live: bool) -> Result<String, ApiError> {
    let text = value
        .as_str()
        .ok_or_else(|| ApiError::invalid_type("callback_url", "Must be a string"))?;
    callback_url::check(text, live)
        .map_err(|e| ApiError::invalid("callback_url", &e.to_string()))?;
    Ok(text.to_string())
}

fn description(value: &Value) -> Result<Option<String>, ApiError> {
    match value {
        Value::Null => Ok(None),
        Value::String(text) if text.chars().count() <= MAX_DESCRIPTION_CHARS => {
            Ok((!text.trim().is_empty()).then(|| text.clone()))
        }
        Value::String(_) => Err(ApiError::invalid(
            "description",
            "Must be at most 255 characters",
        )),
        _ => Err(ApiError::invalid_type("description", "Must be a string")),
    }
}

fn subscriptions(value: &Value) -> Result<Vec<WebhookEventType>, ApiError> {
    const WHY: &str = "Must be a non-empty array of event types: card_payment_started, card_payment_succeeded, card_payment_captured, card_payment_refunded, card_payment_failed, card_payment_expired";
    let Value::Array(items) = value else {
        return Err(ApiError::invalid_type("subscriptions", WHY));
    };
    let mut out = Vec::new();
    for item in items {
        let t = item
            .as_str()
            .and_then(WebhookEventType::parse)
            .ok_or_else(|| ApiError::invalid("subscriptions", WHY))?;
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if out.is_empty() {
        return Err(ApiError::invalid("subscriptions", WHY));
    }
    Ok(out)
}

fn retry_schedule(value: &Value) -> Result<Option<Vec<u64>>, ApiError> {
    let why = format!(
        "Must be null or an array of 1 to {MAX_RETRIES} delays in whole seconds, each {MIN_RETRY_SECONDS} to {MAX_RETRY_SECONDS}"
    );
    match value {
        Value::Null => Ok(None),
        Value::Array(items) => {
            let delays = items
                .iter()
                .map(|v| {
                    v.as_u64()
                        .filter(|s| (MIN_RETRY_SECONDS..=MAX_RETRY_SECONDS).contains(s))
                })
                .collect::<Option<Vec<u64>>>()
                .filter(|d| (1..=MAX_RETRIES).contains(&d.len()))
                .ok_or_else(|| ApiError::invalid("retry_schedule", &why))?;
            Ok(Some(delays))
        }
        _ => Err(ApiError::invalid_type("retry_schedule", &why)),
    }
}

fn status(value: &Value) -> Result<bool, ApiError> {
    match value.as_str() {
        Some("active") => Ok(true),
        Some("inactive") => Ok(false),
        _ => Err(ApiError::invalid("status", "Must be active or inactive")),
    }
}

/// `POST /v1/webhooks`: a new, active webhook. `live` is the key's mode; `id`, `now` and
/// `api_origin` come from the caller.
pub fn parse_create(
    body: &[u8],
    live: bool,
    id: WebhookId,
    now: UnixMillis,
    api_origin: &str,
) -> Result<Webhook, ApiError> {
    let fields = object(body)?;
    for name in fields.keys() {
        if !matches!(
            name.as_str(),
            "callback_url" | "description" | "subscriptions" | "retry_schedule"
        ) {
            return Err(ApiError::unexpected_field(name));
        }
    }
    let url = fields
        .get("callback_url")
        .ok_or_else(|| ApiError::missing("callback_url"))?;
    let subs = fields
        .get("subscriptions")
        .ok_or_else(|| ApiError::missing("subscriptions"))?;
    Ok(Webhook {
        id,
        live,
        callback_url: callback_url(url, live)?,
        description: fields
            .get("description")
            .map(description)
            .transpose()?
            .flatten(),
        subscriptions: subscriptions(subs)?,
        active: true,
        created_at: now,
        retry_schedule: fields
            .get("retry_schedule")
            .map(retry_schedule)
            .transpose()?
            .flatten(),
        api_origin: api_origin.to_string(),
    })
}

/// `PATCH /v1/webhooks/{id}`: any of `callback_url`, `description`, `subscriptions`,
/// `status` (`active`/`inactive`) and `retry_schedule`. All or nothing.
pub fn apply_patch(current: &Webhook, body: &[u8]) -> Result<Webhook, ApiError> {
    let fields = object(body)?;
    let mut next = current.clone();
    for (name, value) in &fields {
        match name.as_str() {
            "callback_url" => next.callback_url = callback_url(value, current.live)?,
            "description" => next.description = description(value)?,
            "subscriptions" => next.subscriptions = subscriptions(value)?,
            "status" => next.active = status(value)?,
            "retry_schedule" => next.retry_schedule = retry_schedule(value)?,
            _ => return Err(ApiError::unexpected_field(name)),
        }
    }
    Ok(next)
}

/// `POST /v1/webhooks/{id}/signing-key`: the overlap the old secret keeps signing for.
/// An empty body means the default (24 hours).
pub fn parse_rotation(body: &[u8]) -> Result<u64, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(DEFAULT_OVERLAP_MS);
    }
    let fields = object(body)?;
    let mut overlap = DEFAULT_OVERLAP_MS;
    for (name, value) in &fields {
        match name.as_str() {
            "overlap_seconds" => {
                overlap = value
                    .as_u64()
                    .filter(|s| *s <= MAX_OVERLAP_MS / SECOND_MS)
                    .map(|s| s * SECOND_MS)
                    .ok_or_else(|| {
                        ApiError::invalid(
                            "overlap_seconds",
                            "Must be a whole number of seconds from 0 to 604800",
                        )
                    })?;
            }
            _ => return Err(ApiError::unexpected_field(name)),
        }
    }
    Ok(overlap)
}

// ---------------------------------------------------------------------------------------
// Secrets and rotation
// ---------------------------------------------------------------------------------------

/// A webhook's signing secrets (`whsec_…` text): the current one, and during a rotation's
/// overlap the previous one with the instant it stops signing.
///
/// The same text keys both signatures: `Pay-Signature` uses its UTF-8 bytes (as GOV.UK
/// Pay's snippet does), Standard Webhooks `v1` the base64-decoded bytes after `whsec_`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRing {
    pub current: String,
    pub previous: Option<(String, UnixMillis)>,
}

impl SecretRing {
    /// After a rotation at `now` to `new`: the current secret becomes the previous one for
    /// `overlap_ms` (an overlap of 0 retires it at once).
    pub fn rotate(&self, new: String, now: UnixMillis, overlap_ms: u64) -> SecretRing {
        SecretRing {
            current: new,
            previous: (overlap_ms > 0).then(|| (self.current.clone(), now.plus(overlap_ms))),
        }
    }

    /// The previous secret, if it still signs at `now`.
    pub fn previous_at(&self, now: UnixMillis) -> Option<&str> {
        self.previous
            .as_ref()
            .filter(|(_, until)| now < *until)
            .map(|(text, _)| text.as_str())
    }

    /// The secrets whose `v1` entries a delivery at `now` carries: the current one, then the
    /// previous one during the overlap.
    pub fn signing_secrets(&self, now: UnixMillis) -> Vec<&str> {
        let mut out = vec![self.current.as_str()];
        out.extend(self.previous_at(now));
        out
    }

    /// The secret for `Pay-Signature`, which can carry only one HMAC: the previous secret
    /// while the overlap lasts, so receivers that verify with GOV.UK Pay's snippet keep
    /// working until the overlap ends, by which time they must hold the new one.
    pub fn pay_signature_secret(&self, now: UnixMillis) -> &str {
        self.previous_at(now).unwrap_or(&self.current)
    }
}

/// `GET /v1/webhooks/{id}/signing-key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SigningKeyView {
    pub signing_key: String,
    /// The previous secret and when it stops signing, during a rotation's overlap.
    pub previous_signing_key: Option<String>,
    pub previous_signing_key_expires_date: Option<String>,
    /// The account's ed25519 public key for `v1a` signatures (`whpk_…`).
    pub public_key: Option<String>,
}

impl SigningKeyView {
    pub fn new(ring: &SecretRing, now: UnixMillis, public_key: Option<String>) -> SigningKeyView {
        let previous = ring.previous.as_ref().filter(|(_, until)| now < *until);
        SigningKeyView {
            signing_key: ring.current.clone(),
            previous_signing_key: previous.map(|(text, _)| text.clone()),
            previous_signing_key_expires_date: previous.map(|(_, until)| until.to_rfc3339()),
            public_key,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------

/// The message body: GOV.UK Pay's fields in GOV.UK Pay's order, plus `sequence`, the
/// payment's event number, so a receiver can drop an event older than one it has applied.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageBody<'a> {
    pub id: String,
    pub api_version: u32,
    pub created_date: String,
    pub resource_id: String,
    pub resource_type: &'static str,
    pub event_type: &'static str,
    pub sequence: u64,
    pub resource: &'a Value,
}

/// The body of the message `id` for `event`, with `resource` the payment as
/// `GET /v1/payments/{id}` shows it. Every message is about a payment (a refund event's
/// resource is its payment, whose `refund_summary` shows the refund).
pub fn message_body(
    id: MessageId,
    event: &PaymentEvent,
    event_type: WebhookEventType,
    resource: &Value,
) -> Result<String, serde_json::Error> {
    let body = MessageBody {
        id: id.to_string(),
        api_version: API_VERSION,
        created_date: event.at.to_rfc3339(),
        resource_id: event.payment_id.to_string(),
        resource_type: "PAYMENT",
        event_type: event_type.as_upper_str(),
        sequence: event.sequence,
        resource,
    };
    serde_json::to_string(&body)
}

/// `GET /v1/webhooks/{id}/messages?status=…&page=…&display_size=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageQuery {
    pub status: Option<MessageStatus>,
    /// From 1.
    pub page: u64,
    pub display_size: u64,
}

pub const DEFAULT_PAGE_SIZE: u64 = 20;
pub const MAX_PAGE_SIZE: u64 = 100;

impl MessageQuery {
    pub fn parse(query: &str) -> Result<MessageQuery, ApiError> {
        let mut q = MessageQuery {
            status: None,
            page: 1,
            display_size: DEFAULT_PAGE_SIZE,
        };
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let number = |field: &str, max: u64| {
                value
                    .parse::<u64>()
                    .ok()
                    .filter(|n| (1..=max).contains(n) && !value.starts_with('+'))
                    .ok_or_else(|| {
                        ApiError::invalid(field, &format!("Must be a whole number from 1 to {max}"))
                    })
            };
            match name {
                "status" => {
                    q.status = Some(MessageStatus::parse(value).ok_or_else(|| {
                        ApiError::invalid(
                            "status",
                            "Must be pending, successful, failed or will_not_send",
                        )
                    })?)
                }
                "page" => q.page = number("page", 1_000_000)?,
                "display_size" => q.display_size = number("display_size", MAX_PAGE_SIZE)?,
                // Unknown parameters are ignored, as GOV.UK Pay's searches do.
                _ => {}
            }
        }
        Ok(q)
    }

    pub fn offset(&self) -> u64 {
        (self.page - 1).saturating_mul(self.display_size)
    }

    /// The links of a page: `self`, and `next_page`/`prev_page` when they exist.
    pub fn page_links(&self, list_url: &str, total: u64) -> Map<String, Value> {
        let url = |page: u64| {
            let mut href = format!("{list_url}?page={page}&display_size={}", self.display_size);
            if let Some(status) = self.status {
                href.push_str("&status=");
                href.push_str(status.as_str());
            }
            serde_json::json!({ "href": href, "method": "GET" })
        };
        let mut links = Map::new();
        links.insert("self".into(), url(self.page));
        if self.offset() + self.display_size < total {
            links.insert("next_page".into(), url(self.page + 1));
        }
        if self.page > 1 {
            links.insert("prev_page".into(), url(self.page - 1));
        }
        links
    }
}

#[cfg(test)]
mod tests;
