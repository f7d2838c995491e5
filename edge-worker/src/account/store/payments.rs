//! Payments, their events and their searches in SQLite: typed loads and saves. `save`
//! also queues the payment's webhook messages (`messages::enqueue`), in the same
//! synchronous section as the write.

use crate::account::store::search::{like_pattern, search_page, Filter, SearchPage, Table};
use crate::account::store::sql::{flag, int, query, stored_json, Row};
use crate::account::store::webhooks as messages;
use kassa_core::api::search::PaymentSearchQuery;
use kassa_core::event::PaymentEvent;
use kassa_core::time::UnixMillis;
use kassa_core::view::PaymentRecord;
use serde::Deserialize;
use worker::{Result, SqlStorage};

fn internal(what: &str, err: impl core::fmt::Display) -> worker::Error {
    worker::Error::RustError(format!("{what}: {err}"))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| internal("serialise", e))
}

#[derive(Deserialize)]
struct RecordRow {
    record: String,
}

impl Row for RecordRow {}

/// Loads a payment of this account in the caller's mode: a test key never sees live
/// payments and the reverse, exactly as if they did not exist.
pub fn load(sql: &SqlStorage, live: bool, id: &str) -> Result<Option<PaymentRecord>> {
    let rows: Vec<RecordRow> = query(
        sql,
        "SELECT record FROM payments WHERE id = ? AND live = ?",
        vec![id.into(), flag(live)],
    )?;
    match rows.into_iter().next() {
        Some(row) => serde_json::from_str(&row.record)
            .map(Some)
            .map_err(|e| stored_json("stored payment", &e)),
        None => Ok(None),
    }
}

/// Loads a payment whichever its mode, for the payer's pages: they are not in a mode, and
/// the page session (checked before) already names the payment.
pub fn load_either_mode(sql: &SqlStorage, id: &str) -> Result<Option<PaymentRecord>> {
    let rows: Vec<RecordRow> = query(
        sql,
        "SELECT record FROM payments WHERE id = ?",
        vec![id.into()],
    )?;
    match rows.into_iter().next() {
        Some(row) => serde_json::from_str(&row.record)
            .map(Some)
            .map_err(|e| stored_json("stored payment", &e)),
        None => Ok(None),
    }
}

/// Writes a payment back with its search columns, and appends its new events.
pub fn save(sql: &SqlStorage, record: &PaymentRecord, events: &[PaymentEvent]) -> Result<()> {
    let payment = &record.payment;
    let state = payment.external_state();
    let card = payment.card();
    sql.exec(
        "INSERT INTO payments (id, live, created_at, reference, email, state, card_brand,
            cardholder_name, first_digits, last_digits, expires_at, record)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET state = excluded.state, card_brand = excluded.card_brand,
            cardholder_name = excluded.cardholder_name, first_digits = excluded.first_digits,
            last_digits = excluded.last_digits, expires_at = excluded.expires_at,
            record = excluded.record",
        vec![
            payment.id().to_string().into(),
            flag(record.live),
            int(payment.created_at().as_millis()),
            payment.reference().into(),
            record.email.clone().into(),
            status_text(&state.status)?.into(),
            card.map(|c| c.brand().to_string()).into(),
            card.and_then(|c| c.cardholder_name().map(str::to_string))
                .into(),
            card.map(|c| c.first6().to_string()).into(),
            card.map(|c| c.last4().to_string()).into(),
            payment.expires_at().map(|t| t.as_millis() as i64).into(),
            to_json(record)?.into(),
        ],
    )?;
    for event in events {
        sql.exec(
            "INSERT OR IGNORE INTO events (payment_id, sequence, at, event) VALUES (?, ?, ?, ?)",
            vec![
                payment.id().to_string().into(),
                int(event.sequence),
                int(event.at.as_millis()),
                to_json(event)?.into(),
            ],
        )?;
    }
    // Same synchronous section: the payment, its events and their webhook messages are
    // stored together, so no event can be lost between the state change and the queue.
    messages::enqueue(sql, record, events)
}

