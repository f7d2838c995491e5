//! The payer's journey on the hosted pages, inside the account object.
//!
//! `next_url` carries a one-time token; opening it starts a session (a cookie scoped to the
//! payment's pages) and every later page is a GET of the payment's real state. Each POST
//! changes the payment at most once through the transition table and answers 303, so back,
//! refresh, reopening the link and double clicks can never authorise twice. Card numbers
//! and security codes are used for the authorisation and then dropped: never logged,
//! never stored.

use super::authorise::{self, CardOutcome};
use super::payments::{load, save};
use super::provider_jobs;
use super::sql::{int, query, Row};
use super::{Account, AccountObject};
use crate::checkout_pages::{self as page, Prefill, Summary};
use crate::clock;
use kassa_core::card::{self, CardFieldError, CardInput, ExpiryInput};
use kassa_core::credentials::pay_session;
use kassa_core::credentials::PageToken;
use kassa_core::money::{format_amount, Currency};
use kassa_core::payment::{CardSummary, ExternalStatus, PaymentInput, PaymentStatus, StateCode};
use kassa_core::view::PaymentRecord;
use serde::Deserialize;
use worker::{FormData, Request, Response, Result, SqlStorage};

const COOKIE: &str = "kassa_pay_session";

fn pay_path(account: &Account, payment: &str) -> String {
    format!("/pay/{}/{}", account.id, payment)
}

#[derive(Deserialize)]
struct TokenRow {
    payment_id: String,
    used_at: Option<i64>,
}
impl Row for TokenRow {}

/// `GET /secure/{token}`: exchanges a one-time token for a session on the payment's pages.
pub fn open(sql: &SqlStorage, account: &Account, token: &PageToken) -> Result<Response> {
    let rows: Vec<TokenRow> = query(
        sql,
        "SELECT payment_id, used_at FROM page_tokens WHERE hash = ?",
        vec![token.hash().to_hex().into()],
    )?;
    let Some(row) = rows.into_iter().next() else {
        return page::link_not_valid();
    };
    if row.used_at.is_some() {
        // Reopening a used link lands on the payment's page; without the session cookie
        // that page says the link is no longer valid.
        return page::see_other(&pay_path(account, &row.payment_id));
    }
    let now = clock::now();
    sql.exec(
        "UPDATE page_tokens SET used_at = ? WHERE hash = ?",
        vec![int(now.as_millis()), token.hash().to_hex().into()],
    )?;
    let secret = pay_session::secret(clock::random()?);
    sql.exec(
        "INSERT INTO pay_sessions (hash, payment_id, created_at) VALUES (?, ?, ?)",
        vec![
            pay_session::hash(&secret).into(),
            row.payment_id.clone().into(),
            int(now.as_millis()),
        ],
    )?;
    let path = pay_path(account, &row.payment_id);
    let mut resp = page::see_other(&path)?;
    // HttpOnly: no script needs it. Lax: sent on the top-level navigation from the
    // merchant's site, not on cross-site form posts (which also lack the CSRF token).
    resp.headers_mut().set(
        "Set-Cookie",
        &format!("{COOKIE}={secret}; Path={path}; HttpOnly; Secure; SameSite=Lax; Max-Age=7200"),
    )?;
    Ok(resp)
}

fn session_secret(req: &Request) -> Result<Option<String>> {
    let cookies = req.headers().get("Cookie")?.unwrap_or_default();
    Ok(cookies.split(';').find_map(|c| {
        let (name, value) = c.trim().split_once('=')?;
        (name == COOKIE && value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| value.to_string())
    }))
}

fn session_is_for(sql: &SqlStorage, secret: &str, payment: &str) -> Result<bool> {
    #[derive(Deserialize)]
    struct S {
        payment_id: String,
    }
    impl Row for S {}
    let rows: Vec<S> = query(
        sql,
        "SELECT payment_id FROM pay_sessions WHERE hash = ?",
        vec![pay_session::hash(secret).into()],
    )?;
    Ok(rows.iter().any(|r| r.payment_id == payment))
}

