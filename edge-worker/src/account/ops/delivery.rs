//! The webhook delivery engine, run from the account object's alarm.
//!
//! 1. In one synchronous section: pick the due messages, sign them, and *claim* them (their
//!    next attempt moves `CLAIM_MS` ahead).
//! 2. Arm the alarm for the claims' expiry — before anything is sent — so a crash or restart
//!    during delivery finds them due again and sends them again (at-least-once).
//! 3. Send them concurrently, each with its own timeout and a capped read of the answer, so
//!    one slow receiver delays this account's batch by at most the timeout and never any
//!    other account (each account is its own object with its own alarm).
//! 4. In one synchronous section: record every attempt and the next step from
//!    `kassa_core::webhook::delivery`.
//!
//! Nothing about the secrets reaches a log: failures are logged by kind only.

use crate::account::object::{Account, AccountObject};
use crate::account::store::webhooks;
use crate::account::store::webhooks::{store_delivery, MessageRow};
use crate::clock;
use futures_util::future::{join_all, select, Either};
use futures_util::StreamExt;
use kassa_core::time::UnixMillis;
use kassa_core::webhook::delivery::{
    AttemptOutcome, Delivery, MessageStatus, ATTEMPT_TIMEOUT_MS, BATCH, CLAIM_MS,
    MAX_RESPONSE_BODY_BYTES, PER_WEBHOOK,
};
use kassa_core::webhook_signature::{
    pay_signature, Signer, WebhookSecret, WebhookSigningKey, PAY_SIGNATURE_HEADER,
};
use std::collections::HashMap;
use std::time::Duration;
use worker::{
    AbortController, Delay, Fetch, Headers, Method, Request, RequestInit, RequestRedirect, Result,
    SqlStorage,
};

/// A message ready to go: where, what, and with which headers.
struct Outgoing {
    message_id: String,
    webhook_id: String,
    url: String,
    body: String,
    headers: Vec<(&'static str, String)>,
    schedule: Vec<u64>,
}

struct Finished {
    message_id: String,
    webhook_id: String,
    at: UnixMillis,
    outcome: AttemptOutcome,
    response_ms: u64,
    schedule: Vec<u64>,
}

fn internal(what: &str, err: impl core::fmt::Display) -> worker::Error {
    worker::Error::RustError(format!("{what}: {err}"))
}

/// Sends what is due; returns when the next message comes due, if any is pending.
pub async fn deliver_due(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
) -> Result<Option<UnixMillis>> {
    let now = clock::now();
    let outgoing = claim_due(object, sql, account, now)?;
    if !outgoing.is_empty() {
        // Armed before the first byte is sent: if this invocation dies from here on, the
        // claims expire and the alarm sends the messages again.
        object.wake_by(now.plus(CLAIM_MS)).await?;
        let finished = join_all(outgoing.into_iter().map(send)).await;
        record(sql, &finished)?;
    }
    next_due(sql)
}

/// Step 1: the due messages, signed and claimed, in one synchronous section.
fn claim_due(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    now: UnixMillis,
) -> Result<Vec<Outgoing>> {
    // A fair pick, in rounds (`webhooks::due_messages`): a receiver that never answers
    // holds back only its own retries.
    let rows = webhooks::due_messages(sql, now, PER_WEBHOOK as u64, BATCH as u64)?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let account_id = account.id.to_string();
    // A key that cannot be opened fails each message's signing below (claimed, retried
    // later), rather than the whole alarm, which the runtime would stop retrying.
    let ed25519 = webhooks::signing_key(&object.env, sql, &account_id).map_err(|e| e.to_string());
    let mut hooks = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let delivery = row.delivery()?;
        if !delivery.is_due(now) {
            continue;
        }
        if !hooks.contains_key(&row.webhook_id) {
            let loaded = webhooks::load_any(sql, &row.webhook_id)?;
            hooks.insert(row.webhook_id.clone(), loaded);
        }
        let Some(Some(hook_row)) = hooks.get(&row.webhook_id) else {
            // Webhooks are never deleted; a message without one cannot be sent.
            store_delivery(sql, &row.id, &skip(delivery))?;
            continue;
        };
        let hook = hook_row.webhook()?;
        if !hook.active {
            // Deactivated after the event: GOV.UK Pay sends nothing for inactive webhooks.
            store_delivery(sql, &row.id, &skip(delivery))?;
            continue;
        }
        // The claim is stored whatever happens next: a message that cannot be signed now
        // (say, a secret that no longer opens) is tried again after the claim, not in a loop.
        store_delivery(sql, &row.id, &delivery.claim(now))?;
        let headers = match signed_headers(object, &account_id, hook_row, &row, &ed25519, now) {
            Ok(headers) => headers,
            Err(err) => {
                // The error names what failed (never a secret); the message stays pending.
                worker::console_error!(
                    "webhook {} message {}: not signed: {err}",
                    row.webhook_id,
                    row.id
                );
                continue;
            }
        };
        out.push(Outgoing {
            message_id: row.id,
            webhook_id: row.webhook_id,
            url: hook.callback_url.clone(),
            body: row.body,
            headers,
            schedule: hook.schedule_ms(),
        });
    }
    Ok(out)
}

