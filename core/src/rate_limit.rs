//! Per-account request rate limits as token buckets, the way GOV.UK Pay limits requests
//! (by default 15 POSTs and 75 other requests per second per account).
//!
//! A bucket holds at most one second's worth of tokens and refills continuously, so a
//! burst of `rate` requests is allowed and sustained traffic is held to `rate` per second.

use crate::time::{UnixMillis, SECOND_MS};

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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
