//! `/admin/webhooks`: the webhook management API as server-rendered pages, for people.
//!
//! Authentication is the merchant's API key as the password of HTTP Basic auth (any user
//! name), so the browser keeps it and no key is ever written into a page. Every page and
//! action goes through `webhooks::handle`, the same code as `/v1/webhooks`, and renders its
//! JSON answer: the pages hold no rule of their own. Forms POST and answer 303 to a GET; a
//! POST whose `Origin` is not this origin is refused, since browsers attach Basic
//! credentials to cross-site requests too.

use crate::account::context::Ctx;
use crate::account::handlers::webhooks;
use crate::account::object::{Account, AccountObject};
use crate::pages::{escape, Framing, Page};
use kassa_core::credentials::ApiKeyMode;
use kassa_core::event::WebhookEventType;
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use worker::{FormEntry, Method, Request, Response, Result, SqlStorage};

pub const PREFIX: &str = "/admin/webhooks";

/// The answer when no (valid) key was presented: the browser asks for one.
pub fn challenge() -> Result<Response> {
    let mut resp = Page {
        title: "Webhooks",
        lang: "en",
        body: "<h1>Sign in</h1>\n<p>Use any user name and your API key (<code>api_test_…</code> \
               or <code>api_live_…</code>) as the password.</p>"
            .into(),
        script: None,
        framing: Framing::Deny,
        form_target: None,
    }
    .render(401)?;
    resp.headers_mut().set(
        "WWW-Authenticate",
        "Basic realm=\"Kassa webhooks: any user name, your API key as password\", charset=\"UTF-8\"",
    )?;
    Ok(resp)
}

fn see_other(location: &str) -> Result<Response> {
    crate::checkout_pages::see_other(location)
}

fn page(title: &str, body: String, status: u16) -> Result<Response> {
    Page {
        title,
        lang: "en",
        body,
        script: None,
        framing: Framing::Deny,
        form_target: None,
    }
    .render(status)
}

/// 429 as a page (these are forms in a browser), with `Retry-After`.
fn too_many_requests(retry_after: u64) -> Result<Response> {
    let mut resp = page(
        "Too many requests",
        format!("<h1>Too many requests</h1><p>Wait {retry_after} s and try again.</p>"),
        429,
    )?;
    resp.headers_mut()
        .set("Retry-After", &retry_after.to_string())?;
    Ok(resp)
}

fn error_text(reply: &Value) -> String {
    reply["description"]
        .as_str()
        .unwrap_or("Something went wrong")
        .to_string()
}

/// One call of the management API, as JSON.
fn call(
    object: &AccountObject,
    ctx: &Ctx<'_>,
    method: Method,
    segments: &[&str],
    body: &[u8],
    query: &str,
) -> Result<(u16, Value)> {
    let reply = webhooks::handle(object, ctx, method, segments, body, query)?;
    let value = match reply.body {
        Some(text) => serde_json::from_str(&text).unwrap_or(Value::Null),
        None => Value::Null,
    };
    Ok((reply.status, value))
}

pub async fn handle(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    mode: ApiKeyMode,
    mut req: Request,
) -> Result<Response> {
    let live = mode == ApiKeyMode::Live;
    let url = req.url()?;
    let origin = url.origin().ascii_serialization();
    let method = req.method();
    // The pages act through the same operations as the API (a resend sends a message
    // again), so they draw from the same buckets: they are no way around the rate limit.
    if let Err(retry_after) = object.take_token(&account.config, mode, method == Method::Post) {
        return too_many_requests(retry_after);
    }
    let path = req.path();
    let rest = path.trim_start_matches(PREFIX);
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let query = url.query().unwrap_or("").to_string();
    let mut form = Vec::new();
    if method == Method::Post {
        let same_origin = req.headers().get("Origin")?.is_some_and(|o| o == origin);
        if !same_origin {
            return page(
                "Forbidden",
                "<h1>Forbidden</h1><p>Forms may only be sent from this site.</p>".into(),
                403,
            );
        }
        // A form with only a button may arrive without a body at all: no fields then.
        let data = match crate::http::form_within_limit(&mut req).await {
            Ok(Some(data)) => data,
            Ok(None) => return crate::pages::too_large(),
            Err(_) => worker::FormData::new(),
        };
        for name in ["callback_url", "description", "status", "overlap_seconds"] {
            if let Some(value) = data.get_field(name) {
                form.push((name.to_string(), Value::String(value)));
            }
        }
        if let Some(entries) = data.get_all("subscriptions") {
            let subs: Vec<Value> = entries
                .into_iter()
                .filter_map(|e| match e {
                    FormEntry::Field(v) => Some(Value::String(v)),
                    FormEntry::File(_) => None,
                })
                .collect();
            // FormData answers an empty list for a field that is absent.
            if !subs.is_empty() {
                form.push(("subscriptions".into(), Value::Array(subs)));
            }
        }
    }
    // Everything below is synchronous: each action is one section, like the API's.
    let ctx = Ctx {
        object,
        sql,
        account,
        live,
        origin: &origin,
        wake_at: Cell::new(None),
        // The webhook pages change no payment, so they never queue provider calls.
        jobs: RefCell::new(Vec::new()),
    };
    let response = route(object, &ctx, method, &segments, &query, form)?;
    if let Some(at) = ctx.wake_at.get() {
        object.wake_by(at).await?;
    }
    Ok(response)
}

