//! The provider outbox: calls to the payment provider that a state change made necessary.
//!
//! A state change that needs the provider (a queued capture, a hold to void after cancel or
//! expiry, a submitted refund, an authorisation in flight) is written in its synchronous
//! section together with a row in `provider_jobs`. The call happens after that section; its
//! answer is applied in a new section that re-reads the payment, so a stale answer is
//! refused by the transition table. What a job does is never stored: it follows from the
//! payment's (or refund's) status when the job runs, so a job that has become pointless
//! simply ends.
//!
//! A job being worked on is leased (`due_at` moves `LEASE_MS` ahead) before the call; if
//! the worker dies mid-call, the alarm finds the job due again and repeats the call, which
//! the provider's idempotency keys make safe. Transient failures are retried by the alarm
//! with backoff (`kassa_core::provider::retry_delay_ms`). A status query the adapter
//! answers at once with nothing learnt (Adyen's, which has no status API) waits the same
//! backoff with its attempt counted, and the query is told the count: that is how Adyen's
//! gives up after a few rounds.
//!
//! Providers that answer at once (the sandbox) go through the same steps without I/O: the
//! adapter's `Call::Done` is applied in the section that made the change, so no job is
//! ever written for them.

use crate::account::object::{Account, AccountObject};
use crate::account::store::payments::{load, save};
use crate::account::store::{credentials, jobs, refunds};
use crate::{clock, provider};
use kassa_core::account::ProviderKind;
use kassa_core::event::PaymentEvent;
use kassa_core::payment::{PaymentInput, PaymentStatus};
use kassa_core::provider::{
    alarm_may_start, retry_delay_ms, Adapter, Authorised, Call, CallFor, HttpRequest, HttpResult,
    PaymentRef, Queried, RefundRef, Refunded, Settled, ALARM_JOBS, LEASE_MS, MAX_ATTEMPTS,
};
use kassa_core::refund::{Refund, RefundStatus};
use kassa_core::time::UnixMillis;
use kassa_core::view::PaymentRecord;
use worker::{Result, SqlStorage};

/// At most this many calls per job in one go (query → void, capture → …); the alarm
/// continues anything left.
const MAX_STEPS: usize = 4;

/// The job key of a payment's provider work.
pub fn payment_key(payment_id: &str) -> String {
    format!("payment:{payment_id}")
}

/// The job key of a refund.
pub fn refund_key(refund_id: &str) -> String {
    format!("refund:{refund_id}")
}

/// The adapter for a provider call about `record`, failing closed: only the payment's own
/// provider, in the payment's mode, with the credentials it was created with
/// (`Adapter::for_payment`). A refusal is logged (payment, provider and why, never a
/// credential) and nothing is sent.
pub fn adapter(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    record: &PaymentRecord,
) -> Result<Adapter> {
    let kind = match record.provider.as_str() {
        "stripe" => Some(ProviderKind::Stripe),
        "adyen" => Some(ProviderKind::Adyen),
        _ => None,
    };
    let credentials = match kind {
        Some(kind) => credentials::for_payment(
            object.env(),
            sql,
            account.id,
            kind,
            record.live,
            record.credential.as_deref(),
        )?,
        None => None,
    };
    let call = CallFor {
        provider: &record.provider,
        live: record.live,
        credential: record.credential.as_deref(),
    };
    Adapter::for_payment(
        call,
        credentials.as_ref(),
        &provider::endpoints(object.env()),
    )
    .map_err(|err| {
        worker::console_error!(
            "provider call refused for payment {} ({}, {}): {err}",
            record.payment.id(),
            record.provider,
            if record.live { "live" } else { "test" }
        );
        worker::Error::RustError(format!("provider call refused: {err}"))
    })
}

/// What a payment's status asks of the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Work {
    Query,
    Capture,
    Void,
}

fn work(status: PaymentStatus) -> Option<Work> {
    if status.authorisation_in_flight() {
        Some(Work::Query)
    } else if matches!(
        status,
        PaymentStatus::CaptureQueued | PaymentStatus::CaptureSubmitted
    ) {
        Some(Work::Capture)
    } else if status.awaiting_void() {
        Some(Work::Void)
    } else {
        None
    }
}

