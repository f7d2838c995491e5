//! Payment operations of the `/v1` API inside the account object.
//!
//! Each function runs as one synchronous section of SQL: read, apply `kassa-core`'s rules,
//! write. Responses are rendered by `kassa_core::view`, so the worker decides nothing about
//! what a payment looks like on the wire.

use crate::account::context::Ctx;
use crate::account::context::Reply;
use crate::account::object::Account;
use crate::account::object::AccountObject;
use crate::account::ops::provider_jobs;
use crate::account::store::credentials;
use crate::account::store::sql::flag;
use crate::account::store::sql::int;
use crate::account::store::sql::query;
use crate::account::store::sql::stored_json;
use crate::account::store::sql::Row;
use crate::clock;
use kassa_core::account::ProviderKind;
use kassa_core::api::create_payment::CreatePaymentRequest;
use kassa_core::api::error::{ApiError, ErrorCode};
use kassa_core::api::sealed_card::parse_create_payment_with_card;
use kassa_core::api::search::{PaymentSearchQuery, PaymentSearchResults};
use kassa_core::event::PaymentEvent;
use kassa_core::ids::PaymentId;
use kassa_core::payment::{ExpiryOutcome, PaymentInput};
use kassa_core::time::{UnixMillis, MINUTE_MS};
use kassa_core::view::{self, LinkContext, PaymentRecord};
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
    crate::account::ops::webhooks::enqueue(sql, record, events)
}

/// The external status as the API spells it (`created`, `success`, …), for search.
fn status_text<T: serde::Serialize>(status: &T) -> Result<String> {
    match serde_json::to_value(status) {
        Ok(serde_json::Value::String(text)) => Ok(text),
        _ => Err(internal("external status", "not a string")),
    }
}

/// Renders a payment as `GET /v1/payments/{id}` shows it, with a `next_url` token (its
/// unused one again, or a fresh one: `page_tokens`) while the payer can still start or
/// resume paying.
fn render(ctx: &Ctx<'_>, record: &PaymentRecord) -> Result<serde_json::Value> {
    render_with(ctx, record, true)
}

/// `render`, with `next_url` only if `offer_page` (a payment created with a sealed card has
/// nothing for a payer to do on the hosted pages).
pub fn render_with(
    ctx: &Ctx<'_>,
    record: &PaymentRecord,
    offer_page: bool,
) -> Result<serde_json::Value> {
    let refunds = crate::account::ops::refunds::tally(ctx.sql, record.payment.id())?;
    let token = if !offer_page || record.payment.external_state().finished {
        None
    } else {
        Some(crate::account::store::page_tokens::for_payment(
            ctx,
            &record.payment.id(),
        )?)
    };
    let links = LinkContext {
        api_base: ctx.origin,
        next_url: token.as_ref().map(|t| (ctx.origin, t.expose())),
    };
    serde_json::to_value(view::render_payment_tallied(record, refunds, links))
        .map_err(|e| internal("render payment", e))
}

/// What `POST /v1/payments` did in its synchronous section.
pub enum Created {
    Reply(Reply),
    /// Created with a sealed card: authorise it after the section (`tokenized::finish`).
    Authorise(Box<crate::account::ops::tokenized::Pending>),
}

pub fn create(ctx: &Ctx<'_>, body: &[u8]) -> Result<Created> {
    let (request, sealed) = match parse_create_payment_with_card(body) {
        Ok(parsed) => parsed,
        Err(err) => return Ok(Created::Reply(Reply::error(&err)?)),
    };
    if let Err(err) = check_create(ctx, &request) {
        return Ok(Created::Reply(Reply::error(&err)?));
    }
    let credential = match provider_for(ctx) {
        Ok(credential) => credential,
        Err(err) => return Ok(Created::Reply(Reply::error(&err)?)),
    };
    if let Some(sealed) = sealed {
        return crate::account::ops::tokenized::begin(ctx, request, credential, &sealed);
    }
    let (record, event) = new_payment(ctx, request, credential)?;
    save(ctx.sql, &record, &[event])?;
    Ok(Created::Reply(Reply::json(201, &render(ctx, &record)?)?))
}

