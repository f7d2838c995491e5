//! The searches' shared SQL: one page of payments or refunds, newest first, and counts.

use crate::account::store::sql::{int, query, Row};
use kassa_core::time::UnixMillis;
use serde::Deserialize;
use worker::{Result, SqlStorage};

#[derive(Deserialize)]
struct RecordRow {
    record: String,
}
impl Row for RecordRow {}

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