/// Whether a payment in `status` still needs the provider (a status query, a capture, a
/// void): its job must then stay.
pub fn has_work(status: PaymentStatus) -> bool {
    work(status).is_some()
}

/// What to do with a job after an answer.
enum Next {
    /// Something changed: look at the payment again now.
    Continue,
    /// Try again after the backoff.
    Retry,
    /// Nothing more to do (or nothing more that retrying can do).
    Stop,
}

/// What an adapter needs to know about a payment for one call (`attempt` keys retries).
pub fn payment_ref<'a>(record: &'a PaymentRecord, id: &'a str, attempt: u64) -> PaymentRef<'a> {
    PaymentRef {
        payment_id: id,
        amount: record.payment.amount(),
        description: record.payment.description(),
        reference: record.payment.reference(),
        provider_id: record.payment.provider_id(),
        attempt,
        sequence: record.payment.last_sequence(),
        return_to: None,
    }
}

fn apply(
    record: &mut PaymentRecord,
    input: PaymentInput,
    events: &mut Vec<PaymentEvent>,
    now: UnixMillis,
) -> bool {
    match record.payment.apply(input, now) {
        Ok(mut emitted) => {
            events.append(&mut emitted);
            true
        }
        // A stale answer (the payment moved on meanwhile): the table refuses it.
        Err(_) => false,
    }
}

/// Applies an authorisation's outcome (from the card page's own call).
pub fn apply_authorised(
    record: &mut PaymentRecord,
    outcome: &Authorised,
    events: &mut Vec<PaymentEvent>,
    now: UnixMillis,
) {
    if let Some(input) = outcome.payment_input() {
        if apply(record, input, events, now) {
            match outcome {
                Authorised::Authorised { card, .. } => record.learn(card),
                Authorised::ActionRequired(authentication) => {
                    record.require_authentication(authentication.clone())
                }
                _ => {}
            }
        }
    }
}

fn apply_query(
    record: &mut PaymentRecord,
    outcome: &Queried,
    events: &mut Vec<PaymentEvent>,
    now: UnixMillis,
) -> Next {
    let Some(input) = outcome.payment_input() else {
        return Next::Retry;
    };
    if apply(record, input, events, now) {
        match outcome {
            Queried::Authorised { card, .. } => record.learn(card),
            Queried::ActionRequired(authentication) => {
                record.require_authentication(authentication.clone())
            }
            _ => {}
        }
        // Paid with a sealed card from the merchant's server: its request has long been
        // answered, so the confirmation it implied happens here (capture is the next step).
        if record.confirm_on_authorisation && record.payment.status() == PaymentStatus::Authorised {
            apply(record, PaymentInput::PayerConfirmed, events, now);
        }
    }
    Next::Continue
}

fn apply_capture(
    record: &mut PaymentRecord,
    outcome: &Settled,
    attempts: u32,
    events: &mut Vec<PaymentEvent>,
    now: UnixMillis,
) -> Next {
    match outcome {
        Settled::Done => {
            apply(record, PaymentInput::CaptureSucceeded, events, now);
            Next::Continue
        }
        Settled::Retry if attempts < MAX_ATTEMPTS => {
            apply(record, PaymentInput::CaptureFailedTransient, events, now);
            Next::Retry
        }
        // Taken; the provider's notification says how it ended (`ops::notifications`).
        Settled::Pending => Next::Stop,
        Settled::Retry | Settled::Refused => {
            worker::console_error!(
                "capture of payment {} failed for good after {attempts} attempts",
                record.payment.id()
            );
            apply(record, PaymentInput::CaptureFailedPermanent, events, now);
            Next::Stop
        }
    }
}

fn apply_void(
    record: &mut PaymentRecord,
    outcome: &Settled,
    attempts: u32,
    events: &mut Vec<PaymentEvent>,
    now: UnixMillis,
) -> Next {
    match outcome {
        Settled::Done => {
            apply(record, PaymentInput::AuthorisationVoided, events, now);
            Next::Continue
        }
        Settled::Retry if attempts < MAX_ATTEMPTS => Next::Retry,
        // Taken; the provider's notification reports the release.
        Settled::Pending => Next::Stop,
        // The hold lapses at the issuer on its own; the payment stays `*VoidPending` for
        // operations to see.
        Settled::Retry | Settled::Refused => {
            worker::console_error!(
                "void of payment {} failed after {attempts} attempts",
                record.payment.id()
            );
            Next::Stop
        }
    }
}

