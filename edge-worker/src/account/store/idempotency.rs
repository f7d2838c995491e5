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
//!
//! Stored bodies are sealed (`secrets`, slot `idempotency:<mode>:<key>`): a reply can hold
//! a webhook's signing secret or a live `next_url` page token, which must never sit in
//! storage in plaintext. Rows written before sealing (kept 24 h at most) are read as they are.

use crate::account::store::sql::{flag, int, query, Row};
use crate::secrets;
use kassa_core::at_rest::is_sealed;
use kassa_core::idempotency::RETENTION_MS;
use kassa_core::ids::AccountId;
use kassa_core::time::UnixMillis;
use serde::Deserialize;
use worker::{Env, Result, SqlStorage};

/// One mode's stored replies in an account: where they are kept, and what seals them.
pub struct Replies<'a> {
    pub env: &'a Env,
    pub sql: &'a SqlStorage,
    pub account: AccountId,
    pub live: bool,
}

impl Replies<'_> {
    fn slot(&self, key: &str) -> String {
        let mode = if self.live { "live" } else { "test" };
        format!("idempotency:{mode}:{key}")
    }

    fn seal(&self, key: &str, body: &str) -> Result<String> {
        secrets::seal(
            self.env,
            &self.account.to_string(),
            &self.slot(key),
            body.as_bytes(),
        )
    }

    fn open(&self, key: &str, stored: String) -> Result<String> {
        if !is_sealed(&stored) {
            return Ok(stored);
        }
        let bytes = secrets::open(
            self.env,
            &self.account.to_string(),
            &self.slot(key),
            &stored,
        )?;
        String::from_utf8(bytes)
            .map_err(|_| worker::Error::RustError("stored reply is not UTF-8".into()))
    }
}

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
    replies: &Replies<'_>,
    key: &str,
    fingerprint: &str,
    now: UnixMillis,
) -> Result<Lookup> {
    let (sql, live) = (replies.sql, replies.live);
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
    let body = replies.open(key, row.body)?;
    if row.status == 0 {
        return Ok(Lookup::InFlight {
            payment_id: body,
            since: UnixMillis(row.created_at.max(0) as u64),
        });
    }
    Ok(Lookup::Replay {
        status: u16::try_from(row.status).unwrap_or(500),
        body,
    })
}

/// Records the response to replay, sealed (status 0 marks an operation still in flight).
pub fn record(
    replies: &Replies<'_>,
    key: &str,
    fingerprint: &str,
    status: u16,
    body: &str,
    now: UnixMillis,
) -> Result<()> {
    let sealed = replies.seal(key, body)?;
    let (sql, live) = (replies.sql, replies.live);
    sql.exec(
        "INSERT INTO idempotency (live, key, fingerprint, status, body, created_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (live, key) DO UPDATE SET status = excluded.status, body = excluded.body",
        vec![
            flag(live),
            key.into(),
            fingerprint.into(),
            i64::from(status).into(),
            sealed.into(),
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
