//! The alarm's pruning of what clients make an account store (`kassa_core::retention`):
//! page tokens and payer sessions past their lifetime, webhook messages (with their
//! attempts) 30 days after their final state, providers' notification ids 30 days after
//! they arrived. Each run removes at most `PRUNE_BATCH` rows
//! per kind and says when the next row comes due, so the alarm keeps itself armed for it.

use crate::account::store::sql::{int, query, Row};
use kassa_core::retention::{
    cutoff, PAGE_TOKEN_TTL_MS, PAY_SESSION_TTL_MS, PROVIDER_NOTIFICATION_RETENTION_MS, PRUNE_BATCH,
    WEBHOOK_MESSAGE_RETENTION_MS,
};
use kassa_core::time::{UnixMillis, MINUTE_MS};
use serde::Deserialize;
use worker::{Result, SqlStorage};

/// Prunes what is due at `now`; returns when the next row comes due, if any is kept.
pub fn prune(sql: &SqlStorage, now: UnixMillis) -> Result<Option<UnixMillis>> {
    let tokens = cutoff(now, PAGE_TOKEN_TTL_MS).as_millis();
    sql.exec(
        "DELETE FROM page_tokens WHERE hash IN
           (SELECT hash FROM page_tokens WHERE created_at <= ? ORDER BY created_at LIMIT ?)",
        vec![int(tokens), int(PRUNE_BATCH)],
    )?;
    let sessions = cutoff(now, PAY_SESSION_TTL_MS).as_millis();
    sql.exec(
        "DELETE FROM pay_sessions WHERE hash IN
           (SELECT hash FROM pay_sessions WHERE created_at <= ? ORDER BY created_at LIMIT ?)",
        vec![int(sessions), int(PRUNE_BATCH)],
    )?;
    // Attempts first, of exactly the messages deleted next (same condition, same order).
    let messages = cutoff(now, WEBHOOK_MESSAGE_RETENTION_MS).as_millis();
    let finished = "SELECT id FROM webhook_messages WHERE finished_at IS NOT NULL
        AND finished_at <= ? ORDER BY finished_at, id LIMIT ?";
    sql.exec(
        &format!("DELETE FROM webhook_attempts WHERE message_id IN ({finished})"),
        vec![int(messages), int(PRUNE_BATCH)],
    )?;
    sql.exec(
        &format!("DELETE FROM webhook_messages WHERE id IN ({finished})"),
        vec![int(messages), int(PRUNE_BATCH)],
    )?;
    let notifications = cutoff(now, PROVIDER_NOTIFICATION_RETENTION_MS).as_millis();
    sql.exec(
        "DELETE FROM provider_notifications WHERE rowid IN
           (SELECT rowid FROM provider_notifications WHERE received_at <= ?
            ORDER BY received_at LIMIT ?)",
        vec![int(notifications), int(PRUNE_BATCH)],
    )?;
    next_due(sql, now)
}

/// When the oldest kept row's lifetime ends. A deadline already past (more than a batch
/// was due) is looked at again in a minute, not in a loop.
fn next_due(sql: &SqlStorage, now: UnixMillis) -> Result<Option<UnixMillis>> {
    #[derive(Deserialize)]
    struct Next {
        at: Option<i64>,
    }
    impl Row for Next {}
    let rows: Vec<Next> = query(
        sql,
        "SELECT min(at) AS at FROM (
           SELECT min(created_at) + ? AS at FROM page_tokens
           UNION ALL SELECT min(created_at) + ? AS at FROM pay_sessions
           UNION ALL SELECT min(finished_at) + ? AS at FROM webhook_messages
             WHERE finished_at IS NOT NULL
           UNION ALL SELECT min(received_at) + ? AS at FROM provider_notifications)",
        vec![
            int(PAGE_TOKEN_TTL_MS),
            int(PAY_SESSION_TTL_MS),
            int(WEBHOOK_MESSAGE_RETENTION_MS),
            int(PROVIDER_NOTIFICATION_RETENTION_MS),
        ],
    )?;
    Ok(rows
        .into_iter()
        .find_map(|n| n.at)
        .map(|at| UnixMillis(at.max(0) as u64))
        .map(|at| if at <= now { now.plus(MINUTE_MS) } else { at }))
}
