//! Refund tests: summaries in every payment status, request checks and their GOV.UK Pay
//! codes, the refund table, and a property test that refunds never exceed the capture.

use proptest::prelude::*;

use super::*;
use crate::event::WebhookEventType;
use crate::ids::{PaymentId, RefundId};
use crate::payment::{CardSummary, NewPayment, PaymentInput, DEFAULT_EXPIRY_MS};

const T0: UnixMillis = UnixMillis(1_700_000_000_000);
const AMOUNT: u64 = 5_000;

/// Payment id number `n` (ids are caller-supplied random bytes; tests pick fixed ones).
fn pid(n: u8) -> PaymentId {
    PaymentId::generate([n; 16])
}

/// Refund id number `n`, distinct for every `n`.
fn rid(n: u64) -> RefundId {
    let mut bytes = [0u8; 16];
    bytes[8..].copy_from_slice(&n.to_be_bytes());
    RefundId::generate(bytes)
}

fn created(delayed_capture: bool) -> Payment {
    Payment::create(
        NewPayment {
            id: pid(1),
            amount: AMOUNT,
            reference: "REF".into(),
            description: "Fine".into(),
            delayed_capture,
            expiry_window_ms: None,
        },
        T0,
    )
    .0
}

/// Drives a fresh payment to `status` through legal inputs only.
fn drive(status: PaymentStatus) -> Payment {
    use PaymentInput as I;
    use PaymentStatus as S;
    let card = || CardSummary::new("Visa", "424242", "4242", "04/29", None).unwrap();
    let auth = || I::ProviderAuthorised {
        provider_id: "pi_1".into(),
    };
    let to_authorised = || vec![I::PageOpened, I::CardSubmitted { card: card() }, auth()];
    let with = |mut head: Vec<I>, tail: Vec<I>| {
        head.extend(tail);
        head
    };
    let delayed = status == S::AwaitingCapture;
    let (inputs, expire) = match status {
        S::Created => (vec![], false),
        S::Started => (vec![I::PageOpened], false),
        S::AuthorisationSubmitted => (
            vec![I::PageOpened, I::CardSubmitted { card: card() }],
            false,
        ),
        S::AuthorisationUnknown => (
            vec![
                I::PageOpened,
                I::CardSubmitted { card: card() },
                I::ProviderTimedOut,
            ],
            false,
        ),
        S::AuthenticationRequired => (
            vec![
                I::PageOpened,
                I::CardSubmitted { card: card() },
                I::ProviderActionRequired,
            ],
            false,
        ),
        S::Authorised => (to_authorised(), false),
        S::AwaitingCapture => (with(to_authorised(), vec![I::PayerConfirmed]), false),
        S::CaptureQueued => (with(to_authorised(), vec![I::PayerConfirmed]), false),
        S::CaptureSubmitted => (
            with(
                to_authorised(),
                vec![I::PayerConfirmed, I::CaptureSubmitted],
            ),
            false,
        ),
        S::CaptureFailed => (
            with(
                to_authorised(),
                vec![
                    I::PayerConfirmed,
                    I::CaptureSubmitted,
                    I::CaptureFailedPermanent,
                ],
            ),
            false,
        ),
        S::Captured => (
            with(
                to_authorised(),
                vec![I::PayerConfirmed, I::CaptureSubmitted, I::CaptureSucceeded],
            ),
            false,
        ),
        S::Declined => (
            vec![
                I::PageOpened,
                I::CardSubmitted { card: card() },
                I::ProviderDeclined,
            ],
            false,
        ),
        S::ProviderError => (
            vec![
                I::PageOpened,
                I::CardSubmitted { card: card() },
                I::ProviderError,
            ],
            false,
        ),
        S::ExpiryVoidPending => (to_authorised(), true),
        S::Expired => (vec![], true),
        S::UserCancelVoidPending => (with(to_authorised(), vec![I::PayerCancelled]), false),
        S::CancelledByUser => (vec![I::PageOpened, I::PayerCancelled], false),
        S::ServiceCancelVoidPending => (with(to_authorised(), vec![I::ServiceCancelled]), false),
        S::CancelledByService => (vec![I::ServiceCancelled], false),
    };
    let mut p = created(delayed);
    for (i, input) in inputs.into_iter().enumerate() {
        p.apply(input, T0.plus(i as u64 + 1)).unwrap();
    }
    if expire {
        p.expire_if_due(T0.plus(DEFAULT_EXPIRY_MS));
    }
    assert_eq!(p.status(), status);
    p
}

