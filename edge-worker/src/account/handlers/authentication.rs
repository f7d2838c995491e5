//! The payer's 3-D Secure step on the pages: the challenge (the sandbox's own page, or the
//! way to the provider's), its answer, and the provider's redirect back.
//!
//! On the hosted pages everything is a GET of the payment's page or a POST answered 303,
//! as in the rest of the journey. Inside the embedded form's iframe the step runs in the
//! iframe itself (its session travels in forms, as the embedded form's does), and the page
//! that ends it reports the outcome to the merchant page that mounted the form, which is
//! what resolves that page's `pay()`.

use crate::account::object::{Account, AccountObject};
use crate::account::ops::authenticate::{self, bounded, return_accepted};
use crate::account::store::payments::load_either_mode;
use crate::checkout_pages::{self as page, Outcome, Summary};
use crate::pages::Framing;
use kassa_core::money::{format_amount, Currency};
use kassa_core::payment::PaymentStatus;
use kassa_core::provider::{sandbox, NextAction};
use kassa_core::view::PaymentRecord;
use worker::{FormData, Request, Response, Result, SqlStorage};

/// Where the step is shown.
#[derive(Clone, Copy)]
pub enum Place<'a> {
    /// The hosted pages: the session is the cookie, the pages are never framed.
    Hosted,
    /// The embedded form's iframe: the session travels in the forms, and the pages may be
    /// framed only by the account's embedding origins.
    Embedded { session: &'a str },
}

fn pay_path(account: &Account, payment: &str) -> String {
    format!("/pay/{}/{}", account.id, payment)
}

/// The challenge of a payment waiting for 3-D Secure.
pub fn challenge(
    account: &Account,
    record: &PaymentRecord,
    csrf: &str,
    place: Place<'_>,
) -> Result<Response> {
    let amount = format_amount(record.payment.amount(), Currency::Gbp);
    let description = record.payment.description().to_string();
    let s = Summary {
        description: &description,
        amount: &amount,
        language: record.language,
        return_url: &record.return_url,
    };
    let origins = account.config.embedding_origins(record.live);
    let (framing, session) = match place {
        Place::Hosted => (Framing::Deny, None),
        Place::Embedded { session } => (Framing::Origins(&origins), Some(session)),
    };
    let base = pay_path(account, &record.payment.id().to_string());
    match record.authentication.as_ref().map(|a| &a.action) {
        Some(NextAction::SandboxChallenge) => {
            page::sandbox_challenge(&s, &format!("{base}/3ds"), csrf, session, framing)
        }
        Some(NextAction::Redirect { url }) => page::to_provider(&s, url, framing),
        Some(NextAction::PostForm { url, fields }) => {
            page::post_to_provider(&s, url, fields, framing)
        }
        None => page::outcome(&s, Outcome::Processing, None),
    }
}

/// `POST …/3ds`: the sandbox challenge page's answer (`result`: complete or fail), with
/// the payer's session. Anything else than a sandbox challenge waiting for it changes
/// nothing.
pub async fn answer(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    record: PaymentRecord,
    csrf: &str,
    form: &FormData,
    place: Place<'_>,
) -> Result<Response> {
    let sandbox_step = record
        .authentication
        .as_ref()
        .is_some_and(|a| a.action == NextAction::SandboxChallenge);
    if sandbox_step && record.payment.status() == PaymentStatus::AuthenticationRequired {
        let result = match form.get("result") {
            Some(worker::FormEntry::Field(v)) if v == sandbox::RESULT_COMPLETE => v,
            _ => sandbox::RESULT_FAIL.to_string(),
        };
        authenticate::complete(object, sql, account, &record, &[("result".into(), result)]).await?;
    }
    after(sql, account, &record.payment.id().to_string(), csrf, place)
}

/// `GET …/3ds/return?k=…`: the provider's redirect back. It needs no session (it may land
/// in the embedded form's iframe, which may get no cookies): only the payment's return key
/// makes it count, and even then it only sends the gateway to ask the provider.
pub async fn provider_return(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    req: &Request,
    payment_id: &str,
) -> Result<Response> {
    let Some(record) = load_either_mode(sql, payment_id)? else {
        return page::link_not_valid();
    };
    let url = req.url()?;
    let query: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let key = query
        .iter()
        .find(|(k, _)| k == "k")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    if !return_accepted(&record, key) {
        return page::link_not_valid();
    }
    authenticate::complete(object, sql, account, &record, &bounded(query)).await?;
    match record.frame {
        // Back inside the embedded form's iframe; no session to continue with there, and
        // none needed to report the outcome.
        Some(_) => after(
            sql,
            account,
            payment_id,
            "",
            Place::Embedded { session: "" },
        ),
        None => page::see_other(&pay_path(account, payment_id)),
    }
}

/// Where the payer goes once the step has been answered: the payment's page (hosted), or
/// inside the iframe the challenge again (the provider wants more) or the page that
/// reports the outcome to the merchant's page.
fn after(
    sql: &SqlStorage,
    account: &Account,
    payment_id: &str,
    csrf: &str,
    place: Place<'_>,
) -> Result<Response> {
    let Some(record) = load_either_mode(sql, payment_id)? else {
        return page::link_not_valid();
    };
    let (Place::Embedded { .. }, Some(frame)) = (place, &record.frame) else {
        return page::see_other(&pay_path(account, payment_id));
    };
    if record.payment.status() == PaymentStatus::AuthenticationRequired {
        return challenge(account, &record, csrf, place);
    }
    let state = record.payment.external_state();
    let kind = if record.payment.status().authorisation_in_flight() {
        "processing"
    } else {
        match state.status.as_str() {
            "success" | "capturable" => "success",
            _ => "failure",
        }
    };
    let status = if kind == "processing" {
        "processing"
    } else {
        state.status.as_str()
    };
    let message = serde_json::json!({
        "kassa": 1,
        "channel": frame.channel,
        "type": kind,
        "status": status,
        "code": state.code.map(|c| c.code()),
        "payment_id": payment_id,
    })
    .to_string();
    let origins = account.config.embedding_origins(record.live);
    page::authentication_finished(
        record.language,
        &frame.origin,
        &message,
        Framing::Origins(&origins),
    )
}
