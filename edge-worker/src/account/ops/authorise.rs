//! Authorising the card the payer entered on the hosted page, through the payment's
//! provider.
//!
//! 1. Prepare (no card data; Stripe creates its PaymentIntent). A failure here ends the
//!    payment in error: without card data nothing can have been authorised.
//! 2. One section: the payment, still `started`, takes the card summary
//!    (`AuthorisationSubmitted`) and the provider's id, and a status-query job is queued
//!    behind a lease: if this request dies, the alarm asks the provider what happened.
//! 3. The card goes to the provider (the only call that carries it).
//! 4. One section re-reads the payment and applies the answer; a timeout leaves it in
//!    `AuthorisationUnknown` for the status query, never failed.
//!
//! Providers that answer at once (the sandbox) do 2 and 4 in a single section.
//!
//! The answer may be that the payer must authenticate first (3-D Secure): the payment then
//! waits in `AuthenticationRequired`, the pages send the payer to the provider's challenge,
//! and `authenticate::complete` takes the payer's return (it comes back to
//! [`return_path`], with the secret drawn here in the URL).

use crate::account::object::{Account, AccountObject};
use crate::account::ops::provider_jobs;
use crate::account::ops::provider_jobs::{apply_authorised, has_work, payment_key, payment_ref};
use crate::account::store::jobs;
use crate::account::store::payments::{load, save};
use crate::{clock, provider};
use kassa_core::card::ValidatedCard;
use kassa_core::payment::{CardSummary, PaymentInput, PaymentStatus};
use kassa_core::provider::{
    retry_delay_ms, Adapter, Authorised, Call, HttpRequest, HttpResult, Prepared, LEASE_MS,
};
use kassa_core::sealed_token::SealingSecretKey;
use kassa_core::view::PaymentRecord;
use worker::{Result, SqlStorage};

/// What the card page should do next.
pub enum CardOutcome {
    /// The payment moved (or had already moved): show its page.
    Done,
    /// The provider does not take this card (the sandbox's non-test cards): ask for another.
    Unsupported,
}

fn reload(sql: &SqlStorage, record: &PaymentRecord) -> Result<Option<PaymentRecord>> {
    Ok(load(sql, record.live, &record.payment.id().to_string())?
        .filter(|r| r.payment.status() == PaymentStatus::Started))
}

/// Authorises `card` for a payment that is `started`. `record.confirm_on_authorisation`
/// and `record.frame`, as the caller set them, are stored with the card's submission.
/// `origin` is the gateway's, for the 3-D Secure return URL.
pub async fn authorise(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    record: &PaymentRecord,
    card: &ValidatedCard,
    summary: CardSummary,
    origin: &str,
) -> Result<CardOutcome> {
    let id = record.payment.id().to_string();
    let adapter = match provider_jobs::adapter(object, sql, account, record) {
        Ok(adapter) => Some(adapter),
        Err(err) => {
            worker::console_error!("no provider for payment {id}: {err}");
            None
        }
    };
    // 1. Prepare.
    let prepared = match &adapter {
        None => Prepared::Failed,
        Some(adapter) => match adapter.prepare(&payment_ref(record, &id, 0)) {
            Call::Done(prepared) => prepared,
            Call::Send(request) => adapter.parse_prepare(&provider::execute(&request).await),
        },
    };
    // 2. Submit, in one section.
    let confirm_on_authorisation = record.confirm_on_authorisation;
    let frame = record.frame.clone();
    let Some(mut record) = reload(sql, record)? else {
        return Ok(CardOutcome::Done);
    };
    // Whether an authorisation learnt later is confirmed without the payer (embedded
    // checkout, sealed cards) is decided by the caller and stored with the submission: the
    // status query that may learn of the authorisation reads only what is stored.
    record.confirm_on_authorisation |= confirm_on_authorisation;
    if frame.is_some() {
        record.frame = frame;
    }
    let now = clock::now();
    let mut events = Vec::new();
    match record
        .payment
        .apply(PaymentInput::CardSubmitted { card: summary }, now)
    {
        Ok(mut emitted) => events.append(&mut emitted),
        Err(_) => return Ok(CardOutcome::Done),
    }
    let (Some(adapter), Prepared::Ready { provider_id }) = (adapter, prepared) else {
        apply_authorised(&mut record, &Authorised::Error, &mut events, now);
        save(sql, &record, &events)?;
        return Ok(CardOutcome::Done);
    };
    if let Some(provider_id) = provider_id {
        record.payment.record_provider_reference(provider_id);
    }
    // The submission's event number makes each attempt's confirmation its own request.
    let attempt = record.payment.last_sequence();
    // Where the payer comes back after 3-D Secure, with a secret only this attempt's
    // confirmation carries.
    let return_key = hex(&clock::random::<16>()?);
    let return_to = format!(
        "{origin}{}?k={return_key}",
        return_path(&account.id.to_string(), &id)
    );
    record.return_key = Some(return_key);
    let mut call = payment_ref(&record, &id, attempt);
    call.return_to = Some(&return_to);
    let request = match adapter.authorise(&call, card) {
        // Nothing is saved: the payer is asked for another card.
        Call::Done(Authorised::Unsupported) => return Ok(CardOutcome::Unsupported),
        Call::Done(outcome) => {
            apply_authorised(&mut record, &outcome, &mut events, now);
            save(sql, &record, &events)?;
            return Ok(CardOutcome::Done);
        }
        Call::Send(request) => request,
    };
    save(sql, &record, &events)?;
    exchange(
        object,
        sql,
        &adapter,
        &record,
        &request,
        Adapter::parse_authorise,
    )
    .await?;
    Ok(CardOutcome::Done)
}