fn captured() -> Payment {
    drive(PaymentStatus::Captured)
}

#[test]
fn summary_in_every_payment_status_without_refunds() {
    use PaymentStatus as S;
    use RefundAvailability as A;
    let expected = [
        (S::Created, A::Pending, AMOUNT),
        (S::Started, A::Pending, AMOUNT),
        (S::AuthorisationSubmitted, A::Pending, AMOUNT),
        (S::AuthorisationUnknown, A::Pending, AMOUNT),
        (S::AuthenticationRequired, A::Pending, AMOUNT),
        (S::Authorised, A::Pending, AMOUNT),
        (S::AwaitingCapture, A::Pending, AMOUNT),
        (S::CaptureQueued, A::Pending, AMOUNT),
        (S::CaptureSubmitted, A::Pending, AMOUNT),
        (S::CaptureFailed, A::Pending, AMOUNT),
        (S::Captured, A::Available, AMOUNT),
        (S::Declined, A::Unavailable, 0),
        (S::ProviderError, A::Unavailable, 0),
        (S::ExpiryVoidPending, A::Unavailable, 0),
        (S::Expired, A::Unavailable, 0),
        (S::UserCancelVoidPending, A::Unavailable, 0),
        (S::CancelledByUser, A::Unavailable, 0),
        (S::ServiceCancelVoidPending, A::Unavailable, 0),
        (S::CancelledByService, A::Unavailable, 0),
    ];
    assert_eq!(expected.len(), PaymentStatus::ALL.len());
    for (status, availability, available) in expected {
        let p = drive(status);
        assert_eq!(
            refund_summary(&p, &[]),
            RefundSummary {
                status: availability,
                amount_available: available,
                amount_submitted: 0,
            },
            "{status:?}"
        );
        let refused = request_refund(&p, &[], 1, None);
        if availability == A::Available {
            assert!(refused.is_ok());
        } else {
            assert_eq!(
                refused,
                Err(RefundError::NotAvailable {
                    status: availability
                }),
                "{status:?}"
            );
        }
    }
}

#[test]
fn partial_refunds_until_full_and_errors_give_the_amount_back() {
    let mut p = captured();
    let mut refunds = Vec::new();

    let (mut r1, e1) = submit_refund(&mut p, &refunds, 2_000, Some(AMOUNT), rid(1), T0).unwrap();
    assert_eq!(
        e1.kind,
        EventKind::RefundSubmitted {
            refund_id: rid(1),
            amount: 2_000
        }
    );
    assert_eq!(e1.sequence, p.last_sequence());
    assert_eq!(r1.status(), RefundStatus::Submitted);
    refunds.push(r1.clone());
    assert_eq!(
        refund_summary(&p, &refunds),
        RefundSummary {
            status: RefundAvailability::Available,
            amount_available: 3_000,
            amount_submitted: 2_000
        }
    );

    let ok = r1
        .apply(
            RefundInput::ProviderSucceeded {
                provider_refund_id: Some("re_1".into()),
            },
            &mut p,
            T0.plus(1),
        )
        .unwrap();
    assert_eq!(
        ok.kind.webhook_event_type(),
        Some(WebhookEventType::CardPaymentRefunded)
    );
    assert_eq!(
        ok.state,
        p.external_state(),
        "refunds do not change the payment's state"
    );
    assert_eq!(r1.provider_refund_id(), Some("re_1"));
    refunds[0] = r1;

    let (mut r2, _) = submit_refund(&mut p, &refunds, 3_000, None, rid(2), T0.plus(2)).unwrap();
    refunds.push(r2.clone());
    assert_eq!(
        refund_summary(&p, &refunds),
        RefundSummary {
            status: RefundAvailability::Full,
            amount_available: 0,
            amount_submitted: AMOUNT
        }
    );
    assert_eq!(
        request_refund(&p, &refunds, 1, None),
        Err(RefundError::NotAvailable {
            status: RefundAvailability::Full
        })
    );

    let failed = r2
        .apply(RefundInput::ProviderFailed, &mut p, T0.plus(3))
        .unwrap();
    assert_eq!(
        failed.kind,
        EventKind::RefundFailed {
            refund_id: rid(2),
            amount: 3_000
        }
    );
    assert_eq!(failed.kind.webhook_event_type(), None);
    refunds[1] = r2;
    assert_eq!(
        refund_summary(&p, &refunds),
        RefundSummary {
            status: RefundAvailability::Available,
            amount_available: 3_000,
            amount_submitted: 2_000
        }
    );
}