/// Where a pass over a payment's provider work ended.
enum Step {
    /// A request to send.
    Send(Work, HttpRequest),
    /// The provider answered at once that there is nothing to learn yet (Adyen's query
    /// before it gives up): ask again after the backoff, counting the attempt, so that the
    /// query can tell how long it has waited.
    Wait,
    /// Nothing (more) to do.
    Idle,
}

/// One pass over a payment's provider work: applies what the adapter answers at once, and
/// returns the request to send for the first thing it cannot answer. A queued capture is
/// marked submitted first, so the attempt number (and idempotency key) is fixed before the
/// request exists. A status query is told how many times the job has asked (`attempts`).
fn step_payment(
    adapter: &Adapter,
    record: &mut PaymentRecord,
    attempts: u32,
    events: &mut Vec<PaymentEvent>,
    now: UnixMillis,
) -> Step {
    let id = record.payment.id().to_string();
    for _ in 0..MAX_STEPS {
        let before = record.payment.status();
        let Some(work) = work(before) else {
            return Step::Idle;
        };
        match work {
            Work::Query => match adapter.query(&payment_ref(record, &id, u64::from(attempts))) {
                Call::Done(outcome) => {
                    if let Next::Retry = apply_query(record, &outcome, events, now) {
                        return Step::Wait;
                    }
                }
                Call::Send(request) => return Step::Send(work, request),
            },
            Work::Capture => {
                if before == PaymentStatus::CaptureQueued {
                    apply(record, PaymentInput::CaptureSubmitted, events, now);
                }
                let attempt = u64::from(record.payment.capture_attempts());
                match adapter.capture(&payment_ref(record, &id, attempt)) {
                    Call::Done(outcome) => {
                        apply_capture(record, &outcome, attempts, events, now);
                    }
                    Call::Send(request) => return Step::Send(work, request),
                }
            }
            Work::Void => match adapter.void(&payment_ref(record, &id, u64::from(attempts) + 1)) {
                Call::Done(outcome) => {
                    apply_void(record, &outcome, attempts, events, now);
                }
                Call::Send(request) => return Step::Send(work, request),
            },
        }
        if record.payment.status() == before {
            return Step::Idle;
        }
    }
    Step::Idle
}

/// Inside a state change's synchronous section: settles what the provider answers at once
/// and queues the rest. Returns the job key to drive after the section, if one was queued.
pub fn settle_payment(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    record: &mut PaymentRecord,
    events: &mut Vec<PaymentEvent>,
    now: UnixMillis,
) -> Result<Option<String>> {
    if work(record.payment.status()).is_none() {
        return Ok(None);
    }
    let adapter = adapter(object, sql, account, record)?;
    if let Step::Idle = step_payment(&adapter, record, 0, events, now) {
        return Ok(None);
    }
    let id = record.payment.id().to_string();
    let key = payment_key(&id);
    jobs::enqueue(sql, &key, &id, None, record.live, now)?;
    Ok(Some(key))
}

fn step_refund(
    adapter: &Adapter,
    record: &mut PaymentRecord,
    refund: &mut Refund,
    attempts: u32,
    events: &mut Vec<PaymentEvent>,
    now: UnixMillis,
) -> Option<HttpRequest> {
    if refund.status() != RefundStatus::Submitted {
        return None;
    }
    let id = record.payment.id().to_string();
    let refund_id = refund.id().to_string();
    let call = adapter.refund(
        &payment_ref(record, &id, 0),
        &RefundRef {
            refund_id: &refund_id,
            amount: refund.amount(),
        },
    );
    match call {
        Call::Done(outcome) => {
            apply_refund(record, refund, &outcome, attempts, events, now);
            None
        }
        Call::Send(request) => Some(request),
    }
}

