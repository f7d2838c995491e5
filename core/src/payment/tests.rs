//! Tests of the `Payment` aggregate: the event log, expiry, and a property test driving
//! random inputs through it against the independently written transition table.

use proptest::prelude::*;

use super::transition::tests::expected;
use super::*;
use crate::ids::PaymentId;
use crate::time::DAY_MS;

const T0: UnixMillis = UnixMillis(1_700_000_000_000);

/// The id every test payment gets (ids are caller-supplied random bytes).
fn pay_1() -> PaymentId {
    PaymentId::generate([1; 16])
}

fn new_payment(delayed_capture: bool, expiry_window_ms: Option<u64>) -> NewPayment {
    NewPayment {
        id: pay_1(),
        amount: 5_000,
        reference: "REF-1".to_string(),
        description: "Pay a parking fine".to_string(),
        delayed_capture,
        expiry_window_ms,
    }
}

fn payment(delayed_capture: bool) -> Payment {
    Payment::create(new_payment(delayed_capture, None), T0).0
}

fn card() -> CardSummary {
    CardSummary::new("Visa", "424242", "4242", "04/29", Some("S Holmes".into())).unwrap()
}

fn authorised() -> PaymentInput {
    PaymentInput::ProviderAuthorised {
        provider_id: "pi_123".to_string(),
    }
}

/// Drives a payment to `Authorised` one second apart per step.
fn authorised_payment(delayed_capture: bool) -> Payment {
    let mut p = payment(delayed_capture);
    let inputs = [
        PaymentInput::PageOpened,
        PaymentInput::CardSubmitted { card: card() },
        authorised(),
    ];
    for (i, input) in inputs.into_iter().enumerate() {
        p.apply(input, T0.plus(1_000 * (i as u64 + 1))).unwrap();
    }
    assert_eq!(p.status(), PaymentStatus::Authorised);
    p
}

/// A payment forced into `status`, for tests that start mid-lifecycle.
fn in_status(status: PaymentStatus, delayed_capture: bool) -> Payment {
    let mut p = payment(delayed_capture);
    p.status = status;
    p
}

#[test]
fn creation_appends_the_first_event() {
    let (p, event) = Payment::create(new_payment(false, None), T0);
    assert_eq!(event.sequence, 1);
    assert_eq!(event.kind, EventKind::PaymentCreated);
    assert_eq!(event.state, PaymentStatus::Created.external_state());
    assert_eq!(event.payment_id, pay_1());
    assert_eq!(event.at, T0);
    assert_eq!(p.last_sequence(), 1);
    assert_eq!(p.status(), PaymentStatus::Created);
    assert_eq!(p.created_at(), T0);
    assert_eq!(p.expiry_window_ms(), DEFAULT_EXPIRY_MS);
    assert_eq!(p.amount(), 5_000);
    assert_eq!(p.reference(), "REF-1");
    assert_eq!(p.description(), "Pay a parking fine");
    assert!(!p.delayed_capture());
    assert_eq!(p.card(), None);
    assert_eq!(p.provider_id(), None);
}

#[test]
fn immediate_capture_happy_path() {
    let mut p = payment(false);
    let steps = [
        (
            PaymentInput::PageOpened,
            EventKind::PaymentStarted,
            ExternalStatus::Started,
        ),
        (
            PaymentInput::CardSubmitted { card: card() },
            EventKind::AuthorisationSubmitted,
            ExternalStatus::Started,
        ),
        (
            authorised(),
            EventKind::AuthorisationSucceeded,
            ExternalStatus::Submitted,
        ),
        (
            PaymentInput::PayerConfirmed,
            EventKind::PayerConfirmed,
            ExternalStatus::Success,
        ),
        (
            PaymentInput::CaptureSubmitted,
            EventKind::CaptureSubmitted,
            ExternalStatus::Success,
        ),
        (
            PaymentInput::CaptureSucceeded,
            EventKind::CaptureConfirmed,
            ExternalStatus::Success,
        ),
    ];
    for (i, (input, kind, status)) in steps.into_iter().enumerate() {
        let now = T0.plus(60_000 * (i as u64 + 1));
        let events = p.apply(input, now).unwrap();
        assert_eq!(events.len(), 1);
        let e = &events[0];
        assert_eq!(e.sequence, i as u64 + 2);
        assert_eq!(e.kind, kind);
        assert_eq!(e.state.status, status);
        assert_eq!(e.state, p.external_state());
        assert_eq!(e.at, now);
    }
    assert_eq!(p.status(), PaymentStatus::Captured);
    assert_eq!(p.authorised_at(), Some(T0.plus(180_000)));
    assert_eq!(p.captured_at(), Some(T0.plus(360_000)));
    assert_eq!(p.capture_submitted_at(), Some(T0.plus(300_000)));
    assert_eq!(p.provider_id(), Some("pi_123"));
    assert_eq!(p.card(), Some(&card()));
    assert_eq!(p.capture_attempts(), 1);
    assert_eq!(p.expires_at(), None);
}

