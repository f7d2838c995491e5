//! Payment providers. Every provider turns the same few operations into its own protocol;
//! the API, the hosted pages and the webhooks never change with the provider.
//!
//! The interface is data, so it stays sans-IO: for each operation an adapter either answers
//! at once ([`Call::Done`], the sandbox) or returns the HTTP request to send
//! ([`Call::Send`]); the edge sends it with a timeout and hands the [`HttpResult`] back to
//! the adapter's `parse_*`, which turns it into a domain outcome. Every outcome says what
//! the payment (or refund) state machine should be told, so no provider detail leaks past
//! this module.
//!
//! 3-D Secure is the same shape: an authorisation (or a status query) may answer
//! [`Authorised::ActionRequired`] with what the payer's browser must do next
//! ([`NextAction`]) and what the provider needs kept until the payer is back
//! ([`Authentication`]); the payer's return is then turned into an outcome by
//! [`Adapter::complete`], which asks the provider and never trusts the return itself.
//!
//! Adding a provider: one module that implements the operations, one variant in
//! [`Adapter`] (and in [`crate::account::ProviderKind`] and [`Credentials`]). Nothing else
//! changes.

pub mod adyen;
pub mod form;
pub mod notification;
pub mod sandbox;
pub mod stripe;
pub mod stripe_webhook;

use crate::account::ProviderKind;
use crate::api::error::ApiError;
use crate::api::payment::CardType;
use crate::card::ValidatedCard;
use crate::payment::{AuthorisationOutcome, PaymentInput};
use crate::refund::RefundInput;
use crate::time::{MINUTE_MS, SECOND_MS};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How long the edge waits for a provider's answer before it aborts the request and
/// treats the outcome as unknown.
pub const REQUEST_TIMEOUT_MS: u64 = 10 * SECOND_MS;

/// How long a job sent to the provider stays claimed. Longer than the request timeout, so
/// the alarm never repeats a call that the request that made it is still waiting for; if
/// that request dies, the alarm takes the job over once the lease has passed.
pub const LEASE_MS: u64 = 6 * REQUEST_TIMEOUT_MS;

/// After this many attempts a capture that keeps failing transiently is given up
/// (`CaptureFailed`, for operations to resolve); voids and refunds stop being retried.
pub const MAX_ATTEMPTS: u32 = 10;
/// Provider jobs one alarm run starts at most, and the time after which it starts no more
/// (two request timeouts): a slow provider bounds a run instead of filling it.
pub const ALARM_JOBS: usize = 10;
pub const ALARM_BUDGET_MS: u64 = 2 * REQUEST_TIMEOUT_MS;

/// Whether an alarm run that has started `started` provider jobs and has run for
/// `elapsed_ms` may start another. The run then lasts at most `ALARM_BUDGET_MS` plus one
/// request timeout, however many jobs are due and however slow the provider is.
pub fn alarm_may_start(started: usize, elapsed_ms: u64) -> bool {
    started < ALARM_JOBS && elapsed_ms < ALARM_BUDGET_MS
}

/// The wait before retry number `attempts` (1 = the first retry): 30 s, doubling, at most
/// an hour. Ten attempts span about five hours.
pub fn retry_delay_ms(attempts: u32) -> u64 {
    let doublings = attempts.saturating_sub(1).min(16);
    (30 * SECOND_MS)
        .saturating_mul(1 << doublings)
        .min(60 * MINUTE_MS)
}

/// HTTP method of a provider request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    Get,
    Post,
}

impl HttpMethod {
    pub const fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
        }
    }
}

/// A request an adapter wants sent. The body may carry card data and the headers the
/// provider's secret key, so `Debug` shows neither.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: HttpMethod,
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// The body of a POST, in the type its `Content-Type` header names (Stripe's form
    /// encoding, Adyen's JSON).
    pub body: Option<String>,
}

impl core::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("body", &self.body.as_ref().map(|b| b.len()))
            .finish()
    }
}

impl HttpRequest {
    /// A header's value, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What came back from sending an [`HttpRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpResult {
    /// The provider answered (any status).
    Response { status: u16, body: String },
    /// No answer within [`REQUEST_TIMEOUT_MS`]: the request may or may not have been
    /// processed.
    TimedOut,
    /// The connection failed: the request may or may not have reached the provider.
    Unreachable,
    /// An answer came but could not be read whole: longer than [`MAX_RESPONSE_BYTES`] (the
    /// edge stops reading there) or not UTF-8. As unknown as a lost answer: whatever its
    /// status said, its body is not taken for a decline, a refusal or anything else, so an
    /// authorisation stays unknown until a status query says what happened.
    Unreadable,
}