fn apply_refund(
    record: &mut PaymentRecord,
    refund: &mut Refund,
    outcome: &Refunded,
    attempts: u32,
    events: &mut Vec<PaymentEvent>,
    now: UnixMillis,
) -> Next {
    if let Refunded::Pending { .. } = outcome {
        // Taken; the provider's notification says how it ended, and the refund stays
        // `submitted` (its amount spoken for) until then.
        return Next::Stop;
    }
    match outcome.refund_input() {
        Some(input) => {
            if let Ok(event) = refund.apply(input, &mut record.payment, now) {
                events.push(event);
            }
            Next::Stop
        }
        None if attempts < MAX_ATTEMPTS => Next::Retry,
        // Whether the provider refunded is unknown: the refund stays `submitted` (its
        // amount stays spoken for) until someone reconciles it.
        None => {
            worker::console_error!(
                "refund {} still unconfirmed after {attempts} attempts",
                refund.id()
            );
            Next::Stop
        }
    }
}

/// Inside the refund's synchronous section: refunds at once where the provider can, or
/// queues the call. Returns the job key to drive after the section, if one was queued.
pub fn settle_refund(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    record: &mut PaymentRecord,
    refund: &mut Refund,
    events: &mut Vec<PaymentEvent>,
    now: UnixMillis,
) -> Result<Option<String>> {
    let adapter = adapter(object, sql, account, record)?;
    if step_refund(&adapter, record, refund, 0, events, now).is_none() {
        return Ok(None);
    }
    let key = refund_key(&refund.id().to_string());
    jobs::enqueue(
        sql,
        &key,
        &record.payment.id().to_string(),
        Some(&refund.id().to_string()),
        record.live,
        now,
    )?;
    Ok(Some(key))
}

/// A call claimed by [`begin`], to be sent and then applied by [`finish`].
struct Claimed {
    key: String,
    request: HttpRequest,
    work: Option<Work>,
    attempts: u32,
}

/// The first section: claims a due job, applies what needs no call, and leases the job
/// for the call it returns.
fn begin(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    key: &str,
    now: UnixMillis,
) -> Result<Option<Claimed>> {
    let Some(row) = jobs::job(sql, key)? else {
        return Ok(None);
    };
    if row.due_at > now.as_millis() as i64 {
        return Ok(None); // leased by a call in flight, or waiting for its retry
    }
    let attempts = row.attempts.clamp(0, i64::from(u32::MAX)) as u32;
    let Some(mut record) = load(sql, row.live != 0, &row.payment_id)? else {
        jobs::remove(sql, key)?;
        return Ok(None);
    };
    let Ok(adapter) = adapter(object, sql, account, &record) else {
        // Refused (and logged): nothing is sent. The job waits and is looked at again
        // (credentials may be restored) until it runs out of attempts, rather than being
        // due again at once and spinning the alarm.
        let attempts = attempts.saturating_add(1);
        if attempts >= MAX_ATTEMPTS {
            jobs::remove(sql, key)?;
        } else {
            jobs::reschedule(sql, key, now.plus(retry_delay_ms(attempts)), attempts)?;
        }
        return Ok(None);
    };
    let mut events = Vec::new();
    // The call to make (for which payment work; `None` for the refund), if any, and
    // whether the payment's query waits for another round without one.
    let (claimed, wait) = match &row.refund_id {
        None => match step_payment(&adapter, &mut record, attempts, &mut events, now) {
            Step::Send(work, request) => (Some((Some(work), request)), false),
            Step::Wait => (None, true),
            Step::Idle => (None, false),
        },
        Some(refund_id) => match refunds::load_one(sql, record.payment.id(), refund_id)? {
            Some(mut refund) => {
                let refund = &mut refund;
                let sent = step_refund(&adapter, &mut record, refund, attempts, &mut events, now);
                refunds::save(sql, refund, record.live)?;
                (sent.map(|request| (None, request)), false)
            }
            None => (None, false),
        },
    };
    if !events.is_empty() {
        save(sql, &record, &events)?;
    }
    match claimed {
        Some((work, request)) => {
            let attempts = attempts.saturating_add(1);
            jobs::reschedule(sql, key, now.plus(LEASE_MS), attempts)?;
            Ok(Some(Claimed {
                key: key.to_string(),
                request,
                work,
                attempts,
            }))
        }
        // Asked without a call and nothing learnt: the next round after the backoff, with
        // the attempt counted like a call's (the query gives up after a few).
        None if wait => {
            let attempts = attempts.saturating_add(1);
            jobs::reschedule(sql, key, now.plus(retry_delay_ms(attempts)), attempts)?;
            Ok(None)
        }
        None => {
            jobs::remove(sql, key)?;
            Ok(None)
        }
    }
}

