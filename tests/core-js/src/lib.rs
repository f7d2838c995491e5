//! kassa-core's functions exported to Node, so tests can cross-check them against independent
//! implementations (Node's `crypto`, `Date`, npm packages) and benches can time them as wasm.
//! Errors come back as thrown strings naming the core error.

use kassa_core::sealed_token::{self, CardSecrets, SealingPublicKey, SealingSecretKey};
use kassa_core::time::UnixMillis;
use kassa_core::webhook_signature::{
    self as sig, Signer, WebhookHeaders, WebhookPublicKey, WebhookSecret, WebhookSigningKey,
};
use wasm_bindgen::prelude::*;

fn js_err(e: impl core::fmt::Debug) -> JsValue {
    JsValue::from_str(&format!("{e:?}"))
}

fn seed(bytes: &[u8]) -> Result<[u8; 32], JsValue> {
    bytes
        .try_into()
        .map_err(|_| JsValue::from_str("expected 32 bytes"))
}

/// `UnixMillis::to_rfc3339`, checked against `Date.prototype.toISOString`.
#[wasm_bindgen]
pub fn format_rfc3339(millis: f64) -> String {
    UnixMillis(millis as u64).to_rfc3339()
}

/// `UnixMillis::parse_rfc3339`; `undefined` when the text is not an accepted instant.
#[wasm_bindgen]
pub fn parse_rfc3339(text: &str) -> Option<f64> {
    UnixMillis::parse_rfc3339(text).map(|t| t.as_millis() as f64)
}

/// The `Stripe-Signature` Stripe sends for `body` at `timestamp_secs`.
#[wasm_bindgen]
pub fn stripe_signature_header(secret: &str, timestamp_secs: f64, body: &[u8]) -> String {
    kassa_core::provider::stripe_webhook::signature_header(secret, timestamp_secs as u64, body)
}

/// Whether a `Stripe-Signature` signs `body` within 5 minutes of `now_millis`.
#[wasm_bindgen]
pub fn verify_stripe_signature(secret: &str, body: &[u8], header: &str, now_millis: f64) -> bool {
    kassa_core::provider::stripe_webhook::verify_signature(
        secret,
        body,
        header,
        UnixMillis(now_millis as u64),
    )
}

/// GOV.UK Pay's `Pay-Signature` of `body`.
#[wasm_bindgen]
pub fn pay_signature(secret: &str, body: &[u8]) -> String {
    sig::pay_signature(secret, body)
}

#[wasm_bindgen]
pub fn verify_pay_signature(secret: &str, body: &[u8], header: &str) -> bool {
    sig::verify_pay_signature(secret, body, header)
}

/// Adyen's `hmacSignature` (base64 HMAC-SHA256 under the hex key) of a notification
/// item's signed string; `undefined` for a key that is not hex.
#[wasm_bindgen]
pub fn adyen_hmac(hex_key: &str, data: &str) -> Option<String> {
    kassa_core::provider::adyen::notifications::sign(hex_key, data)
}

/// The signed string of one `NotificationRequestItem` (JSON); `undefined` when a signed
/// field has a type Adyen never sends.
#[wasm_bindgen]
pub fn adyen_signing_string(item_json: &str) -> Option<String> {
    let item: serde_json::Value = serde_json::from_str(item_json).ok()?;
    kassa_core::provider::adyen::notifications::signing_string(item.as_object()?)
}

/// Verifies an Adyen notification body: the ids of the notifications it carries, or the
/// refusal (`Signature`, `Malformed`, `NoSecret`) thrown.
#[wasm_bindgen]
pub fn adyen_verify(
    hex_key: &str,
    merchant_account: &str,
    live: bool,
    body: &[u8],
) -> Result<Vec<String>, JsValue> {
    kassa_core::provider::adyen::notifications::verify(hex_key, merchant_account, live, body)
        .map(|items| items.into_iter().map(|n| n.id).collect())
        .map_err(js_err)
}

/// The Standard Webhooks `webhook-signature` value: one `v1` entry per `whsec_` secret
/// (space-separated), plus a `v1a` entry when a 32-byte ed25519 seed is given.
#[wasm_bindgen]
pub fn webhook_signature(
    secrets: Vec<String>,
    ed25519_seed: Option<Vec<u8>>,
    msg_id: &str,
    timestamp_secs: f64,
    body: &[u8],
) -> Result<String, JsValue> {
    let mut signer = Signer::new();
    for s in secrets {
        signer = signer.with_secret(WebhookSecret::parse(&s).map_err(js_err)?);
    }
    if let Some(seed_bytes) = ed25519_seed {
        signer = signer.with_ed25519(WebhookSigningKey::from_seed(seed(&seed_bytes)?));
    }
    signer
        .signature_header(msg_id, timestamp_secs as u64, body)
        .map_err(js_err)
}

/// The `whpk_` public key for an ed25519 seed.
#[wasm_bindgen]
pub fn webhook_public_key(ed25519_seed: &[u8]) -> Result<String, JsValue> {
    Ok(WebhookSigningKey::from_seed(seed(ed25519_seed)?)
        .public_key()
        .to_string())
}

