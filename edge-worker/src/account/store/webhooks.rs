//! Webhooks in SQLite: the endpoints (their secrets sealed), the account's ed25519 signing
//! key, and the messages queued for them. `enqueue` is called by `payments::save`, in the
//! write's own synchronous section.

use crate::account::store::refunds;
use crate::account::store::search::count;
use crate::account::store::sql::{flag, int, query, stored_json, Row};
use crate::{clock, secrets};
use kassa_core::event::PaymentEvent;
use kassa_core::ids::MessageId;
use kassa_core::time::UnixMillis;
use kassa_core::view::{self, LinkContext, PaymentRecord};
use kassa_core::webhook::delivery::{Delivery, MessageStatus};
use kassa_core::webhook::{message_body, MessageQuery, SecretRing, Webhook};
use kassa_core::webhook_signature::{WebhookSecret, WebhookSigningKey};
use serde::Deserialize;
use worker::{Env, Result, SqlStorage};

#[derive(Deserialize)]
pub struct WebhookRow {
    pub record: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_until: Option<i64>,
}
impl Row for WebhookRow {}

impl WebhookRow {
    pub fn webhook(&self) -> Result<Webhook> {
        serde_json::from_str(&self.record).map_err(|e| stored_json("stored webhook", &e))
    }

    /// The secrets, opened.
    pub fn ring(&self, env: &Env, account: &str, id: &str) -> Result<SecretRing> {
        let slot = secret_slot(id);
        let open = |sealed: &str| -> Result<String> {
            let bytes = secrets::open(env, account, &slot, sealed)?;
            String::from_utf8(bytes).map_err(|e| internal("stored secret", e))
        };
        let previous = match (&self.previous_secret, self.previous_until) {
            (Some(sealed), Some(until)) => Some((open(sealed)?, UnixMillis(until.max(0) as u64))),
            _ => None,
        };
        Ok(SecretRing {
            current: open(&self.secret)?,
            previous,
        })
    }
}

pub const WEBHOOK_COLUMNS: &str = "record, secret, previous_secret, previous_until";

pub fn load(sql: &SqlStorage, live: bool, id: &str) -> Result<Option<WebhookRow>> {
    let rows: Vec<WebhookRow> = query(
        sql,
        &format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = ? AND live = ?"),
        vec![id.into(), flag(live)],
    )?;
    Ok(rows.into_iter().next())
}

/// Any webhook by id, whatever its mode (the delivery engine's view).
pub fn load_any(sql: &SqlStorage, id: &str) -> Result<Option<WebhookRow>> {
    let rows: Vec<WebhookRow> = query(
        sql,
        &format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = ?"),
        vec![id.into()],
    )?;
    Ok(rows.into_iter().next())
}

pub fn save_record(sql: &SqlStorage, hook: &Webhook) -> Result<()> {
    let text = serde_json::to_string(hook).map_err(|e| internal("serialise webhook", e))?;
    sql.exec(
        "UPDATE webhooks SET record = ? WHERE id = ?",
        vec![text.into(), hook.id.to_string().into()],
    )?;
    Ok(())
}

/// The account's ed25519 signing key, if one was made (with the first webhook).
pub fn signing_key(
    env: &Env,
    sql: &SqlStorage,
    account: &str,
) -> Result<Option<WebhookSigningKey>> {
    #[derive(Deserialize)]
    struct KeyRow {
        sealed: String,
    }
    impl Row for KeyRow {}
    let rows: Vec<KeyRow> = query(sql, "SELECT sealed FROM webhook_signing_key", vec![])?;
    let Some(row) = rows.into_iter().next() else {
        return Ok(None);
    };
    let text = secrets::open(env, account, ED25519_SLOT, &row.sealed)?;
    let text = String::from_utf8(text).map_err(|e| internal("stored signing key", e))?;
    WebhookSigningKey::parse(&text)
        .map(Some)
        .map_err(|e| internal("stored signing key", e))
}

/// The account's public key (`whpk_…`), if it has one. Not secret.
pub fn public_key(sql: &SqlStorage) -> Result<Option<String>> {
    #[derive(Deserialize)]
    struct PublicRow {
        public_key: String,
    }
    impl Row for PublicRow {}
    let rows: Vec<PublicRow> = query(sql, "SELECT public_key FROM webhook_signing_key", vec![])?;
    Ok(rows.into_iter().next().map(|r| r.public_key))
}

