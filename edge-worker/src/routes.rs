//! The worker's routing table. Each arm hands off to a module named after what it serves.

use crate::{http, pages};
use kassa_core::version::VERSION;
use serde::Serialize;
use worker::{Env, Method, Request, Response, Result};

#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
}

pub async fn handle(req: Request, _env: Env) -> Result<Response> {
    let path = req.path();
    let method = req.method();
    match (method, path.as_str()) {
        (Method::Get, "/healthz") => http::json(
            200,
            &Health {
                status: "ok",
                version: VERSION,
            },
        ),
        (Method::Get, "/") => pages::home(),
        (Method::Get, "/checkout/preview") => pages::checkout_preview(),
        (_, p) if p.starts_with("/v1/") || p.starts_with("/admin/") => {
            http::error(404, "P0200", "Not found")
        }
        _ => pages::not_found(),
    }
}