/// Verifies Standard Webhooks headers at `now_ms`; throws the core error when it fails.
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn webhook_verify(
    msg_id: &str,
    timestamp: &str,
    signature: &str,
    body: &[u8],
    secrets: Vec<String>,
    public_keys: Vec<String>,
    now_ms: f64,
    tolerance_ms: f64,
) -> Result<(), JsValue> {
    let secrets = secrets
        .iter()
        .map(|s| WebhookSecret::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(js_err)?;
    let keys = public_keys
        .iter()
        .map(|k| WebhookPublicKey::parse(k))
        .collect::<Result<Vec<_>, _>>()
        .map_err(js_err)?;
    let headers = WebhookHeaders {
        id: Some(msg_id),
        timestamp: Some(timestamp),
        signature: Some(signature),
    };
    sig::verify(
        &headers,
        body,
        &secrets,
        &keys,
        UnixMillis(now_ms as u64),
        tolerance_ms as u64,
    )
    .map_err(js_err)
}

/// Seals a card to the public key of `secret_key` (32 bytes), as the widget does.
#[wasm_bindgen]
pub fn seal_card(
    secret_key: &[u8],
    number: &str,
    cvc: &str,
    binding: &str,
    now_ms: f64,
    ikm_e: &[u8],
) -> Result<String, JsValue> {
    let key = SealingSecretKey::from_bytes(seed(secret_key)?);
    seal_test_card(key.public_key(), number, cvc, binding, now_ms, ikm_e)
}

/// Seals a card to a gateway's published key (base64url, as its card forms carry it in
/// `data-kassa-key`), as the widget does: what a test needs to play the browser's part.
#[wasm_bindgen]
pub fn seal_card_for(
    public_key: &str,
    number: &str,
    cvc: &str,
    binding: &str,
    now_ms: f64,
    ikm_e: &[u8],
) -> Result<String, JsValue> {
    let key = SealingPublicKey::from_base64url(public_key).map_err(js_err)?;
    seal_test_card(&key, number, cvc, binding, now_ms, ikm_e)
}

fn seal_test_card(
    key: &SealingPublicKey,
    number: &str,
    cvc: &str,
    binding: &str,
    now_ms: f64,
    ikm_e: &[u8],
) -> Result<String, JsValue> {
    let card = CardSecrets {
        number: number.to_string(),
        expiry_month: 12,
        expiry_year: 2030,
        cvc: cvc.to_string(),
        cardholder_name: "Mx Test".to_string(),
    };
    sealed_token::seal_card(
        &card,
        key,
        binding,
        UnixMillis(now_ms as u64),
        &seed(ikm_e)?,
    )
    .map_err(js_err)
}

/// Opens a sealed card and returns its masked number (the clear number never leaves wasm).
#[wasm_bindgen]
pub fn open_card_masked(
    secret_key: &[u8],
    token: &str,
    binding: &str,
    now_ms: f64,
) -> Result<String, JsValue> {
    let key = SealingSecretKey::from_bytes(seed(secret_key)?);
    let kid = key.key_id();
    let card = sealed_token::open_card(
        token,
        |id| (id == kid).then_some(&key),
        binding,
        UnixMillis(now_ms as u64),
    )
    .map_err(js_err)?;
    Ok(card.masked_number())
}

/// Validates a create-payment body; returns `"ok"` or the GOV.UK Pay error JSON.
#[wasm_bindgen]
pub fn validate_create_payment(body: &[u8]) -> String {
    match kassa_core::api::create_payment::parse_create_payment(body) {
        Ok(_) => "ok".to_string(),
        Err(e) => serde_json::to_string(&e).unwrap_or_default(),
    }
}

/// Brand id detected from the leading digits, as the widget shows it while typing.
#[wasm_bindgen]
pub fn card_brand(number: &str) -> Option<String> {
    kassa_core::card::detect_brand(number).map(|b| b.id().to_string())
}

#[wasm_bindgen]
pub fn luhn_valid(number: &str) -> bool {
    kassa_core::card::luhn_valid(number)
}

/// The payment lifecycle as JSON (`kassa_core::payment::table::lifecycle`): every status
/// with its GOV.UK Pay state and every legal row of the transition table, what
/// `scripts/build-state-diagram.mjs` draws.
#[wasm_bindgen]
pub fn payment_lifecycle() -> Result<String, JsValue> {
    serde_json::to_string(&kassa_core::payment::table::lifecycle()).map_err(js_err)
}

pub mod ops;

/// Runs benchmark operation `name` `iterations` times inside wasm (Node times the call), so
/// the JS boundary is crossed once per batch, not once per operation.
#[wasm_bindgen]
pub fn bench_run(name: &str, iterations: u32) -> Result<f64, JsValue> {
    let fixture = ops::Fixture::new().ok_or_else(|| JsValue::from_str("fixture failed"))?;
    let mut total = 0usize;
    for _ in 0..iterations {
        total = total.wrapping_add(
            fixture
                .run(name)
                .ok_or_else(|| JsValue::from_str("unknown or failing operation"))?,
        );
    }
    Ok(total as f64)
}

/// The operations `bench_run` accepts.
#[wasm_bindgen]
pub fn bench_operations() -> Vec<String> {
    ops::OPERATIONS.iter().map(|s| s.to_string()).collect()
}