/// The account- and mode-dependent rules on a create request (the body's own rules were
/// checked when it was parsed).
pub fn check_create(
    ctx: &Ctx<'_>,
    request: &CreatePaymentRequest,
) -> std::result::Result<(), ApiError> {
    if ctx.live && !request.return_url_is_https() {
        return Err(ApiError::invalid(
            "return_url",
            "Must be a valid URL format with a secure (https) scheme for live payments",
        ));
    }
    Ok(())
}

/// Which credentials a new payment of this mode is made with (their fingerprint, `None`
/// for the sandbox), or 403 P0940 when the account's provider cannot take a payment of
/// this mode: the sandbox for live payments (it moves no money, so a live payment must
/// never "succeed" there), Stripe without readable credentials for the mode, or with a key
/// of the other mode (a test payment must never charge a real card). Refused before
/// anything is written, rather than failing at the card.
pub fn provider_for(ctx: &Ctx<'_>) -> std::result::Result<Option<String>, ApiError> {
    let kind = ctx.account.config.payment_provider;
    let ready = match kind {
        ProviderKind::Sandbox => (!ctx.live).then_some(None),
        ProviderKind::Stripe => {
            match credentials::current(ctx.object.env(), ctx.sql, ctx.account.id, kind, ctx.live) {
                Ok(Some(credentials)) if credentials.serves(ctx.live) => {
                    Some(Some(credentials.fingerprint()))
                }
                Ok(_) => None,
                Err(err) => {
                    worker::console_error!("provider credentials unreadable: {err}");
                    None
                }
            }
        }
    };
    let mode = if ctx.live { "live" } else { "test" };
    ready.ok_or_else(|| {
        let description = if kind == ProviderKind::Sandbox {
            "Account is not fully configured: the sandbox takes test payments only; live payments need a payment provider with live credentials".to_string()
        } else {
            format!(
                "Account is not fully configured: its payment provider has no credentials for {mode} payments"
            )
        };
        ApiError::with_description(ErrorCode::P0940, description)
    })
}

/// A new payment of this account and mode (not yet saved), with its expiry timer asked for.
/// `credential` is what `provider_for` chose.
pub fn new_payment(
    ctx: &Ctx<'_>,
    request: CreatePaymentRequest,
    credential: Option<String>,
) -> Result<(PaymentRecord, PaymentEvent)> {
    let now = clock::now();
    let id = PaymentId::generate(clock::random()?);
    let config = &ctx.account.config;
    let (mut record, event) = PaymentRecord::new(
        request,
        id,
        now,
        ctx.live,
        config.payment_provider.as_str().to_string(),
        Some(config.expiry_window_ms()),
    );
    record.credential = credential;
    if let Some(at) = record.payment.expires_at() {
        ctx.wake_by(at);
    }
    Ok((record, event))
}

pub fn get(ctx: &Ctx<'_>, id: &str) -> Result<Reply> {
    match load(ctx.sql, ctx.live, id)? {
        Some(record) => Reply::json(200, &render(ctx, &record)?),
        None => Reply::error(&ApiError::not_found()),
    }
}

#[derive(Deserialize)]
struct EventRow {
    event: String,
}
impl Row for EventRow {}

pub fn events(ctx: &Ctx<'_>, id: &str) -> Result<Reply> {
    let Some(record) = load(ctx.sql, ctx.live, id)? else {
        return Reply::error(&ApiError::events_not_found());
    };
    let rows: Vec<EventRow> = query(
        ctx.sql,
        "SELECT event FROM events WHERE payment_id = ? ORDER BY sequence",
        vec![id.into()],
    )?;
    let events = rows
        .iter()
        .map(|row| serde_json::from_str::<PaymentEvent>(&row.event))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| stored_json("stored event", &e))?;
    Reply::json(
        200,
        &view::render_events(record.payment.id(), &events, ctx.origin),
    )
}