/// The most of a provider's answer the edge reads. Stripe's largest objects are a few
/// tens of KB; anything far beyond that is not an answer to parse, and reading it whole
/// would let one answer take the object's memory.
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// An operation's first step: an answer at once, or a request to send and parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call<T> {
    Done(T),
    Send(HttpRequest),
}

/// Why a provider declined a card. All of them are GOV.UK Pay's `failed` P0010; the kind
/// is kept for logs and support.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decline {
    Declined,
    ExpiredCard,
    IncorrectCvc,
    IncorrectNumber,
    InsufficientFunds,
    Fraud,
    /// 3-D Secure failed: the payer did not pass the issuer's check (GOV.UK Pay: P0010, as
    /// for any rejection by the bank).
    AuthenticationFailed,
}

/// What an authorisation learnt about the card, beyond what the card form knows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CardFacts {
    /// Debit or credit, when the provider says.
    pub card_type: Option<CardType>,
    /// Set when the authorisation went through 3-D Secure (with or without a challenge).
    pub three_d_secure: Option<ThreeDSecureFacts>,
}

/// What the provider says about a 3-D Secure authentication.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ThreeDSecureFacts {
    /// The protocol version (`2.2.0`), where the provider says.
    pub version: Option<String>,
}

/// What the payer's browser must do for 3-D Secure. Shown by the gateway's pages: a
/// redirect is a link the page follows (no JavaScript needed), a form is posted by a
/// button the page renders (submitted for the payer when scripts run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NextAction {
    /// Go to `url` (Stripe's `next_action.redirect_to_url`).
    Redirect { url: String },
    /// Post `fields` to `url` (the shape ACS and device-data pages of other providers take).
    PostForm {
        url: String,
        fields: Vec<(String, String)>,
    },
    /// The sandbox's own challenge page, on the gateway.
    SandboxChallenge,
}

impl NextAction {
    /// The origin the payer's browser is sent to, if it leaves the gateway: pages that
    /// lead there allow it as a form or frame target and nothing else.
    pub fn target_origin(&self) -> Option<String> {
        let url = match self {
            NextAction::Redirect { url } | NextAction::PostForm { url, .. } => url,
            NextAction::SandboxChallenge => return None,
        };
        let (scheme, rest) = url.split_once("://")?;
        let host = rest.split(['/', '?', '#']).next()?;
        (matches!(scheme, "https" | "http") && !host.is_empty() && !host.contains('@'))
            .then(|| format!("{scheme}://{host}"))
    }
}

/// A 3-D Secure step the provider asked for: what the payer must do, and what the
/// provider needs kept until the payer is back. Stored beside the payment
/// (`PaymentRecord::authentication`); never holds card data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authentication {
    pub action: NextAction,
    /// Provider state carried from the authorisation to [`Adapter::complete`].
    #[serde(default)]
    pub state: Option<String>,
    /// The protocol version, where the provider says.
    #[serde(default)]
    pub version: Option<String>,
}

/// What the payer's return from 3-D Secure carried: the query of the provider's redirect
/// back, or the fields the sandbox's challenge page posted. A provider may need them to ask
/// for the outcome (a result token), never to decide it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Returned<'a> {
    pub fields: &'a [(String, String)],
}

impl Returned<'_> {
    /// A field by name.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the provider needs to know about a payment. `attempt` makes idempotency keys
/// distinct per attempt where a new attempt must be a new request (a confirmation after
/// the payer retried, a capture after a stored 5xx).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentRef<'a> {
    pub payment_id: &'a str,
    pub amount: u64,
    pub description: &'a str,
    pub reference: &'a str,
    /// The provider's id for the payment, once there is one.
    pub provider_id: Option<&'a str>,
    pub attempt: u64,
    /// The payment's last event number when the call is made. It stays put while an
    /// authorisation is in doubt (a query that learns nothing records nothing), so it names
    /// that authorisation: Adyen's give-up cancel repeated after a lost answer reuses its
    /// key, and a later authorisation in doubt gets a new one.
    pub sequence: u64,
    /// Where the payer's browser comes back to after 3-D Secure (the gateway's return
    /// page for this payment), for authorisations.
    pub return_to: Option<&'a str>,
}

