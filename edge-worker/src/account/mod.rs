//! `AccountObject`: one SQLite-backed Durable Object per merchant account.
//!
//! It holds the account's settings, keys, payments, refunds, events and idempotency records.
//! Requests reach it already routed by account id (taken from the credential itself), and it
//! handles them one at a time: every state change runs inside one synchronous stretch of
//! SQL with no `await` in between, so two concurrent requests can never both win.

mod context;
mod handlers;
mod object;
mod ops;
mod store;

pub use handlers::admin::{INTERNAL_CONFIG, INTERNAL_INIT, INTERNAL_KEYS};
pub use object::AccountObject;
pub use ops::authorise::sealing_key;

use handlers::webhook_admin;
use object::Account;
use ops::{delivery, payments, provider_jobs};
use store::keys::KeyTable;
use store::{card_tokens, idempotency, retention, schema};

use crate::{clock, http};
use kassa_core::api::error::ApiError;
use kassa_core::rate_limit::AccountLimiter;
use std::cell::{Cell, RefCell};
use worker::{DurableObject, Env, Request, Response, Result, SqlStorage, State};

impl DurableObject for AccountObject {
    fn new(state: State, env: Env) -> Self {
        AccountObject {
            state,
            env,
            limiter: RefCell::new(AccountLimiter::default()),
            keys: KeyTable::default(),
            alarm_at: Cell::new(None),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let result = handlers::route(self, req).await;
        // A write may have enqueued webhook messages (they were stored with the write, in
        // its synchronous section); make sure the alarm will send them. The write is done
        // whatever happens here, so a failure is logged, not answered: the next request
        // or alarm arms it again.
        if let Err(err) = self.wake_for_webhooks().await {
            worker::console_error!("arming the webhook alarm failed: {err}");
        }
        match result {
            Ok(resp) => Ok(resp),
            Err(err) => {
                // Storage or runtime failure: log the kind of failure only (never request
                // data), and answer as GOV.UK Pay does for an internal error.
                worker::console_error!("account object error: {err}");
                http::api_error(&ApiError::downstream(
                    kassa_core::api::error::ErrorCode::P0198,
                ))
            }
        }
    }

    /// Timers: expiry of unfinished payments, retention of idempotency records, spent card
    /// tokens, page tokens, payer sessions and finished webhook messages, provider calls to
    /// make or retry, and webhook messages due. Alarms are at-least-once, so everything
    /// here is safe to run again.
    async fn alarm(&self) -> Result<Response> {
        self.alarm_at.set(None);
        let sql = self.sql();
        let Some(account) = store::account::load(&sql)? else {
            return Response::ok("no account");
        };
        let now = clock::now();
        let next = payments::expire_due(self, &sql, &account, now)?;
        idempotency::prune(&sql, now)?;
        card_tokens::prune(&sql, now)?;
        let prune_next = retention::prune(&sql, now)?;
        for at in [next, prune_next].into_iter().flatten() {
            self.wake_by(at).await?;
        }
        // Provider work and webhook delivery run side by side: a slow provider (each call
        // may take its full timeout) cannot hold back delivery, nor the reverse. Every
        // change still happens in a synchronous section of its own; the two only
        // interleave at their awaits. Provider work is also bounded per run
        // (`provider_jobs::run_due`).
        let (jobs, delivered) = futures_util::future::join(
            self.run_provider_jobs(&sql, &account),
            delivery::deliver_due(self, &sql, &account),
        )
        .await;
        if let Err(err) = jobs {
            worker::console_error!("provider jobs failed: {err}");
        }
        if let Some(at) = delivered? {
            self.wake_by(at).await?;
        }
        // Provider answers may have enqueued messages after delivery looked: they go in
        // the next run, armed now.
        self.wake_for_webhooks().await?;
        Response::ok("done")
    }
}

/// The webhook pages' sign-in challenge, for requests without a usable API key.
pub fn webhook_admin_challenge() -> Result<Response> {
    webhook_admin::challenge()
}

impl AccountObject {
    /// The alarm's provider work: calls still to make or to retry (see `provider_jobs`).
    async fn run_provider_jobs(&self, sql: &SqlStorage, account: &Account) -> Result<()> {
        if let Some(at) = provider_jobs::run_due(self, sql, account, clock::now()).await? {
            self.wake_by(at).await?;
        }
        Ok(())
    }

    /// Arms the alarm for the earliest pending webhook message, if this object holds an
    /// account. Runs after every request: any of them may have changed a payment. Two
    /// indexed reads, and no storage call when the alarm is already set early enough.
    async fn wake_for_webhooks(&self) -> Result<()> {
        let sql = self.sql();
        if !schema::exists(&sql)? {
            return Ok(());
        }
        if let Some(at) = delivery::next_due(&sql)? {
            self.wake_by(at.max(clock::now())).await?;
        }
        Ok(())
    }
}