pub fn ensure_signing_key(env: &Env, sql: &SqlStorage, account: &str) -> Result<()> {
    if public_key(sql)?.is_some() {
        return Ok(());
    }
    let key = WebhookSigningKey::from_seed(clock::random()?);
    let sealed = secrets::seal(env, account, ED25519_SLOT, key.expose_whsk().as_bytes())?;
    sql.exec(
        "INSERT INTO webhook_signing_key (id, sealed, public_key, created_at) VALUES (1, ?, ?, ?)",
        vec![
            sealed.into(),
            key.public_key().to_string().into(),
            int(clock::now().as_millis()),
        ],
    )?;
    Ok(())
}

pub fn new_secret() -> Result<String> {
    Ok(WebhookSecret::generate(clock::random()?).expose_whsec())
}

/// Enqueues one message per subscribed webhook of the payment's mode for each event that
/// maps to a webhook event type. Called by `payments::save`, so it runs in the very
/// synchronous section that writes the payment: the payment and its messages are stored
/// together or not at all, and no event can be lost between the two.
pub fn enqueue(sql: &SqlStorage, record: &PaymentRecord, events: &[PaymentEvent]) -> Result<()> {
    let typed: Vec<_> = events
        .iter()
        .filter_map(|e| e.kind.webhook_event_type().map(|t| (e, t)))
        .collect();
    if typed.is_empty() {
        return Ok(());
    }
    let rows: Vec<WebhookRow> = query(
        sql,
        &format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE live = ? ORDER BY created_at, id"),
        vec![flag(record.live)],
    )?;
    if rows.is_empty() {
        return Ok(());
    }
    let hooks = rows
        .iter()
        .map(WebhookRow::webhook)
        .collect::<Result<Vec<_>>>()?;
    let refunds = refunds::tally(sql, record.payment.id())?;
    // Rendered once per API origin (normally one): the payment as the webhook's creator
    // sees it in `GET /v1/payments/{id}`, without the payer's one-time `next_url`.
    let mut rendered: Vec<(String, serde_json::Value)> = Vec::new();
    for (event, event_type) in typed {
        for hook in hooks.iter().filter(|h| h.subscribes_to(event_type)) {
            let resource = match rendered.iter().find(|(o, _)| *o == hook.api_origin) {
                Some((_, r)) => r.clone(),
                None => {
                    let links = LinkContext {
                        api_base: &hook.api_origin,
                        next_url: None,
                    };
                    let r =
                        serde_json::to_value(view::render_payment_tallied(record, refunds, links))
                            .map_err(|e| internal("render payment", e))?;
                    rendered.push((hook.api_origin.clone(), r.clone()));
                    r
                }
            };
            let id = MessageId::generate(clock::random()?);
            let body = message_body(id, event, event_type, &resource)
                .map_err(|e| internal("message body", e))?;
            let delivery = Delivery::new(hook.active, event.at);
            sql.exec(
                "INSERT INTO webhook_messages (id, webhook_id, payment_id, sequence, event_type,
                    created_at, status, next_attempt_at, attempts, retries_used, body, finished_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?)",
                vec![
                    id.to_string().into(),
                    hook.id.to_string().into(),
                    event.payment_id.to_string().into(),
                    int(event.sequence),
                    event_type.as_str().into(),
                    int(event.at.as_millis()),
                    delivery.status.as_str().into(),
                    delivery
                        .next_attempt_at
                        .map(|t| t.as_millis() as i64)
                        .into(),
                    body.into(),
                    finished_at(&delivery, event.at).into(),
                ],
            )?;
        }
    }
    Ok(())
}

const ED25519_SLOT: &str = "webhook_ed25519";

pub fn secret_slot(id: &str) -> String {
    format!("webhook:{id}")
}

fn internal(what: &str, err: impl core::fmt::Display) -> worker::Error {
    worker::Error::RustError(format!("{what}: {err}"))
}

#[derive(Deserialize)]
pub struct MessageRow {
    pub id: String,
    pub webhook_id: String,
    pub payment_id: String,
    pub sequence: i64,
    pub event_type: String,
    pub created_at: i64,
    pub status: String,
    pub next_attempt_at: Option<i64>,
    pub attempts: i64,
    pub retries_used: i64,
    pub body: String,
}

impl Row for MessageRow {}

pub const MESSAGE_COLUMNS: &str = "id, webhook_id, payment_id, sequence, event_type, created_at, status, next_attempt_at, attempts, retries_used, body";

impl MessageRow {
    pub fn delivery(&self) -> Result<Delivery> {
        Ok(Delivery {
            status: MessageStatus::parse(&self.status)
                .ok_or_else(|| internal("stored message status", &self.status))?,
            next_attempt_at: self.next_attempt_at.map(|t| UnixMillis(t.max(0) as u64)),
            attempts: self.attempts.clamp(0, i64::from(u32::MAX)) as u32,
            retries_used: self.retries_used.clamp(0, i64::from(u32::MAX)) as u32,
        })
    }