/// The answer to [`Adapter::prepare`]: the provider-side object an authorisation will be
/// made on, created before any card data is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prepared {
    /// Ready; the provider's id (e.g. a PaymentIntent) if it has one.
    Ready { provider_id: Option<String> },
    /// The provider refused or did not answer. No card data was sent, so nothing can have
    /// been authorised: the payment ends in error (P0050).
    Failed,
}

/// The outcome of an authorisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authorised {
    /// Money is held.
    Authorised {
        provider_id: String,
        card: CardFacts,
    },
    /// The card was declined (failed, P0010).
    Declined(Decline),
    /// The provider wants the payer authenticated (3-D Secure) first. Nothing is held
    /// yet; the payment waits in `AuthenticationRequired` for the payer's return.
    ActionRequired(Authentication),
    /// A definitive error: nothing was authorised (error, P0050).
    Error,
    /// Timeout, 5xx or an answer that cannot be read: money may or may not be held. The
    /// payment waits in `AuthorisationUnknown` for a status query.
    Unknown,
    /// Sandbox only: not one of its test cards. The payer is asked for another card and
    /// the payment does not change.
    Unsupported,
}

impl Authorised {
    /// The state machine's input for this outcome (`None` for [`Authorised::Unsupported`]).
    pub fn payment_input(&self) -> Option<PaymentInput> {
        match self {
            Authorised::Authorised { provider_id, .. } => Some(PaymentInput::ProviderAuthorised {
                provider_id: provider_id.clone(),
            }),
            Authorised::Declined(_) => Some(PaymentInput::ProviderDeclined),
            Authorised::ActionRequired(_) => Some(PaymentInput::ProviderActionRequired),
            Authorised::Error => Some(PaymentInput::ProviderError),
            Authorised::Unknown => Some(PaymentInput::ProviderTimedOut),
            Authorised::Unsupported => None,
        }
    }
}

/// What a status query found for an authorisation in flight or in doubt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Queried {
    Authorised {
        provider_id: String,
        card: CardFacts,
    },
    Declined(Decline),
    /// The card was never confirmed (or the attempt was abandoned): nothing is held and
    /// the payer may try again.
    NotAuthorised,
    /// The attempt waits for the payer's 3-D Secure authentication.
    ActionRequired(Authentication),
    /// A definitive error, or a payer action Kassa cannot take: nothing held.
    Error,
    /// Still being processed, or the query itself failed: ask again later.
    Pending,
}

impl Queried {
    /// The state machine's input (`None` for [`Queried::Pending`]: nothing to record).
    pub fn payment_input(&self) -> Option<PaymentInput> {
        let resolved = |outcome, provider_id: Option<&String>| PaymentInput::StatusQueryResolved {
            outcome,
            provider_id: provider_id.cloned(),
        };
        match self {
            Queried::Authorised { provider_id, .. } => Some(resolved(
                AuthorisationOutcome::Authorised,
                Some(provider_id),
            )),
            Queried::Declined(_) => Some(resolved(AuthorisationOutcome::Declined, None)),
            Queried::NotAuthorised => Some(resolved(AuthorisationOutcome::NotAuthorised, None)),
            Queried::ActionRequired(_) => Some(PaymentInput::ProviderActionRequired),
            Queried::Error => Some(PaymentInput::ProviderError),
            Queried::Pending => None,
        }
    }
}

/// The outcome of a capture, a void or a refund: done, worth retrying, or refused for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    Done,
    Retry,
    Refused,
    /// The provider took the request and reports its outcome later, in a notification
    /// (Adyen answers captures and cancels with "received"): nothing to retry, and the
    /// payment stays where it is until the notification arrives.
    Pending,
}

/// The outcome of a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refunded {
    Succeeded {
        provider_refund_id: Option<String>,
    },
    Retry,
    Refused,
    /// Taken by the provider, outcome to come in a notification: the refund stays
    /// `submitted` (its amount spoken for) until then.
    Pending {
        provider_refund_id: Option<String>,
    },
}

impl Refunded {
    /// The refund state machine's input (`None` for [`Refunded::Retry`]).
    pub fn refund_input(&self) -> Option<RefundInput> {
        match self {
            Refunded::Succeeded { provider_refund_id } => Some(RefundInput::ProviderSucceeded {
                provider_refund_id: provider_refund_id.clone(),
            }),
            Refunded::Refused => Some(RefundInput::ProviderFailed),
            Refunded::Retry | Refunded::Pending { .. } => None,
        }
    }
}