fn body_of(form: Vec<(String, Value)>) -> Vec<u8> {
    let mut map = serde_json::Map::new();
    for (name, value) in form {
        // An empty optional field means "none", and a number field is sent as a number.
        let value = match (name.as_str(), value) {
            ("description", Value::String(s)) if s.trim().is_empty() => Value::Null,
            ("overlap_seconds", Value::String(s)) => s
                .trim()
                .parse::<u64>()
                .map(Value::from)
                .unwrap_or(Value::String(s)),
            (_, v) => v,
        };
        map.insert(name, value);
    }
    Value::Object(map).to_string().into_bytes()
}

fn route(
    object: &AccountObject,
    ctx: &Ctx<'_>,
    method: Method,
    segments: &[&str],
    query: &str,
    form: Vec<(String, Value)>,
) -> Result<Response> {
    match (method, segments) {
        (Method::Get, []) => list(object, ctx, None),
        (Method::Post, []) => {
            let (status, reply) = call(object, ctx, Method::Post, &[], &body_of(form), "")?;
            match (status, reply["webhook_id"].as_str()) {
                (201, Some(id)) => see_other(&format!("{PREFIX}/{id}")),
                _ => list(object, ctx, Some(error_text(&reply))),
            }
        }
        (Method::Get, [id]) => detail(object, ctx, id, query, None),
        (Method::Post, [id, "status"]) => {
            let (status, reply) = call(object, ctx, Method::Patch, &[id], &body_of(form), "")?;
            match status {
                200 => see_other(&format!("{PREFIX}/{id}")),
                _ => detail(object, ctx, id, "", Some(error_text(&reply))),
            }
        }
        (Method::Post, [id, "rotate"]) => {
            let (status, reply) = call(
                object,
                ctx,
                Method::Post,
                &[id, "signing-key"],
                &body_of(form),
                "",
            )?;
            match status {
                200 => see_other(&format!("{PREFIX}/{id}/signing-key")),
                _ => detail(object, ctx, id, "", Some(error_text(&reply))),
            }
        }
        (Method::Get, [id, "signing-key"]) => signing_key(object, ctx, id),
        (Method::Get, [id, "messages", mid]) => message(object, ctx, id, mid),
        (Method::Post, [id, "messages", mid, "resend"]) => {
            let (status, reply) = call(
                object,
                ctx,
                Method::Post,
                &[id, "messages", mid, "resend"],
                b"",
                "",
            )?;
            match status {
                202 => see_other(&format!("{PREFIX}/{id}/messages/{mid}")),
                _ => detail(object, ctx, id, "", Some(error_text(&reply))),
            }
        }
        _ => crate::pages::not_found(),
    }
}

fn problem(error: Option<String>) -> String {
    error.map_or_else(String::new, |e| {
        format!(
            "<div class=\"error-summary\" role=\"alert\"><h2>There is a problem</h2><p>{}</p></div>\n",
            escape(&e)
        )
    })
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => escape(s),
        Value::Null => "–".into(),
        other => escape(&other.to_string()),
    }
}

