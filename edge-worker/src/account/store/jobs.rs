//! The provider outbox (`provider_jobs`): calls a state change queued, keyed by payment or
//! refund, each with its due time (its lease while a call is in flight) and attempts.

use crate::account::store::sql::{flag, int, query, Row};
use kassa_core::time::UnixMillis;
use serde::Deserialize;
use worker::{Result, SqlStorage};

/// Queues a job, unless one exists: an existing job keeps its lease and its attempts.
pub fn enqueue(
    sql: &SqlStorage,
    key: &str,
    payment_id: &str,
    refund_id: Option<&str>,
    live: bool,
    due_at: UnixMillis,
) -> Result<()> {
    sql.exec(
        "INSERT INTO provider_jobs (key, payment_id, refund_id, live, due_at, attempts)
         VALUES (?, ?, ?, ?, ?, 0) ON CONFLICT (key) DO NOTHING",
        vec![
            key.into(),
            payment_id.into(),
            refund_id.map(str::to_string).into(),
            flag(live),
            int(due_at.as_millis()),
        ],
    )?;
    Ok(())
}

/// Sets a job's due time and attempts.
pub fn reschedule(sql: &SqlStorage, key: &str, due_at: UnixMillis, attempts: u32) -> Result<()> {
    sql.exec(
        "UPDATE provider_jobs SET due_at = ?, attempts = ? WHERE key = ?",
        vec![
            int(due_at.as_millis()),
            int(u64::from(attempts)),
            key.into(),
        ],
    )?;
    Ok(())
}

/// Moves a job's due time, keeping its attempts.
pub fn set_due(sql: &SqlStorage, key: &str, due_at: UnixMillis) -> Result<()> {
    sql.exec(
        "UPDATE provider_jobs SET due_at = ? WHERE key = ?",
        vec![int(due_at.as_millis()), key.into()],
    )?;
    Ok(())
}

/// Forgets a job (its call was answered, or it has nothing left to do).
pub fn remove(sql: &SqlStorage, key: &str) -> Result<()> {
    sql.exec("DELETE FROM provider_jobs WHERE key = ?", vec![key.into()])?;
    Ok(())
}

#[derive(Deserialize)]
pub struct JobRow {
    pub payment_id: String,
    pub refund_id: Option<String>,
    pub live: i64,
    pub due_at: i64,
    pub attempts: i64,
}

impl Row for JobRow {}

/// A job by key.
pub fn job(sql: &SqlStorage, key: &str) -> Result<Option<JobRow>> {
    let rows: Vec<JobRow> = query(
        sql,
        "SELECT payment_id, refund_id, live, due_at, attempts FROM provider_jobs WHERE key = ?",
        vec![key.into()],
    )?;
    Ok(rows.into_iter().next())
}

/// When the next job is due, if any.
pub fn next_due(sql: &SqlStorage) -> Result<Option<UnixMillis>> {
    #[derive(Deserialize)]
    struct Next {
        at: Option<i64>,
    }
    impl Row for Next {}
    let rows: Vec<Next> = query(sql, "SELECT min(due_at) AS at FROM provider_jobs", vec![])?;
    Ok(rows
        .into_iter()
        .find_map(|r| r.at)
        .map(|at| UnixMillis(at.max(0) as u64)))
}

/// The keys of the jobs due by `now`, earliest first, at most `limit`.
pub fn due_keys(sql: &SqlStorage, now: UnixMillis, limit: u64) -> Result<Vec<String>> {
    #[derive(Deserialize)]
    struct KeyRow {
        key: String,
    }
    impl Row for KeyRow {}
    let due: Vec<KeyRow> = query(
        sql,
        "SELECT key FROM provider_jobs WHERE due_at <= ? ORDER BY due_at LIMIT ?",
        vec![int(now.as_millis()), int(limit)],
    )?;
    Ok(due.into_iter().map(|row| row.key).collect())
}