/// A refund to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundRef<'a> {
    pub refund_id: &'a str,
    pub amount: u64,
}

/// An account's provider credentials, validated. Stored sealed (see `crate::at_rest`);
/// `Debug` never shows a secret.
///
/// Each holds what authenticates Kassa's calls to the provider and, optionally, the secret
/// the provider signs its notifications with (verified by `notification`). Only the
/// former names the credentials ([`Credentials::fingerprint`]): adding or rotating a
/// notification secret never makes a payment's calls look like another account's.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    Stripe {
        secret_key: String,
        /// The endpoint's signing secret (`whsec_…`) for Stripe's webhooks.
        webhook_secret: Option<String>,
    },
    /// Adyen's Checkout API: an API key of a web service user, the merchant account it
    /// acts for, and for live payments the account's live URL prefix (its presence is what
    /// makes the credentials live, as Adyen's live endpoints need it). `hmac_key` is the
    /// hex HMAC key of the account's standard notifications.
    Adyen {
        api_key: String,
        merchant_account: String,
        live_url_prefix: Option<String>,
        hmac_key: Option<String>,
    },
}

impl core::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Credentials(")?;
        f.write_str(&serde_json::Value::Object(self.masked()).to_string())?;
        f.write_str(")")
    }
}

/// A text field of the admin API's `provider_credentials`, if present and a string.
fn text_field<'a>(fields: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    fields.get(name).and_then(Value::as_str)
}

fn token_like(text: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&text.len())
        && text.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'=' | b'+' | b'/')
        })
}

impl Credentials {
    /// Checks the admin API's `provider_credentials` for a provider. The sandbox takes
    /// none. Unknown fields are refused, so a typo is never silently ignored.
    pub fn parse(kind: ProviderKind, fields: &Map<String, Value>) -> Result<Credentials, ApiError> {
        const FIELD: &str = "provider_credentials";
        let only = |allowed: &[&str]| fields.keys().all(|k| allowed.contains(&k.as_str()));
        match kind {
            ProviderKind::Sandbox => Err(ApiError::invalid(
                FIELD,
                "The sandbox provider takes no credentials",
            )),
            ProviderKind::Stripe => {
                let secret_key = text_field(fields, "secret_key").filter(|k| {
                    stripe_key_is_live(k).is_some()
                        && k.len() <= 255
                        && k.len() > 12
                        && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                });
                let webhook_secret = match fields.get("webhook_secret") {
                    None => Ok(None),
                    Some(v) => v
                        .as_str()
                        .filter(|w| w.starts_with("whsec_") && token_like(w, 12, 255))
                        .map(|w| Some(w.to_string()))
                        .ok_or(()),
                };
                match (secret_key, webhook_secret, only(&["secret_key", "webhook_secret"])) {
                    (Some(key), Ok(webhook_secret), true) => Ok(Credentials::Stripe {
                        secret_key: key.to_string(),
                        webhook_secret,
                    }),
                    _ => Err(ApiError::invalid(
                        FIELD,
                        "Must be {\"secret_key\": \"sk_test_…\"} (a Stripe secret or restricted key), with \"webhook_secret\": \"whsec_…\" if Stripe's webhooks are sent to Kassa",
                    )),
                }
            }
            ProviderKind::Adyen => {
                let api_key = text_field(fields, "api_key").filter(|k| token_like(k, 16, 512));
                let merchant =
                    text_field(fields, "merchant_account").filter(|m| token_like(m, 1, 80));
                let prefix = match fields.get("live_url_prefix") {
                    None => Ok(None),
                    Some(v) => v
                        .as_str()
                        .filter(|p| {
                            (1..=100).contains(&p.len())
                                && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                        })
                        .map(|p| Some(p.to_string()))
                        .ok_or(()),
                };
                let hmac = match fields.get("hmac_key") {
                    None => Ok(None),
                    Some(v) => v
                        .as_str()
                        .filter(|h| {
                            h.len() % 2 == 0
                                && (32..=256).contains(&h.len())
                                && h.bytes().all(|b| b.is_ascii_hexdigit())
                        })
                        .map(|h| Some(h.to_string()))
                        .ok_or(()),
                };
                let allowed = ["api_key", "merchant_account", "live_url_prefix", "hmac_key"];
                match (api_key, merchant, prefix, hmac, only(&allowed)) {
                    (Some(api_key), Some(merchant), Ok(live_url_prefix), Ok(hmac_key), true) => {
                        Ok(Credentials::Adyen {
                            api_key: api_key.to_string(),
                            merchant_account: merchant.to_string(),
                            live_url_prefix,
                            hmac_key,
                        })
                    }
                    _ => Err(ApiError::invalid(
                        FIELD,
                        "Must be {\"api_key\": \"…\", \"merchant_account\": \"…\"}, with \"live_url_prefix\" for live payments and \"hmac_key\" (hex) for notifications",
                    )),
                }
            }
        }
    }