#[test]
fn concurrent_refunds_of_the_same_remainder_cannot_both_succeed() {
    let mut p = captured();
    let seen = refund_summary(&p, &[]).amount_available;
    // Two services both read 5000 available and both try to refund 3000 with the CAS.
    let (first, _) = submit_refund(&mut p, &[], 3_000, Some(seen), rid(0xa), T0).unwrap();
    let second = submit_refund(
        &mut p,
        std::slice::from_ref(&first),
        3_000,
        Some(seen),
        rid(0xb),
        T0,
    );
    assert_eq!(
        second,
        Err(RefundError::AmountAvailableMismatch {
            expected: AMOUNT,
            actual: 2_000
        })
    );
    // Without the CAS, the amount check still stops the overdraw.
    let third = submit_refund(&mut p, &[first], 3_000, None, rid(0xc), T0);
    assert_eq!(
        third,
        Err(RefundError::AmountExceedsAvailable {
            amount: 3_000,
            available: 2_000
        })
    );
}

#[test]
fn request_checks_and_their_govuk_codes() {
    let p = captured();
    let cases = [
        (
            0,
            None,
            RefundError::AmountBelowMinimum { amount: 0 },
            422,
            "P0602",
        ),
        (
            REFUND_AMOUNT_MAX + 1,
            None,
            RefundError::AmountAboveMaximum {
                amount: REFUND_AMOUNT_MAX + 1,
            },
            422,
            "P0602",
        ),
        (
            AMOUNT + 1,
            None,
            RefundError::AmountExceedsAvailable {
                amount: AMOUNT + 1,
                available: AMOUNT,
            },
            400,
            "P0603",
        ),
        (
            100,
            Some(4_999),
            RefundError::AmountAvailableMismatch {
                expected: 4_999,
                actual: AMOUNT,
            },
            412,
            "P0604",
        ),
    ];
    for (amount, cas, error, http, code) in cases {
        let got = request_refund(&p, &[], amount, cas);
        assert_eq!(got, Err(error));
        let api = error.public_api_error();
        assert_eq!(
            (api.http_status(), api.code.as_str()),
            (http, code),
            "{error:?}"
        );
    }
    let pending = RefundError::NotAvailable {
        status: RefundAvailability::Pending,
    }
    .public_api_error();
    assert_eq!(
        (pending.http_status(), pending.code.as_str()),
        (400, "P0603")
    );
    assert_eq!(
        pending.description,
        "The payment is not available for refund. Payment refund status: pending"
    );
    assert_eq!(
        RefundError::AmountExceedsAvailable {
            amount: 2,
            available: 1
        }
        .public_api_error()
        .description,
        "The payment is not available for refund. Payment refund status: amount_not_available"
    );
    assert_eq!(
        RefundError::AmountAvailableMismatch {
            expected: 1,
            actual: 2
        }
        .to_string(),
        "412 P0604: Refund amount available mismatch."
    );
}