/// Sends a request that may authorise (the card's confirmation, or the payer's return from
/// 3-D Secure) for a payment the caller has just saved in flight, and applies the answer.
/// A status-query job is queued behind a lease before the call: if this invocation dies,
/// the alarm asks the provider what happened. An unknown answer leaves the payment in
/// doubt for that query, never failed.
pub async fn exchange(
    object: &AccountObject,
    sql: &SqlStorage,
    adapter: &Adapter,
    record: &PaymentRecord,
    request: &HttpRequest,
    parse: fn(&Adapter, &HttpResult) -> Authorised,
) -> Result<()> {
    let id = record.payment.id().to_string();
    let key = payment_key(&id);
    let now = clock::now();
    jobs::enqueue(sql, &key, &id, None, record.live, now.plus(LEASE_MS))?;
    // Armed before the call: if this invocation dies during it, the alarm finds the job
    // when the lease ends and asks the provider what happened.
    object.wake_by(now.plus(LEASE_MS)).await?;

    let result = provider::execute(request).await;

    // Apply the answer, in one section.
    let outcome = parse(adapter, &result);
    let now = clock::now();
    if let Some(mut record) = load(sql, record.live, &id)? {
        let mut events = Vec::new();
        apply_authorised(&mut record, &outcome, &mut events, now);
        if !events.is_empty() {
            save(sql, &record, &events)?;
        }
        if record.payment.status().authorisation_in_flight() {
            // Unknown: ask the provider soon rather than after the whole lease.
            jobs::enqueue(sql, &key, &id, None, record.live, now)?;
            jobs::set_due(sql, &key, now.plus(retry_delay_ms(1)))?;
        } else if !has_work(record.payment.status()) {
            jobs::remove(sql, &key)?;
        }
        // Otherwise the payment moved on while this call was out (a provider's
        // notification authorised it and queued its capture, say): the job is that work's
        // now, and whoever queued it drives it; removing it would orphan a call in flight.
    }
    if let Some(at) = jobs::next_due(sql)? {
        object.wake_by(at).await?;
    }
    Ok(())
}

/// Where the provider sends the payer back after 3-D Secure (with `?k=` the payment's
/// `return_key`).
pub fn return_path(account_id: &str, payment_id: &str) -> String {
    format!("/pay/{account_id}/{payment_id}/3ds/return")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The gateway's card sealing key (`CARD_SEALING_KEY`, base64url of the X25519 secret).
/// Without it the pages still work, without the widget: cards are posted as typed.
pub fn sealing_key(env: &worker::Env) -> Option<SealingSecretKey> {
    let text = env.secret("CARD_SEALING_KEY").ok()?.to_string();
    match SealingSecretKey::from_base64url(&text) {
        Ok(key) => Some(key),
        Err(_) => {
            worker::console_error!("CARD_SEALING_KEY is not a base64url X25519 key");
            None
        }
    }
}