/// The external status as the API spells it (`created`, `success`, …), for search.
fn status_text<T: serde::Serialize>(status: &T) -> Result<String> {
    match serde_json::to_value(status) {
        Ok(serde_json::Value::String(text)) => Ok(text),
        _ => Err(internal("external status", "not a string")),
    }
}

#[derive(Deserialize)]
struct EventRow {
    event: String,
}

impl Row for EventRow {}

/// A payment's events, in order.
pub fn events(sql: &SqlStorage, id: &str) -> Result<Vec<PaymentEvent>> {
    let rows: Vec<EventRow> = query(
        sql,
        "SELECT event FROM events WHERE payment_id = ? ORDER BY sequence",
        vec![id.into()],
    )?;
    rows.iter()
        .map(|row| serde_json::from_str::<PaymentEvent>(&row.event))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| stored_json("stored event", &e))
}

/// One page of a payment search (`GET /v1/payments`) in the caller's mode.
pub fn search(sql: &SqlStorage, live: bool, q: &PaymentSearchQuery) -> Result<SearchPage> {
    let mut clauses = vec!["live = ?".to_string()];
    let mut args = vec![flag(live)];
    // GOV.UK Pay matches reference exactly (case-insensitively), email and cardholder
    // name partially; card digits and brand exactly.
    if let Some(reference) = &q.reference {
        clauses.push("reference = ? COLLATE NOCASE".into());
        args.push(reference.clone().into());
    }
    if let Some(email) = &q.email {
        clauses.push("email LIKE ? ESCAPE '\\' COLLATE NOCASE".into());
        args.push(like_pattern(email).into());
    }
    if let Some(name) = &q.cardholder_name {
        clauses.push("cardholder_name LIKE ? ESCAPE '\\' COLLATE NOCASE".into());
        args.push(like_pattern(name).into());
    }
    if let Some(state) = q.state {
        clauses.push("state = ?".into());
        args.push(state.as_str().into());
    }
    if let Some(brand) = &q.card_brand {
        clauses.push("card_brand = ? COLLATE NOCASE".into());
        args.push(brand.clone().into());
    }
    if let Some(first) = &q.first_digits_card_number {
        clauses.push("first_digits = ?".into());
        args.push(first.clone().into());
    }
    if let Some(last) = &q.last_digits_card_number {
        clauses.push("last_digits = ?".into());
        args.push(last.clone().into());
    }
    search_page(
        sql,
        Table::Payments,
        Filter { clauses, args },
        (q.from_date, q.to_date),
        (q.display_size, q.offset()),
    )
}

/// The stored records of payments whose deadline has passed, oldest deadline first, and not
/// the payments whose status query is still queued: those keep their past deadline until
/// it is answered, and must not crowd out the rest.
pub fn due_for_expiry(sql: &SqlStorage, now: UnixMillis) -> Result<Vec<String>> {
    let due: Vec<RecordRow> = query(
        sql,
        "SELECT record FROM payments WHERE expires_at IS NOT NULL AND expires_at <= ?
           AND id NOT IN (SELECT payment_id FROM provider_jobs WHERE refund_id IS NULL)
         ORDER BY expires_at LIMIT 500",
        vec![int(now.as_millis())],
    )?;
    Ok(due.into_iter().map(|row| row.record).collect())
}

/// The earliest payment deadline, if any.
pub fn next_expiry(sql: &SqlStorage) -> Result<Option<UnixMillis>> {
    #[derive(Deserialize)]
    struct Next {
        at: Option<i64>,
    }
    impl Row for Next {}
    let next: Vec<Next> = query(
        sql,
        "SELECT min(expires_at) AS at FROM payments WHERE expires_at IS NOT NULL",
        vec![],
    )?;
    Ok(next
        .into_iter()
        .find_map(|n| n.at)
        .map(|at| UnixMillis(at.max(0) as u64)))
}