    /// Whether these credentials take payments of this mode. A Stripe test key moves no
    /// money, so it serves test payments only, and a live key live payments only: a test
    /// payment must never charge a real card, nor a live one "succeed" in a test mode.
    pub fn serves(&self, live: bool) -> bool {
        self.live() == live
    }

    /// The mode these credentials serve: a live key live payments, a test key test ones.
    /// [`Credentials::parse`] admits only keys whose mode it can tell (Adyen's: live with a
    /// live URL prefix, which its live endpoints need, test without).
    pub fn live(&self) -> bool {
        match self {
            Credentials::Stripe { secret_key, .. } => stripe_key_is_live(secret_key) == Some(true),
            Credentials::Adyen {
                live_url_prefix, ..
            } => live_url_prefix.is_some(),
        }
    }

    /// A stable name for exactly these credentials, recorded on every payment made with
    /// them (`PaymentRecord::credential`) so that a later call for that payment can never
    /// go out with other credentials. A truncated SHA-256 under a label: it identifies, it
    /// is never used to authenticate, and the keys it is taken of are long random secrets.
    /// Taken of what authenticates calls only (for Stripe exactly what it was taken of
    /// before notification secrets existed, so recorded fingerprints stay valid).
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let identity = match self {
            Credentials::Stripe { secret_key, .. } => {
                serde_json::json!({"provider": "stripe", "secret_key": secret_key})
            }
            Credentials::Adyen {
                api_key,
                merchant_account,
                live_url_prefix,
                ..
            } => serde_json::json!({"provider": "adyen", "api_key": api_key,
                "merchant_account": merchant_account, "live_url_prefix": live_url_prefix}),
        };
        let digest = Sha256::new()
            .chain_update(b"kassa provider credentials fingerprint v1\0")
            .chain_update(identity.to_string().as_bytes())
            .finalize();
        digest.iter().take(12).map(|b| format!("{b:02x}")).collect()
    }

    /// Which provider these are for.
    pub fn kind(&self) -> ProviderKind {
        match self {
            Credentials::Stripe { .. } => ProviderKind::Stripe,
            Credentials::Adyen { .. } => ProviderKind::Adyen,
        }
    }

    /// The secret the provider signs its notifications with, if the account gave it.
    pub fn notification_secret(&self) -> Option<&str> {
        match self {
            Credentials::Stripe { webhook_secret, .. } => webhook_secret.as_deref(),
            Credentials::Adyen { hmac_key, .. } => hmac_key.as_deref(),
        }
    }

    /// The JSON that is sealed for storage.
    pub fn to_json(&self) -> String {
        match self {
            Credentials::Stripe {
                secret_key,
                webhook_secret,
            } => serde_json::json!({"provider": "stripe", "secret_key": secret_key,
                "webhook_secret": webhook_secret})
            .to_string(),
            Credentials::Adyen {
                api_key,
                merchant_account,
                live_url_prefix,
                hmac_key,
            } => serde_json::json!({"provider": "adyen", "api_key": api_key,
                "merchant_account": merchant_account, "live_url_prefix": live_url_prefix,
                "hmac_key": hmac_key})
            .to_string(),
        }
    }

    /// Reads back what [`Credentials::to_json`] wrote (and what earlier versions wrote).
    pub fn from_json(text: &[u8]) -> Option<Credentials> {
        let value: Value = serde_json::from_slice(text).ok()?;
        let opt = |name: &str| value.get(name).and_then(Value::as_str).map(str::to_string);
        match value.get("provider")?.as_str()? {
            "stripe" => Some(Credentials::Stripe {
                secret_key: opt("secret_key")?,
                webhook_secret: opt("webhook_secret"),
            }),
            "adyen" => Some(Credentials::Adyen {
                api_key: opt("api_key")?,
                merchant_account: opt("merchant_account")?,
                live_url_prefix: opt("live_url_prefix"),
                hmac_key: opt("hmac_key"),
            }),
            _ => None,
        }
    }

    /// What the admin API may show: each secret's name with its value masked to the prefix
    /// and last four characters (`sk_test_…4242`), enough to tell keys apart; names that
    /// are not secret (Adyen's merchant account and live URL prefix) as they are.
    pub fn masked(&self) -> Map<String, Value> {
        let mut map = Map::new();
        let mut put = |name: &str, value: String| {
            map.insert(name.into(), Value::String(value));
        };
        match self {
            Credentials::Stripe {
                secret_key,
                webhook_secret,
            } => {
                put("secret_key", mask(secret_key));
                if let Some(w) = webhook_secret {
                    put("webhook_secret", mask(w));
                }
            }
            Credentials::Adyen {
                api_key,
                merchant_account,
                live_url_prefix,
                hmac_key,
            } => {
                put("api_key", mask(api_key));
                put("merchant_account", merchant_account.clone());
                if let Some(p) = live_url_prefix {
                    put("live_url_prefix", p.clone());
                }
                if let Some(h) = hmac_key {
                    put("hmac_key", mask(h));
                }
            }
        }
        map
    }
}

