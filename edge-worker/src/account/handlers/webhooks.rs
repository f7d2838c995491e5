//! `/v1/webhooks…` by method and path, for both `v1` and the `/admin/webhooks` pages.

use crate::account::context::{Ctx, Reply};
use crate::account::object::AccountObject;
use crate::account::ops::webhooks::{
    attempts, create, get, list, message, messages, patch, resend, reveal, rotate,
};
use kassa_core::api::error::ApiError;
use worker::{Method, Result};

/// `/v1/webhooks…`, after the key, idempotency and rate limits were handled by `v1`.
pub fn handle(
    object: &AccountObject,
    ctx: &Ctx<'_>,
    method: Method,
    segments: &[&str],
    body: &[u8],
    query_string: &str,
) -> Result<Reply> {
    match (method, segments) {
        (Method::Post, []) => create(object, ctx, body),
        (Method::Get, []) => list(ctx),
        (Method::Get, [id]) => get(ctx, id),
        (Method::Patch, [id]) => patch(ctx, id, body),
        (Method::Get, [id, "signing-key"]) => reveal(object, ctx, id),
        (Method::Post, [id, "signing-key"]) => rotate(object, ctx, id, body),
        (Method::Get, [id, "messages"]) => messages(ctx, id, query_string),
        (Method::Get, [id, "messages", mid]) => message(ctx, id, mid),
        (Method::Get, [id, "messages", mid, "attempts"]) => attempts(ctx, id, mid),
        (Method::Post, [id, "messages", mid, "resend"]) => resend(ctx, id, mid),
        _ => Reply::error(&ApiError::not_found()),
    }
}