    pub fn summary(&self, origin: &str) -> serde_json::Value {
        let me = format!(
            "{origin}/v1/webhooks/{}/messages/{}",
            self.webhook_id, self.id
        );
        serde_json::json!({
            "message_id": self.id,
            "webhook_id": self.webhook_id,
            "event_type": self.event_type,
            "resource_id": self.payment_id,
            "resource_type": "PAYMENT",
            "sequence": self.sequence,
            "created_date": UnixMillis(self.created_at.max(0) as u64).to_rfc3339(),
            "status": self.status,
            "attempts": self.attempts,
            "next_attempt_date": self.next_attempt_at.map(|t| UnixMillis(t.max(0) as u64).to_rfc3339()),
            "_links": {
                "self": { "href": me, "method": "GET" },
                "attempts": { "href": format!("{me}/attempts"), "method": "GET" },
                "resend": { "href": format!("{me}/resend"), "method": "POST" },
            },
        })
    }
}

/// Updates a message's delivery columns.
pub fn store_delivery(sql: &SqlStorage, id: &str, d: &Delivery) -> Result<()> {
    sql.exec(
        "UPDATE webhook_messages SET status = ?, next_attempt_at = ?, attempts = ?, retries_used = ?,
            finished_at = ?
         WHERE id = ?",
        vec![
            d.status.as_str().into(),
            d.next_attempt_at.map(|t| t.as_millis() as i64).into(),
            int(u64::from(d.attempts)),
            int(u64::from(d.retries_used)),
            finished_at(d, clock::now()).into(),
            id.into(),
        ],
    )?;
    Ok(())
}

/// When a message reached its final state (its retention counts from then): `now` once it
/// is final, nothing while it is pending.
pub fn finished_at(d: &Delivery, now: UnixMillis) -> Option<i64> {
    (d.status != MessageStatus::Pending).then_some(now.as_millis() as i64)
}

pub fn load_message(sql: &SqlStorage, webhook_id: &str, id: &str) -> Result<Option<MessageRow>> {
    let rows: Vec<MessageRow> = query(
        sql,
        &format!("SELECT {MESSAGE_COLUMNS} FROM webhook_messages WHERE id = ? AND webhook_id = ?"),
        vec![id.into(), webhook_id.into()],
    )?;
    Ok(rows.into_iter().next())
}

#[derive(Deserialize)]
struct AttemptRow {
    attempt: i64,
    at: i64,
    status_code: Option<i64>,
    failure: Option<String>,
    response_ms: i64,
}

impl Row for AttemptRow {}

pub fn attempt_views(sql: &SqlStorage, message_id: &str) -> Result<Vec<serde_json::Value>> {
    let rows: Vec<AttemptRow> = query(
        sql,
        "SELECT attempt, at, status_code, failure, response_ms FROM webhook_attempts
         WHERE message_id = ? ORDER BY attempt",
        vec![message_id.into()],
    )?;
    Ok(rows
        .into_iter()
        .map(|a| {
            let ok = a.status_code.is_some_and(|c| (200..300).contains(&c));
            serde_json::json!({
                "attempt": a.attempt,
                "attempted_date": UnixMillis(a.at.max(0) as u64).to_rfc3339(),
                "result": if ok { "successful" } else { "failed" },
                "status_code": a.status_code,
                "failure_reason": a.failure,
                "response_time_ms": a.response_ms,
            })
        })
        .collect())
}

/// Stores a new webhook with its sealed secret.
pub fn insert(
    sql: &SqlStorage,
    id: &str,
    live: bool,
    now: UnixMillis,
    record: String,
    sealed_secret: String,
) -> Result<()> {
    sql.exec(
        "INSERT INTO webhooks (id, live, created_at, record, secret) VALUES (?, ?, ?, ?, ?)",
        vec![
            id.into(),
            flag(live),
            int(now.as_millis()),
            record.into(),
            sealed_secret.into(),
        ],
    )?;
    Ok(())
}

/// The mode's webhooks, oldest first.
pub fn all(sql: &SqlStorage, live: bool) -> Result<Vec<WebhookRow>> {
    query(
        sql,
        &format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE live = ? ORDER BY created_at, id"),
        vec![flag(live)],
    )
}

