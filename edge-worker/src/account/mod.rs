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

pub use object::AccountObject;
pub use ops::authorise::sealing_key;

use handlers::{checkout, public_key, v1, webhook_admin};
use object::Account;
use ops::{delivery, payments, provider_jobs};
use store::keys::KeyTable;
use store::{card_tokens, credentials, idempotency, retention, schema};

use crate::{clock, http};
use kassa_core::account::{apply_patch, AccountConfig, ProviderKind};
use kassa_core::api::error::ApiError;
use kassa_core::credentials::{
    bearer_token, parse_api_key, parse_publishable_key, ApiKeyMode, ParsedApiKey, PublishableKey,
};
use kassa_core::ids::AccountId;
use kassa_core::provider::Credentials;
use kassa_core::rate_limit::AccountLimiter;
use serde::Deserialize;
use std::cell::{Cell, RefCell};
use worker::{DurableObject, Env, Method, Request, Response, Result, SqlStorage, State};

/// The internal paths the stateless worker uses for admin operations. They are only
/// reachable through `routes`, which checks the admin token first.
pub const INTERNAL_INIT: &str = "/_internal/init";
pub const INTERNAL_KEYS: &str = "/_internal/keys";
pub const INTERNAL_CONFIG: &str = "/_internal/config";

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
        let result = self.handle(req).await;
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
        let Some(account) = self.load_account(&sql)? else {
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

/// The account's settings as the admin API shows them: with the account's id, never with
/// provider credentials (those are not part of `AccountConfig`); only which ones are set,
/// masked (`{"stripe": {"secret_key": "sk_test_…1234"}}`).
#[derive(serde::Serialize)]
struct SettingsView<'a> {
    account_id: String,
    #[serde(flatten)]
    config: &'a AccountConfig,
    configured_credentials: serde_json::Map<String, serde_json::Value>,
    publishable_keys: PublishableKeys,
}

/// The account's publishable keys (embedded checkout's `tokenize()`), derived from its id:
/// nothing is stored, so every account has them, including accounts made before them.
#[derive(serde::Serialize)]
pub struct PublishableKeys {
    test: String,
    live: String,
}

impl PublishableKeys {
    pub fn of(account: AccountId) -> PublishableKeys {
        let text = |mode| {
            PublishableKey {
                mode,
                account_id: account,
            }
            .text()
        };
        PublishableKeys {
            test: text(ApiKeyMode::Test),
            live: text(ApiKeyMode::Live),
        }
    }
}

fn settings_view<'a>(
    sql: &SqlStorage,
    id: &AccountId,
    config: &'a AccountConfig,
) -> Result<SettingsView<'a>> {
    Ok(SettingsView {
        account_id: id.to_string(),
        config,
        configured_credentials: credentials::hints(sql)?,
        publishable_keys: PublishableKeys::of(*id),
    })
}

/// What a presented API key is worth.
enum Auth {
    /// One of the account's keys, not revoked: its mode decides which data it sees.
    Valid(ApiKeyMode),
    /// Missing, unknown, revoked or of the wrong mode: 401.
    Refused,
    /// Refused, after too many failures: 429 with `Retry-After` (seconds).
    TooMany(u64),
}

impl AccountObject {
    fn load_account(&self, sql: &SqlStorage) -> Result<Option<Account>> {
        store::account::load(sql)
    }

