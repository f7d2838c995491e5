//! Per-account request rate limits as token buckets, the way GOV.UK Pay limits requests
//! (by default 15 POSTs and 75 other requests per second per account).
//!
//! A bucket holds at most one second's worth of tokens and refills continuously, so a
//! burst of `rate` requests is allowed and sustained traffic is held to `rate` per second.
//! Each account has a pair of buckets per mode (`AccountLimiter`) and one for failed
//! authentications.

use crate::account::RateLimits;
use crate::credentials::ApiKeyMode;
use crate::time::{UnixMillis, SECOND_MS};

/// Failed authentications an account takes per second (and in a burst) before further
/// unknown keys are answered 429: a forged key with a valid CRC is routed to the account's
/// object, and a flood of them must not be able to keep it busy. Only failures draw from
/// this bucket, so the account's real keys are never held back by it.
pub const FAILED_AUTH_PER_SECOND: u32 = 10;

/// One bucket. Tokens are counted in thousandths so refills need no floats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenBucket {
    milli_tokens: u64,
    updated: UnixMillis,
}

impl TokenBucket {
    /// A full bucket for `rate` requests per second.
    pub fn full(rate: u32, now: UnixMillis) -> TokenBucket {
        TokenBucket {
            milli_tokens: u64::from(rate) * 1000,
            updated: now,
        }
    }

    /// Takes one token if there is one; otherwise returns how many whole seconds to wait
    /// before one will be there (for `Retry-After`, at least 1).
    pub fn try_take(&mut self, rate: u32, now: UnixMillis) -> Result<(), u64> {
        let rate = u64::from(rate.max(1));
        let capacity = rate * 1000;
        let elapsed = now.as_millis().saturating_sub(self.updated.as_millis());
        // `rate` tokens per 1000 ms is `rate` milli-tokens per ms.
        self.milli_tokens = self
            .milli_tokens
            .saturating_add(elapsed.saturating_mul(rate))
            .min(capacity);
        self.updated = self.updated.max(now);
        if self.milli_tokens >= 1000 {
            self.milli_tokens -= 1000;
            Ok(())
        } else {
            let missing = 1000 - self.milli_tokens;
            let wait_ms = missing.div_ceil(rate);
            Err(wait_ms.div_ceil(SECOND_MS).max(1))
        }
    }
}

/// Which of an account's request buckets a request draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// A `POST` (GOV.UK Pay limits these more tightly).
    Post,
    /// Any other request.
    Other,
}

/// A pair of buckets, filled on first use.
#[derive(Debug, Clone, Copy, Default)]
struct Pair {
    posts: Option<TokenBucket>,
    others: Option<TokenBucket>,
}

/// Every bucket of one account: a POST and an other-requests bucket for each mode, so test
/// traffic (a load test, a runaway integration script) can never hold back live payments,
/// and one for failed authentications, which no valid key draws from.
#[derive(Debug, Clone, Copy, Default)]
pub struct AccountLimiter {
    test: Pair,
    live: Pair,
    failed_auth: Option<TokenBucket>,
}

impl AccountLimiter {
    /// Takes a token for a request authenticated in `mode`; `Err(seconds)` to wait.
    pub fn take(
        &mut self,
        mode: ApiKeyMode,
        request: Request,
        limits: RateLimits,
        now: UnixMillis,
    ) -> Result<(), u64> {
        let pair = match mode {
            ApiKeyMode::Test => &mut self.test,
            ApiKeyMode::Live => &mut self.live,
        };
        let (bucket, rate) = match request {
            Request::Post => (&mut pair.posts, limits.post_per_second),
            Request::Other => (&mut pair.others, limits.other_per_second),
        };
        bucket
            .get_or_insert_with(|| TokenBucket::full(rate, now))
            .try_take(rate, now)
    }

    /// Starts the request buckets afresh (full, at the new rates) after the account's limits
    /// change. The failed-authentication bucket is kept: it does not depend on them.
    pub fn limits_changed(&mut self) {
        self.test = Pair::default();
        self.live = Pair::default();
    }

