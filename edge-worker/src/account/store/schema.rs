//! The account object's SQLite schema, as numbered migrations applied inside the object.
//!
//! A migration is applied once, in order, and never edited after it ships: add a new one.
//! Objects are only ever created by `init` (account creation): a request that names an
//! account that does not exist finds no schema and is refused without writing anything, so
//! forged credentials cannot make storage appear.

use worker::{Result, SqlStorage};

const MIGRATIONS: &[&str] = &[
    // 1: accounts, keys, payments, events, refunds, idempotency, page tokens.
    "CREATE TABLE account (
        id TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        config TEXT NOT NULL
    );
    CREATE TABLE api_keys (
        key_id TEXT PRIMARY KEY,
        hash TEXT NOT NULL,
        live INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
    );
    CREATE TABLE payments (
        id TEXT PRIMARY KEY,
        live INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        reference TEXT NOT NULL,
        email TEXT,
        state TEXT NOT NULL,
        card_brand TEXT,
        cardholder_name TEXT,
        first_digits TEXT,
        last_digits TEXT,
        expires_at INTEGER,
        record TEXT NOT NULL
    );
    CREATE INDEX payments_by_created ON payments (live, created_at);
    CREATE INDEX payments_by_expiry ON payments (expires_at) WHERE expires_at IS NOT NULL;
    CREATE TABLE events (
        payment_id TEXT NOT NULL,
        sequence INTEGER NOT NULL,
        at INTEGER NOT NULL,
        event TEXT NOT NULL,
        PRIMARY KEY (payment_id, sequence)
    );
    CREATE TABLE refunds (
        id TEXT PRIMARY KEY,
        payment_id TEXT NOT NULL,
        live INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        record TEXT NOT NULL
    );
    CREATE INDEX refunds_by_payment ON refunds (payment_id);
    CREATE INDEX refunds_by_created ON refunds (live, created_at);
    CREATE TABLE idempotency (
        live INTEGER NOT NULL,
        key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        status INTEGER NOT NULL,
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (live, key)
    );
    CREATE INDEX idempotency_by_age ON idempotency (created_at);
    CREATE TABLE page_tokens (
        hash TEXT PRIMARY KEY,
        payment_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        used_at INTEGER
    );",
    // 2: payer sessions on the hosted pages (the cookie's secret is stored only as a hash).
    "CREATE TABLE pay_sessions (
        hash TEXT PRIMARY KEY,
        payment_id TEXT NOT NULL,
        created_at INTEGER NOT NULL
    );",
    // Payment providers: credentials sealed at rest (with a masked hint for the admin
    // API), and the outbox of provider calls still to make or to retry (one row per
    // payment or refund; the work itself follows from the payment's or refund's status).
    "CREATE TABLE provider_credentials (
        provider TEXT PRIMARY KEY,
        sealed TEXT NOT NULL,
        hint TEXT NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE TABLE provider_jobs (
        key TEXT PRIMARY KEY,
        payment_id TEXT NOT NULL,
        refund_id TEXT,
        live INTEGER NOT NULL,
        due_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL
    );
    CREATE INDEX provider_jobs_by_due ON provider_jobs (due_at);",
    // Webhooks: subscriptions (secrets sealed with STORAGE_ENCRYPTION_KEY), the messages
    // enqueued with the payment writes that caused them, every delivery attempt, and the
    // account's ed25519 key for `v1a` signatures.
    "CREATE TABLE webhooks (
        id TEXT PRIMARY KEY,
        live INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        record TEXT NOT NULL,
        secret TEXT NOT NULL,
        previous_secret TEXT,
        previous_until INTEGER
    );
    CREATE TABLE webhook_messages (
        id TEXT PRIMARY KEY,
        webhook_id TEXT NOT NULL,
        payment_id TEXT NOT NULL,
        sequence INTEGER NOT NULL,
        event_type TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        status TEXT NOT NULL,
        next_attempt_at INTEGER,
        attempts INTEGER NOT NULL,
        retries_used INTEGER NOT NULL,
        body TEXT NOT NULL
    );
    CREATE INDEX webhook_messages_due ON webhook_messages (next_attempt_at)
        WHERE status = 'pending';
    CREATE INDEX webhook_messages_by_webhook ON webhook_messages (webhook_id, created_at);
    CREATE TABLE webhook_attempts (
        message_id TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        at INTEGER NOT NULL,
        status_code INTEGER,
        failure TEXT,
        response_ms INTEGER NOT NULL,
        PRIMARY KEY (message_id, attempt)
    );
    CREATE TABLE webhook_signing_key (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        sealed TEXT NOT NULL,
        public_key TEXT NOT NULL,
        created_at INTEGER NOT NULL
    );",
    // 5: sealed cards already spent on `POST /v1/payments` (`tokenized`): SHA-256 of the
    // token, kept until the token could no longer open anyway.
    "CREATE TABLE used_card_tokens (
        hash TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX used_card_tokens_by_expiry ON used_card_tokens (expires_at);",
    // 6: provider credentials in one slot per mode (a test and a live key at once), each
    // named by its fingerprint; replaced credentials are kept (`current = 0`, a few per
    // mode) so payments made with them are still served by them, never by the new ones.
    // Rows from before take their mode from the masked hint (`sk_live_…1234`) and the
    // fingerprint 'legacy' until they are next stored.
    "CREATE TABLE provider_credential_slots (
        provider TEXT NOT NULL,
        live INTEGER NOT NULL,
        fingerprint TEXT NOT NULL,
        current INTEGER NOT NULL,
        sealed TEXT NOT NULL,
        hint TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (provider, fingerprint)
    );
    CREATE INDEX provider_credential_slots_current
        ON provider_credential_slots (provider, live, current);
    INSERT INTO provider_credential_slots
        (provider, live, fingerprint, current, sealed, hint, updated_at)
        SELECT provider, instr(hint, '_live_') > 0, 'legacy', 1, sealed, hint, updated_at
        FROM provider_credentials;
    DROP TABLE provider_credentials;",
    // 7: bounded state (`retention`): page tokens also kept sealed, so `GET /v1/payments/{id}`
    // can show an unused one again; the ages the alarm prunes tokens and sessions by; and
    // when a webhook message reached its final state (messages and attempts are pruned 30
    // days after it; rows already final count from their last attempt).
    "ALTER TABLE page_tokens ADD COLUMN sealed TEXT;
    CREATE INDEX page_tokens_by_payment ON page_tokens (payment_id, created_at);
    CREATE INDEX page_tokens_by_age ON page_tokens (created_at);
    CREATE INDEX pay_sessions_by_age ON pay_sessions (created_at);
    ALTER TABLE webhook_messages ADD COLUMN finished_at INTEGER;
    UPDATE webhook_messages SET finished_at = coalesce(
        (SELECT max(at) FROM webhook_attempts WHERE message_id = webhook_messages.id),
        created_at)
      WHERE status != 'pending';
    CREATE INDEX webhook_messages_by_finish ON webhook_messages (finished_at)
        WHERE finished_at IS NOT NULL;",
    // 9: providers' notifications already applied, by the provider's own id (each
    // provider's ids are its own space), kept 30 days so a redelivery changes nothing.
    "CREATE TABLE provider_notifications (
        provider TEXT NOT NULL,
        id TEXT NOT NULL,
        live INTEGER NOT NULL,
        payment_id TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (provider, id)
    );
    CREATE INDEX provider_notifications_by_age ON provider_notifications (received_at);",
];

