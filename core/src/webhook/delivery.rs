//! A message's delivery: its status, the retry schedule, and what each attempt changes.
//!
//! A message is `pending` until an attempt succeeds (`successful`) or the schedule runs out
//! (`failed`). A message created for a webhook that was inactive at event time is
//! `will_not_send` and is never attempted unless someone resends it.
//!
//! Delivery is at-least-once. Before a message is sent it is *claimed*: its next attempt is
//! moved to `now + CLAIM_MS` and stored, and the alarm is armed for then, before the request
//! goes out. If the object dies mid-delivery the claim simply expires and the message is sent
//! again; if the attempt finishes, [`Delivery::record`] replaces the claim with the outcome.

use serde::{Deserialize, Serialize};

use crate::time::{UnixMillis, DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS};

/// GOV.UK Pay's retry delays after a failed attempt: 60 s, 5 min, 1 h, 1 day, 2 days.
pub const DEFAULT_RETRY_SCHEDULE_MS: [u64; 5] =
    [MINUTE_MS, 5 * MINUTE_MS, HOUR_MS, DAY_MS, 2 * DAY_MS];
/// Limits on a per-webhook schedule: at most 10 retries, each 1 s to 3 days.
pub const MAX_RETRIES: usize = 10;
pub const MIN_RETRY_SECONDS: u64 = 1;
pub const MAX_RETRY_SECONDS: u64 = 3 * DAY_MS / SECOND_MS;
/// How long a receiver has to answer before the attempt counts as a timeout.
pub const ATTEMPT_TIMEOUT_MS: u64 = 5 * SECOND_MS;
/// How much of a response body is read (and kept, for the attempt log).
pub const MAX_RESPONSE_BODY_BYTES: usize = 4 * 1024;
/// How long a claim holds a message before it is sent again: well beyond the timeout, so a
/// live attempt always records its outcome before its claim runs out.
pub const CLAIM_MS: u64 = 30 * SECOND_MS;
/// How many messages one alarm sends at most; the rest wait for the next alarm, set at once.
pub const BATCH: usize = 20;
/// How many of one webhook's messages one alarm sends at most. The batch is shared out in
/// rounds (each webhook's oldest due message, then its next …), first attempts before
/// retries and live before test within a round, so a receiver that never answers cannot
/// fill the batch for the others.
pub const PER_WEBHOOK: usize = 5;

/// A message's delivery status, as the API shows and filters it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    Pending,
    Successful,
    Failed,
    WillNotSend,
}

impl MessageStatus {
    pub const ALL: [MessageStatus; 4] = [
        MessageStatus::Pending,
        MessageStatus::Successful,
        MessageStatus::Failed,
        MessageStatus::WillNotSend,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Pending => "pending",
            MessageStatus::Successful => "successful",
            MessageStatus::Failed => "failed",
            MessageStatus::WillNotSend => "will_not_send",
        }
    }

    pub fn parse(text: &str) -> Option<MessageStatus> {
        MessageStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// What one attempt produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum AttemptOutcome {
    /// The receiver answered with this HTTP status.
    Response { status_code: u16 },
    /// No answer within [`ATTEMPT_TIMEOUT_MS`].
    Timeout,
    /// The request could not be made or completed (DNS, TLS, connection refused …).
    NetworkError { reason: String },
}

impl AttemptOutcome {
    /// Any 2xx is success; redirects are not followed and count as failures, like
    /// GOV.UK Pay (a redirect could lead the request somewhere the URL rules forbid).
    pub fn succeeded(&self) -> bool {
        matches!(self, AttemptOutcome::Response { status_code } if (200..300).contains(status_code))
    }

    pub fn status_code(&self) -> Option<u16> {
        match self {
            AttemptOutcome::Response { status_code } => Some(*status_code),
            _ => None,
        }
    }

    /// The failure reason shown in the attempt log; `None` for an HTTP answer.
    pub fn failure_reason(&self) -> Option<String> {
        match self {
            AttemptOutcome::Response { .. } => None,
            AttemptOutcome::Timeout => Some("timeout".into()),
            AttemptOutcome::NetworkError { reason } => Some(reason.clone()),
        }
    }
}

/// The delivery state stored beside each message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub status: MessageStatus,
    /// When the next attempt is due (for `pending` only).
    pub next_attempt_at: Option<UnixMillis>,
    /// Attempts made in all (every attempt is logged).
    pub attempts: u32,
    /// Failed attempts since the message was created or last resent: the index into the
    /// retry schedule.
    pub retries_used: u32,
}

impl Delivery {
    /// A new message: due at once if the webhook is active, never sent otherwise.
    pub fn new(active: bool, now: UnixMillis) -> Delivery {
        Delivery {
            status: if active {
                MessageStatus::Pending
            } else {
                MessageStatus::WillNotSend
            },
            next_attempt_at: active.then_some(now),
            attempts: 0,
            retries_used: 0,
        }
    }

    /// Whether the alarm should send this message at `now`.
    pub fn is_due(&self, now: UnixMillis) -> bool {
        self.status == MessageStatus::Pending && self.next_attempt_at.is_some_and(|t| t <= now)
    }

    /// The claim written before sending: the message comes due again at `now + CLAIM_MS`
    /// unless the attempt's outcome is recorded first.
    pub fn claim(self, now: UnixMillis) -> Delivery {
        Delivery {
            next_attempt_at: Some(now.plus(CLAIM_MS)),
            ..self
        }
    }

