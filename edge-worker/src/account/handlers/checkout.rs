//! The payer's journey on the hosted pages, inside the account object.
//!
//! `next_url` carries a one-time token; opening it starts a session (a cookie scoped to the
//! payment's pages) and every later page is a GET of the payment's real state. Each POST
//! changes the payment at most once through the transition table and answers 303, so back,
//! refresh, reopening the link and double clicks can never authorise twice. Card numbers
//! and security codes are used for the authorisation and then dropped: never logged,
//! never stored.

use crate::account::handlers::authentication::{self, Place};
use crate::account::object::{Account, AccountObject};
use crate::account::ops::authorise;
use crate::account::ops::authorise::CardOutcome;
use crate::account::ops::payer::{self, confirm_authorised, consume, Consumed};
use crate::account::store::page_tokens::session_is_for;
use crate::account::store::payments::load_either_mode;
use crate::checkout_pages::{self as page, Embed, Outcome, Prefill, Sealing, Summary};
use crate::{clock, http};
use kassa_core::card::{self, card_details_unreadable, CardFieldError, CardInput, ExpiryInput};
use kassa_core::credentials::{pay_session, ApiKeyMode, PageToken, PublishableKey};
use kassa_core::language::Language;
use kassa_core::money::{format_amount, Currency};
use kassa_core::payment::{CardSummary, ExternalStatus, PaymentStatus, StateCode};
use kassa_core::retention::pay_session_max_age_seconds;
use kassa_core::sealed_token::{
    open_card, payment_binding, publishable_binding, SealingSecretKey, TokenError,
};
use kassa_core::time::UnixMillis;
use kassa_core::view::{CheckoutFrame, PaymentRecord};
use worker::{FormData, Request, Response, Result, SqlStorage};

const COOKIE: &str = "kassa_pay_session";

fn pay_path(account: &Account, payment: &str) -> String {
    format!("/pay/{}/{}", account.id, payment)
}

/// `GET /secure/{token}`: exchanges a one-time token for a session on the payment's pages.
pub fn open(sql: &SqlStorage, account: &Account, token: &PageToken) -> Result<Response> {
    let (payment_id, secret) = match consume(sql, token)? {
        Consumed::Unknown => return page::link_not_valid(),
        // Reopening a used link lands on the payment's page; without the session cookie
        // that page says the link is no longer valid.
        Consumed::Used(payment_id) => return page::see_other(&pay_path(account, &payment_id)),
        Consumed::Fresh { payment_id, secret } => (payment_id, secret),
    };
    let path = pay_path(account, &payment_id);
    let mut resp = page::see_other(&path)?;
    // HttpOnly: no script needs it. Lax: sent on the top-level navigation from the
    // merchant's site, not on cross-site form posts (which also lack the CSRF token).
    resp.headers_mut().set(
        "Set-Cookie",
        &format!(
            "{COOKIE}={secret}; Path={path}; HttpOnly; Secure; SameSite=Lax; Max-Age={}",
            pay_session_max_age_seconds()
        ),
    )?;
    Ok(resp)
}

fn sealing<'a>(
    key: Option<&'a SealingSecretKey>,
    public: &'a mut String,
    binding: &'a str,
    account: &'a Account,
) -> Option<Sealing<'a>> {
    let key = key?;
    *public = key.public_key().to_base64url();
    Some(Sealing {
        public_key: public,
        binding,
        now_ms: clock::now().as_millis(),
        accepted: &account.config.accepted_card_brands,
    })
}