/// A Stripe secret (`sk_`) or restricted (`rk_`) key's mode, from its prefix: `Some(true)`
/// for live keys, `Some(false)` for test keys, `None` for anything else.
fn stripe_key_is_live(key: &str) -> Option<bool> {
    let mode = key
        .strip_prefix("sk_")
        .or_else(|| key.strip_prefix("rk_"))?;
    if mode.starts_with("live_") {
        Some(true)
    } else if mode.starts_with("test_") {
        Some(false)
    } else {
        None
    }
}

fn mask(secret: &str) -> String {
    let prefix_len = secret
        .match_indices('_')
        .nth(1)
        .map_or(0, |(i, _)| i + 1)
        .min(8);
    let prefix = secret.get(..prefix_len).unwrap_or_default();
    let last4 = secret
        .get(secret.len().saturating_sub(4)..)
        .unwrap_or_default();
    format!("{prefix}…{last4}")
}

/// Where providers live; the edge's configuration (`STRIPE_API_BASE`, `ADYEN_API_BASE`).
/// `adyen_api_base`, when set, replaces Adyen's test and live Checkout endpoints (a local
/// server in tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub stripe_api_base: String,
    pub adyen_api_base: Option<String>,
}

/// Why no adapter could be made for a payment. Every one of them means "send nothing".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdapterError {
    /// The payment's provider needs credentials the account does not have.
    MissingCredentials,
    /// A provider name Kassa does not know (a damaged record).
    UnknownProvider,
    /// The provider cannot serve the payment's mode: the sandbox (which moves no money)
    /// asked for a live payment, or credentials of the other mode.
    WrongMode,
    /// The credentials the payment was created with are not available (the key was
    /// replaced and the old one is no longer kept): any other key could send the call to
    /// another provider account.
    CredentialChanged,
}

impl core::fmt::Display for AdapterError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            AdapterError::MissingCredentials => "the account has no credentials for its provider",
            AdapterError::UnknownProvider => "unknown payment provider",
            AdapterError::WrongMode => "the provider does not serve the payment's mode",
            AdapterError::CredentialChanged => {
                "the credentials the payment was created with are no longer available"
            }
        })
    }
}

/// What a provider call is for: the payment's provider and mode as recorded at creation,
/// and the fingerprint of the credentials it was created with (`None` for payments made
/// before fingerprints were recorded, and for the sandbox).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallFor<'a> {
    pub provider: &'a str,
    pub live: bool,
    pub credential: Option<&'a str>,
}

/// A provider, ready to build requests and read answers. The one place providers are
/// registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Adapter {
    Sandbox,
    Stripe(stripe::Stripe),
    Adyen(adyen::Adyen),
}

impl Adapter {
    /// The adapter for one call of a payment, failing closed: the sandbox serves test
    /// payments only, credentials only payments of their own mode, and only the payment's
    /// own credentials (by fingerprint) may be used for it. Checked at every provider call
    /// (authorise, status query, capture, void, refund), not only at creation, so neither a
    /// damaged record nor a replaced key can send a payment's call to the wrong place.
    pub fn for_payment(
        payment: CallFor<'_>,
        credentials: Option<&Credentials>,
        endpoints: &Endpoints,
    ) -> Result<Adapter, AdapterError> {
        match (payment.provider, credentials) {
            ("sandbox", _) if payment.live => return Err(AdapterError::WrongMode),
            ("sandbox", _) => {}
            (_, Some(creds)) if !creds.serves(payment.live) => return Err(AdapterError::WrongMode),
            (_, Some(creds)) => {
                if let Some(recorded) = payment.credential {
                    if creds.fingerprint() != recorded {
                        return Err(AdapterError::CredentialChanged);
                    }
                }
            }
            // Made with credentials that are no longer kept (replaced often enough since).
            (_, None) if payment.credential.is_some() => {
                return Err(AdapterError::CredentialChanged)
            }
            (_, None) => {}
        }
        Adapter::new(payment.provider, credentials, endpoints)
    }