/// Whether this object holds an account (its schema exists). Read-only.
pub fn exists(sql: &SqlStorage) -> Result<bool> {
    #[derive(serde::Deserialize)]
    struct Row {
        n: i64,
    }
    let rows: Vec<Row> = sql
        .exec(
            "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '_schema'",
            None,
        )?
        .to_array()?;
    Ok(rows.first().is_some_and(|r| r.n > 0))
}

/// Brings the schema up to date. Only called for objects that hold an account (or are
/// being created as one); cheap when nothing is pending.
pub fn migrate(sql: &SqlStorage) -> Result<()> {
    #[derive(serde::Deserialize)]
    struct Row {
        version: Option<i64>,
    }
    sql.exec(
        "CREATE TABLE IF NOT EXISTS _schema (version INTEGER NOT NULL)",
        None,
    )?;
    let current = sql
        .exec("SELECT max(version) AS version FROM _schema", None)?
        .to_array::<Row>()?
        .into_iter()
        .find_map(|r| r.version)
        .unwrap_or(0);
    for (index, migration) in MIGRATIONS.iter().enumerate() {
        let version = index as i64 + 1;
        if version <= current {
            continue;
        }
        sql.exec(migration, None)?;
        sql.exec(
            "INSERT INTO _schema (version) VALUES (?)",
            vec![version.into()],
        )?;
    }
    Ok(())
}
