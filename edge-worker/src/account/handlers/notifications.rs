//! `POST /providers/{stripe|adyen}/{account}/notifications`: a payment provider's
//! notifications (Stripe's webhooks, Adyen's standard notifications) about this account's
//! payments.
//!
//! No API key: the provider signs. The body is read within the 64 KB limit (the events
//! Kassa acts on are a few KB; a larger one is refused and polling still resolves the
//! payment), the mode it claims picks which of the account's credentials' secrets
//! verifies it, and only a verified body is read further. A refusal changes nothing and
//! draws from the account's failed-authentication bucket, like a forged API key, so a
//! forged flood is answered 429 once it is empty and costs no storage writes; verified
//! notifications never touch the bucket. A notification about an unknown payment is
//! acknowledged (logged), or the provider would repeat it for days.

use crate::account::object::{Account, AccountObject, Auth};
use crate::account::ops::notifications::{self, Applied};
use crate::account::ops::provider_jobs;
use crate::account::store::credentials;
use crate::{clock, http};
use kassa_core::account::ProviderKind;
use kassa_core::api::error::{ApiError, ErrorCode};
use kassa_core::provider::notification::{claims_live, verify, Inbound, Refused};
use kassa_core::provider::stripe_webhook::SIGNATURE_HEADER;
use worker::{Request, Response, Result, SqlStorage};

/// The provider a path segment names, if it sends notifications.
pub fn provider(segment: &str) -> Option<ProviderKind> {
    match segment {
        "stripe" => Some(ProviderKind::Stripe),
        "adyen" => Some(ProviderKind::Adyen),
        _ => None,
    }
}

fn refusal(object: &AccountObject, provider: ProviderKind, why: Refused) -> Result<Response> {
    if let Auth::TooMany(retry_after) = object.failed_auth() {
        return http::rate_limited(retry_after);
    }
    let (status, description) = match why {
        Refused::Signature => (401, "Notification signature does not verify"),
        Refused::NoSecret => (
            400,
            "No notification secret is configured for this provider and mode",
        ),
        Refused::Malformed => (400, "Not a notification this provider sends"),
    };
    let mut err = ApiError::with_description(ErrorCode::P0920, description).with_status(status);
    if why == Refused::Signature && provider == ProviderKind::Stripe {
        err = err.with_header(SIGNATURE_HEADER);
    }
    http::api_error(&err)
}

/// What the provider expects back for a notification it may stop sending.
fn acknowledged(provider: ProviderKind) -> Result<Response> {
    match provider {
        // Adyen's documented answer.
        ProviderKind::Adyen => {
            let mut resp = Response::ok("[accepted]")?;
            resp.headers_mut().set("Content-Type", "text/plain")?;
            http::baseline_headers(resp.headers_mut())?;
            Ok(resp)
        }
        _ => http::json(200, &serde_json::json!({"received": true})),
    }
}

pub async fn handle(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    provider: ProviderKind,
    mut req: Request,
) -> Result<Response> {
    let Some(body) = http::body_within_limit(&mut req).await? else {
        return http::api_error(&http::body_too_large());
    };
    let signature = req.headers().get(SIGNATURE_HEADER)?;
    // Read unverified only to choose the secret; a false claim then fails verification.
    let Some(live) = claims_live(provider, &body) else {
        return refusal(object, provider, Refused::Malformed);
    };
    let Some(creds) = credentials::current(object.env(), sql, account.id, provider, live)? else {
        return refusal(object, provider, Refused::NoSecret);
    };
    let inbound = Inbound {
        body: &body,
        signature_header: signature.as_deref(),
        now: clock::now(),
    };
    let verified = match verify(&creds, inbound) {
        Ok(verified) => verified,
        Err(why) => {
            worker::console_log!(
                "{} notification refused ({why:?}, {})",
                provider.as_str(),
                if live { "live" } else { "test" }
            );
            return refusal(object, provider, why);
        }
    };
    let mut jobs = Vec::new();
    for n in verified.iter().filter(|n| n.live == live) {
        // Each in its own section, with the clock read for it.
        if let Applied::Changed { job: Some(key) } =
            notifications::apply(object, sql, account, provider, n, clock::now())?
        {
            jobs.push(key);
        }
    }
    for key in jobs {
        if let Err(err) = provider_jobs::drive(object, sql, account, &key).await {
            worker::console_error!("provider job failed: {err}");
        }
    }
    acknowledged(provider)
}