/// Everything under `/pay/{account}/{payment}`.
pub async fn handle(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    mut req: Request,
    payment_id: &str,
    action: Option<&str>,
) -> Result<Response> {
    let Some(secret) = session_secret(&req)? else {
        return page::link_not_valid();
    };
    if !session_is_for(sql, &secret, payment_id)? {
        return page::link_not_valid();
    }
    // Hosted pages exist for test and live payments alike: the session decides access.
    let record = match load(sql, false, payment_id)? {
        Some(r) => r,
        None => match load(sql, true, payment_id)? {
            Some(r) => r,
            None => return page::link_not_valid(),
        },
    };
    let csrf = pay_session::csrf_token(&secret);
    match action {
        None => show(sql, account, record, &csrf, &[], &Prefill::default()),
        Some(action) => {
            let form = req.form_data().await?;
            let presented = field(&form, "csrf");
            if !pay_session::csrf_matches(&secret, &presented) {
                return page::see_other(&pay_path(account, payment_id));
            }
            match action {
                "card" => submit_card(object, sql, account, record, &csrf, &form).await,
                "confirm" => confirm(object, sql, account, record).await,
                "cancel" => cancel(object, sql, account, record).await,
                _ => page::link_not_valid(),
            }
        }
    }
}

fn field(form: &FormData, name: &str) -> String {
    match form.get(name) {
        Some(worker::FormEntry::Field(value)) => value,
        _ => String::new(),
    }
}

fn summary(record: &PaymentRecord) -> (String, kassa_core::language::Language) {
    (
        format_amount(record.payment.amount(), Currency::Gbp),
        record.language,
    )
}

/// The page for the payment's real state.
fn show(
    sql: &SqlStorage,
    account: &Account,
    mut record: PaymentRecord,
    csrf: &str,
    errors: &[CardFieldError],
    prefill: &Prefill<'_>,
) -> Result<Response> {
    let now = clock::now();
    let base = pay_path(account, &record.payment.id().to_string());
    let (amount, language) = summary(&record);
    let description = record.payment.description().to_string();
    let s = Summary {
        description: &description,
        amount: &amount,
        language,
    };
    match record.payment.status() {
        PaymentStatus::Created | PaymentStatus::Started => {
            // The first visit starts the payment (and its `card_payment_started` event);
            // reloads change nothing.
            if let Ok(events) = record.payment.apply(PaymentInput::PageOpened, now) {
                if !events.is_empty() {
                    save(sql, &record, &events)?;
                }
            }
            if record.payment.is_expiry_due(now) {
                return expired(&s, &record);
            }
            page::card_form(
                &s,
                &format!("{base}/card"),
                &format!("{base}/cancel"),
                csrf,
                errors,
                prefill,
            )
        }
        PaymentStatus::Authorised => {
            let (masked, name) = record
                .payment
                .card()
                .map(|c| {
                    (
                        format!("•••• •••• •••• {}", c.last4()),
                        c.cardholder_name().unwrap_or_default().to_string(),
                    )
                })
                .unwrap_or_default();
            page::confirm(
                &s,
                &masked,
                &name,
                &format!("{base}/confirm"),
                &format!("{base}/cancel"),
                csrf,
            )
        }
        _ => finished(&s, &record),
    }
}

fn expired(s: &Summary<'_>, record: &PaymentRecord) -> Result<Response> {
    page::outcome(
        s,
        "Your payment session has expired",
        "You have not been charged.",
        Some(&record.return_url),
        200,
    )
}

/// Pages for payments the payer can no longer act on.
fn finished(s: &Summary<'_>, record: &PaymentRecord) -> Result<Response> {
    let state = record.payment.external_state();
    match state.status {
        ExternalStatus::Success | ExternalStatus::Capturable => page::see_other(&record.return_url),
        ExternalStatus::Failed if state.code == Some(StateCode::PaymentMethodRejected) => page::outcome(
            s,
            "Your payment was declined",
            "Your card was not charged. You can go back to the service and try again with another card.",
            Some(&record.return_url),
            200,
        ),
        ExternalStatus::Failed if state.code == Some(StateCode::PaymentExpired) => expired(s, record),
        ExternalStatus::Failed | ExternalStatus::Cancelled => page::outcome(
            s,
            "Your payment has been cancelled",
            "You have not been charged.",
            Some(&record.return_url),
            200,
        ),
        ExternalStatus::Error => page::outcome(
            s,
            "We could not take your payment",
            "There was a problem processing your payment. You have not been charged. Go back to the service and try again.",
            Some(&record.return_url),
            200,
        ),
        // Authorisation in flight or awaiting a status query: the outcome is not known yet.
        _ => page::outcome(
            s,
            "Your payment is being processed",
            "Do not pay again. Refresh this page in a moment to see the result.",
            None,
            200,
        ),
    }
}

