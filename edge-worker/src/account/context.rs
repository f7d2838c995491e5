//! What the handlers and the operations share: the request's context (`Ctx`) and an
//! operation's answer (`Reply`). Depends only on the object itself, so every layer above
//! the store can use it.

use crate::account::object::{Account, AccountObject};
use crate::http;
use kassa_core::api::error::ApiError;
use kassa_core::time::UnixMillis;
use serde::Serialize;
use std::cell::{Cell, RefCell};
use worker::{Response, Result, SqlStorage};

/// What every operation needs: storage, the account, test or live, and where links point.
pub struct Ctx<'a> {
    pub object: &'a AccountObject,
    pub sql: &'a SqlStorage,
    pub account: &'a Account,
    pub live: bool,
    pub origin: &'a str,
    /// The earliest timer (expiry) an operation needs; set after all writes are done.
    pub wake_at: Cell<Option<UnixMillis>>,
    /// Provider jobs (outbox keys) to drive once the synchronous section is over.
    pub jobs: RefCell<Vec<String>>,
}

impl Ctx<'_> {
    pub fn wake_by(&self, at: UnixMillis) {
        let earliest = self.wake_at.get().map_or(at, |t| t.min(at));
        self.wake_at.set(Some(earliest));
    }

    /// Asks for a provider job to be driven after the section.
    pub fn drive_after(&self, job: Option<String>) {
        if let Some(key) = job {
            self.jobs.borrow_mut().push(key);
        }
    }
}

/// An operation's answer before it becomes a `Response`, so it can be recorded for replay.
pub struct Reply {
    pub status: u16,
    /// JSON text; `None` for 204.
    pub body: Option<String>,
}

impl Reply {
    pub fn json<T: Serialize>(status: u16, value: &T) -> Result<Reply> {
        let body =
            serde_json::to_string(value).map_err(|e| worker::Error::RustError(e.to_string()))?;
        Ok(Reply {
            status,
            body: Some(body),
        })
    }

    pub fn error(err: &ApiError) -> Result<Reply> {
        Reply::json(err.http_status(), err)
    }

    pub fn no_content() -> Reply {
        Reply {
            status: 204,
            body: None,
        }
    }

    pub fn into_response(self) -> Result<Response> {
        let mut resp = match self.body {
            Some(body) => {
                let mut resp = Response::ok(body)?.with_status(self.status);
                resp.headers_mut().set("Content-Type", "application/json")?;
                resp
            }
            None => Response::empty()?.with_status(self.status),
        };
        http::baseline_headers(resp.headers_mut())?;
        Ok(resp)
    }
}
