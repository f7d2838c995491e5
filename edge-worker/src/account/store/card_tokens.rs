//! Spent `sealed_card` tokens (`used_card_tokens`): a token is taken once, and remembered
//! until it could no longer open anyway.

use crate::account::store::sql::{int, query, Row};
use kassa_core::time::UnixMillis;
use serde::Deserialize;
use worker::{Result, SqlStorage};

/// Records a token (by hash) as spent until `until`.
pub fn spend(sql: &SqlStorage, hash: &str, until: UnixMillis) -> Result<()> {
    sql.exec(
        "INSERT INTO used_card_tokens (hash, expires_at) VALUES (?, ?)",
        vec![hash.into(), int(until.as_millis())],
    )?;
    Ok(())
}

/// Whether the token (by hash) was spent already.
pub fn is_spent(sql: &SqlStorage, hash: &str) -> Result<bool> {
    #[derive(Deserialize)]
    struct Count {
        n: i64,
    }
    impl Row for Count {}
    let rows: Vec<Count> = query(
        sql,
        "SELECT count(*) AS n FROM used_card_tokens WHERE hash = ?",
        vec![hash.into()],
    )?;
    Ok(rows.first().is_some_and(|r| r.n > 0))
}

/// Forgets spent tokens that could no longer open anyway (run from the alarm).
pub fn prune(sql: &SqlStorage, now: UnixMillis) -> Result<()> {
    sql.exec(
        "DELETE FROM used_card_tokens WHERE expires_at <= ?",
        vec![int(now.as_millis())],
    )?;
    Ok(())
}