#[test]
fn delayed_capture_path_and_idempotent_capture_calls() {
    let mut p = authorised_payment(true);
    let e = p
        .apply(PaymentInput::PayerConfirmed, T0.plus(10_000))
        .unwrap();
    assert_eq!(e[0].kind, EventKind::PayerConfirmedAwaitingCapture);
    assert_eq!(p.external_state().status, ExternalStatus::Capturable);
    assert_eq!(
        p.expires_at(),
        Some(T0.plus(DELAYED_CAPTURE_EXPIRY_MS)),
        "capture deadline counts from creation"
    );
    let e = p
        .apply(PaymentInput::CaptureRequested, T0.plus(DAY_MS))
        .unwrap();
    assert_eq!(e[0].kind, EventKind::CaptureApprovedByService);
    assert_eq!(p.external_state().status, ExternalStatus::Success);
    let seq = p.last_sequence();
    // A retried `/capture` is a no-op, not a 409.
    assert_eq!(
        p.apply(PaymentInput::CaptureRequested, T0.plus(DAY_MS)),
        Ok(vec![])
    );
    assert_eq!(p.last_sequence(), seq);
}

#[test]
fn capture_retries_and_permanent_failure_stay_success() {
    let mut p = authorised_payment(false);
    p.apply(PaymentInput::PayerConfirmed, T0.plus(5_000))
        .unwrap();
    p.apply(PaymentInput::CaptureSubmitted, T0.plus(6_000))
        .unwrap();
    p.apply(PaymentInput::CaptureFailedTransient, T0.plus(7_000))
        .unwrap();
    assert_eq!(p.status(), PaymentStatus::CaptureQueued);
    p.apply(PaymentInput::CaptureSubmitted, T0.plus(8_000))
        .unwrap();
    p.apply(PaymentInput::CaptureFailedPermanent, T0.plus(9_000))
        .unwrap();
    assert_eq!(p.status(), PaymentStatus::CaptureFailed);
    assert_eq!(p.external_state().status, ExternalStatus::Success);
    assert_eq!(p.capture_attempts(), 2);
    assert_eq!(
        p.capture_submitted_at(),
        Some(T0.plus(6_000)),
        "a retry does not move the first submission"
    );
    p.apply(PaymentInput::CaptureSucceeded, T0.plus(DAY_MS))
        .unwrap();
    assert_eq!(p.status(), PaymentStatus::Captured);
}

#[test]
fn refused_inputs_leave_the_payment_untouched() {
    let mut p = payment(false);
    let before = p.clone();
    let err = p
        .apply(PaymentInput::CardSubmitted { card: card() }, T0.plus(1))
        .unwrap_err();
    assert_eq!(
        err,
        IllegalTransition {
            from: PaymentStatus::Created,
            input: PaymentInputKind::CardSubmitted,
            reason: IllegalReason::NotInTable,
        }
    );
    assert_eq!(
        p, before,
        "card details of a refused input must not be recorded"
    );
}

#[test]
fn cancellations_with_a_hold_wait_for_the_void() {
    for (input, pending, done, code) in [
        (
            PaymentInput::PayerCancelled,
            PaymentStatus::UserCancelVoidPending,
            PaymentStatus::CancelledByUser,
            StateCode::CancelledByUser,
        ),
        (
            PaymentInput::ServiceCancelled,
            PaymentStatus::ServiceCancelVoidPending,
            PaymentStatus::CancelledByService,
            StateCode::CancelledByService,
        ),
    ] {
        let mut p = authorised_payment(false);
        let e = p.apply(input, T0.plus(10_000)).unwrap();
        assert_eq!(e[0].state.code, Some(code));
        assert_eq!(p.status(), pending);
        assert!(p.status().awaiting_void());
        let state = p.external_state();
        let e = p
            .apply(PaymentInput::AuthorisationVoided, T0.plus(11_000))
            .unwrap();
        assert_eq!(e[0].kind, EventKind::AuthorisationVoided);
        assert_eq!(p.status(), done);
        assert_eq!(
            p.external_state(),
            state,
            "the void is invisible to services"
        );
    }
}

