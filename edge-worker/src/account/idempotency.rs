//! Stored responses for `Idempotency-Key` replays, inside the account object.
//!
//! Lookup and record happen in the same synchronous section as the operation they guard
//! (the object handles one request at a time and sandbox operations never `await`), so a
//! duplicate arriving mid-request sees the recorded response, never a second execution.
//! A stored status of 0 marks an operation still in flight (duplicates get 409). Most
//! operations never `await` inside their section; one that awaits a remote provider (a
//! create with `sealed_card`) records it, with the id of the payment it made, before its
//! first `await`. If its invocation dies during the call, a duplicate after the provider
//! lease is answered with that payment as it then stands (`in_flight_abandoned`).

use super::sql::{flag, int, query, Row};
use kassa_core::idempotency::RETENTION_MS;
use kassa_core::time::UnixMillis;
use serde::Deserialize;
use worker::{Result, SqlStorage};

pub enum Lookup {
    /// Never seen (or expired): run the operation.
    Fresh,
    /// Seen with the same request: send this again.
    Replay { status: u16, body: String },
    /// Seen with a different request.
    Conflict,
    /// The first request with this key is still running (recorded at `since`, about the
    /// payment `payment_id`).
    InFlight {
        payment_id: String,
        since: UnixMillis,
    },
}

#[derive(Deserialize)]
struct Stored {
    fingerprint: String,
    status: i64,
    body: String,
    created_at: i64,
}
impl Row for Stored {}

pub fn lookup(
    sql: &SqlStorage,
    live: bool,
    key: &str,
    fingerprint: &str,
    now: UnixMillis,
) -> Result<Lookup> {
    let rows: Vec<Stored> = query(
        sql,
        "SELECT fingerprint, status, body, created_at FROM idempotency WHERE live = ? AND key = ?",
        vec![flag(live), key.into()],
    )?;
    let Some(row) = rows.into_iter().next() else {
        return Ok(Lookup::Fresh);
    };
    if (row.created_at.max(0) as u64).saturating_add(RETENTION_MS) <= now.as_millis() {
        sql.exec(
            "DELETE FROM idempotency WHERE live = ? AND key = ?",
            vec![flag(live), key.into()],
        )?;
        return Ok(Lookup::Fresh);
    }
    if row.fingerprint != fingerprint {
        return Ok(Lookup::Conflict);
    }
    if row.status == 0 {
        return Ok(Lookup::InFlight {
            payment_id: row.body,
            since: UnixMillis(row.created_at.max(0) as u64),
        });
    }
    Ok(Lookup::Replay {
        status: u16::try_from(row.status).unwrap_or(500),
        body: row.body,
    })
}

/// Records the response to replay (status 0 marks an operation still in flight).
pub fn record(
    sql: &SqlStorage,
    live: bool,
    key: &str,
    fingerprint: &str,
    status: u16,
    body: &str,
    now: UnixMillis,
) -> Result<()> {
    sql.exec(
        "INSERT INTO idempotency (live, key, fingerprint, status, body, created_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (live, key) DO UPDATE SET status = excluded.status, body = excluded.body",
        vec![
            flag(live),
            key.into(),
            fingerprint.into(),
            i64::from(status).into(),
            body.into(),
            int(now.as_millis()),
        ],
    )?;
    Ok(())
}

/// Drops records past retention (run from the alarm).
pub fn prune(sql: &SqlStorage, now: UnixMillis) -> Result<()> {
    sql.exec(
        "DELETE FROM idempotency WHERE created_at <= ? AND status != 0",
        vec![int(now.as_millis().saturating_sub(RETENTION_MS))],
    )?;
    Ok(())
}