    /// Records a failed authentication; `Err(seconds)` once there have been too many, when
    /// the failure is to be answered 429 (with `Retry-After`) instead of 401.
    pub fn take_failed_auth(&mut self, now: UnixMillis) -> Result<(), u64> {
        self.failed_auth
            .get_or_insert_with(|| TokenBucket::full(FAILED_AUTH_PER_SECOND, now))
            .try_take(FAILED_AUTH_PER_SECOND, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn test_traffic_cannot_hold_back_live_traffic() {
        let now = UnixMillis(1_000_000);
        let limits = RateLimits {
            post_per_second: 3,
            other_per_second: 5,
        };
        let mut limiter = AccountLimiter::default();
        for _ in 0..3 {
            assert_eq!(
                limiter.take(ApiKeyMode::Test, Request::Post, limits, now),
                Ok(())
            );
        }
        assert_eq!(
            limiter.take(ApiKeyMode::Test, Request::Post, limits, now),
            Err(1)
        );
        // Live POSTs, and other test requests, have buckets of their own.
        for _ in 0..3 {
            assert_eq!(
                limiter.take(ApiKeyMode::Live, Request::Post, limits, now),
                Ok(())
            );
        }
        assert_eq!(
            limiter.take(ApiKeyMode::Live, Request::Post, limits, now),
            Err(1)
        );
        for _ in 0..5 {
            assert_eq!(
                limiter.take(ApiKeyMode::Test, Request::Other, limits, now),
                Ok(())
            );
        }
        assert_eq!(
            limiter.take(ApiKeyMode::Test, Request::Other, limits, now),
            Err(1)
        );
        assert_eq!(
            limiter.take(ApiKeyMode::Live, Request::Other, limits, now),
            Ok(())
        );
    }

    #[test]
    fn failed_authentications_have_a_bucket_of_their_own() {
        let now = UnixMillis(1_000_000);
        let limits = RateLimits::default();
        let mut limiter = AccountLimiter::default();
        for _ in 0..FAILED_AUTH_PER_SECOND {
            assert_eq!(limiter.take_failed_auth(now), Ok(()));
        }
        assert_eq!(limiter.take_failed_auth(now), Err(1));
        // Authenticated requests are untouched by the failures…
        assert_eq!(
            limiter.take(ApiKeyMode::Test, Request::Post, limits, now),
            Ok(())
        );
        assert_eq!(
            limiter.take(ApiKeyMode::Live, Request::Other, limits, now),
            Ok(())
        );
        // …and the failures' bucket refills like any other.
        assert_eq!(limiter.take_failed_auth(now.plus(100)), Ok(()));
        assert!(limiter.take_failed_auth(now.plus(100)).is_err());
    }

    #[test]
    fn allows_a_burst_of_rate_then_refuses() {
        let now = UnixMillis(1_000_000);
        let mut bucket = TokenBucket::full(15, now);
        for _ in 0..15 {
            assert_eq!(bucket.try_take(15, now), Ok(()));
        }
        assert_eq!(bucket.try_take(15, now), Err(1));
    }

    #[test]
    fn refills_continuously() {
        let now = UnixMillis(1_000_000);
        let mut bucket = TokenBucket::full(10, now);
        for _ in 0..10 {
            bucket.try_take(10, now).unwrap();
        }
        assert!(bucket.try_take(10, now.plus(99)).is_err());
        assert_eq!(bucket.try_take(10, now.plus(100)), Ok(()));
        // A long pause refills to one second's worth, not more.
        let later = now.plus(60_000);
        for _ in 0..10 {
            bucket.try_take(10, later).unwrap();
        }
        assert!(bucket.try_take(10, later).is_err());
    }

    #[test]
    fn a_clock_going_backwards_does_not_mint_tokens() {
        let now = UnixMillis(1_000_000);
        let mut bucket = TokenBucket::full(1, now);
        bucket.try_take(1, now).unwrap();
        assert!(bucket.try_take(1, now.minus(5_000)).is_err());
        assert!(bucket.try_take(1, now.plus(500)).is_err());
        assert_eq!(bucket.try_take(1, now.plus(1000)), Ok(()));
    }

    proptest! {
        /// Over any window, no more than rate * (seconds + 1) requests get through.
        #[test]
        fn never_exceeds_the_rate(rate in 1u32..100, gaps in proptest::collection::vec(0u64..200, 1..500)) {
            let start = UnixMillis(5_000_000);
            let mut bucket = TokenBucket::full(rate, start);
            let mut now = start;
            let mut allowed = 0u64;
            for gap in gaps {
                now = now.plus(gap);
                if bucket.try_take(rate, now).is_ok() {
                    allowed += 1;
                }
            }
            let elapsed_ms = now.as_millis() - start.as_millis();
            let bound = u64::from(rate) + u64::from(rate) * elapsed_ms / 1000 + 1;
            prop_assert!(allowed <= bound, "{allowed} > {bound}");
        }
    }
}