#[test]
fn refundability_is_checked_before_the_cas() {
    // GOV.UK Pay's order: a pending payment is P0603 even with a wrong CAS value.
    let p = drive(PaymentStatus::Authorised);
    assert_eq!(
        request_refund(&p, &[], 100, Some(1)),
        Err(RefundError::NotAvailable {
            status: RefundAvailability::Pending
        })
    );
}

#[test]
fn exact_remaining_amount_is_refundable() {
    let p = captured();
    let plan = request_refund(&p, &[], AMOUNT, Some(AMOUNT)).unwrap();
    assert_eq!(plan.amount(), AMOUNT);
    assert_eq!(plan.amount_available(), AMOUNT);
    assert_eq!(plan.amount_available_after(), 0);
}

#[test]
fn refunds_of_other_payments_are_ignored() {
    // pay_2: captured, same amount, different id.
    let mut other = Payment::create(
        NewPayment {
            id: pid(2),
            amount: AMOUNT,
            reference: "R".into(),
            description: "D".into(),
            delayed_capture: false,
            expiry_window_ms: None,
        },
        T0,
    )
    .0;
    let card = CardSummary::new("Visa", "424242", "4242", "04/29", None).unwrap();
    for input in [
        PaymentInput::PageOpened,
        PaymentInput::CardSubmitted { card },
        PaymentInput::ProviderAuthorised {
            provider_id: "pi_2".into(),
        },
        PaymentInput::PayerConfirmed,
        PaymentInput::CaptureSubmitted,
        PaymentInput::CaptureSucceeded,
    ] {
        other.apply(input, T0.plus(1)).unwrap();
    }
    let mut p = captured();
    let (foreign, _) = submit_refund(&mut p, &[], 4_000, None, rid(0xee), T0).unwrap();
    let foreign_list = std::slice::from_ref(&foreign);

    // pay_1's refund neither shrinks pay_2's availability nor its CAS value...
    assert_eq!(refund_summary(&other, foreign_list).amount_submitted, 0);
    assert_eq!(refund_summary(&p, foreign_list).amount_submitted, 4_000);
    assert!(request_refund(&other, foreign_list, AMOUNT, Some(AMOUNT)).is_ok());

    // ...and cannot be resolved against pay_2.
    let mut misplaced = foreign.clone();
    let seq = other.last_sequence();
    let err = misplaced
        .apply(RefundInput::ProviderFailed, &mut other, T0)
        .unwrap_err();
    assert_eq!(err.reason, IllegalRefundReason::WrongPayment);
    assert_eq!(misplaced, foreign);
    assert_eq!(other.last_sequence(), seq);
}

#[test]
fn refund_table_rows() {
    use RefundInputKind as I;
    use RefundStatus as S;
    assert_eq!(
        next_refund(S::Submitted, I::ProviderSucceeded),
        Ok(RefundTransition {
            to: S::Success,
            emits: RefundEvent::Succeeded
        })
    );
    assert_eq!(
        next_refund(S::Submitted, I::ProviderFailed),
        Ok(RefundTransition {
            to: S::Error,
            emits: RefundEvent::Failed
        })
    );
    for from in [S::Success, S::Error] {
        for input in RefundInputKind::ALL {
            assert_eq!(
                next_refund(from, input),
                Err(IllegalRefundTransition {
                    from,
                    input,
                    reason: IllegalRefundReason::NotInTable
                })
            );
        }
    }
}