/// Applies a service command (cancel, capture) and answers 204, or GOV.UK Pay's refusal.
fn command(ctx: &Ctx<'_>, id: &str, not_found: ApiError, inputs: &[PaymentInput]) -> Result<Reply> {
    let Some(mut record) = load(ctx.sql, ctx.live, id)? else {
        return Reply::error(&not_found);
    };
    let now = clock::now();
    let mut events = Vec::new();
    for input in inputs {
        match record.payment.apply(input.clone(), now) {
            Ok(mut emitted) => events.append(&mut emitted),
            Err(illegal) => {
                // Nothing was written: the refusal changes nothing.
                let err = illegal
                    .public_api_error()
                    .ok_or_else(|| internal("illegal transition", illegal))?;
                return Reply::error(&err);
            }
        }
    }
    let job = provider_jobs::settle_payment(
        ctx.object,
        ctx.sql,
        ctx.account,
        &mut record,
        &mut events,
        now,
    )?;
    save(ctx.sql, &record, &events)?;
    ctx.drive_after(job);
    Ok(Reply::no_content())
}

pub fn cancel(ctx: &Ctx<'_>, id: &str) -> Result<Reply> {
    command(
        ctx,
        id,
        ApiError::cancel_not_found(),
        &[PaymentInput::ServiceCancelled],
    )
}

/// Capture of a delayed-capture payment. A repeated capture of a payment already being
/// or already captured is accepted and changes nothing (the transition table says so).
pub fn capture(ctx: &Ctx<'_>, id: &str) -> Result<Reply> {
    command(
        ctx,
        id,
        ApiError::capture_not_found(),
        &[PaymentInput::CaptureRequested],
    )
}

pub fn search(ctx: &Ctx<'_>, query_string: &str) -> Result<Reply> {
    let q = match PaymentSearchQuery::parse(query_string) {
        Ok(q) => q,
        Err(err) => return Reply::error(&err),
    };
    let mut clauses = vec!["live = ?".to_string()];
    let mut args = vec![flag(ctx.live)];
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
    let page = search_page(
        ctx.sql,
        Table::Payments,
        Filter { clauses, args },
        (q.from_date, q.to_date),
        (q.display_size, q.offset()),
    )?;
    if let Err(err) = q.check_page_exists(page.total) {
        return Reply::error(&err);
    }
    let (total, rows) = (page.total, page.records);
    let mut results = Vec::with_capacity(rows.len());
    for text in rows {
        let record: PaymentRecord =
            serde_json::from_str(&text).map_err(|e| stored_json("stored payment", &e))?;
        let refunds = crate::account::ops::refunds::tally(ctx.sql, record.payment.id())?;
        results.push(view::render_payment_for_search_tallied(
            &record, refunds, ctx.origin,
        ));
    }
    Reply::json(
        200,
        &PaymentSearchResults::new(ctx.origin, &q, total, results),
    )
}

/// The tables the searches read; each has `live`, `created_at`, `id` and `record` columns.
#[derive(Clone, Copy)]
pub enum Table {
    Payments,
    Refunds,
}

/// A search's own conditions, as SQL with their arguments (always starting with `live`).
pub struct Filter {
    pub clauses: Vec<String>,
    pub args: Vec<worker::SqlStorageValue>,
}

/// One page of a search: how many match in all, and this page's stored records.
pub struct SearchPage {
    pub total: u64,
    pub records: Vec<String>,
}

