//! The `/v1/webhooks` operations (also behind `/admin/webhooks`): create, list, update,
//! reveal and rotate signing secrets, list, inspect and resend messages. Their rows, and the
//! enqueueing of messages with the payment writes that cause them, are `store::webhooks`.
//!
//! Every operation here is one synchronous section (no `await`): read, apply
//! `kassa_core::webhook`, write. Signing secrets are stored sealed with
//! `STORAGE_ENCRYPTION_KEY` (`crate::secrets`), bound to the account and to the slot
//! `webhook:<id>`; the account's ed25519 key to `webhook_ed25519`.

use crate::account::context::{Ctx, Reply};
use crate::account::object::AccountObject;
use crate::account::store::webhooks::{
    self as store, attempt_views, ensure_signing_key, load, load_message, new_secret, public_key,
    save_record, secret_slot, store_delivery,
};
use crate::{clock, secrets};
use kassa_core::api::error::{ApiError, ErrorCode};
use kassa_core::ids::WebhookId;
use kassa_core::webhook::{self, MessageQuery, SigningKeyView, Webhook, MAX_WEBHOOKS};
use worker::Result;

fn account_text(ctx: &Ctx<'_>) -> String {
    ctx.account.id.to_string()
}

fn view_of(ctx: &Ctx<'_>, hook: &Webhook) -> webhook::WebhookView {
    hook.view(ctx.origin, &account_text(ctx))
}

pub fn create(object: &AccountObject, ctx: &Ctx<'_>, body: &[u8]) -> Result<Reply> {
    let id = WebhookId::generate(clock::random()?);
    let now = clock::now();
    let hook = match webhook::parse_create(body, ctx.live, id, now, ctx.origin) {
        Ok(hook) => hook,
        Err(err) => return Reply::error(&err),
    };
    let existing = store::count_of_mode(ctx.sql, ctx.live)?;
    if existing >= MAX_WEBHOOKS {
        return Reply::error(&ApiError::with_description(
            ErrorCode::P0102,
            format!("Invalid attribute value: callback_url. An account may have at most {MAX_WEBHOOKS} webhooks per mode; change the callback URL of one instead"),
        ).with_field("callback_url"));
    }
    let account = account_text(ctx);
    ensure_signing_key(&object.env, ctx.sql, &account)?;
    let sealed = secrets::seal(
        &object.env,
        &account,
        &secret_slot(&id.to_string()),
        new_secret()?.as_bytes(),
    )?;
    let text = serde_json::to_string(&hook).map_err(|e| internal("serialise webhook", e))?;
    store::insert(ctx.sql, &id.to_string(), ctx.live, now, text, sealed)?;
    Reply::json(201, &view_of(ctx, &hook))
}

pub fn list(ctx: &Ctx<'_>) -> Result<Reply> {
    let rows = store::all(ctx.sql, ctx.live)?;
    let results = rows
        .iter()
        .map(|r| r.webhook().map(|h| view_of(ctx, &h)))
        .collect::<Result<Vec<_>>>()?;
    Reply::json(
        200,
        &serde_json::json!({ "count": results.len(), "results": results }),
    )
}

pub fn get(ctx: &Ctx<'_>, id: &str) -> Result<Reply> {
    match load(ctx.sql, ctx.live, id)? {
        Some(row) => Reply::json(200, &view_of(ctx, &row.webhook()?)),
        None => Reply::error(&ApiError::not_found()),
    }
}

pub fn patch(ctx: &Ctx<'_>, id: &str, body: &[u8]) -> Result<Reply> {
    let Some(row) = load(ctx.sql, ctx.live, id)? else {
        return Reply::error(&ApiError::not_found());
    };
    let next = match webhook::apply_patch(&row.webhook()?, body) {
        Ok(next) => next,
        Err(err) => return Reply::error(&err),
    };
    save_record(ctx.sql, &next)?;
    Reply::json(200, &view_of(ctx, &next))
}

pub fn reveal(object: &AccountObject, ctx: &Ctx<'_>, id: &str) -> Result<Reply> {
    let Some(row) = load(ctx.sql, ctx.live, id)? else {
        return Reply::error(&ApiError::not_found());
    };
    let ring = row.ring(&object.env, &account_text(ctx), id)?;
    let view = SigningKeyView::new(&ring, clock::now(), public_key(ctx.sql)?);
    Reply::json(200, &view)
}

