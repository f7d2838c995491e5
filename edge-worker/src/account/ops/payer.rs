//! The payer's own steps on the hosted and embedded pages: arriving with a page token,
//! opening the payment, cancelling it, confirming an authorised one. Each is one synchronous section; a provider call it
//! queues is driven after it.

use crate::account::object::{Account, AccountObject};
use crate::account::ops::provider_jobs;
use crate::account::store::page_tokens::{self, stored_ms};
use crate::account::store::payments::save;
use crate::clock;
use kassa_core::credentials::{pay_session, PageToken};
use kassa_core::payment::PaymentInput;
use kassa_core::retention::{alive, PAGE_TOKEN_TTL_MS};
use kassa_core::time::UnixMillis;
use kassa_core::view::PaymentRecord;
use worker::{Result, SqlStorage};

/// The first visit starts the payment (and its `card_payment_started` event); reloads
/// change nothing.
pub fn open(sql: &SqlStorage, record: &mut PaymentRecord, now: UnixMillis) -> Result<()> {
    if let Ok(events) = record.payment.apply(PaymentInput::PageOpened, now) {
        if !events.is_empty() {
            save(sql, record, &events)?;
        }
    }
    Ok(())
}

/// The payer's Cancel: releases what the provider holds (after the section).
pub async fn cancel(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    record: &mut PaymentRecord,
) -> Result<()> {
    let now = clock::now();
    if let Ok(mut events) = record.payment.apply(PaymentInput::PayerCancelled, now) {
        let job = provider_jobs::settle_payment(object, sql, account, record, &mut events, now)?;
        save(sql, record, &events)?;
        drive(object, sql, account, job).await;
    }
    Ok(())
}

/// The payer's confirmation of an authorised payment: captures now (delayed-capture
/// payments wait for `/capture`). `false` if the payment was not waiting for it.
pub async fn confirm_authorised(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    record: &mut PaymentRecord,
) -> Result<bool> {
    let now = clock::now();
    let Ok(mut events) = record.payment.apply(PaymentInput::PayerConfirmed, now) else {
        return Ok(false);
    };
    let job = provider_jobs::settle_payment(object, sql, account, record, &mut events, now)?;
    save(sql, record, &events)?;
    drive(object, sql, account, job).await;
    Ok(true)
}

/// Makes the provider call a page's change queued, after its section. The payer's page
/// does not depend on it: a failure is the alarm's to retry.
pub async fn drive(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    job: Option<String>,
) {
    if let Some(key) = job {
        if let Err(err) = provider_jobs::drive(object, sql, account, &key).await {
            worker::console_error!("provider job failed: {err}");
        }
    }
}

/// What presenting a one-time page token did.
pub enum Consumed {
    Unknown,
    /// Used before: the payment it was for.
    Used(String),
    /// Used now: a new session on the payment's pages.
    Fresh {
        payment_id: String,
        secret: String,
    },
}

/// Marks `token` used and starts a session for its payment, in one synchronous stretch.
pub fn consume(sql: &SqlStorage, token: &PageToken) -> Result<Consumed> {
    let rows = page_tokens::lookup(sql, token)?;
    let now = clock::now();
    // Past its lifetime a token is refused even before the alarm prunes it.
    let Some(row) = rows
        .into_iter()
        .find(|r| alive(stored_ms(r.created_at), PAGE_TOKEN_TTL_MS, now))
    else {
        return Ok(Consumed::Unknown);
    };
    if row.used_at.is_some() {
        return Ok(Consumed::Used(row.payment_id));
    }
    page_tokens::mark_used(sql, token, now)?;
    let secret = pay_session::secret(clock::random()?);
    page_tokens::open_session(sql, &secret, &row.payment_id, now)?;
    Ok(Consumed::Fresh {
        payment_id: row.payment_id,
        secret,
    })
}