#[test]
fn final_refunds_cannot_be_reapplied() {
    let mut p = captured();
    let (mut r, _) = submit_refund(&mut p, &[], 100, None, rid(1), T0).unwrap();
    r.apply(
        RefundInput::ProviderSucceeded {
            provider_refund_id: None,
        },
        &mut p,
        T0,
    )
    .unwrap();
    let seq = p.last_sequence();
    let err = r
        .apply(RefundInput::ProviderFailed, &mut p, T0)
        .unwrap_err();
    assert_eq!(err.from, RefundStatus::Success);
    assert_eq!(r.status(), RefundStatus::Success);
    assert_eq!(p.last_sequence(), seq);
}

#[test]
fn serde_names_match_govuk_pay() {
    assert_eq!(
        serde_json::to_string(&RefundStatus::Submitted).unwrap(),
        r#""submitted""#
    );
    assert_eq!(
        serde_json::to_string(&RefundStatus::Success).unwrap(),
        r#""success""#
    );
    assert_eq!(
        serde_json::to_string(&RefundStatus::Error).unwrap(),
        r#""error""#
    );
    let summary = RefundSummary {
        status: RefundAvailability::Pending,
        amount_available: 5_000,
        amount_submitted: 0,
    };
    assert_eq!(
        serde_json::to_string(&summary).unwrap(),
        r#"{"status":"pending","amount_available":5000,"amount_submitted":0}"#
    );
    for a in [
        RefundAvailability::Pending,
        RefundAvailability::Available,
        RefundAvailability::Full,
        RefundAvailability::Unavailable,
    ] {
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            format!("\"{}\"", a.as_str())
        );
    }
    let mut p = captured();
    let (r, _) = submit_refund(&mut p, &[], 100, None, rid(1), T0).unwrap();
    let json = serde_json::to_string(&r).unwrap();
    assert_eq!(serde_json::from_str::<Refund>(&json).unwrap(), r);
    assert_eq!(r.id(), rid(1));
    assert_eq!(r.payment_id(), pid(1));
    assert_eq!(r.amount(), 100);
    assert_eq!(r.created_at(), T0);
}

// ---------------------------------------------------------------------------------------
// Property test: no sequence of requests and outcomes overdraws the capture.
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Op {
    /// Request a refund; `cas` picks what to send as `refund_amount_available`.
    Request { amount: u64, cas: Cas },
    /// The provider confirms refund number `n` (modulo the count).
    Succeed(usize),
    /// The provider rejects refund number `n` (modulo the count).
    Fail(usize),
}

#[derive(Debug, Clone)]
enum Cas {
    /// Field omitted.
    Absent,
    /// The value the service just read: the honest case.
    Fresh,
    /// Some arbitrary (usually stale) value.
    Value(u64),
}

