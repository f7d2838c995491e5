//! A provider's verified notification applied to the payment (or refund) it is about.
//!
//! Each notification is one synchronous section: its id is recorded first (a repeat stops
//! there), then the payment is loaded in the notification's mode, checked to be this
//! provider's (and, where both are known, the same provider payment), and told what
//! happened through the transition tables only (`notification::payment_input`,
//! `refund_input`): a late or reordered notification finds its transition made or no
//! longer legal and changes nothing. The payment is saved through `payments::save`, so its
//! webhook messages go out as for any other change.
//!
//! A sealed card paid from the merchant's server (`confirm_on_authorisation`) has nobody
//! to confirm it: learning of its authorisation here confirms it, as the status query
//! does (`provider_jobs::apply_query`), and the capture that queues is returned, to be
//! driven after the section.

use crate::account::object::{Account, AccountObject};
use crate::account::ops::provider_jobs;
use crate::account::store::payments::{load, save};
use crate::account::store::{jobs, notifications, refunds};
use kassa_core::account::ProviderKind;
use kassa_core::payment::{PaymentInput, PaymentStatus};
use kassa_core::provider::notification::{
    payment_input, refund_input, Notification, NotificationEvent,
};
use kassa_core::time::UnixMillis;
use worker::{Result, SqlStorage};

/// What one notification did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The payment or refund moved; a provider job to drive after the section, if the
    /// move queued one.
    Changed { job: Option<String> },
    /// Taken before: nothing done.
    Duplicate,
    /// Recorded, and nothing to change (an ignored kind, a transition already made, a
    /// payment that is not this provider's or not known here).
    Unchanged,
}

/// The section for one notification from `provider`, verified with the secret of the
/// notification's mode.
pub fn apply(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    provider: ProviderKind,
    n: &Notification,
    now: UnixMillis,
) -> Result<Applied> {
    if !notifications::record_first(sql, provider, &n.id, n.live, &n.payment_id, now)? {
        return Ok(Applied::Duplicate);
    }
    let mode = if n.live { "live" } else { "test" };
    if let NotificationEvent::Ignored { kind } = &n.event {
        // A warning: some kinds (disputes) need a person, and Kassa does not act on them.
        worker::console_warn!(
            "{} notification {} ({kind}, {mode}) acknowledged, not acted on",
            provider.as_str(),
            n.id
        );
        return Ok(Applied::Unchanged);
    }
    let Some(mut record) = load(sql, n.live, &n.payment_id)? else {
        // Acknowledged all the same: the provider would only repeat it.
        worker::console_warn!(
            "{} notification {} names payment {} unknown in {mode} mode",
            provider.as_str(),
            n.id,
            n.payment_id
        );
        return Ok(Applied::Unchanged);
    };
    let same_payment = match (record.payment.provider_id(), n.provider_id.as_deref()) {
        (Some(ours), Some(theirs)) => ours == theirs,
        _ => true,
    };
    if record.provider != provider.as_str() || !same_payment {
        worker::console_error!(
            "{} notification {} names payment {}, which is not that provider payment",
            provider.as_str(),
            n.id,
            n.payment_id
        );
        return Ok(Applied::Unchanged);
    }
    let mut events = Vec::new();
    let mut job = None;
    if let Some((refund_id, input)) = refund_input(n) {
        let Some(mut refund) = refunds::load_one(sql, record.payment.id(), refund_id)? else {
            worker::console_log!(
                "{} notification {} names refund {refund_id}, unknown for payment {}",
                provider.as_str(),
                n.id,
                n.payment_id
            );
            return Ok(Applied::Unchanged);
        };
        // Refused when the refund is final already (the provider's own answer came
        // first, or this is a reordered repeat): nothing changes.
        if let Ok(event) = refund.apply(input, &mut record.payment, now) {
            events.push(event);
            refunds::save(sql, &refund, record.live)?;
            // Its outbox job, if the call's answer was lost, has nothing left to do.
            jobs::remove(sql, &provider_jobs::refund_key(refund_id))?;
        }
    } else if let Some(input) = payment_input(record.payment.status(), n) {
        if let Ok(mut emitted) = record.payment.apply(input, now) {
            events.append(&mut emitted);
            if let NotificationEvent::Authorised { card } = &n.event {
                record.learn(card);
            }
            if record.confirm_on_authorisation
                && record.payment.status() == PaymentStatus::Authorised
            {
                if let Ok(mut confirmed) = record.payment.apply(PaymentInput::PayerConfirmed, now) {
                    events.append(&mut confirmed);
                }
            }
            job =
                provider_jobs::settle_payment(object, sql, account, &mut record, &mut events, now)?;
            if let Some(key) = &job {
                // The payment's job may be waiting out a status query's backoff: the
                // notification made that wait pointless, so its new work is due now.
                jobs::set_due(sql, key, now)?;
            }
        }
    }
    if events.is_empty() {
        return Ok(Applied::Unchanged);
    }
    save(sql, &record, &events)?;
    Ok(Applied::Changed { job })
}