    /// The adapter for a provider as `PaymentRecord.provider` names it, without the
    /// payment's checks: use [`Adapter::for_payment`] for calls about a payment.
    pub fn new(
        provider: &str,
        credentials: Option<&Credentials>,
        endpoints: &Endpoints,
    ) -> Result<Adapter, AdapterError> {
        match provider {
            "sandbox" => Ok(Adapter::Sandbox),
            "stripe" => match credentials {
                Some(Credentials::Stripe { secret_key, .. }) => Ok(Adapter::Stripe(
                    stripe::Stripe::new(secret_key, &endpoints.stripe_api_base),
                )),
                Some(_) | None => Err(AdapterError::MissingCredentials),
            },
            "adyen" => match credentials {
                Some(Credentials::Adyen {
                    api_key,
                    merchant_account,
                    live_url_prefix,
                    ..
                }) => Ok(Adapter::Adyen(adyen::Adyen::new(
                    api_key,
                    merchant_account,
                    live_url_prefix.as_deref(),
                    endpoints.adyen_api_base.as_deref(),
                ))),
                Some(_) | None => Err(AdapterError::MissingCredentials),
            },
            _ => Err(AdapterError::UnknownProvider),
        }
    }

    /// Creates what the authorisation will be made on, before card data is sent.
    pub fn prepare(&self, payment: &PaymentRef<'_>) -> Call<Prepared> {
        match self {
            // Adyen authorises in one call: nothing to create first.
            Adapter::Sandbox | Adapter::Adyen(_) => {
                Call::Done(Prepared::Ready { provider_id: None })
            }
            Adapter::Stripe(s) => Call::Send(s.create_intent(payment)),
        }
    }

    // The sandbox never sends a request, so its `parse_*` arms are unreachable in practice;
    // they answer with the outcome that commits to nothing (failed before card data,
    // unknown, pending, retry).

    pub fn parse_prepare(&self, result: &HttpResult) -> Prepared {
        match self {
            Adapter::Sandbox | Adapter::Adyen(_) => Prepared::Failed,
            Adapter::Stripe(_) => stripe::parse_create_intent(result),
        }
    }

    /// Authorises the card. `payment.provider_id` is what [`Adapter::prepare`] returned.
    pub fn authorise(&self, payment: &PaymentRef<'_>, card: &ValidatedCard) -> Call<Authorised> {
        match self {
            Adapter::Sandbox => Call::Done(sandbox::authorised(payment, card)),
            Adapter::Stripe(s) => match payment.provider_id {
                Some(intent) => Call::Send(s.confirm(intent, payment, card)),
                None => Call::Done(Authorised::Error),
            },
            Adapter::Adyen(a) => Call::Send(a.payment(payment, card)),
        }
    }

    pub fn parse_authorise(&self, result: &HttpResult) -> Authorised {
        match self {
            Adapter::Sandbox => Authorised::Unknown,
            Adapter::Stripe(_) => stripe::parse_confirm(result),
            Adapter::Adyen(_) => adyen::parse_payment(result),
        }
    }

    /// Turns the payer's return from 3-D Secure into an outcome: asks the provider (Stripe
    /// re-reads the PaymentIntent; Adyen is sent the redirect's `redirectResult`, which only
    /// lets it look the attempt up); only the sandbox answers from what its own challenge
    /// page posted. Never sends card data.
    pub fn complete(
        &self,
        payment: &PaymentRef<'_>,
        authentication: &Authentication,
        returned: Returned<'_>,
    ) -> Call<Authorised> {
        match (self, payment.provider_id) {
            (Adapter::Sandbox, _) => {
                Call::Done(sandbox::completed(payment, authentication, returned))
            }
            (Adapter::Stripe(_), None) => Call::Done(Authorised::Error),
            (Adapter::Stripe(s), Some(intent)) => Call::Send(s.retrieve(intent)),
            (Adapter::Adyen(a), _) => a.complete(payment, returned),
        }
    }