async fn submit_card(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    record: PaymentRecord,
    csrf: &str,
    form: &FormData,
) -> Result<Response> {
    let base = pay_path(account, &record.payment.id().to_string());
    // Only a payment waiting for card details takes them; anything else (a second click,
    // the back button) just shows the current state.
    if record.payment.status() != PaymentStatus::Started {
        return page::see_other(&base);
    }
    let now = clock::now();
    let input = CardInput {
        number: field(form, "card-no"),
        expiry: ExpiryInput::Combined(field(form, "expiry-date")),
        cvc: field(form, "cvc"),
        cardholder_name: field(form, "cardholder-name"),
    };
    let expiry_text = field(form, "expiry-date");
    let name_text = field(form, "cardholder-name");
    let prefill = Prefill {
        expiry: &expiry_text,
        name: &name_text,
    };
    let card = match card::validate_card(&input, now, &account.config.accepted_card_brands) {
        Ok(card) => card,
        Err(errors) => return show(sql, account, record, csrf, &errors, &prefill),
    };
    let Ok(summary) = CardSummary::new(
        card.brand().id(),
        card.first_six(),
        card.last_four(),
        card.expiry().to_string(),
        Some(card.cardholder_name().to_string()),
    ) else {
        let errors = [CardFieldError {
            field: card::CardField::Name,
            kind: card::CardError::NameLooksLikeCardNumber,
        }];
        return show(sql, account, record, csrf, &errors, &prefill);
    };
    // The payment's provider authorises; meanwhile (and if the answer is unknown) the
    // payment's page is the "being processed" one.
    match authorise::authorise(object, sql, account, &record, &card, summary).await? {
        CardOutcome::Unsupported => {
            let errors = [CardFieldError {
                field: card::CardField::Number,
                kind: card::CardError::NumberUnknownBrand,
            }];
            show(sql, account, record, csrf, &errors, &prefill)
        }
        CardOutcome::Done => page::see_other(&base),
    }
}

async fn confirm(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    mut record: PaymentRecord,
) -> Result<Response> {
    let base = pay_path(account, &record.payment.id().to_string());
    let now = clock::now();
    let mut events = Vec::new();
    if let Ok(mut emitted) = record.payment.apply(PaymentInput::PayerConfirmed, now) {
        events.append(&mut emitted);
        // Captures now; delayed-capture payments wait for /capture.
        let job =
            provider_jobs::settle_payment(object, sql, account, &mut record, &mut events, now)?;
        save(sql, &record, &events)?;
        drive(object, sql, account, job).await;
        return page::see_other(&record.return_url);
    }
    page::see_other(&base)
}

async fn cancel(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    mut record: PaymentRecord,
) -> Result<Response> {
    let now = clock::now();
    if let Ok(mut events) = record.payment.apply(PaymentInput::PayerCancelled, now) {
        let job =
            provider_jobs::settle_payment(object, sql, account, &mut record, &mut events, now)?;
        save(sql, &record, &events)?;
        drive(object, sql, account, job).await;
    }
    page::see_other(&pay_path(account, &record.payment.id().to_string()))
}

/// Makes the provider call a page's change queued, after its section. The payer's page
/// does not depend on it: a failure is the alarm's to retry.
async fn drive(object: &AccountObject, sql: &SqlStorage, account: &Account, job: Option<String>) {
    if let Some(key) = job {
        if let Err(err) = provider_jobs::drive(object, sql, account, &key).await {
            worker::console_error!("provider job failed: {err}");
        }
    }
}