/// Runs a search newest first: the search's own filter plus GOV.UK Pay's `from_date`
/// (inclusive) and `to_date` (exclusive), then one page of `(display_size, offset)`.
pub fn search_page(
    sql: &SqlStorage,
    table: Table,
    mut filter: Filter,
    (from, to): (Option<UnixMillis>, Option<UnixMillis>),
    (display_size, offset): (u64, u64),
) -> Result<SearchPage> {
    let table = match table {
        Table::Payments => "payments",
        Table::Refunds => "refunds",
    };
    if let Some(from) = from {
        filter.clauses.push("created_at >= ?".into());
        filter.args.push(int(from.as_millis()));
    }
    if let Some(to) = to {
        filter.clauses.push("created_at < ?".into());
        filter.args.push(int(to.as_millis()));
    }
    let condition = filter.clauses.join(" AND ");
    let total = count(
        sql,
        &format!("SELECT count(*) AS n FROM {table} WHERE {condition}"),
        filter.args.clone(),
    )?;
    let mut args = filter.args;
    args.push(int(display_size));
    args.push(int(offset));
    let rows: Vec<RecordRow> = query(
        sql,
        &format!(
            "SELECT record FROM {table} WHERE {condition} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"
        ),
        args,
    )?;
    Ok(SearchPage {
        total,
        records: rows.into_iter().map(|r| r.record).collect(),
    })
}

/// `%text%` with LIKE's wildcards in the text escaped, so a search for `50%` means it.
pub fn like_pattern(text: &str) -> String {
    let mut out = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[derive(Deserialize)]
struct CountRow {
    n: i64,
}
impl Row for CountRow {}

pub fn count(sql: &SqlStorage, statement: &str, args: Vec<worker::SqlStorageValue>) -> Result<u64> {
    let rows: Vec<CountRow> = query(sql, statement, args)?;
    Ok(rows.first().map_or(0, |r| r.n.max(0) as u64))
}

/// Expires every payment whose deadline has passed; returns the next deadline, if any.
/// Safe to run any number of times (alarms are at-least-once): `expire_if_due` leaves
/// payments that are not due, or already finished, untouched. Holds to release and
/// authorisations to look up become provider jobs, which the alarm runs next.
pub fn expire_due(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    now: UnixMillis,
) -> Result<Option<UnixMillis>> {
    // Oldest deadline first, and not the payments whose status query is still queued: those
    // keep their past deadline until it is answered, and must not crowd out the rest.
    let due: Vec<RecordRow> = query(
        sql,
        "SELECT record FROM payments WHERE expires_at IS NOT NULL AND expires_at <= ?
           AND id NOT IN (SELECT payment_id FROM provider_jobs WHERE refund_id IS NULL)
         ORDER BY expires_at LIMIT 500",
        vec![int(now.as_millis())],
    )?;
    for row in due {
        // One payment that cannot be expired (say its provider credentials do not open)
        // must not stop the others, nor the rest of the alarm.
        if let Err(err) = expire_one(object, sql, account, &row.record, now) {
            worker::console_error!("expiring a payment failed: {err}");
        }
    }
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
    // A deadline already past belongs to a payment that could not expire yet: look again
    // in a minute rather than spinning.
    Ok(next
        .into_iter()
        .find_map(|n| n.at)
        .map(|at| UnixMillis(at.max(0) as u64))
        .map(|at| if at <= now { now.plus(MINUTE_MS) } else { at }))
}

fn expire_one(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    stored: &str,
    now: UnixMillis,
) -> Result<()> {
    let mut record: PaymentRecord =
        serde_json::from_str(stored).map_err(|e| stored_json("stored payment", &e))?;
    match record.payment.expire_if_due(now) {
        ExpiryOutcome::Expired { mut events } => {
            provider_jobs::settle_payment(object, sql, account, &mut record, &mut events, now)?;
            save(sql, &record, &events)?;
        }
        // An authorisation in doubt: its status query (a provider job) comes first; the
        // payment keeps its deadline and is looked at again once the query is answered.
        ExpiryOutcome::NeedsStatusQuery => {
            let id = record.payment.id().to_string();
            let key = provider_jobs::payment_key(&id);
            provider_jobs::enqueue(sql, &key, &id, None, record.live, now)?;
        }
        ExpiryOutcome::NoDeadline | ExpiryOutcome::NotYetDue { .. } => {}
    }
    Ok(())
}