#[test]
fn unfinished_payment_expires_exactly_at_the_deadline() {
    let mut p = payment(false);
    p.apply(PaymentInput::PageOpened, T0.plus(1)).unwrap();
    let deadline = T0.plus(DEFAULT_EXPIRY_MS);
    assert_eq!(p.expires_at(), Some(deadline));
    assert!(!p.is_expiry_due(deadline.minus(1)));
    assert!(p.is_expiry_due(deadline));
    let before = p.clone();
    assert_eq!(
        p.expire_if_due(deadline.minus(1)),
        ExpiryOutcome::NotYetDue { at: deadline }
    );
    assert_eq!(p, before);
    let ExpiryOutcome::Expired { events } = p.expire_if_due(deadline) else {
        panic!("should expire at the deadline");
    };
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, EventKind::Expired);
    assert_eq!(events[0].sequence, 3);
    assert_eq!(p.status(), PaymentStatus::Expired);
    assert_eq!(p.external_state().code, Some(StateCode::PaymentExpired));
}

#[test]
fn expiry_is_idempotent() {
    let mut p = payment(false);
    let deadline = T0.plus(DEFAULT_EXPIRY_MS);
    assert!(matches!(
        p.expire_if_due(deadline),
        ExpiryOutcome::Expired { .. }
    ));
    let after_first = p.clone();
    for later in [deadline, deadline.plus(1), deadline.plus(DAY_MS)] {
        assert_eq!(p.expire_if_due(later), ExpiryOutcome::NoDeadline);
        assert_eq!(p, after_first);
    }
}

#[test]
fn expiry_on_a_finished_payment_is_a_no_op() {
    let mut p = authorised_payment(false);
    p.apply(PaymentInput::PayerConfirmed, T0.plus(10_000))
        .unwrap();
    let before = p.clone();
    assert_eq!(
        p.expire_if_due(T0.plus(DAY_MS * 30)),
        ExpiryOutcome::NoDeadline
    );
    assert_eq!(p, before);
}

#[test]
fn account_expiry_window_is_honoured_and_capped() {
    let (p, _) = Payment::create(new_payment(false, Some(30 * MINUTE_MS)), T0);
    assert_eq!(p.expires_at(), Some(T0.plus(30 * MINUTE_MS)));
    let (p, _) = Payment::create(new_payment(false, Some(u64::MAX)), T0);
    assert_eq!(p.expiry_window_ms(), DELAYED_CAPTURE_EXPIRY_MS);
}

#[test]
fn authorised_but_unconfirmed_payment_expires_and_voids() {
    let mut p = authorised_payment(false);
    let deadline = T0.plus(DEFAULT_EXPIRY_MS);
    assert_eq!(
        p.expire_if_due(deadline.minus(1)),
        ExpiryOutcome::NotYetDue { at: deadline }
    );
    assert!(matches!(
        p.expire_if_due(deadline),
        ExpiryOutcome::Expired { .. }
    ));
    assert_eq!(p.status(), PaymentStatus::ExpiryVoidPending);
    assert_eq!(p.expire_if_due(deadline.plus(1)), ExpiryOutcome::NoDeadline);
    p.apply(PaymentInput::AuthorisationVoided, deadline.plus(2))
        .unwrap();
    assert_eq!(p.status(), PaymentStatus::Expired);
}

#[test]
fn delayed_capture_expires_120_hours_after_creation() {
    let mut p = authorised_payment(true);
    p.apply(PaymentInput::PayerConfirmed, T0.plus(10_000))
        .unwrap();
    let deadline = T0.plus(120 * HOUR_MS);
    assert_eq!(
        p.expire_if_due(deadline.minus(1)),
        ExpiryOutcome::NotYetDue { at: deadline }
    );
    // The service may still capture 1 ms before the deadline...
    let mut early = p.clone();
    assert!(early
        .apply(PaymentInput::CaptureRequested, deadline.minus(1))
        .is_ok());
    // ...but not at it, even if the alarm has not fired yet.
    let mut late = p.clone();
    let err = late
        .apply(PaymentInput::CaptureRequested, deadline)
        .unwrap_err();
    assert_eq!(err.reason, IllegalReason::ExpiryDue);
    assert_eq!(
        err.public_api_error().map(|e| e.code.as_str()),
        Some("P1003")
    );
    let ExpiryOutcome::Expired { events } = p.expire_if_due(deadline) else {
        panic!("should expire");
    };
    assert_eq!(events[0].state.status, ExternalStatus::Failed);
    assert_eq!(events[0].state.code, Some(StateCode::PaymentExpired));
    assert_eq!(
        events[0].kind.webhook_event_type(),
        Some(crate::event::WebhookEventType::CardPaymentExpired)
    );
    assert_eq!(p.status(), PaymentStatus::ExpiryVoidPending);
}