fn list(object: &AccountObject, ctx: &Ctx<'_>, error: Option<String>) -> Result<Response> {
    let (_, hooks) = call(object, ctx, Method::Get, &[], b"", "")?;
    let mut rows = String::new();
    for h in hooks["results"].as_array().into_iter().flatten() {
        let id = h["webhook_id"].as_str().unwrap_or_default();
        rows.push_str(&format!(
            "<tr><td><a href=\"{PREFIX}/{id}\">{url}</a></td><td>{desc}</td><td>{status}</td><td>{subs}</td></tr>\n",
            id = escape(id),
            url = text(&h["callback_url"]),
            desc = text(&h["description"]),
            status = text(&h["status"]),
            subs = escape(
                &h["subscriptions"]
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "))
                    .unwrap_or_default()
            ),
        ));
    }
    let boxes: String = WebhookEventType::ALL
        .iter()
        .map(|t| {
            format!(
                "<label><input type=\"checkbox\" name=\"subscriptions\" value=\"{0}\" checked> {0}</label><br>\n",
                t.as_str()
            )
        })
        .collect();
    let mode = if ctx.live { "live" } else { "test" };
    let status = if error.is_some() { 422 } else { 200 };
    page(
        "Webhooks",
        format!(
            "<h1>Webhooks ({mode})</h1>\n{problem}\
             <table><thead><tr><th>Callback URL</th><th>Description</th><th>Status</th><th>Events</th></tr></thead>\
             <tbody>\n{rows}</tbody></table>\n\
             <h2>Create a webhook</h2>\n<form method=\"post\" action=\"{PREFIX}\">\n\
             <label for=\"callback_url\">Callback URL</label><br><input id=\"callback_url\" name=\"callback_url\" size=\"60\" required><br>\n\
             <label for=\"description\">Description</label><br><input id=\"description\" name=\"description\" size=\"60\"><br>\n\
             <fieldset><legend>Events</legend>\n{boxes}</fieldset>\n\
             <button type=\"submit\">Create webhook</button>\n</form>",
            problem = problem(error),
            rows = if rows.is_empty() { "<tr><td colspan=\"4\">No webhooks yet.</td></tr>\n".into() } else { rows },
        ),
        status,
    )
}

fn detail(
    object: &AccountObject,
    ctx: &Ctx<'_>,
    id: &str,
    query: &str,
    error: Option<String>,
) -> Result<Response> {
    let (status, hook) = call(object, ctx, Method::Get, &[id], b"", "")?;
    if status != 200 {
        return crate::pages::not_found();
    }
    let (status, messages) = call(object, ctx, Method::Get, &[id, "messages"], b"", query)?;
    let messages = if status == 200 {
        messages
    } else {
        json!({"results": [], "total": 0})
    };
    let id = escape(id);
    let mut rows = String::new();
    for m in messages["results"].as_array().into_iter().flatten() {
        rows.push_str(&format!(
            "<tr><td><a href=\"{PREFIX}/{id}/messages/{mid}\">{created}</a></td><td>{event}</td><td>{payment}</td><td>{seq}</td><td>{status}</td><td>{attempts}</td></tr>\n",
            mid = text(&m["message_id"]),
            created = text(&m["created_date"]),
            event = text(&m["event_type"]),
            payment = text(&m["resource_id"]),
            seq = text(&m["sequence"]),
            status = text(&m["status"]),
            attempts = text(&m["attempts"]),
        ));
    }
    let filters: String = ["pending", "successful", "failed", "will_not_send"]
        .iter()
        .map(|s| format!(" <a href=\"{PREFIX}/{id}?status={s}\">{s}</a>"))
        .collect();
    let page_link = |rel: &str, label: &str| {
        messages["_links"][rel]["href"]
            .as_str()
            .and_then(|href| href.split_once('?'))
            .map(|(_, q)| format!(" <a href=\"{PREFIX}/{id}?{}\">{label}</a>", escape(q)))
            .unwrap_or_default()
    };
    let active = hook["status"] == "active";
    let (toggle_to, toggle_label) = if active {
        ("inactive", "Deactivate webhook")
    } else {
        ("active", "Reactivate webhook")
    };
    let status_code = if error.is_some() { 422 } else { 200 };
    page(
        "Webhook",
        format!(
            "<p><a href=\"{PREFIX}\">All webhooks</a></p>\n<h1>{url}</h1>\n{problem}\
             <table>\n<tr><th>Status</th><td>{status}</td></tr>\n<tr><th>Description</th><td>{desc}</td></tr>\n\
             <tr><th>Events</th><td>{subs}</td></tr>\n<tr><th>Retry schedule (s)</th><td>{schedule}</td></tr>\n\
             <tr><th>Created</th><td>{created}</td></tr>\n</table>\n\
             <form method=\"post\" action=\"{PREFIX}/{id}/status\"><input type=\"hidden\" name=\"status\" value=\"{toggle_to}\">\
             <button type=\"submit\">{toggle_label}</button></form>\n\
             <p><a href=\"{PREFIX}/{id}/signing-key\">Manage signing secret</a></p>\n\
             <h2>Messages</h2>\n<p>Show:<a href=\"{PREFIX}/{id}\">all</a>{filters}</p>\n\
             <p>{total} message(s).{prev}{next}</p>\n\
             <table><thead><tr><th>Created</th><th>Event</th><th>Payment</th><th>Sequence</th><th>Status</th><th>Attempts</th></tr></thead>\
             <tbody>\n{rows}</tbody></table>",
            url = text(&hook["callback_url"]),
            problem = problem(error),
            status = text(&hook["status"]),
            desc = text(&hook["description"]),
            subs = text(&Value::String(
                hook["subscriptions"]
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "))
                    .unwrap_or_default()
            )),
            schedule = text(&hook["retry_schedule"]),
            created = text(&hook["created_date"]),
            total = text(&messages["total"]),
            prev = page_link("prev_page", "Previous page"),
            next = page_link("next_page", "Next page"),
        ),
        status_code,
    )
}