fn valid_channel(channel: &str) -> bool {
    (1..=64).contains(&channel.len())
        && channel
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// An embed page's query: the merchant page's `origin`, which must be one the account
/// registered (it becomes the only target of the form's messages; live payments take only
/// https ones, checked by the caller once the mode is known), this mount's `channel`, and
/// an optional `language`. `None` if either of the first two is unusable.
struct EmbedQuery {
    origin: String,
    channel: String,
    language: Option<String>,
}

fn embed_query(req: &Request, account: &Account) -> Result<Option<EmbedQuery>> {
    let url = req.url()?;
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let (origin, channel) = (
        param("origin").unwrap_or_default(),
        param("channel").unwrap_or_default(),
    );
    if !account.config.allowed_origins.contains(&origin) || !valid_channel(&channel) {
        return Ok(None);
    }
    Ok(Some(EmbedQuery {
        origin,
        channel,
        language: param("language"),
    }))
}

/// The origins that may frame the form of a payment of this mode, if `origin` (the page
/// mounting it) is one of them.
fn frame_ancestors(account: &Account, live: bool, origin: &str) -> Option<Vec<String>> {
    let origins = account.config.embedding_origins(live);
    origins.iter().any(|o| o == origin).then_some(origins)
}

/// `GET /embed/{token}?origin=…&channel=…`: the card form for the merchant's iframe.
///
/// `origin` must be one the account registered and the page may be framed only by those
/// origins (`frame-ancestors`). The token is checked before it is used, so a page on
/// another origin cannot spend it. The session travels in the form, not in a cookie:
/// browsers may refuse cookies to third-party frames.
pub fn open_embed(
    sql: &SqlStorage,
    account: &Account,
    key: Option<&SealingSecretKey>,
    token: &PageToken,
    req: &Request,
) -> Result<Response> {
    let Some(EmbedQuery {
        origin, channel, ..
    }) = embed_query(req, account)?
    else {
        return page::link_not_valid();
    };
    if key.is_none() {
        return page::link_not_valid();
    }
    let Consumed::Fresh { payment_id, secret } = consume(sql, token)? else {
        return page::link_not_valid();
    };
    let Some(mut record) = load_either_mode(sql, &payment_id)? else {
        return page::link_not_valid();
    };
    let now = clock::now();
    payer::open(sql, &mut record, now)?;
    if record.payment.status() != PaymentStatus::Started || record.payment.is_expiry_due(now) {
        return page::link_not_valid();
    }
    // Known only now: a live payment's form is framed by https pages only. The token is
    // spent, as for any other refusal after it; the merchant's next GET gives a fresh one.
    let Some(frame_ancestors) = frame_ancestors(account, record.live, &origin) else {
        return page::link_not_valid();
    };
    let (amount, language) = summary(&record);
    let description = record.payment.description().to_string();
    let s = Summary {
        description: &description,
        amount: &amount,
        language,
        return_url: &record.return_url,
    };
    let binding = payment_binding(&record.payment.id());
    let mut public = String::new();
    let Some(sealing) = sealing(key, &mut public, &binding, account) else {
        return page::link_not_valid();
    };
    page::embed_form(
        &s,
        &format!("{}/embed", pay_path(account, &payment_id)),
        &pay_session::csrf_token(&secret),
        &secret,
        &sealing,
        &Embed {
            parent_origin: &origin,
            channel: &channel,
            frame_ancestors: &frame_ancestors,
        },
    )
}

/// `GET /embed/tokenize/{publishable key}?origin=…&channel=…[&language=cy]`: the card form
/// of `tokenize()`, under the same origin and framing rules as the payment's embed. There is
/// no payment: the widget seals for `publishable:<key>` and hands the token to the merchant's
/// page, whose server creates the payment with it (`sealed_card`, see `tokenized`).
pub fn open_tokenize(
    account: &Account,
    key: Option<&SealingSecretKey>,
    publishable: &PublishableKey,
    req: &Request,
) -> Result<Response> {
    let Some(query) = embed_query(req, account)? else {
        return page::link_not_valid();
    };
    let live = publishable.mode == ApiKeyMode::Live;
    let Some(frame_ancestors) = frame_ancestors(account, live, &query.origin) else {
        return page::link_not_valid();
    };
    let language = query
        .language
        .as_deref()
        .and_then(Language::parse)
        .unwrap_or_default();
    let binding = publishable_binding(&publishable.text());
    let mut public = String::new();
    let Some(sealing) = sealing(key, &mut public, &binding, account) else {
        return page::link_not_valid();
    };
    page::tokenize_form(
        language,
        &sealing,
        &Embed {
            parent_origin: &query.origin,
            channel: &query.channel,
            frame_ancestors: &frame_ancestors,
        },
    )
}

/// A payment by id, test or live: on the hosted pages the session decides access.
fn well_formed_secret(value: &str) -> bool {
    value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

fn session_secret(req: &Request) -> Result<Option<String>> {
    let cookies = req.headers().get("Cookie")?.unwrap_or_default();
    Ok(cookies.split(';').find_map(|c| {
        let (name, value) = c.trim().split_once('=')?;
        (name == COOKIE && well_formed_secret(value)).then(|| value.to_string())
    }))
}

/// Everything under `/pay/{account}/{payment}`.
pub async fn handle(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    key: Option<&SealingSecretKey>,
    mut req: Request,
    payment_id: &str,
    action: Option<&str>,
) -> Result<Response> {
    let form = match action {
        Some(_) => match http::form_within_limit(&mut req).await? {
            Some(form) => Some(form),
            None => return crate::pages::too_large(),
        },
        None => None,
    };
    // The embedded form carries its session in the form (see `open_embed`), and so do the
    // 3-D Secure pages shown inside its iframe; every other page uses the cookie.
    let form_session = match (action, &form) {
        (Some("embed" | "challenge" | "3ds"), Some(form)) => {
            Some(field(form, "session")).filter(|s| well_formed_secret(s))
        }
        _ => None,
    };
    let secret = session_secret(&req)?.or_else(|| form_session.clone());
    let Some(secret) = secret else {
        return page::link_not_valid();
    };
    if !session_is_for(sql, &secret, payment_id)? {
        return page::link_not_valid();
    }
    let Some(record) = load_either_mode(sql, payment_id)? else {
        return page::link_not_valid();
    };
    let csrf = pay_session::csrf_token(&secret);
    match (action, form) {
        (Some(action), Some(form)) => {
            let presented = field(&form, "csrf");
            if !pay_session::csrf_matches(&secret, &presented) {
                return page::see_other(&pay_path(account, payment_id));
            }
            let origin = req.url()?.origin().ascii_serialization();
            let place = match &form_session {
                Some(session) => Place::Embedded { session },
                None => Place::Hosted,
            };
            match action {
                "card" => {
                    submit_card(object, sql, account, key, record, &csrf, &form, &origin).await
                }
                // The embedded form's way into 3-D Secure, inside its iframe.
                "challenge" => match record.payment.status() {
                    PaymentStatus::AuthenticationRequired => {
                        authentication::challenge(account, &record, &csrf, place)
                    }
                    _ => page::link_not_valid(),
                },
                "3ds" => {
                    authentication::answer(object, sql, account, record, &csrf, &form, place).await
                }
                "confirm" => confirm(object, sql, account, record).await,
                "cancel" => cancel(object, sql, account, record).await,
                "embed" => {
                    embed_pay(object, sql, account, key, record, &csrf, &form, &origin).await
                }
                _ => page::link_not_valid(),
            }
        }
        _ => show(
            sql,
            account,
            key,
            record,
            &csrf,
            &[],
            None,
            &Prefill::default(),
        ),
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
#[allow(clippy::too_many_arguments)] // the card page's parts, each needed
fn show(
    sql: &SqlStorage,
    account: &Account,
    key: Option<&SealingSecretKey>,
    mut record: PaymentRecord,
    csrf: &str,
    errors: &[CardFieldError],
    notice: Option<&str>,
    prefill: &Prefill<'_>,
) -> Result<Response> {
    let now = clock::now();
    // The first visit starts the payment (and its `card_payment_started` event); reloads
    // change nothing.
    if matches!(
        record.payment.status(),
        PaymentStatus::Created | PaymentStatus::Started
    ) {
        payer::open(sql, &mut record, now)?;
    }
    let base = pay_path(account, &record.payment.id().to_string());
    let (amount, language) = summary(&record);
    let description = record.payment.description().to_string();
    let s = Summary {
        description: &description,
        amount: &amount,
        language,
        return_url: &record.return_url,
    };
    match record.payment.status() {
        PaymentStatus::Created | PaymentStatus::Started => {
            if record.payment.is_expiry_due(now) {
                return expired(&s, &record);
            }
            let binding = payment_binding(&record.payment.id());
            let mut public = String::new();
            page::card_form(
                &s,
                &format!("{base}/card"),
                &format!("{base}/cancel"),
                csrf,
                errors,
                notice,
                prefill,
                sealing(key, &mut public, &binding, account).as_ref(),
            )
        }
        PaymentStatus::AuthenticationRequired => {
            authentication::challenge(account, &record, csrf, Place::Hosted)
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
    page::outcome(s, Outcome::Expired, Some(&record.return_url))
}

/// Pages for payments the payer can no longer act on.
fn finished(s: &Summary<'_>, record: &PaymentRecord) -> Result<Response> {
    let state = record.payment.external_state();
    let outcome = match state.status {
        ExternalStatus::Success | ExternalStatus::Capturable => {
            return page::see_other(&record.return_url)
        }
        ExternalStatus::Failed if state.code == Some(StateCode::PaymentMethodRejected) => {
            Outcome::Declined
        }
        ExternalStatus::Failed if state.code == Some(StateCode::PaymentExpired) => Outcome::Expired,
        ExternalStatus::Failed | ExternalStatus::Cancelled => Outcome::Cancelled,
        ExternalStatus::Error => Outcome::Error,
        // Authorisation in flight or awaiting a status query: the outcome is not known yet.
        _ => return page::outcome(s, Outcome::Processing, None),
    };
    page::outcome(s, outcome, Some(&record.return_url))
}

/// The card details a POST carries: sealed by the widget (`sealed_card`, opened with the
/// gateway's key and only for this payment) or typed into the form without JavaScript.
/// Either way the result is the same `CardInput`, validated the same way.
fn card_input(
    form: &FormData,
    key: Option<&SealingSecretKey>,
    record: &PaymentRecord,
    now: UnixMillis,
) -> std::result::Result<CardInput, TokenError> {
    let sealed = field(form, "sealed_card");
    if sealed.is_empty() {
        return Ok(CardInput {
            number: field(form, "card-no"),
            expiry: ExpiryInput::Combined(field(form, "expiry-date")),
            cvc: field(form, "cvc"),
            cardholder_name: field(form, "cardholder-name"),
        });
    }
    let key = key.ok_or(TokenError::UnknownKey)?;
    let binding = payment_binding(&record.payment.id());
    let keyring = |kid: &str| (kid == key.key_id()).then_some(key);
    open_card(&sealed, keyring, &binding, now).map(|card| card.to_card_input())
}

#[allow(clippy::too_many_arguments)] // the card step's parts, each needed
async fn submit_card(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    key: Option<&SealingSecretKey>,
    record: PaymentRecord,
    csrf: &str,
    form: &FormData,
    origin: &str,
) -> Result<Response> {
    let base = pay_path(account, &record.payment.id().to_string());
    // Only a payment waiting for card details takes them; anything else (a second click,
    // the back button) just shows the current state.
    if record.payment.status() != PaymentStatus::Started {
        return page::see_other(&base);
    }
    let now = clock::now();
    let input = match card_input(form, key, &record, now) {
        Ok(input) => input,
        Err(err) => {
            // The kind of failure only: a token is no secret once refused, but it is noise.
            worker::console_log!("sealed card refused: {err:?}");
            let notice = card_details_unreadable(record.language);
            return show(
                sql,
                account,
                key,
                record,
                csrf,
                &[],
                Some(notice),
                &Prefill::default(),
            );
        }
    };
    let expiry_text = match &input.expiry {
        ExpiryInput::Combined(text) => text.clone(),
        ExpiryInput::Separate { month, year } => format!("{month:0>2}/{year}"),
    };
    let name_text = input.cardholder_name.clone();
    // A card number typed or pasted into these fields never comes back in the page.
    let prefill = Prefill {
        expiry: card::shown_again(&expiry_text),
        name: card::shown_again(&name_text),
    };
    let card = match card::validate_card(&input, now, &account.config.accepted_card_brands) {
        Ok(card) => card,
        Err(errors) => return show(sql, account, key, record, csrf, &errors, None, &prefill),
    };
    let summary = match CardSummary::of_validated(&card) {
        Ok(summary) => summary,
        Err(error) => return show(sql, account, key, record, csrf, &[error], None, &prefill),
    };
    // The payment's provider authorises; meanwhile (and if the answer is unknown) the
    // payment's page is the "being processed" one.
    match authorise::authorise(object, sql, account, &record, &card, summary, origin).await? {
        CardOutcome::Unsupported => {
            let errors = [CardFieldError {
                field: card::CardField::Number,
                kind: card::CardError::NumberUnknownBrand,
            }];
            show(sql, account, key, record, csrf, &errors, None, &prefill)
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
    if confirm_authorised(object, sql, account, &mut record).await? {
        return page::see_other(&record.return_url);
    }
    page::see_other(&pay_path(account, &record.payment.id().to_string()))
}

async fn cancel(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    mut record: PaymentRecord,
) -> Result<Response> {
    payer::cancel(object, sql, account, &mut record).await?;
    page::see_other(&pay_path(account, &record.payment.id().to_string()))
}

/// `POST …/embed`: the embedded form's Pay. Takes the card exactly as `submit_card` does,
/// then confirms at once (the merchant's page is the confirmation step) and answers with
/// the payment's state as JSON for the iframe to pass on. A second call finds the payment
/// past `Started` and changes nothing. If the provider wants 3-D Secure, the answer says
/// so and where the iframe goes next (`challenge`, with its session); the page that ends
/// the step reports the outcome to the merchant's page.
#[allow(clippy::too_many_arguments)] // the card step's parts, each needed
async fn embed_pay(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    key: Option<&SealingSecretKey>,
    record: PaymentRecord,
    csrf: &str,
    form: &FormData,
    origin: &str,
) -> Result<Response> {
    let id = record.payment.id().to_string();
    // The merchant's page is the confirmation step: an authorisation learnt only later (by
    // the status query, after a provider timeout, or after 3-D Secure) is confirmed then, as
    // it would be now. `authorise` stores this in the section that takes the card, with the
    // page that mounted the form (checked again: a registered origin, for this payment's
    // mode) so the end of 3-D Secure can report to it.
    let mut record = record;
    record.confirm_on_authorisation = true;
    let (parent, channel) = (field(form, "origin"), field(form, "channel"));
    if frame_ancestors(account, record.live, &parent).is_some() && valid_channel(&channel) {
        record.frame = Some(CheckoutFrame {
            origin: parent,
            channel,
        });
    }
    // Its answer is a page for browsers; the iframe gets the resulting state instead.
    submit_card(object, sql, account, key, record, csrf, form, origin).await?;
    let Some(record) = load_either_mode(sql, &id)? else {
        return page::link_not_valid();
    };
    let record = if record.payment.status() == PaymentStatus::Authorised {
        confirm(object, sql, account, record).await?;
        load_either_mode(sql, &id)?
            .ok_or_else(|| worker::Error::RustError("payment vanished".into()))?
    } else {
        record
    };
    if record.payment.status() == PaymentStatus::AuthenticationRequired {
        return crate::http::json(
            200,
            &serde_json::json!({
                "payment_id": id,
                "status": "authentication_required",
                "next": format!("{}/challenge", pay_path(account, &id)),
            }),
        );
    }
    let state = record.payment.external_state();
    // `started` on the wire covers both "still waiting for a card" (this one could not be
    // used: the payer may try again) and "the provider's answer is not known yet", where a
    // second card must not be invited; the iframe needs to tell them apart.
    let status = if record.payment.status().authorisation_in_flight() {
        "processing"
    } else {
        state.status.as_str()
    };
    crate::http::json(
        200,
        &serde_json::json!({
            "payment_id": id,
            "status": status,
            "code": state.code.map(|c| c.code()),
        }),
    )
}