    pub fn parse_complete(&self, result: &HttpResult) -> Authorised {
        match self {
            Adapter::Sandbox => Authorised::Unknown,
            Adapter::Stripe(_) => stripe::parse_complete(result),
            Adapter::Adyen(_) => adyen::parse_details(result),
        }
    }

    /// Asks what became of an authorisation in flight or in doubt. Never re-sends card
    /// data. `payment.attempt` is how many times the job has asked already (Stripe's
    /// query does not depend on it; Adyen's gives up after a few, see [`adyen`]).
    pub fn query(&self, payment: &PaymentRef<'_>) -> Call<Queried> {
        match (self, payment.provider_id) {
            // The sandbox answers within the request that asked, so an attempt it has no
            // record of was never made.
            (Adapter::Sandbox, _) | (Adapter::Stripe(_), None) => {
                Call::Done(Queried::NotAuthorised)
            }
            (Adapter::Stripe(s), Some(intent)) => Call::Send(s.retrieve(intent)),
            // No status API: the AUTHORISATION notification resolves it, or after a few
            // rounds a standalone cancel gives it up.
            (Adapter::Adyen(a), _) => a.query(payment),
        }
    }

    pub fn parse_query(&self, result: &HttpResult) -> Queried {
        match self {
            Adapter::Sandbox => Queried::Pending,
            Adapter::Stripe(_) => stripe::parse_query(result),
            Adapter::Adyen(_) => adyen::parse_query(result),
        }
    }

    /// Takes the authorised amount.
    pub fn capture(&self, payment: &PaymentRef<'_>) -> Call<Settled> {
        match (self, payment.provider_id) {
            (Adapter::Sandbox, _) => Call::Done(Settled::Done),
            (Adapter::Stripe(_) | Adapter::Adyen(_), None) => Call::Done(Settled::Refused),
            (Adapter::Stripe(s), Some(intent)) => Call::Send(s.capture(intent, payment)),
            (Adapter::Adyen(a), Some(psp)) => Call::Send(a.capture(psp, payment)),
        }
    }

    pub fn parse_capture(&self, result: &HttpResult) -> Settled {
        match self {
            Adapter::Sandbox => Settled::Retry,
            Adapter::Stripe(_) => stripe::parse_capture(result),
            Adapter::Adyen(_) => adyen::parse_modification(result),
        }
    }

    /// Releases an authorisation hold after cancellation or expiry.
    pub fn void(&self, payment: &PaymentRef<'_>) -> Call<Settled> {
        match (self, payment.provider_id) {
            (Adapter::Sandbox, _) => Call::Done(Settled::Done),
            // Nothing was ever authorised at the provider: nothing to release.
            (Adapter::Stripe(_) | Adapter::Adyen(_), None) => Call::Done(Settled::Done),
            (Adapter::Stripe(s), Some(intent)) => Call::Send(s.cancel(intent, payment)),
            (Adapter::Adyen(a), Some(psp)) => Call::Send(a.cancel(psp, payment)),
        }
    }

    pub fn parse_void(&self, result: &HttpResult) -> Settled {
        match self {
            Adapter::Sandbox => Settled::Retry,
            Adapter::Stripe(_) => stripe::parse_cancel(result),
            Adapter::Adyen(_) => adyen::parse_modification(result),
        }
    }

    /// Refunds part or all of a captured payment.
    pub fn refund(&self, payment: &PaymentRef<'_>, refund: &RefundRef<'_>) -> Call<Refunded> {
        match (self, payment.provider_id) {
            (Adapter::Sandbox, _) => Call::Done(Refunded::Succeeded {
                provider_refund_id: None,
            }),
            (Adapter::Stripe(_) | Adapter::Adyen(_), None) => Call::Done(Refunded::Refused),
            (Adapter::Stripe(s), Some(intent)) => Call::Send(s.refund(intent, payment, refund)),
            (Adapter::Adyen(a), Some(psp)) => Call::Send(a.refund(psp, payment, refund)),
        }
    }

    pub fn parse_refund(&self, result: &HttpResult) -> Refunded {
        match self {
            Adapter::Sandbox => Refunded::Retry,
            Adapter::Stripe(_) => stripe::parse_refund(result),
            Adapter::Adyen(_) => adyen::parse_refund(result),
        }
    }
}

#[cfg(test)]
mod tests;
