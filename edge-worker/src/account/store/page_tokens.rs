//! One-time `next_url` tokens for the hosted pages.
//!
//! Storage keys a token by its SHA-256 (`consume` looks it up by hash) and also keeps it
//! sealed (`secrets`, slot `page_token:<payment id>`), so that rendering a payment again
//! shows the same unused token instead of adding a row per `GET`. A token is alive for
//! `PAGE_TOKEN_TTL_MS` and shown again for its first `PAGE_TOKEN_REUSE_MS`; a used or older
//! one is replaced by a fresh token. The alarm prunes tokens past their lifetime.

use crate::account::context::Ctx;
use crate::account::store::sql::int;
use crate::account::store::sql::query;
use crate::account::store::sql::Row;
use crate::{clock, secrets};
use kassa_core::credentials::{parse_page_token, PageToken};
use kassa_core::ids::PaymentId;
use kassa_core::retention::{cutoff, PAGE_TOKEN_REUSE_MS, PAGE_TOKEN_TTL_MS};
use serde::Deserialize;
use worker::Result;

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
pub fn for_payment(ctx: &Ctx<'_>, payment: &PaymentId) -> Result<PageToken> {
    let now = clock::now();
    let account = ctx.account.id.to_string();
    let env = ctx.object.env();
    let rows: Vec<Unused> = query(
        ctx.sql,
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
            return Ok(token);
        }
    }
    let token = PageToken::generate(ctx.account.id, clock::random()?);
    // Without a storage key the token is still issued (creating payments must not depend
    // on it), only never shown again: stored as its hash alone, as before sealing.
    let sealed = match secrets::seal(env, &account, &slot(payment), token.expose().as_bytes()) {
        Ok(sealed) => Some(sealed),
        Err(err) => {
            worker::console_error!("page token not sealed, so not reusable: {err}");
            None
        }
    };
    ctx.sql.exec(
        "INSERT INTO page_tokens (hash, payment_id, created_at, sealed) VALUES (?, ?, ?, ?)",
        vec![
            token.hash().to_hex().into(),
            payment.to_string().into(),
            int(now.as_millis()),
            sealed.into(),
        ],
    )?;
    ctx.wake_by(now.plus(PAGE_TOKEN_TTL_MS));
    Ok(token)
}
