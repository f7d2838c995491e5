//! Refunds in SQLite: typed loads and saves, the per-payment tally, and refund searches.

use crate::account::store::search::{search_page, Filter, SearchPage, Table};
use crate::account::store::sql::{flag, int, query, stored_json, Row};
use kassa_core::api::search::RefundSearchQuery;
use kassa_core::ids::PaymentId;
use kassa_core::refund::{Refund, RefundTally};
use serde::Deserialize;
use worker::{Result, SqlStorage};

#[derive(Deserialize)]
struct RefundRow {
    record: String,
}

impl Row for RefundRow {}

/// Refunds from their stored JSON.
pub fn parse_records<'a>(texts: impl Iterator<Item = &'a str>) -> Result<Vec<Refund>> {
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

/// One page of a refund search (`GET /v1/refunds`) in the caller's mode.
pub fn search(sql: &SqlStorage, live: bool, q: &RefundSearchQuery) -> Result<SearchPage> {
    search_page(
        sql,
        Table::Refunds,
        Filter {
            clauses: vec!["live = ?".to_string()],
            args: vec![flag(live)],
        },
        (q.from_date, q.to_date),
        (q.display_size, q.offset()),
    )
}
