//! Payment operations of the `/v1` API inside the account object.
//!
//! Each function runs as one synchronous section of SQL: read, apply `kassa-core`'s rules,
//! write. Responses are rendered by `kassa_core::view`, so the worker decides nothing about
//! what a payment looks like on the wire.

use crate::account::context::{Ctx, Reply};
use crate::account::object::{Account, AccountObject};
use crate::account::ops::provider_jobs;
use crate::account::store::payments::{self as store, load, save};
use crate::account::store::sql::stored_json;
use crate::account::store::{credentials, jobs, page_tokens, refunds};
use crate::clock;
use kassa_core::account::ProviderKind;
use kassa_core::api::create_payment::CreatePaymentRequest;
use kassa_core::api::error::{ApiError, ErrorCode};
use kassa_core::api::search::{PaymentSearchQuery, PaymentSearchResults};
use kassa_core::event::PaymentEvent;
use kassa_core::ids::PaymentId;
use kassa_core::payment::{ExpiryOutcome, PaymentInput};
use kassa_core::time::{UnixMillis, MINUTE_MS};
use kassa_core::view::{self, LinkContext, PaymentRecord};
use worker::{Result, SqlStorage};

/// Renders a payment as `GET /v1/payments/{id}` shows it, with a `next_url` token (its
/// unused one again, or a fresh one: `page_tokens`) while the payer can still start or
/// resume paying.
pub fn render(ctx: &Ctx<'_>, record: &PaymentRecord) -> Result<serde_json::Value> {
    render_with(ctx, record, true)
}

/// `render`, with `next_url` only if `offer_page` (a payment created with a sealed card has
/// nothing for a payer to do on the hosted pages).
pub fn render_with(
    ctx: &Ctx<'_>,
    record: &PaymentRecord,
    offer_page: bool,
) -> Result<serde_json::Value> {
    let refunds = refunds::tally(ctx.sql, record.payment.id())?;
    let token = if !offer_page || record.payment.external_state().finished {
        None
    } else {
        let (token, prune_at) = page_tokens::for_payment(
            ctx.object.env(),
            ctx.sql,
            ctx.account.id,
            &record.payment.id(),
        )?;
        if let Some(at) = prune_at {
            ctx.wake_by(at);
        }
        Some(token)
    };
    let links = LinkContext {
        api_base: ctx.origin,
        next_url: token.as_ref().map(|t| (ctx.origin, t.expose())),
    };
    serde_json::to_value(view::render_payment_tallied(record, refunds, links))
        .map_err(|e| internal("render payment", e))
}

/// The account- and mode-dependent rules on a create request (the body's own rules were
/// checked when it was parsed).
pub fn check_create(
    ctx: &Ctx<'_>,
    request: &CreatePaymentRequest,
) -> std::result::Result<(), ApiError> {
    if ctx.live && !request.return_url_is_https() {
        return Err(ApiError::invalid(
            "return_url",
            "Must be a valid URL format with a secure (https) scheme for live payments",
        ));
    }
    Ok(())
}

/// Which credentials a new payment of this mode is made with (their fingerprint, `None`
/// for the sandbox), or 403 P0940 when the account's provider cannot take a payment of
/// this mode: the sandbox for live payments (it moves no money, so a live payment must
/// never "succeed" there), Stripe without readable credentials for the mode, or with a key
/// of the other mode (a test payment must never charge a real card). Refused before
/// anything is written, rather than failing at the card.
pub fn provider_for(ctx: &Ctx<'_>) -> std::result::Result<Option<String>, ApiError> {
    let kind = ctx.account.config.payment_provider;
    let ready = match kind {
        ProviderKind::Sandbox => (!ctx.live).then_some(None),
        ProviderKind::Stripe | ProviderKind::Adyen => {
            match credentials::current(ctx.object.env(), ctx.sql, ctx.account.id, kind, ctx.live) {
                Ok(Some(credentials)) if credentials.serves(ctx.live) => {
                    Some(Some(credentials.fingerprint()))
                }
                Ok(_) => None,
                Err(err) => {
                    worker::console_error!("provider credentials unreadable: {err}");
                    None
                }
            }
        }
    };
    let mode = if ctx.live { "live" } else { "test" };
    ready.ok_or_else(|| {
        let description = if kind == ProviderKind::Sandbox {
            "Account is not fully configured: the sandbox takes test payments only; live payments need a payment provider with live credentials".to_string()
        } else {
            format!(
                "Account is not fully configured: its payment provider has no credentials for {mode} payments"
            )
        };
        ApiError::with_description(ErrorCode::P0940, description)
    })
}

/// A new payment of this account and mode (not yet saved), with its expiry timer asked for.
/// `credential` is what `provider_for` chose.
pub fn new_payment(
    ctx: &Ctx<'_>,
    request: CreatePaymentRequest,
    credential: Option<String>,
) -> Result<(PaymentRecord, PaymentEvent)> {
    let now = clock::now();
    let id = PaymentId::generate(clock::random()?);
    let config = &ctx.account.config;
    let (mut record, event) = PaymentRecord::new(
        request,
        id,
        now,
        ctx.live,
        config.payment_provider.as_str().to_string(),
        Some(config.expiry_window_ms()),
    );
    record.credential = credential;
    if let Some(at) = record.payment.expires_at() {
        ctx.wake_by(at);
    }
    Ok((record, event))
}