pub fn rotate(object: &AccountObject, ctx: &Ctx<'_>, id: &str, body: &[u8]) -> Result<Reply> {
    let Some(row) = load(ctx.sql, ctx.live, id)? else {
        return Reply::error(&ApiError::not_found());
    };
    let overlap = match webhook::parse_rotation(body) {
        Ok(overlap) => overlap,
        Err(err) => return Reply::error(&err),
    };
    let account = account_text(ctx);
    let now = clock::now();
    let ring = row
        .ring(&object.env, &account, id)?
        .rotate(new_secret()?, now, overlap);
    let slot = secret_slot(id);
    let seal = |text: &str| secrets::seal(&object.env, &account, &slot, text.as_bytes());
    let (previous, until) = match &ring.previous {
        Some((text, until)) => (Some(seal(text)?), Some(until.as_millis() as i64)),
        None => (None, None),
    };
    store::save_secrets(ctx.sql, id, seal(&ring.current)?, previous, until)?;
    Reply::json(200, &SigningKeyView::new(&ring, now, public_key(ctx.sql)?))
}

pub fn messages(ctx: &Ctx<'_>, id: &str, query_string: &str) -> Result<Reply> {
    if load(ctx.sql, ctx.live, id)?.is_none() {
        return Reply::error(&ApiError::not_found());
    }
    let q = match MessageQuery::parse(query_string) {
        Ok(q) => q,
        Err(err) => return Reply::error(&err),
    };
    let (total, rows) = store::messages_page(ctx.sql, id, &q)?;
    let results: Vec<_> = rows.iter().map(|r| r.summary(ctx.origin)).collect();
    let list_url = format!("{}/v1/webhooks/{id}/messages", ctx.origin);
    Reply::json(
        200,
        &serde_json::json!({
            "total": total,
            "count": results.len(),
            "page": q.page,
            "results": results,
            "_links": q.page_links(&list_url, total),
        }),
    )
}

pub fn message(ctx: &Ctx<'_>, id: &str, mid: &str) -> Result<Reply> {
    if load(ctx.sql, ctx.live, id)?.is_none() {
        return Reply::error(&ApiError::not_found());
    }
    let Some(row) = load_message(ctx.sql, id, mid)? else {
        return Reply::error(&ApiError::not_found());
    };
    let mut view = row.summary(ctx.origin);
    view["delivery_attempts"] = serde_json::Value::Array(attempt_views(ctx.sql, mid)?);
    // The body goes in as the stored text, byte for byte what was signed and sent (parsing
    // it into a map would reorder its fields).
    let mut text = serde_json::to_string(&view).map_err(|e| internal("serialise message", e))?;
    if serde_json::from_str::<serde::de::IgnoredAny>(&row.body).is_err() || !text.ends_with('}') {
        return Err(internal("stored message", "not JSON"));
    }
    text.pop();
    text.push_str(",\"body\":");
    text.push_str(&row.body);
    text.push('}');
    Ok(Reply {
        status: 200,
        body: Some(text),
    })
}

pub fn attempts(ctx: &Ctx<'_>, id: &str, mid: &str) -> Result<Reply> {
    if load(ctx.sql, ctx.live, id)?.is_none() || load_message(ctx.sql, id, mid)?.is_none() {
        return Reply::error(&ApiError::not_found());
    }
    let results = attempt_views(ctx.sql, mid)?;
    Reply::json(
        200,
        &serde_json::json!({ "count": results.len(), "results": results }),
    )
}

pub fn resend(ctx: &Ctx<'_>, id: &str, mid: &str) -> Result<Reply> {
    let Some(hook) = load(ctx.sql, ctx.live, id)? else {
        return Reply::error(&ApiError::not_found());
    };
    let Some(row) = load_message(ctx.sql, id, mid)? else {
        return Reply::error(&ApiError::not_found());
    };
    if !hook.webhook()?.active {
        return Reply::error(&ApiError::with_description(
            ErrorCode::P0102,
            "Invalid attribute value: status. The webhook is inactive: reactivate it to resend messages",
        ).with_field("status"));
    }
    let now = clock::now();
    let delivery = row.delivery()?.resend(now);
    store_delivery(ctx.sql, mid, &delivery)?;
    ctx.wake_by(now);
    let Some(row) = load_message(ctx.sql, id, mid)? else {
        return Reply::error(&ApiError::not_found());
    };
    Reply::json(202, &row.summary(ctx.origin))
}

fn internal(what: &str, err: impl core::fmt::Display) -> worker::Error {
    worker::Error::RustError(format!("{what}: {err}"))
}
