//! The payer's return from 3-D Secure, turned into the payment's outcome.
//!
//! The provider asked for authentication (`AuthenticationRequired`) and the pages sent the
//! payer to its challenge (or to the sandbox's own). When the payer comes back — the
//! provider's redirect to `authorise::return_path`, or an answer on the sandbox's challenge page —
//! one section records the return (`AuthorisationSubmitted`) and the adapter's `complete`
//! asks the provider for the outcome; nothing the return carries decides it. The answer is
//! applied as an authorisation's is (`authorise::exchange`), so a lost answer is resolved
//! by the status query like a lost confirmation. A payment with no payer to confirm it
//! (embedded checkout, sealed cards) is confirmed once authorised.
//!
//! A return that finds the payment anywhere but `AuthenticationRequired` (a refresh, a
//! second tab, a late redirect) changes nothing.

use crate::account::object::{Account, AccountObject};
use crate::account::ops::authorise;
use crate::account::ops::payer::confirm_authorised;
use crate::account::ops::provider_jobs::{self, apply_authorised, payment_ref};
use crate::account::store::payments::{load, save};
use crate::clock;
use kassa_core::credentials::secret_matches;
use kassa_core::payment::{PaymentInput, PaymentStatus};
use kassa_core::provider::{Adapter, Call, NextAction, Returned};
use kassa_core::view::PaymentRecord;
use worker::{Result, SqlStorage};

/// The most fields of a return that are passed on to the provider, and the longest each
/// may be: a provider's result token is far smaller, and anything else is not read.
const MAX_RETURN_FIELDS: usize = 16;
const MAX_RETURN_FIELD_BYTES: usize = 4096;

/// Whether an unauthenticated return (`GET` `authorise::return_path`) may act on the payment: it
/// carries the key drawn for this payment's attempt, and the step is the provider's (the
/// sandbox's challenge is answered only on its own page, with the payer's session).
pub fn return_accepted(record: &PaymentRecord, presented_key: &str) -> bool {
    let provider_step = record
        .authentication
        .as_ref()
        .is_some_and(|a| !matches!(a.action, NextAction::SandboxChallenge));
    let key = record.return_key.as_deref().unwrap_or_default();
    provider_step && secret_matches(key, presented_key)
}

/// The fields of a return that are passed to the adapter, bounded.
pub fn bounded(fields: impl IntoIterator<Item = (String, String)>) -> Vec<(String, String)> {
    fields
        .into_iter()
        .filter(|(k, v)| k.len() + v.len() <= MAX_RETURN_FIELD_BYTES && k != "k")
        .take(MAX_RETURN_FIELDS)
        .collect()
}

/// Records the payer's return and asks the provider for the outcome; then confirms the
/// payment if nobody else will. `fields` are what the return carried ([`bounded`]).
pub async fn complete(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    record: &PaymentRecord,
    fields: &[(String, String)],
) -> Result<()> {
    let id = record.payment.id().to_string();
    let Some(mut record) = load(sql, record.live, &id)? else {
        return Ok(());
    };
    if record.payment.status() != PaymentStatus::AuthenticationRequired {
        return Ok(());
    }
    let Some(authentication) = record.authentication.clone() else {
        worker::console_error!("payment {id} awaits authentication with no step recorded");
        return Ok(());
    };
    // Refused (and logged): nothing is sent; the payment waits for expiry, whose release
    // of the attempt goes through the same check.
    let Ok(adapter) = provider_jobs::adapter(object, sql, account, &record) else {
        return Ok(());
    };
    let now = clock::now();
    // Past the deadline the return no longer counts: expiry releases the attempt instead.
    let Ok(mut events) = record
        .payment
        .apply(PaymentInput::AuthenticationReturned, now)
    else {
        return Ok(());
    };
    let attempt = record.payment.last_sequence();
    let call = adapter.complete(
        &payment_ref(&record, &id, attempt),
        &authentication,
        Returned { fields },
    );
    match call {
        Call::Done(outcome) => {
            apply_authorised(&mut record, &outcome, &mut events, now);
            save(sql, &record, &events)?;
        }
        Call::Send(request) => {
            save(sql, &record, &events)?;
            authorise::exchange(
                object,
                sql,
                &adapter,
                &record,
                &request,
                Adapter::parse_complete,
            )
            .await?;
        }
    }
    confirm_if_unattended(object, sql, account, &record).await
}

/// Embedded checkout and sealed cards have no confirm page: an authorisation is confirmed
/// (and captured, unless delayed) as soon as it is known.
async fn confirm_if_unattended(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    record: &PaymentRecord,
) -> Result<()> {
    let Some(mut record) = load(sql, record.live, &record.payment.id().to_string())? else {
        return Ok(());
    };
    if record.confirm_on_authorisation && record.payment.status() == PaymentStatus::Authorised {
        confirm_authorised(object, sql, account, &mut record).await?;
    }
    Ok(())
}