    /// The state after an attempt that finished at `now`. `schedule` holds the retry delays
    /// in milliseconds. A message no longer pending (resent meanwhile into a new cycle, or
    /// already successful from an overlapping attempt) still counts the attempt but is
    /// otherwise left as it is, except that a success always makes it successful.
    pub fn record(self, outcome: &AttemptOutcome, now: UnixMillis, schedule: &[u64]) -> Delivery {
        let attempts = self.attempts.saturating_add(1);
        if outcome.succeeded() {
            return Delivery {
                status: MessageStatus::Successful,
                next_attempt_at: None,
                attempts,
                retries_used: self.retries_used,
            };
        }
        if self.status != MessageStatus::Pending {
            return Delivery { attempts, ..self };
        }
        match schedule.get(self.retries_used as usize) {
            Some(&delay) => Delivery {
                status: MessageStatus::Pending,
                next_attempt_at: Some(now.plus(delay)),
                attempts,
                retries_used: self.retries_used.saturating_add(1),
            },
            None => Delivery {
                status: MessageStatus::Failed,
                next_attempt_at: None,
                attempts,
                retries_used: self.retries_used,
            },
        }
    }

    /// A resend: due at once, with the whole retry schedule available again.
    pub fn resend(self, now: UnixMillis) -> Delivery {
        Delivery {
            status: MessageStatus::Pending,
            next_attempt_at: Some(now),
            attempts: self.attempts,
            retries_used: 0,
        }
    }
}

/// Milliseconds of a schedule given in seconds (the API's unit).
pub fn schedule_ms(seconds: &[u64]) -> Vec<u64> {
    seconds
        .iter()
        .map(|s| s.saturating_mul(SECOND_MS))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: UnixMillis = UnixMillis(1_700_000_000_000);
    const FAIL: AttemptOutcome = AttemptOutcome::Response { status_code: 500 };

    #[test]
    fn any_2xx_is_success_and_nothing_else() {
        for code in [200, 201, 202, 204, 299] {
            assert!(AttemptOutcome::Response { status_code: code }.succeeded());
        }
        for code in [100, 199, 301, 302, 304, 400, 404, 410, 500, 503] {
            assert!(!AttemptOutcome::Response { status_code: code }.succeeded());
        }
        assert!(!AttemptOutcome::Timeout.succeeded());
        assert_eq!(
            AttemptOutcome::Timeout.failure_reason().as_deref(),
            Some("timeout")
        );
    }

    #[test]
    fn inactive_webhooks_get_will_not_send_and_are_never_due() {
        let d = Delivery::new(false, T0);
        assert_eq!(d.status, MessageStatus::WillNotSend);
        assert!(!d.is_due(T0.plus(10 * DAY_MS)));
        let d = Delivery::new(true, T0);
        assert!(d.is_due(T0));
    }

    #[test]
    fn the_default_schedule_retries_five_times_then_fails() {
        let mut d = Delivery::new(true, T0);
        let mut now = T0;
        let mut waits = Vec::new();
        for _ in 0..5 {
            d = d.record(&FAIL, now, &DEFAULT_RETRY_SCHEDULE_MS);
            assert_eq!(d.status, MessageStatus::Pending);
            let next = d.next_attempt_at.unwrap();
            waits.push(next.as_millis() - now.as_millis());
            now = next;
        }
        assert_eq!(waits, DEFAULT_RETRY_SCHEDULE_MS.to_vec());
        d = d.record(&AttemptOutcome::Timeout, now, &DEFAULT_RETRY_SCHEDULE_MS);
        assert_eq!(d.status, MessageStatus::Failed);
        assert_eq!(d.attempts, 6);
        assert_eq!(d.next_attempt_at, None);
    }

    #[test]
    fn success_ends_delivery_even_after_failures() {
        let d = Delivery::new(true, T0).record(&FAIL, T0, &[1000]).record(
            &AttemptOutcome::Response { status_code: 204 },
            T0.plus(1000),
            &[1000],
        );
        assert_eq!(d.status, MessageStatus::Successful);
        assert_eq!(d.attempts, 2);
        assert!(!d.is_due(T0.plus(DAY_MS)));
    }

    #[test]
    fn a_claim_makes_the_message_due_again_if_no_outcome_is_recorded() {
        let d = Delivery::new(true, T0).claim(T0);
        assert!(!d.is_due(T0.plus(CLAIM_MS - 1)));
        assert!(d.is_due(T0.plus(CLAIM_MS)));
        const { assert!(CLAIM_MS > ATTEMPT_TIMEOUT_MS * 2) };
    }

    #[test]
    fn resend_restarts_the_schedule_and_keeps_the_attempt_count() {
        let failed = Delivery::new(true, T0).record(&FAIL, T0, &[]);
        assert_eq!(failed.status, MessageStatus::Failed);
        let again = failed.resend(T0.plus(5));
        assert!(again.is_due(T0.plus(5)));
        assert_eq!(again.attempts, 1);
        assert_eq!(again.retries_used, 0);
        let later = again.record(&FAIL, T0.plus(6), &[7]);
        assert_eq!(later.next_attempt_at, Some(T0.plus(13)));
        let skipped = Delivery::new(false, T0).resend(T0);
        assert!(skipped.is_due(T0));
    }

    #[test]
    fn a_late_failure_does_not_undo_a_success() {
        let done = Delivery::new(true, T0).record(
            &AttemptOutcome::Response { status_code: 200 },
            T0,
            &[1],
        );
        let after = done.record(&FAIL, T0.plus(1), &[1]);
        assert_eq!(after.status, MessageStatus::Successful);
        assert_eq!(after.attempts, 2);
    }

    #[test]
    fn statuses_round_trip() {
        for s in MessageStatus::ALL {
            assert_eq!(MessageStatus::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        assert_eq!(MessageStatus::parse("PENDING"), None);
    }
}