#[test]
fn late_payer_actions_are_refused_but_cancellation_is_not() {
    let deadline = T0.plus(DEFAULT_EXPIRY_MS);
    let mut p = authorised_payment(false);
    assert!(p
        .clone()
        .apply(PaymentInput::PayerConfirmed, deadline.minus(1))
        .is_ok());
    let err = p.apply(PaymentInput::PayerConfirmed, deadline).unwrap_err();
    assert_eq!(err.reason, IllegalReason::ExpiryDue);
    assert_eq!(p.status(), PaymentStatus::Authorised);
    assert!(p
        .clone()
        .apply(PaymentInput::ServiceCancelled, deadline)
        .is_ok());
    assert!(p.apply(PaymentInput::PayerCancelled, deadline).is_ok());

    let mut fresh = payment(false);
    let err = fresh.apply(PaymentInput::PageOpened, deadline).unwrap_err();
    assert_eq!(err.reason, IllegalReason::ExpiryDue);
}

#[test]
fn expire_input_before_the_deadline_is_refused() {
    let mut p = payment(false);
    let err = p
        .apply(PaymentInput::Expire, T0.plus(DEFAULT_EXPIRY_MS - 1))
        .unwrap_err();
    assert_eq!(err.reason, IllegalReason::NotYetDue);
    assert_eq!(p.status(), PaymentStatus::Created);
}

#[test]
fn in_flight_authorisations_need_a_status_query_before_expiry() {
    let deadline = T0.plus(DEFAULT_EXPIRY_MS);
    for timed_out in [false, true] {
        let mut p = payment(false);
        p.apply(PaymentInput::PageOpened, T0.plus(1)).unwrap();
        p.apply(PaymentInput::CardSubmitted { card: card() }, T0.plus(2))
            .unwrap();
        if timed_out {
            p.apply(PaymentInput::ProviderTimedOut, T0.plus(3)).unwrap();
            assert_eq!(p.external_state().status, ExternalStatus::Started);
            assert!(!p.external_state().finished);
        }
        let before = p.clone();
        assert_eq!(p.expire_if_due(deadline), ExpiryOutcome::NeedsStatusQuery);
        assert_eq!(
            p.expire_if_due(deadline.plus(5)),
            ExpiryOutcome::NeedsStatusQuery
        );
        assert_eq!(p, before);

        // The provider is still thinking: nothing changes, ask again later.
        let pending = PaymentInput::StatusQueryResolved {
            outcome: AuthorisationOutcome::Pending,
            provider_id: None,
        };
        assert_eq!(p.apply(pending, deadline.plus(10)), Ok(vec![]));

        // It turned out authorised: now expiry voids the hold.
        let mut authorised = p.clone();
        authorised
            .apply(
                PaymentInput::StatusQueryResolved {
                    outcome: AuthorisationOutcome::Authorised,
                    provider_id: Some("pi_9".into()),
                },
                deadline.plus(20),
            )
            .unwrap();
        assert_eq!(authorised.provider_id(), Some("pi_9"));
        assert_eq!(authorised.authorised_at(), Some(deadline.plus(20)));
        assert!(matches!(
            authorised.expire_if_due(deadline.plus(21)),
            ExpiryOutcome::Expired { .. }
        ));
        assert_eq!(authorised.status(), PaymentStatus::ExpiryVoidPending);

        // Nothing was authorised: back to started, then a plain expiry.
        let mut abandoned = p.clone();
        abandoned
            .apply(
                PaymentInput::StatusQueryResolved {
                    outcome: AuthorisationOutcome::NotAuthorised,
                    provider_id: None,
                },
                deadline.plus(20),
            )
            .unwrap();
        assert_eq!(abandoned.status(), PaymentStatus::Started);
        assert!(matches!(
            abandoned.expire_if_due(deadline.plus(21)),
            ExpiryOutcome::Expired { .. }
        ));
        assert_eq!(abandoned.status(), PaymentStatus::Expired);
    }
}