pub fn get(ctx: &Ctx<'_>, id: &str) -> Result<Reply> {
    match load(ctx.sql, ctx.live, id)? {
        Some(record) => Reply::json(200, &render(ctx, &record)?),
        None => Reply::error(&ApiError::not_found()),
    }
}

pub fn events(ctx: &Ctx<'_>, id: &str) -> Result<Reply> {
    let Some(record) = load(ctx.sql, ctx.live, id)? else {
        return Reply::error(&ApiError::events_not_found());
    };
    let events = store::events(ctx.sql, id)?;
    Reply::json(
        200,
        &view::render_events(record.payment.id(), &events, ctx.origin),
    )
}

/// Applies a service command (cancel, capture) and answers 204, or GOV.UK Pay's refusal.
fn command(ctx: &Ctx<'_>, id: &str, not_found: ApiError, inputs: &[PaymentInput]) -> Result<Reply> {
    let Some(mut record) = load(ctx.sql, ctx.live, id)? else {
        return Reply::error(&not_found);
    };
    let now = clock::now();
    let mut events = Vec::new();
    for input in inputs {
        match record.payment.apply(input.clone(), now) {
            Ok(mut emitted) => events.append(&mut emitted),
            Err(illegal) => {
                // Nothing was written: the refusal changes nothing.
                let err = illegal
                    .public_api_error()
                    .ok_or_else(|| internal("illegal transition", illegal))?;
                return Reply::error(&err);
            }
        }
    }
    let job = provider_jobs::settle_payment(
        ctx.object,
        ctx.sql,
        ctx.account,
        &mut record,
        &mut events,
        now,
    )?;
    save(ctx.sql, &record, &events)?;
    ctx.drive_after(job);
    Ok(Reply::no_content())
}

pub fn cancel(ctx: &Ctx<'_>, id: &str) -> Result<Reply> {
    command(
        ctx,
        id,
        ApiError::cancel_not_found(),
        &[PaymentInput::ServiceCancelled],
    )
}

/// Capture of a delayed-capture payment. A repeated capture of a payment already being
/// or already captured is accepted and changes nothing (the transition table says so).
pub fn capture(ctx: &Ctx<'_>, id: &str) -> Result<Reply> {
    command(
        ctx,
        id,
        ApiError::capture_not_found(),
        &[PaymentInput::CaptureRequested],
    )
}

pub fn search(ctx: &Ctx<'_>, query_string: &str) -> Result<Reply> {
    let q = match PaymentSearchQuery::parse(query_string) {
        Ok(q) => q,
        Err(err) => return Reply::error(&err),
    };
    let page = store::search(ctx.sql, ctx.live, &q)?;
    if let Err(err) = q.check_page_exists(page.total) {
        return Reply::error(&err);
    }
    let (total, rows) = (page.total, page.records);
    let mut results = Vec::with_capacity(rows.len());
    for text in rows {
        let record: PaymentRecord =
            serde_json::from_str(&text).map_err(|e| stored_json("stored payment", &e))?;
        let refunds = refunds::tally(ctx.sql, record.payment.id())?;
        results.push(view::render_payment_for_search_tallied(
            &record, refunds, ctx.origin,
        ));
    }
    Reply::json(
        200,
        &PaymentSearchResults::new(ctx.origin, &q, total, results),
    )
}

/// Expires every payment whose deadline has passed; returns the next deadline, if any.
/// Safe to run any number of times (alarms are at-least-once): `expire_if_due` leaves
/// payments that are not due, or already finished, untouched. Holds to release and
/// authorisations to look up become provider jobs, which the alarm runs next.
pub fn expire_due(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    now: UnixMillis,
) -> Result<Option<UnixMillis>> {
    for stored in store::due_for_expiry(sql, now)? {
        // One payment that cannot be expired (say its provider credentials do not open)
        // must not stop the others, nor the rest of the alarm.
        if let Err(err) = expire_one(object, sql, account, &stored, now) {
            worker::console_error!("expiring a payment failed: {err}");
        }
    }
    // A deadline already past belongs to a payment that could not expire yet: look again
    // in a minute rather than spinning.
    Ok(store::next_expiry(sql)?.map(|at| if at <= now { now.plus(MINUTE_MS) } else { at }))
}

fn expire_one(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    stored: &str,
    now: UnixMillis,
) -> Result<()> {
    let mut record: PaymentRecord =
        serde_json::from_str(stored).map_err(|e| stored_json("stored payment", &e))?;
    match record.payment.expire_if_due(now) {
        ExpiryOutcome::Expired { mut events } => {
            provider_jobs::settle_payment(object, sql, account, &mut record, &mut events, now)?;
            save(sql, &record, &events)?;
        }
        // An authorisation in doubt: its status query (a provider job) comes first; the
        // payment keeps its deadline and is looked at again once the query is answered.
        ExpiryOutcome::NeedsStatusQuery => {
            let id = record.payment.id().to_string();
            let key = provider_jobs::payment_key(&id);
            jobs::enqueue(sql, &key, &id, None, record.live, now)?;
        }
        ExpiryOutcome::NoDeadline | ExpiryOutcome::NotYetDue { .. } => {}
    }
    Ok(())
}

fn internal(what: &str, err: impl core::fmt::Display) -> worker::Error {
    worker::Error::RustError(format!("{what}: {err}"))
}