/// Replaces a webhook's sealed secrets (the current one, and the previous one with the
/// end of its overlap).
pub fn save_secrets(
    sql: &SqlStorage,
    id: &str,
    current: String,
    previous: Option<String>,
    until: Option<i64>,
) -> Result<()> {
    sql.exec(
        "UPDATE webhooks SET secret = ?, previous_secret = ?, previous_until = ? WHERE id = ?",
        vec![current.into(), previous.into(), until.into(), id.into()],
    )?;
    Ok(())
}

/// One page of a webhook's messages, newest first, and how many match in all.
pub fn messages_page(
    sql: &SqlStorage,
    id: &str,
    q: &MessageQuery,
) -> Result<(u64, Vec<MessageRow>)> {
    let (condition, mut args) = match q.status {
        Some(status) => (
            "webhook_id = ? AND status = ?",
            vec![id.into(), status.as_str().into()],
        ),
        None => ("webhook_id = ?", vec![id.into()]),
    };
    let total = count(
        sql,
        &format!("SELECT count(*) AS n FROM webhook_messages WHERE {condition}"),
        args.clone(),
    )?;
    args.push(int(q.display_size));
    args.push(int(q.offset()));
    let rows: Vec<MessageRow> = query(
        sql,
        &format!(
            "SELECT {MESSAGE_COLUMNS} FROM webhook_messages WHERE {condition}
             ORDER BY created_at DESC, sequence DESC, id DESC LIMIT ? OFFSET ?"
        ),
        args,
    )?;
    Ok((total, rows))
}

/// How many webhooks the mode has.
pub fn count_of_mode(sql: &SqlStorage, live: bool) -> Result<u64> {
    count(
        sql,
        "SELECT count(*) AS n FROM webhooks WHERE live = ?",
        vec![flag(live)],
    )
}

/// The messages due by `now`, a fair pick in rounds: each webhook's oldest due message
/// (`turn` 1), then each one's next, at most `per_webhook` of each and `limit` in all.
/// Within a round, first attempts go before retries and live webhooks before test ones. A
/// receiver that never answers therefore holds back only its own retries: never another
/// webhook's new messages, however many of its own are due.
pub fn due_messages(
    sql: &SqlStorage,
    now: UnixMillis,
    per_webhook: u64,
    limit: u64,
) -> Result<Vec<MessageRow>> {
    query(
        sql,
        &format!(
            "SELECT {MESSAGE_COLUMNS} FROM (
               SELECT m.*, coalesce(w.live, 0) AS live, row_number() OVER (
                   PARTITION BY m.webhook_id ORDER BY m.next_attempt_at, m.created_at, m.sequence
                 ) AS turn
               FROM webhook_messages m LEFT JOIN webhooks w ON w.id = m.webhook_id
               WHERE m.status = 'pending' AND m.next_attempt_at <= ?
             ) WHERE turn <= ?
             ORDER BY turn, attempts > 0, live DESC, next_attempt_at, created_at, sequence
             LIMIT ?"
        ),
        vec![int(now.as_millis()), int(per_webhook), int(limit)],
    )
}

/// A message by id.
pub fn message(sql: &SqlStorage, id: &str) -> Result<Option<MessageRow>> {
    let rows: Vec<MessageRow> = query(
        sql,
        &format!("SELECT {MESSAGE_COLUMNS} FROM webhook_messages WHERE id = ?"),
        vec![id.into()],
    )?;
    Ok(rows.into_iter().next())
}

/// Records one delivery attempt of a message.
pub fn record_attempt(
    sql: &SqlStorage,
    message_id: &str,
    attempt: u32,
    at: UnixMillis,
    status_code: Option<u16>,
    failure: Option<String>,
    response_ms: u64,
) -> Result<()> {
    sql.exec(
        "INSERT OR REPLACE INTO webhook_attempts
            (message_id, attempt, at, status_code, failure, response_ms)
         VALUES (?, ?, ?, ?, ?, ?)",
        vec![
            message_id.into(),
            int(u64::from(attempt)),
            int(at.as_millis()),
            status_code.map(i64::from).into(),
            failure.into(),
            int(response_ms),
        ],
    )?;
    Ok(())
}

/// When the earliest pending message is due.
pub fn next_due(sql: &SqlStorage) -> Result<Option<UnixMillis>> {
    #[derive(Deserialize)]
    struct Next {
        at: Option<i64>,
    }
    impl Row for Next {}
    let rows: Vec<Next> = query(
        sql,
        "SELECT min(next_attempt_at) AS at FROM webhook_messages WHERE status = 'pending'",
        vec![],
    )?;
    Ok(rows
        .into_iter()
        .find_map(|n| n.at)
        .map(|at| UnixMillis(at.max(0) as u64)))
}