/// The second section: re-reads the payment and applies the provider's answer. Returns
/// whether the job should be looked at again at once.
fn finish(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    claimed: Claimed,
    result: &HttpResult,
    now: UnixMillis,
) -> Result<bool> {
    let Some(row) = jobs::job(sql, &claimed.key)? else {
        return Ok(false);
    };
    let Some(mut record) = load(sql, row.live != 0, &row.payment_id)? else {
        jobs::remove(sql, &claimed.key)?;
        return Ok(false);
    };
    let adapter = adapter(object, sql, account, &record)?;
    let attempts = claimed.attempts;
    let mut events = Vec::new();
    let next = match (claimed.work, &row.refund_id) {
        (Some(Work::Query), _) => {
            apply_query(&mut record, &adapter.parse_query(result), &mut events, now)
        }
        (Some(Work::Capture), _) => {
            let outcome = adapter.parse_capture(result);
            apply_capture(&mut record, &outcome, attempts, &mut events, now)
        }
        (Some(Work::Void), _) => {
            let outcome = adapter.parse_void(result);
            apply_void(&mut record, &outcome, attempts, &mut events, now)
        }
        (None, Some(refund_id)) => match refunds::load_one(sql, record.payment.id(), refund_id)? {
            Some(mut refund) => {
                let refund = &mut refund;
                let outcome = adapter.parse_refund(result);
                let next = apply_refund(&mut record, refund, &outcome, attempts, &mut events, now);
                refunds::save(sql, refund, record.live)?;
                next
            }
            None => Next::Stop,
        },
        (None, None) => Next::Stop,
    };
    if !events.is_empty() {
        save(sql, &record, &events)?;
    }
    match next {
        Next::Continue => {
            jobs::reschedule(sql, &claimed.key, now, 0)?;
            Ok(true)
        }
        Next::Retry => {
            jobs::reschedule(
                sql,
                &claimed.key,
                now.plus(retry_delay_ms(attempts)),
                attempts,
            )?;
            Ok(false)
        }
        Next::Stop => {
            jobs::remove(sql, &claimed.key)?;
            Ok(false)
        }
    }
}

/// Runs a job now: claim, call, apply, as long as there is work that is due. Never
/// fails the caller for a provider problem; the alarm is set for whatever is left.
pub async fn drive(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    key: &str,
) -> Result<()> {
    for _ in 0..MAX_STEPS {
        let Some(claimed) = begin(object, sql, account, key, clock::now())? else {
            break;
        };
        // Armed before the call (the claim's lease is the earliest it can be due again):
        // if this invocation dies during it, the alarm repeats the call after the lease.
        if let Some(at) = jobs::next_due(sql)? {
            object.wake_by(at).await?;
        }
        let result = provider::execute(&claimed.request).await;
        if !finish(object, sql, account, claimed, &result, clock::now())? {
            break;
        }
    }
    if let Some(at) = jobs::next_due(sql)? {
        object.wake_by(at).await?;
    }
    Ok(())
}

/// For the alarm: drives due jobs, oldest first, at most `ALARM_JOBS` of them and none
/// started once `ALARM_BUDGET_MS` have passed (each call may take its full timeout), so one
/// slow provider bounds how long a run takes. What is left is due at once: the next run
/// takes it. Returns when the next job is due.
pub async fn run_due(
    object: &AccountObject,
    sql: &SqlStorage,
    account: &Account,
    now: UnixMillis,
) -> Result<Option<UnixMillis>> {
    let due = jobs::due_keys(sql, now, ALARM_JOBS as u64)?;
    for (started, key) in due.into_iter().enumerate() {
        let elapsed = clock::now().as_millis().saturating_sub(now.as_millis());
        if !alarm_may_start(started, elapsed) {
            break;
        }
        if let Err(err) = drive(object, sql, account, &key).await {
            worker::console_error!("provider job failed: {err}");
        }
    }
    jobs::next_due(sql)
}