/// Every header of one attempt at `now`: the Standard Webhooks three (a `v1` entry per
/// signing secret, a `v1a` entry with the account's key) and `Pay-Signature`.
fn signed_headers(
    object: &AccountObject,
    account_id: &str,
    hook_row: &webhooks::WebhookRow,
    row: &MessageRow,
    ed25519: &std::result::Result<Option<WebhookSigningKey>, String>,
    now: UnixMillis,
) -> Result<Vec<(&'static str, String)>> {
    let ed25519 = ed25519
        .as_ref()
        .map_err(|e| internal("account signing key", e))?;
    let ring = hook_row.ring(&object.env, account_id, &row.webhook_id)?;
    let mut signer = Signer::new();
    for text in ring.signing_secrets(now) {
        let secret = WebhookSecret::parse(text).map_err(|e| internal("stored secret", e))?;
        signer = signer.with_secret(secret);
    }
    if let Some(key) = ed25519 {
        signer = signer.with_ed25519(key.clone());
    }
    let signed = signer
        .sign(&row.id, now, row.body.as_bytes())
        .map_err(|e| internal("signing", e))?;
    let mut headers: Vec<(&'static str, String)> = signed
        .pairs()
        .iter()
        .map(|(name, value)| (*name, value.to_string()))
        .collect();
    headers.push((
        PAY_SIGNATURE_HEADER,
        pay_signature(ring.pay_signature_secret(now), row.body.as_bytes()),
    ));
    headers.push(("Content-Type", "application/json".into()));
    headers.push(("User-Agent", "Kassa-Webhooks/1".into()));
    Ok(headers)
}

fn skip(delivery: Delivery) -> Delivery {
    Delivery {
        status: MessageStatus::WillNotSend,
        next_attempt_at: None,
        ..delivery
    }
}

/// Step 3: one attempt, with a timeout that aborts the request, and a capped body read.
async fn send(out: Outgoing) -> Finished {
    let started = clock::now();
    let controller = AbortController::default();
    let signal = controller.signal();
    let attempt = async {
        let headers = Headers::new();
        for (name, value) in &out.headers {
            headers.set(name, value)?;
        }
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_headers(headers)
            .with_redirect(RequestRedirect::Manual)
            .with_body(Some(out.body.as_str().into()));
        let request = Request::new_with_init(&out.url, &init)?;
        let mut response = Fetch::Request(request).send_with_signal(&signal).await?;
        let status = response.status_code();
        // Read at most MAX_RESPONSE_BODY_BYTES (so a receiver cannot make the object buffer
        // an endless answer), then let the rest go.
        if let Ok(mut stream) = response.stream() {
            let mut read = 0usize;
            while let Some(chunk) = stream.next().await {
                match chunk {
                    Ok(bytes) => read += bytes.len(),
                    Err(_) => break,
                }
                if read >= MAX_RESPONSE_BODY_BYTES {
                    break;
                }
            }
        }
        Ok::<u16, worker::Error>(status)
    };
    let timeout = Delay::from(Duration::from_millis(ATTEMPT_TIMEOUT_MS));
    let outcome = match select(Box::pin(attempt), timeout).await {
        Either::Left((Ok(status_code), _)) => AttemptOutcome::Response { status_code },
        Either::Left((Err(err), _)) => AttemptOutcome::NetworkError {
            reason: failure_reason(&err),
        },
        Either::Right(((), _)) => {
            controller.abort();
            AttemptOutcome::Timeout
        }
    };
    let at = clock::now();
    Finished {
        message_id: out.message_id,
        webhook_id: out.webhook_id,
        at,
        response_ms: at.as_millis().saturating_sub(started.as_millis()),
        outcome,
        schedule: out.schedule,
    }
}

/// A short, secret-free reason for a failed request: the runtime's error text names the
/// kind of failure (connection refused, DNS, TLS) and never the request's headers.
fn failure_reason(err: &worker::Error) -> String {
    let text = err.to_string();
    let mut reason: String = text.chars().take(200).collect();
    if reason.is_empty() {
        reason = "network error".into();
    }
    reason
}

/// Step 4: every attempt recorded, and each message's next step decided by the core.
fn record(sql: &SqlStorage, finished: &[Finished]) -> Result<()> {
    for f in finished {
        let Some(row) = webhooks::message(sql, &f.message_id)? else {
            continue;
        };
        let next = row.delivery()?.record(&f.outcome, f.at, &f.schedule);
        store_delivery(sql, &f.message_id, &next)?;
        webhooks::record_attempt(
            sql,
            &f.message_id,
            next.attempts,
            f.at,
            f.outcome.status_code(),
            f.outcome.failure_reason(),
            f.response_ms,
        )?;
        if !f.outcome.succeeded() {
            worker::console_log!(
                "webhook {} message {}: attempt {} failed ({})",
                f.webhook_id,
                f.message_id,
                next.attempts,
                f.outcome
                    .status_code()
                    .map_or_else(|| "no response".to_string(), |c| c.to_string())
            );
        }
    }
    Ok(())
}

/// When the earliest pending message is due.
pub fn next_due(sql: &SqlStorage) -> Result<Option<UnixMillis>> {
    webhooks::next_due(sql)
}
