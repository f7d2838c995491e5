//! Kassa's edge worker: a thin shell over `kassa-core`.
//!
//! It owns routing, authentication, storage, outbound fetches and HTML pages; every payment
//! rule lives in `kassa-core`. See ARCHITECTURE.md for the codemap and invariants.

use worker::{event, Context, Env, Request, Response, Result};

pub use account::AccountObject;

mod account;
mod checkout_pages;
mod clock;
mod http;
mod loader;
mod page_copy;
mod pages;
mod provider;
mod routes;
mod secrets;

#[event(fetch)]
pub async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    routes::handle(req, env).await
}