fn signing_key(object: &AccountObject, ctx: &Ctx<'_>, id: &str) -> Result<Response> {
    let (status, key) = call(object, ctx, Method::Get, &[id, "signing-key"], b"", "")?;
    if status != 200 {
        return crate::pages::not_found();
    }
    let id = escape(id);
    let previous = match key["previous_signing_key"].as_str() {
        Some(old) => format!(
            "<tr><th>Previous secret (still signing until {until})</th><td><code>{old}</code></td></tr>\n",
            until = text(&key["previous_signing_key_expires_date"]),
            old = escape(old)
        ),
        None => String::new(),
    };
    page(
        "Signing secret",
        format!(
            "<p><a href=\"{PREFIX}/{id}\">Back to the webhook</a></p>\n<h1>Signing secret</h1>\n\
             <table>\n<tr><th>Signing secret</th><td><code>{secret}</code></td></tr>\n{previous}\
             <tr><th>Account public key (v1a)</th><td><code>{public}</code></td></tr>\n</table>\n\
             <h2>Rotate</h2>\n<form method=\"post\" action=\"{PREFIX}/{id}/rotate\">\n\
             <label for=\"overlap_seconds\">Keep the current secret signing for (seconds)</label><br>\
             <input id=\"overlap_seconds\" name=\"overlap_seconds\" value=\"86400\" inputmode=\"numeric\"><br>\n\
             <button type=\"submit\">Rotate signing secret</button>\n</form>",
            secret = text(&key["signing_key"]),
            public = text(&key["public_key"]),
        ),
        200,
    )
}

fn message(object: &AccountObject, ctx: &Ctx<'_>, id: &str, mid: &str) -> Result<Response> {
    let (status, m) = call(object, ctx, Method::Get, &[id, "messages", mid], b"", "")?;
    if status != 200 {
        return crate::pages::not_found();
    }
    let mut attempts = String::new();
    for a in m["delivery_attempts"].as_array().into_iter().flatten() {
        attempts.push_str(&format!(
            "<tr><td>{n}</td><td>{at}</td><td>{result}</td><td>{code}</td><td>{reason}</td><td>{ms} ms</td></tr>\n",
            n = text(&a["attempt"]),
            at = text(&a["attempted_date"]),
            result = text(&a["result"]),
            code = text(&a["status_code"]),
            reason = text(&a["failure_reason"]),
            ms = text(&a["response_time_ms"]),
        ));
    }
    let body = serde_json::to_string_pretty(&m["body"]).unwrap_or_default();
    let id = escape(id);
    let mid = escape(mid);
    page(
        "Webhook message",
        format!(
            "<p><a href=\"{PREFIX}/{id}\">Back to the webhook</a></p>\n<h1>{event}</h1>\n\
             <table>\n<tr><th>Status</th><td>{status}</td></tr>\n<tr><th>Payment</th><td>{payment}</td></tr>\n\
             <tr><th>Sequence</th><td>{seq}</td></tr>\n<tr><th>Next attempt</th><td>{next}</td></tr>\n</table>\n\
             <form method=\"post\" action=\"{PREFIX}/{id}/messages/{mid}/resend\"><button type=\"submit\">Resend message</button></form>\n\
             <h2>Delivery attempts</h2>\n<table><thead><tr><th>#</th><th>When</th><th>Result</th><th>Status code</th><th>Failure</th><th>Response time</th></tr></thead>\
             <tbody>\n{attempts}</tbody></table>\n<h2>Body</h2>\n<pre>{body}</pre>",
            event = text(&m["event_type"]),
            status = text(&m["status"]),
            payment = text(&m["resource_id"]),
            seq = text(&m["sequence"]),
            next = text(&m["next_attempt_date"]),
            body = escape(&body),
        ),
        200,
    )
}
