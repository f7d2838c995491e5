//! The account object's state (storage, environment, rate limits, keys, alarm) and the
//! few things every layer asks of it: its storage, its secrets, its alarm. Below the
//! operations and handlers; the object's requests and alarm are in `account` itself.

use crate::account::store::keys::KeyTable;
use crate::clock;
use kassa_core::account::AccountConfig;
use kassa_core::credentials::{ApiKeyMode, ParsedApiKey};
use kassa_core::rate_limit::{self, AccountLimiter};
use kassa_core::time::UnixMillis;
use std::cell::{Cell, RefCell};
use worker::{durable_object, Env, Result, SqlStorage, State};

#[durable_object]
pub struct AccountObject {
    pub(super) state: State,
    /// Secrets: the card sealing key (hosted pages), provider and webhook credentials.
    pub(super) env: Env,
    /// Rate-limit buckets (POST and other, per mode; failed authentications). In memory:
    /// they need no durability, and the object is the only place that sees every request
    /// of its account.
    pub(super) limiter: RefCell<AccountLimiter>,
    /// The account's API keys, read once and kept (see `keys::KeyTable`).
    pub(super) keys: KeyTable,
    /// The alarm time this object last saw set (ms). Lets `wake_by` skip two storage round
    /// trips on the hot path (every payment creation); cleared when the alarm fires, and
    /// empty after eviction, when `wake_by` asks storage again.
    pub(super) alarm_at: Cell<Option<i64>>,
}

pub use crate::account::store::account::Account;

impl AccountObject {
    pub fn sql(&self) -> SqlStorage {
        self.state.storage().sql()
    }

    /// The worker's environment (secrets, provider endpoints).
    pub fn env(&self) -> &Env {
        &self.env
    }

    /// Makes sure the object's alarm fires no later than `at` (it may fire earlier: the
    /// alarm handler only acts on what is due).
    pub async fn wake_by(&self, at: UnixMillis) -> Result<()> {
        let now = clock::now();
        let (at_ms, now_ms) = (at.as_millis() as i64, now.as_millis() as i64);
        let due_soon_enough = |c: i64| c <= at_ms && c >= now_ms;
        if self.alarm_at.get().is_some_and(due_soon_enough) {
            return Ok(());
        }
        let storage = self.state.storage();
        let current = storage.get_alarm().await?;
        match current {
            Some(c) if due_soon_enough(c) => self.alarm_at.set(Some(c)),
            _ => {
                let offset = at.as_millis().saturating_sub(now.as_millis());
                storage.set_alarm(offset as i64).await?;
                self.alarm_at.set(Some(at_ms));
            }
        }
        Ok(())
    }

    /// Takes a rate-limit token for a POST or another request authenticated in `mode`
    /// (each mode has its own buckets); `Err(seconds)` to wait.
    pub fn take_token(
        &self,
        config: &AccountConfig,
        mode: ApiKeyMode,
        post: bool,
    ) -> std::result::Result<(), u64> {
        let request = if post {
            rate_limit::Request::Post
        } else {
            rate_limit::Request::Other
        };
        self.limiter
            .borrow_mut()
            .take(mode, request, config.rate_limits, clock::now())
    }

    /// Checks a presented API key against the account's keys (in memory once read: an
    /// unknown key costs no storage read). A failure draws from the failed-authentication
    /// bucket, which no valid key touches: a flood of forged keys is answered 429 once it
    /// is empty, and the account's real keys keep working throughout.
    pub fn authenticate(&self, sql: &SqlStorage, key: Option<&ParsedApiKey>) -> Result<Auth> {
        if let Some(key) = key {
            if let Some(mode) = self.keys.verify(sql, key)? {
                return Ok(Auth::Valid(mode));
            }
        }
        Ok(self.failed_auth())
    }

    /// Records a failed authentication: refused (401), or 429 once there have been too many.
    pub fn failed_auth(&self) -> Auth {
        match self.limiter.borrow_mut().take_failed_auth(clock::now()) {
            Ok(()) => Auth::Refused,
            Err(retry_after) => Auth::TooMany(retry_after),
        }
    }
}

/// What a presented API key is worth.
pub enum Auth {
    /// One of the account's keys, not revoked: its mode decides which data it sees.
    Valid(ApiKeyMode),
    /// Missing, unknown, revoked or of the wrong mode: 401.
    Refused,
    /// Refused, after too many failures: 429 with `Retry-After` (seconds).
    TooMany(u64),
}
