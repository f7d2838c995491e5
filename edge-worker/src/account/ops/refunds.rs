//! Refund operations of the `/v1` API inside the account object.
//!
//! A refund request is checked and recorded in one synchronous section, so concurrent
//! partial refunds see each other: together they can never exceed what was captured.

use crate::account::context::Ctx;
use crate::account::context::Reply;
use crate::account::ops::payments;
use crate::account::ops::payments::search_page;
use crate::account::ops::payments::Filter;
use crate::account::ops::payments::Table;
use crate::account::ops::provider_jobs;
use crate::account::store::sql::flag;
use crate::account::store::sql::int;
use crate::account::store::sql::query;
use crate::account::store::sql::stored_json;
use crate::account::store::sql::Row;
use crate::clock;
use kassa_core::api::error::ApiError;
use kassa_core::api::refund::parse_refund_request;
use kassa_core::api::search::{RefundSearchQuery, RefundSearchResults};
use kassa_core::ids::{PaymentId, RefundId};
use kassa_core::refund::{submit_refund_against, Refund, RefundTally};
use kassa_core::view;
use serde::Deserialize;
use worker::{Result, SqlStorage};

#[derive(Deserialize)]
struct RefundRow {
    record: String,
}
impl Row for RefundRow {}

fn parse_records<'a>(texts: impl Iterator<Item = &'a str>) -> Result<Vec<Refund>> {
    texts
        .map(serde_json::from_str)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| stored_json("stored refund", &e))
}

/// Every refund of a payment, oldest first.
pub fn load_for_payment(sql: &SqlStorage, payment: PaymentId) -> Result<Vec<Refund>> {
    let rows: Vec<RefundRow> = query(
        sql,
        "SELECT record FROM refunds WHERE payment_id = ? ORDER BY created_at, id",
        vec![payment.to_string().into()],
    )?;
    parse_records(rows.iter().map(|r| r.record.as_str()))
}

/// One refund of a payment, by id.
pub fn load_one(sql: &SqlStorage, payment: PaymentId, refund_id: &str) -> Result<Option<Refund>> {
    let rows: Vec<RefundRow> = query(
        sql,
        "SELECT record FROM refunds WHERE id = ? AND payment_id = ?",
        vec![refund_id.into(), payment.to_string().into()],
    )?;
    Ok(parse_records(rows.iter().map(|r| r.record.as_str()))?
        .into_iter()
        .next())
}

/// How many refunds a payment has and the total of those in flight or succeeded, summed
/// in SQL: a refund write reads two numbers, not every stored refund (at most
/// `MAX_REFUNDS_PER_PAYMENT` of them). The JSON names are `Refund`'s serde names.
pub fn tally(sql: &SqlStorage, payment: PaymentId) -> Result<RefundTally> {
    #[derive(Deserialize)]
    struct Tally {
        n: i64,
        submitted: i64,
    }
    impl Row for Tally {}
    let rows: Vec<Tally> = query(
        sql,
        "SELECT count(*) AS n, coalesce(sum(CASE
             WHEN json_extract(record, '$.status') IN ('submitted', 'success')
             THEN json_extract(record, '$.amount') ELSE 0 END), 0) AS submitted
         FROM refunds WHERE payment_id = ?",
        vec![payment.to_string().into()],
    )?;
    Ok(rows
        .first()
        .map_or_else(RefundTally::default, |t| RefundTally {
            count: t.n.max(0) as u64,
            amount_submitted: t.submitted.max(0) as u64,
        }))
}

pub fn save(sql: &SqlStorage, refund: &Refund, live: bool) -> Result<()> {
    let text = serde_json::to_string(refund)
        .map_err(|e| worker::Error::RustError(format!("serialise refund: {e}")))?;
    sql.exec(
        "INSERT INTO refunds (id, payment_id, live, created_at, record) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET record = excluded.record",
        vec![
            refund.id().to_string().into(),
            refund.payment_id().to_string().into(),
            flag(live),
            int(refund.created_at().as_millis()),
            text.into(),
        ],
    )?;
    Ok(())
}

pub fn create(ctx: &Ctx<'_>, payment_id: &str, body: &[u8]) -> Result<Reply> {
    let Some(mut record) = payments::load(ctx.sql, ctx.live, payment_id)? else {
        return Reply::error(&ApiError::refund_payment_not_found());
    };
    let request = match parse_refund_request(body) {
        Ok(request) => request,
        Err(err) => return Reply::error(&err),
    };
    let existing = tally(ctx.sql, record.payment.id())?;
    let now = clock::now();
    let id = RefundId::generate(clock::random()?);
    let (mut refund, event) = match submit_refund_against(
        &mut record.payment,
        existing,
        request.amount.minor_units(),
        request.refund_amount_available,
        id,
        now,
    ) {
        Ok(submitted) => submitted,
        Err(err) => return Reply::error(&err.public_api_error()),
    };
    let mut events = vec![event];
    // The sandbox refunds at once; a remote provider's call is queued and made after this
    // section, and the refund stays `submitted` until it answers.
    let job = provider_jobs::settle_refund(
        ctx.object,
        ctx.sql,
        ctx.account,
        &mut record,
        &mut refund,
        &mut events,
        now,
    )?;
    save(ctx.sql, &refund, ctx.live)?;
    payments::save(ctx.sql, &record, &events)?;
    ctx.drive_after(job);
    Reply::json(202, &view::render_refund(&refund, ctx.origin))
}

pub fn list(ctx: &Ctx<'_>, payment_id: &str) -> Result<Reply> {
    let Some(record) = payments::load(ctx.sql, ctx.live, payment_id)? else {
        return Reply::error(&ApiError::refunds_not_found());
    };
    let refunds = load_for_payment(ctx.sql, record.payment.id())?;
    Reply::json(
        200,
        &view::render_refunds(record.payment.id(), &refunds, ctx.origin),
    )
}

pub fn get(ctx: &Ctx<'_>, payment_id: &str, refund_id: &str) -> Result<Reply> {
    let Some(record) = payments::load(ctx.sql, ctx.live, payment_id)? else {
        return Reply::error(&ApiError::refund_not_found());
    };
    match load_one(ctx.sql, record.payment.id(), refund_id)? {
        Some(refund) => Reply::json(200, &view::render_refund(&refund, ctx.origin)),
        None => Reply::error(&ApiError::refund_not_found()),
    }
}

pub fn search(ctx: &Ctx<'_>, query_string: &str) -> Result<Reply> {
    let q = match RefundSearchQuery::parse(query_string) {
        Ok(q) => q,
        Err(err) => return Reply::error(&err),
    };
    let page = search_page(
        ctx.sql,
        Table::Refunds,
        Filter {
            clauses: vec!["live = ?".to_string()],
            args: vec![flag(ctx.live)],
        },
        (q.from_date, q.to_date),
        (q.display_size, q.offset()),
    )?;
    if let Err(err) = q.check_page_exists(page.total) {
        return Reply::error(&err);
    }
    let refunds = parse_records(page.records.iter().map(String::as_str))?;
    let total = page.total;
    let results = refunds
        .iter()
        .map(|r| view::render_refund(r, ctx.origin).for_search(&r.payment_id().to_string()))
        .collect();
    Reply::json(
        200,
        &RefundSearchResults::new(ctx.origin, &q, total, results),
    )
}