    async fn handle(&self, mut req: Request) -> Result<Response> {
        let path = req.path();
        let method = req.method();
        let sql = self.sql();
        if path == INTERNAL_INIT && method == Method::Post {
            #[derive(Deserialize)]
            struct Init {
                account_id: String,
            }
            let init: Init = req.json().await?;
            return self.init(&sql, &init.account_id);
        }
        let presented = if path.starts_with("/v1/") {
            req.headers()
                .get("Authorization")?
                .and_then(|h| bearer_token(&h).and_then(|t| parse_api_key(t).ok()))
        } else {
            None
        };
        // Once the account's keys are in memory, an unknown one (a forged key with a valid
        // CRC, say) is answered before anything is read from storage: a flood of them costs
        // the object no storage work at all. (The table is only ever read for an account
        // that exists, so this answers just as the full path below would.)
        if let Some(key) = &presented {
            if self.keys.verify_in_memory(key) == Some(None) {
                return match self.failed_auth() {
                    Auth::TooMany(retry_after) => http::rate_limited(retry_after),
                    _ => http::unauthorized(),
                };
            }
        }
        let Some(account) = self.load_account(&sql)? else {
            return if path.starts_with("/_internal/") {
                http::api_error(&ApiError::not_found())
            } else if path.starts_with("/v1/") {
                http::unauthorized()
            } else {
                crate::checkout_pages::link_not_valid()
            };
        };
        if let Some(rest) = path.strip_prefix(INTERNAL_KEYS) {
            return match (method, rest) {
                (Method::Post, "") => {
                    #[derive(Deserialize)]
                    struct NewKey {
                        live: bool,
                    }
                    let body = req.bytes().await?;
                    let Ok(new_key) = serde_json::from_slice::<NewKey>(&body) else {
                        return http::api_error(&ApiError::invalid(
                            "live",
                            "Must be true or false",
                        ));
                    };
                    // The sandbox moves no money, so it takes no live payments: a live key
                    // on a sandbox account could only ever be refused (403 P0940).
                    if new_key.live && account.config.payment_provider == ProviderKind::Sandbox {
                        return http::api_error(&ApiError::with_description(
                            kassa_core::api::error::ErrorCode::P0940,
                            "Live API keys need a payment provider that moves real money: configure one with live credentials (payment_provider and provider_credentials) first",
                        ));
                    }
                    http::json(201, &self.keys.issue(&sql, account.id, new_key.live)?)
                }
                (Method::Delete, key) => match key.strip_prefix('/') {
                    Some(key_id) if self.keys.revoke(&sql, key_id)? => http::no_content(),
                    _ => http::api_error(&ApiError::not_found()),
                },
                _ => http::api_error(&ApiError::not_found()),
            };
        }
        if path == INTERNAL_CONFIG {
            return match method {
                Method::Get => http::json(200, &settings_view(&sql, &account.id, &account.config)?),
                Method::Patch => {
                    let body = req.bytes().await?;
                    // Read again after the await: another PATCH may have landed meanwhile,
                    // and patching the copy from before it would silently undo it.
                    let Some(account) = self.load_account(&sql)? else {
                        return http::api_error(&ApiError::not_found());
                    };
                    let change = match apply_patch(&account.config, &body) {
                        Ok(change) => change,
                        Err(err) => return http::api_error(&err),
                    };
                    let provider = change.config.payment_provider;
                    let credentials = match &change.provider_credentials {
                        Some(fields) => match Credentials::parse(provider, fields) {
                            Ok(creds) => Some(creds),
                            Err(err) => return http::api_error(&err),
                        },
                        None => None,
                    };
                    if provider != ProviderKind::Sandbox
                        && credentials.is_none()
                        && !credentials::exists(&sql, provider)?
                    {
                        return http::api_error(&ApiError::invalid(
                            "provider_credentials",
                            "Required to use this payment provider",
                        ));
                    }
                    // Both writes in one synchronous stretch: nothing is half-applied.
                    if let Some(creds) = &credentials {
                        credentials::store(&self.env, &sql, account.id, creds)?;
                    }
                    store::account::save_config(&sql, &change.config)?;
                    self.limiter.borrow_mut().limits_changed();
                    http::json(200, &settings_view(&sql, &account.id, &change.config)?)
                }
                _ => http::api_error(&ApiError::not_found()),
            };
        }
        if let Some(text) = path.strip_prefix("/embed/tokenize/") {
            let key = sealing_key(&self.env);
            return match parse_publishable_key(text) {
                Ok(pk) if pk.account_id == account.id => {
                    checkout::open_tokenize(&account, key.as_ref(), &pk, &req)
                }
                _ => crate::checkout_pages::link_not_valid(),
            };
        }
        if let Some(token) = path.strip_prefix("/embed/") {
            let key = sealing_key(&self.env);
            return match kassa_core::credentials::parse_page_token(token) {
                Ok(token) if token.account_id() == account.id => {
                    checkout::open_embed(&sql, &account, key.as_ref(), &token, &req)
                }
                _ => crate::checkout_pages::link_not_valid(),
            };
        }
        if let Some(token) = path.strip_prefix("/secure/") {
            return match kassa_core::credentials::parse_page_token(token) {
                Ok(token) if token.account_id() == account.id => {
                    checkout::open(&sql, &account, &token)
                }
                _ => crate::checkout_pages::link_not_valid(),
            };
        }
        if let Some(rest) = path.strip_prefix(&format!("/pay/{}/", account.id)) {
            let mut parts = rest.split('/');
            let payment = parts.next().unwrap_or_default().to_string();
            let action = parts.next().map(str::to_string);
            let allowed = match (&method, action.as_deref()) {
                (Method::Get, None) => true,
                (Method::Post, Some("card" | "confirm" | "cancel" | "embed")) => {
                    parts.next().is_none()
                }
                _ => false,
            };
            if !allowed {
                return crate::pages::not_found();
            }
            let key = sealing_key(&self.env);
            return checkout::handle(
                self,
                &sql,
                &account,
                key.as_ref(),
                req,
                &payment,
                action.as_deref(),
            )
            .await;
        }
        if path == format!("/webhooks/accounts/{}/public-key", account.id) && method == Method::Get
        {
            return public_key::public_key_response(&sql, &account);
        }
        if path == webhook_admin::PREFIX || path.starts_with(&format!("{}/", webhook_admin::PREFIX))
        {
            let key = http::basic_password(req.headers())?.and_then(|p| parse_api_key(&p).ok());
            return match self.authenticate(&sql, key.as_ref())? {
                Auth::Valid(mode) => webhook_admin::handle(self, &sql, &account, mode, req).await,
                Auth::Refused => webhook_admin::challenge(),
                Auth::TooMany(retry_after) => http::rate_limited(retry_after),
            };
        }
        if path.starts_with("/v1/") {
            return match self.authenticate(&sql, presented.as_ref())? {
                Auth::Valid(mode) => v1::handle(self, &sql, &account, mode, req).await,
                Auth::Refused => http::unauthorized(),
                Auth::TooMany(retry_after) => http::rate_limited(retry_after),
            };
        }
        http::api_error(&ApiError::not_found())
    }

