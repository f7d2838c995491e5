//! The `/v1` API inside the account object, after the key has been verified: body limits,
//! `Idempotency-Key` handling, rate limits, then the operation.

use crate::account::context::{Ctx, Reply};
use crate::account::handlers::webhooks;
use crate::account::object::{Account, AccountObject};
use crate::account::ops::tokenized::Created;
use crate::account::ops::{create, payments, provider_jobs, refunds, tokenized};
use crate::account::store::idempotency;
use crate::{clock, http};
use kassa_core::api::error::ApiError;
use kassa_core::credentials::ApiKeyMode;
use kassa_core::idempotency::{self as idem, REPLAYED_HEADER};
use std::cell::{Cell, RefCell};
use worker::{Method, Request, Response, Result, SqlStorage};

pub async fn handle(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    mode: ApiKeyMode,
    mut req: Request,
) -> Result<Response> {
    let live = mode == ApiKeyMode::Live;
    let method = req.method();
    let path = req.path();
    let url = req.url()?;
    // `_links` point at the origin the client called, for the API and the hosted pages.
    let origin = url.origin().ascii_serialization();
    let body = if method == Method::Post || method == Method::Patch {
        match http::body_within_limit(&mut req).await? {
            Some(bytes) => bytes,
            None => return http::api_error(&http::body_too_large()),
        }
    } else {
        Vec::new()
    };

    // Idempotent replays come before rate limiting: they cost nothing and must answer the
    // same however many retries a client sends at once.
    let mut guard = None;
    let replies = idempotency::Replies {
        env: object.env(),
        sql,
        account: account.id,
        live,
    };
    // A create with `sealed_card` whose invocation died during its provider call: the
    // payment it made, answered as it now stands (the alarm's status query resolves it).
    let mut abandoned = None;
    if method == Method::Post {
        if let Some(key) = req.headers().get(idem::HEADER)? {
            if let Err(err) = idem::validate_key(&key) {
                return http::api_error(&err);
            }
            let fingerprint = idem::fingerprint("POST", &path, &body);
            match idempotency::lookup(&replies, &key, &fingerprint, clock::now())? {
                idempotency::Lookup::Fresh => guard = Some((key, fingerprint)),
                idempotency::Lookup::Replay { status, body } => {
                    let mut resp = Reply {
                        status,
                        body: (!body.is_empty()).then_some(body),
                    }
                    .into_response()?;
                    resp.headers_mut().set(REPLAYED_HEADER, "true")?;
                    return Ok(resp);
                }
                idempotency::Lookup::Conflict => return http::api_error(&idem::key_reused()),
                idempotency::Lookup::InFlight { payment_id, since }
                    if !payment_id.is_empty() && idem::in_flight_abandoned(since, clock::now()) =>
                {
                    abandoned = Some(payment_id);
                    guard = Some((key, fingerprint));
                }
                idempotency::Lookup::InFlight { .. } => {
                    let mut resp = http::api_error(&idem::still_running())?;
                    resp.headers_mut().set("Retry-After", "1")?;
                    return Ok(resp);
                }
            }
        }
    }
    if let Err(retry_after) = object.take_token(&account.config, mode, method == Method::Post) {
        return http::rate_limited(retry_after);
    }

    let query = url.query().unwrap_or("");
    let segments: Vec<&str> = path
        .trim_start_matches("/v1/")
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let ctx = Ctx {
        object,
        sql,
        account,
        live,
        origin: &origin,
        wake_at: Cell::new(None),
        jobs: RefCell::new(Vec::new()),
    };
    let reply = match (method, segments.as_slice()) {
        // Only a create with `sealed_card` is ever recorded in flight, so an abandoned key
        // always names this operation.
        (Method::Post, ["payments"]) => match abandoned {
            Some(id) => tokenized::answer(&ctx, &id)?,
            None => match create::create(&ctx, &body)? {
                Created::Reply(reply) => reply,
                Created::Authorise(pending) => {
                    // The provider call awaits: a duplicate arriving meanwhile must see the
                    // request in flight (409), never run it again. Recorded before that await,
                    // with the payment's id, replaced by the reply below.
                    let id = pending.payment_id();
                    if let Some((key, fingerprint)) = &guard {
                        idempotency::record(&replies, key, fingerprint, 0, &id, clock::now())?;
                    }
                    // The payment's expiry (and the spent token's pruning) are armed before
                    // the provider is called: if this invocation dies during the call, the
                    // alarm still finds the payment and asks the provider what happened.
                    if let Some(at) = ctx.wake_at.get() {
                        object.wake_by(at).await?;
                    }
                    // The payment exists whatever happens now: a failure after the section is
                    // answered with the payment as it stands (and kept for replays), never
                    // left as a key in flight.
                    match tokenized::finish(&ctx, *pending).await {
                        Ok(reply) => reply,
                        Err(err) => {
                            worker::console_error!("authorising payment {id} failed: {err}");
                            tokenized::answer(&ctx, &id)?
                        }
                    }
                }
            },
        },
        (Method::Get, ["payments"]) => payments::search(&ctx, query)?,
        (Method::Get, ["payments", id]) => payments::get(&ctx, id)?,
        (Method::Get, ["payments", id, "events"]) => payments::events(&ctx, id)?,
        (Method::Post, ["payments", id, "cancel"]) => payments::cancel(&ctx, id)?,
        (Method::Post, ["payments", id, "capture"]) => payments::capture(&ctx, id)?,
        (Method::Post, ["payments", id, "refunds"]) => refunds::create(&ctx, id, &body)?,
        (Method::Get, ["payments", id, "refunds"]) => refunds::list(&ctx, id)?,
        (Method::Get, ["payments", id, "refunds", refund_id]) => refunds::get(&ctx, id, refund_id)?,
        (Method::Get, ["refunds"]) => refunds::search(&ctx, query)?,
        (method, ["webhooks", rest @ ..]) => {
            webhooks::handle(object, &ctx, method, rest, &body, query)?
        }
        _ => Reply::error(&ApiError::not_found())?,
    };
    // Only successes are kept for replay: a rejected request changed nothing, so a
    // corrected retry under the same key should run.
    if let Some((key, fingerprint)) = guard {
        if (200..300).contains(&reply.status) {
            idempotency::record(
                &replies,
                &key,
                &fingerprint,
                reply.status,
                reply.body.as_deref().unwrap_or(""),
                clock::now(),
            )?;
        }
    }
    // The first `await` comes only now, after every write above (operation and replay
    // record) is done: no other request can interleave with them. (A create with a sealed
    // card awaits its provider inside the operation, after recording itself in flight.)
    if let Some(at) = ctx.wake_at.get() {
        object.wake_by(at).await?;
    }
    // Provider calls the operation queued (the outbox): made now, answered in sections of
    // their own. A failure here is the alarm's to retry, not the client's problem: the
    // operation itself has been recorded.
    for key in ctx.jobs.take() {
        if let Err(err) = provider_jobs::drive(object, sql, account, &key).await {
            worker::console_error!("provider job failed: {err}");
        }
    }
    reply.into_response()
}
