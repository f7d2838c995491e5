//! One-time `next_url` tokens for the hosted pages, and the payer sessions they open.
//!
//! Storage keys a token by its SHA-256 (`consume` looks it up by hash) and also keeps it
//! sealed (`secrets`, slot `page_token:<payment id>`), so that rendering a payment again
//! shows the same unused token instead of adding a row per `GET`. A token is alive for
//! `PAGE_TOKEN_TTL_MS` and shown again for its first `PAGE_TOKEN_REUSE_MS`; a used or older
//! one is replaced by a fresh token. The alarm prunes tokens past their lifetime.

use crate::account::store::sql::{int, query, Row};
use crate::{clock, secrets};
use kassa_core::credentials::{parse_page_token, pay_session, PageToken};
use kassa_core::ids::{AccountId, PaymentId};
use kassa_core::retention::{
    alive, cutoff, PAGE_TOKEN_REUSE_MS, PAGE_TOKEN_TTL_MS, PAY_SESSION_TTL_MS,
};
use kassa_core::time::UnixMillis;
use serde::Deserialize;
use worker::{Env, Result, SqlStorage};

fn slot(payment: &PaymentId) -> String {
    format!("page_token:{payment}")
}

#[derive(Deserialize)]
struct Unused {
    hash: String,
    sealed: String,
}
impl Row for Unused {}

/// The payment's page token to show: its newest unused one still within the reuse window,
/// or else a new one (stored hashed and sealed, its pruning asked of the alarm).
/// A new token's row is pruned by the alarm once it is past its lifetime: the caller is
/// given that time to wake by (`None` when an unused token was shown again).
pub fn for_payment(
    env: &Env,
    sql: &SqlStorage,
    account_id: AccountId,
    payment: &PaymentId,
) -> Result<(PageToken, Option<UnixMillis>)> {
    let now = clock::now();
    let account = account_id.to_string();
    let rows: Vec<Unused> = query(
        sql,
        "SELECT hash, sealed FROM page_tokens
         WHERE payment_id = ? AND used_at IS NULL AND sealed IS NOT NULL AND created_at > ?
         ORDER BY created_at DESC LIMIT 1",
        vec![
            payment.to_string().into(),
            int(cutoff(now, PAGE_TOKEN_REUSE_MS).as_millis()),
        ],
    )?;
    if let Some(row) = rows.into_iter().next() {
        // A token that does not open (say, after a key change) is simply replaced.
        let opened = secrets::open(env, &account, &slot(payment), &row.sealed)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|text| parse_page_token(&text).ok());
        if let Some(token) = opened.filter(|t| t.hash().to_hex() == row.hash) {
            return Ok((token, None));
        }
    }
    let token = PageToken::generate(account_id, clock::random()?);
    // Without a storage key the token is still issued (creating payments must not depend
    // on it), only never shown again: stored as its hash alone, as before sealing.
    let sealed = match secrets::seal(env, &account, &slot(payment), token.expose().as_bytes()) {
        Ok(sealed) => Some(sealed),
        Err(err) => {
            worker::console_error!("page token not sealed, so not reusable: {err}");
            None
        }
    };
    sql.exec(
        "INSERT INTO page_tokens (hash, payment_id, created_at, sealed) VALUES (?, ?, ?, ?)",
        vec![
            token.hash().to_hex().into(),
            payment.to_string().into(),
            int(now.as_millis()),
            sealed.into(),
        ],
    )?;
    Ok((token, Some(now.plus(PAGE_TOKEN_TTL_MS))))
}

/// A stored instant (SQLite's i64) as the core's type.
pub fn stored_ms(value: i64) -> UnixMillis {
    UnixMillis(value.max(0) as u64)
}

#[derive(Deserialize)]
pub struct TokenRow {
    pub payment_id: String,
    pub created_at: i64,
    pub used_at: Option<i64>,
}

impl Row for TokenRow {}

/// Whether `secret` is a live payer session on `payment`'s pages.
pub fn session_is_for(sql: &SqlStorage, secret: &str, payment: &str) -> Result<bool> {
    #[derive(Deserialize)]
    struct S {
        payment_id: String,
        created_at: i64,
    }
    impl Row for S {}
    let rows: Vec<S> = query(
        sql,
        "SELECT payment_id, created_at FROM pay_sessions WHERE hash = ?",
        vec![pay_session::hash(secret).into()],
    )?;
    // A session past its lifetime is over, whether or not the alarm has pruned it yet.
    let now = clock::now();
    Ok(rows.iter().any(|r| {
        r.payment_id == payment && alive(stored_ms(r.created_at), PAY_SESSION_TTL_MS, now)
    }))
}

/// The stored rows for a presented token (by its hash).
pub fn lookup(sql: &SqlStorage, token: &PageToken) -> Result<Vec<TokenRow>> {
    query(
        sql,
        "SELECT payment_id, created_at, used_at FROM page_tokens WHERE hash = ?",
        vec![token.hash().to_hex().into()],
    )
}

/// Marks a token used.
pub fn mark_used(sql: &SqlStorage, token: &PageToken, now: UnixMillis) -> Result<()> {
    sql.exec(
        "UPDATE page_tokens SET used_at = ? WHERE hash = ?",
        vec![int(now.as_millis()), token.hash().to_hex().into()],
    )?;
    Ok(())
}

/// Stores a new payer session (by the hash of its secret) on a payment's pages.
pub fn open_session(
    sql: &SqlStorage,
    secret: &str,
    payment_id: &str,
    now: UnixMillis,
) -> Result<()> {
    sql.exec(
        "INSERT INTO pay_sessions (hash, payment_id, created_at) VALUES (?, ?, ?)",
        vec![
            pay_session::hash(secret).into(),
            payment_id.into(),
            int(now.as_millis()),
        ],
    )?;
    Ok(())
}