fn op() -> impl Strategy<Value = Op> {
    let cas = prop_oneof![
        Just(Cas::Absent),
        Just(Cas::Fresh),
        (0..=AMOUNT + 10).prop_map(Cas::Value),
    ];
    prop_oneof![
        4 => (0..=AMOUNT + 500, cas).prop_map(|(amount, cas)| Op::Request { amount, cas }),
        2 => any::<usize>().prop_map(Op::Succeed),
        2 => any::<usize>().prop_map(Op::Fail),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn refunds_never_exceed_the_captured_amount(ops in proptest::collection::vec(op(), 0..80)) {
        let mut p = captured();
        let mut refunds: Vec<Refund> = Vec::new();
        let mut seq = p.last_sequence();
        for (i, op) in ops.into_iter().enumerate() {
            let now = T0.plus(i as u64);
            let before = refund_summary(&p, &refunds);
            match op {
                Op::Request { amount, cas } => {
                    let sent = match cas {
                        Cas::Absent => None,
                        Cas::Fresh => Some(before.amount_available),
                        Cas::Value(v) => Some(v),
                    };
                    match submit_refund(&mut p, &refunds, amount, sent, rid(i as u64), now) {
                        Ok((refund, event)) => {
                            prop_assert!(amount >= 1 && amount <= before.amount_available);
                            prop_assert_eq!(before.status, RefundAvailability::Available);
                            if let Some(v) = sent {
                                prop_assert_eq!(v, before.amount_available, "a stale CAS value was accepted");
                            }
                            seq += 1;
                            prop_assert_eq!(event.sequence, seq);
                            refunds.push(refund);
                        }
                        Err(RefundError::AmountAvailableMismatch { expected, actual }) => {
                            prop_assert_eq!(Some(expected), sent);
                            prop_assert_eq!(actual, before.amount_available);
                            prop_assert_ne!(expected, actual);
                        }
                        Err(_) => {}
                    }
                }
                Op::Succeed(n) | Op::Fail(n) if !refunds.is_empty() => {
                    let idx = n % refunds.len();
                    let input = if matches!(op, Op::Succeed(_)) {
                        RefundInput::ProviderSucceeded { provider_refund_id: None }
                    } else {
                        RefundInput::ProviderFailed
                    };
                    let was = refunds[idx].status();
                    let result = refunds[idx].apply(input, &mut p, now);
                    prop_assert_eq!(result.is_ok(), was == RefundStatus::Submitted);
                    if let Ok(event) = result {
                        seq += 1;
                        prop_assert_eq!(event.sequence, seq);
                    }
                }
                Op::Succeed(_) | Op::Fail(_) => {}
            }
            let committed: u64 = refunds
                .iter()
                .filter(|r| r.status().counts_against_payment())
                .map(Refund::amount)
                .sum();
            prop_assert!(committed <= p.amount(), "refunds {} exceed capture {}", committed, p.amount());
            let after = refund_summary(&p, &refunds);
            prop_assert_eq!(after.amount_submitted, committed);
            prop_assert_eq!(after.amount_available, p.amount() - committed);
            prop_assert_eq!(p.status(), PaymentStatus::Captured);
            prop_assert_eq!(p.last_sequence(), seq);
        }
    }
}

#[test]
fn a_payment_has_at_most_max_refunds_and_the_tally_matches_the_list() {
    let mut p = captured();
    let mut refunds = Vec::new();
    for n in 0..MAX_REFUNDS_PER_PAYMENT {
        let tally = RefundTally::of(&p, &refunds);
        assert_eq!(tally.count, n);
        let (refund, _) = submit_refund_against(&mut p, tally, 1, None, rid(n), T0).unwrap();
        refunds.push(refund);
    }
    let tally = RefundTally::of(&p, &refunds);
    assert_eq!(
        tally,
        RefundTally {
            count: MAX_REFUNDS_PER_PAYMENT,
            amount_submitted: MAX_REFUNDS_PER_PAYMENT
        }
    );
    let before = p.clone();
    let refused = submit_refund(&mut p, &refunds, 1, None, rid(999), T0).unwrap_err();
    assert_eq!(
        refused,
        RefundError::TooManyRefunds {
            max: MAX_REFUNDS_PER_PAYMENT
        }
    );
    assert_eq!(p, before, "a refused refund changes nothing");
    let err = refused.public_api_error();
    assert_eq!((err.http_status(), err.code.as_str()), (400, "P0603"));
    assert!(
        err.description.contains("too_many_refunds"),
        "{}",
        err.description
    );
    // GOV.UK Pay's own answers come first: a stale CAS is still 412 at the limit.
    assert_eq!(
        submit_refund(&mut p, &refunds, 1, Some(1), rid(999), T0).unwrap_err(),
        RefundError::AmountAvailableMismatch {
            expected: 1,
            actual: AMOUNT - MAX_REFUNDS_PER_PAYMENT
        }
    );
}

#[test]
fn stored_refunds_name_amount_and_status_as_the_edge_sums_them() {
    // The edge tallies refunds in SQL with `json_extract(record, '$.amount' / '$.status')`.
    let mut p = captured();
    let (refund, _) = submit_refund(&mut p, &[], 700, None, rid(1), T0).unwrap();
    let json = serde_json::to_value(&refund).unwrap();
    assert_eq!(json["amount"], 700);
    assert_eq!(json["status"], "submitted");
}