    /// Creates the account in this (new) object: schema, settings and a first test key.
    fn init(&self, sql: &SqlStorage, account_id: &str) -> Result<Response> {
        let Ok(id) = account_id.parse::<AccountId>() else {
            return http::api_error(&ApiError::invalid("account_id", "Not an account id"));
        };
        schema::migrate(sql)?;
        if store::account::has_row(sql)? {
            // Ids are 80 random bits, so this is a retry of the same creation, not a clash.
            return http::api_error(&ApiError::with_description(
                kassa_core::api::error::ErrorCode::P0191,
                "This account already exists",
            ));
        }
        store::account::insert(sql, id)?;
        let key = self.keys.issue(sql, id, false)?;
        http::json(
            201,
            &serde_json::json!({
                "account_id": id.to_string(),
                "key_id": key.key_id,
                "api_key": key.api_key,
                "publishable_keys": PublishableKeys::of(id),
            }),
        )
    }

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

    /// Checks a presented API key against the account's keys (in memory once read: an
    /// unknown key costs no storage read). A failure draws from the failed-authentication
    /// bucket, which no valid key touches: a flood of forged keys is answered 429 once it
    /// is empty, and the account's real keys keep working throughout.
    fn authenticate(&self, sql: &SqlStorage, key: Option<&ParsedApiKey>) -> Result<Auth> {
        if let Some(key) = key {
            if let Some(mode) = self.keys.verify(sql, key)? {
                return Ok(Auth::Valid(mode));
            }
        }
        Ok(self.failed_auth())
    }

    /// Records a failed authentication: refused (401), or 429 once there have been too many.
    fn failed_auth(&self) -> Auth {
        match self.limiter.borrow_mut().take_failed_auth(clock::now()) {
            Ok(()) => Auth::Refused,
            Err(retry_after) => Auth::TooMany(retry_after),
        }
    }
}