#[test]
fn every_status_with_a_deadline_can_expire_or_needs_a_query() {
    for status in PaymentStatus::ALL {
        for dc in [false, true] {
            let mut p = in_status(status, dc);
            let had_deadline = p.expires_at().is_some();
            let outcome = p.expire_if_due(T0.plus(200 * HOUR_MS));
            match had_deadline {
                false => assert_eq!(outcome, ExpiryOutcome::NoDeadline, "{status:?}"),
                true if status.authorisation_in_flight() => {
                    assert_eq!(outcome, ExpiryOutcome::NeedsStatusQuery, "{status:?}")
                }
                true => assert!(
                    matches!(outcome, ExpiryOutcome::Expired { .. }),
                    "{status:?}: {outcome:?}"
                ),
            }
        }
    }
}

#[test]
fn finished_statuses_have_no_deadline() {
    for status in PaymentStatus::ALL.into_iter().filter(|s| s.is_finished()) {
        assert_eq!(in_status(status, false).expires_at(), None, "{status:?}");
    }
}

#[test]
fn payment_round_trips_through_storage() {
    let p = authorised_payment(true);
    let json = serde_json::to_string(&p).unwrap();
    assert!(json.contains(r#""status":"authorised""#));
    assert!(!json.contains("4242424242424242"));
    assert_eq!(serde_json::from_str::<Payment>(&json).unwrap(), p);
}

#[test]
fn payments_stored_without_capture_submitted_at_still_load() {
    let p = authorised_payment(false);
    let mut value = serde_json::to_value(&p).unwrap();
    value
        .as_object_mut()
        .unwrap()
        .remove("capture_submitted_at")
        .unwrap();
    assert_eq!(serde_json::from_value::<Payment>(value).unwrap(), p);
}

// ---------------------------------------------------------------------------------------
// Property test: random inputs against the independently written table.
// ---------------------------------------------------------------------------------------

/// One step of a random history.
#[derive(Debug, Clone)]
enum Step {
    /// Apply the input of this kind after `advance` ms.
    Input(PaymentInputKind, u64),
    /// Apply the `n`-th (modulo) input the table accepts in the current status, after
    /// `advance` ms. Uniformly random inputs are mostly illegal, so without these steps
    /// the deeper statuses (capture, voids) would rarely be reached.
    Legal(usize, u64),
    /// An expiry alarm fires after `advance` ms.
    Alarm(u64),
}

/// Input kinds in the order `Step::Legal` prefers them: the happy path first, then
/// detours (retries, voids), then endings. Biasing towards index 0 makes random histories
/// reach capture, delayed capture and the void statuses instead of dying young.
const PROGRESS_ORDER: [PaymentInputKind; 20] = {
    use AuthorisationOutcome as O;
    use PaymentInputKind as I;
    [
        I::CardSubmitted,
        I::PageOpened,
        I::ProviderAuthorised,
        I::PayerConfirmed,
        I::CaptureRequested,
        I::CaptureSubmitted,
        I::CaptureSucceeded,
        I::ProviderTimedOut,
        I::StatusQueryResolved(O::Authorised),
        I::CaptureFailedTransient,
        I::CaptureFailedPermanent,
        I::AuthorisationVoided,
        I::StatusQueryResolved(O::Pending),
        I::StatusQueryResolved(O::NotAuthorised),
        I::ProviderDeclined,
        I::StatusQueryResolved(O::Declined),
        I::ProviderError,
        I::PayerCancelled,
        I::ServiceCancelled,
        I::Expire,
    ]
};

/// The input kinds the table accepts from `status`, in [`PROGRESS_ORDER`].
fn legal_inputs(status: PaymentStatus, delayed_capture: bool) -> Vec<PaymentInputKind> {
    PROGRESS_ORDER
        .into_iter()
        .filter(|k| expected(status, *k, delayed_capture).is_some())
        .collect()
}

fn input_of(kind: PaymentInputKind) -> PaymentInput {
    match kind {
        PaymentInputKind::PageOpened => PaymentInput::PageOpened,
        PaymentInputKind::CardSubmitted => PaymentInput::CardSubmitted { card: card() },
        PaymentInputKind::ProviderAuthorised => authorised(),
        PaymentInputKind::ProviderDeclined => PaymentInput::ProviderDeclined,
        PaymentInputKind::ProviderError => PaymentInput::ProviderError,
        PaymentInputKind::ProviderTimedOut => PaymentInput::ProviderTimedOut,
        PaymentInputKind::ProviderActionRequired => PaymentInput::ProviderActionRequired,
        PaymentInputKind::AuthenticationReturned => PaymentInput::AuthenticationReturned,
        PaymentInputKind::StatusQueryResolved(outcome) => PaymentInput::StatusQueryResolved {
            outcome,
            provider_id: Some("pi_q".into()),
        },
        PaymentInputKind::PayerConfirmed => PaymentInput::PayerConfirmed,
        PaymentInputKind::PayerCancelled => PaymentInput::PayerCancelled,
        PaymentInputKind::ServiceCancelled => PaymentInput::ServiceCancelled,
        PaymentInputKind::CaptureRequested => PaymentInput::CaptureRequested,
        PaymentInputKind::CaptureSubmitted => PaymentInput::CaptureSubmitted,
        PaymentInputKind::CaptureSucceeded => PaymentInput::CaptureSucceeded,
        PaymentInputKind::CaptureFailedTransient => PaymentInput::CaptureFailedTransient,
        PaymentInputKind::CaptureFailedPermanent => PaymentInput::CaptureFailedPermanent,
        PaymentInputKind::AuthorisationVoided => PaymentInput::AuthorisationVoided,
        PaymentInputKind::Expire => PaymentInput::Expire,
    }
}

fn advance() -> impl Strategy<Value = u64> {
    prop_oneof![
        12 => 0u64..60_000,
        2 => 0u64..(2 * HOUR_MS),
        1 => (100 * HOUR_MS)..(130 * HOUR_MS),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    let kind = proptest::sample::select(PaymentInputKind::ALL.to_vec());
    prop_oneof![
        3 => (kind, advance()).prop_map(|(k, a)| Step::Input(k, a)),
        6 => (prop_oneof![3 => Just(0usize), 2 => any::<usize>()], advance())
            .prop_map(|(n, a)| Step::Legal(n, a)),
        1 => advance().prop_map(Step::Alarm),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn random_histories_stay_inside_the_table(
        delayed_capture in any::<bool>(),
        window in proptest::option::of(MINUTE_MS..(3 * HOUR_MS)),
        steps in proptest::collection::vec(step(), 0..60),
    ) {
        let (mut p, first) = Payment::create(new_payment(delayed_capture, window), T0);
        let mut log = vec![first];
        let mut now = T0;
        for step in steps {
            let before = p.clone();
            let step = match step {
                Step::Legal(n, by) => {
                    let legal = legal_inputs(p.status(), delayed_capture);
                    match legal.get(n % legal.len().max(1)) {
                        Some(kind) => Step::Input(*kind, by),
                        None => Step::Alarm(by),
                    }
                }
                other => other,
            };
            let appended = match step {
                Step::Input(kind, by) => {
                    now = now.plus(by);
                    match p.apply(input_of(kind), now) {
                        Ok(events) => {
                            let row = expected(before.status(), kind, delayed_capture);
                            prop_assert!(row.is_some(), "{:?} + {:?} is not in the table", before.status(), kind);
                            if let Some((to, emits)) = row {
                                prop_assert_eq!(p.status(), to);
                                prop_assert_eq!(events.iter().map(|e| e.kind.clone()).collect::<Vec<_>>(),
                                                emits.into_iter().collect::<Vec<_>>());
                            }
                            events
                        }
                        Err(err) => {
                            prop_assert_eq!(&p, &before, "a refused input changed the payment");
                            prop_assert_eq!(err.from, before.status());
                            prop_assert_eq!(err.input, kind);
                            let due = before.is_expiry_due(now);
                            match err.reason {
                                IllegalReason::NotInTable => prop_assert!(
                                    expected(before.status(), kind, delayed_capture).is_none()),
                                IllegalReason::ExpiryDue => prop_assert!(kind.blocked_after_deadline() && due),
                                IllegalReason::NotYetDue => prop_assert!(kind == PaymentInputKind::Expire && !due),
                            }
                            vec![]
                        }
                    }
                }
                Step::Legal(..) => vec![],
                Step::Alarm(by) => {
                    now = now.plus(by);
                    match p.expire_if_due(now) {
                        ExpiryOutcome::Expired { events } => {
                            prop_assert!(before.is_expiry_due(now));
                            prop_assert!(!before.status().authorisation_in_flight());
                            prop_assert_eq!(events.len(), 1);
                            prop_assert!(matches!(p.status(), PaymentStatus::Expired | PaymentStatus::ExpiryVoidPending));
                            events
                        }
                        other => {
                            prop_assert_eq!(&p, &before, "{:?} changed the payment", other);
                            if other == ExpiryOutcome::NeedsStatusQuery {
                                prop_assert!(before.status().authorisation_in_flight());
                            }
                            vec![]
                        }
                    }
                }
            };
            // Finished payments never change what services see.
            if before.external_state().finished {
                prop_assert_eq!(p.external_state(), before.external_state());
            }
            for e in &appended {
                prop_assert_eq!(&e.state, &p.external_state());
                prop_assert_eq!(e.at, now);
            }
            prop_assert_eq!(p.last_sequence(), before.last_sequence() + appended.len() as u64);
            log.extend(appended);
        }
        // The whole log is numbered 1, 2, 3, ... with no gaps.
        for (i, e) in log.iter().enumerate() {
            prop_assert_eq!(e.sequence, i as u64 + 1);
            prop_assert_eq!(e.payment_id, pay_1());
        }
    }
}

/// Drives a payment into 3-D Secure (`AuthenticationRequired`), one second per step.
fn authenticating_payment() -> Payment {
    let mut p = payment(false);
    let inputs = [
        PaymentInput::PageOpened,
        PaymentInput::CardSubmitted { card: card() },
        PaymentInput::ProviderActionRequired,
    ];
    for (i, input) in inputs.into_iter().enumerate() {
        p.apply(input, T0.plus(1_000 * (i as u64 + 1))).unwrap();
    }
    assert_eq!(p.status(), PaymentStatus::AuthenticationRequired);
    p
}

#[test]
fn three_d_secure_journey_is_started_until_the_provider_decides() {
    let mut p = authenticating_payment();
    assert_eq!(p.external_state().status, ExternalStatus::Started);
    assert!(!p.external_state().finished);
    // A reload changes nothing and logs nothing.
    assert!(p
        .apply(PaymentInput::PageOpened, T0.plus(5_000))
        .unwrap()
        .is_empty());
    let returned = p
        .apply(PaymentInput::AuthenticationReturned, T0.plus(6_000))
        .unwrap();
    assert_eq!(returned[0].kind, EventKind::AuthenticationReturned);
    assert_eq!(p.status(), PaymentStatus::AuthorisationSubmitted);
    // A second return (a refresh of the return page) is refused: the answer is awaited.
    assert!(p
        .apply(PaymentInput::AuthenticationReturned, T0.plus(6_500))
        .is_err());
    p.apply(authorised(), T0.plus(7_000)).unwrap();
    assert_eq!(p.status(), PaymentStatus::Authorised);
    assert_eq!(p.provider_id(), Some("pi_123"));
}

#[test]
fn an_abandoned_challenge_expires_and_releases_the_attempt() {
    let mut p = authenticating_payment();
    let deadline = T0.plus(DEFAULT_EXPIRY_MS);
    // Past the deadline the payer's return no longer counts; expiry does not wait for a
    // status query either, since it releases the attempt at the provider.
    assert!(p
        .apply(PaymentInput::AuthenticationReturned, deadline)
        .is_err());
    assert!(matches!(
        p.expire_if_due(deadline),
        ExpiryOutcome::Expired { .. }
    ));
    assert_eq!(p.status(), PaymentStatus::ExpiryVoidPending);
    assert!(p.status().awaiting_void());
    p.apply(PaymentInput::AuthorisationVoided, deadline.plus(1))
        .unwrap();
    assert_eq!(p.status(), PaymentStatus::Expired);
}

#[test]
fn a_challenge_can_be_cancelled_by_the_payer_or_the_service() {
    let mut by_payer = authenticating_payment();
    by_payer
        .apply(PaymentInput::PayerCancelled, T0.plus(9_000))
        .unwrap();
    assert_eq!(by_payer.status(), PaymentStatus::UserCancelVoidPending);
    let mut by_service = authenticating_payment();
    by_service
        .apply(PaymentInput::ServiceCancelled, T0.plus(9_000))
        .unwrap();
    assert_eq!(by_service.status(), PaymentStatus::ServiceCancelVoidPending);
}
