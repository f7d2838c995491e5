//! Lifetimes of what an ordinary client makes an account store: hosted-page tokens, payer
//! sessions, webhook messages with their attempts, and the ids of providers'
//! notifications. Every such row has a deadline after which it is refused (tokens,
//! sessions) and pruned by the account's alarm, a bounded number of rows per run.

use crate::time::{UnixMillis, DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS};

/// How long a `next_url` token opens the hosted pages: GOV.UK Pay's 90-minute payment link.
/// A payment still open after that gets a new token on its next `GET`.
pub const PAGE_TOKEN_TTL_MS: u64 = 90 * MINUTE_MS;

/// How long `GET /v1/payments/{id}` shows the same unused token again instead of making a
/// new one: half its lifetime, so the link a service hands out has at least 45 minutes left.
pub const PAGE_TOKEN_REUSE_MS: u64 = PAGE_TOKEN_TTL_MS / 2;

/// How long a payer's session on the hosted pages lasts (the cookie's `Max-Age`).
pub const PAY_SESSION_TTL_MS: u64 = 2 * HOUR_MS;

/// How long a webhook message and its attempts are kept after their final state
/// (`successful`, `failed`, `will_not_send`).
pub const WEBHOOK_MESSAGE_RETENTION_MS: u64 = 30 * DAY_MS;

/// How long a provider notification's id is kept to recognise a repeat: 30 days, far past
/// the providers' retry windows (Stripe retries for three days, Adyen for about a week),
/// so a redelivery always finds it.
pub const PROVIDER_NOTIFICATION_RETENTION_MS: u64 = 30 * DAY_MS;

/// Rows one alarm run prunes per table at most; the rest go in the next run.
pub const PRUNE_BATCH: u64 = 500;

// A reused token always has time left; a pruned session's cookie has always expired.
const _: () = assert!(PAGE_TOKEN_REUSE_MS < PAGE_TOKEN_TTL_MS);
const _: () = assert!(PAY_SESSION_TTL_MS % SECOND_MS == 0);

/// Whether something made at `since` with lifetime `ttl_ms` is still alive at `now`.
pub fn alive(since: UnixMillis, ttl_ms: u64, now: UnixMillis) -> bool {
    since.plus(ttl_ms) > now
}

/// The newest start instant whose lifetime `ttl_ms` is over at `now`: rows that started at
/// or before it may be pruned.
pub fn cutoff(now: UnixMillis, ttl_ms: u64) -> UnixMillis {
    UnixMillis(now.as_millis().saturating_sub(ttl_ms))
}

/// The payer session cookie's `Max-Age`, in seconds.
pub const fn pay_session_max_age_seconds() -> u64 {
    PAY_SESSION_TTL_MS / SECOND_MS
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: UnixMillis = UnixMillis(1_800_000_000_000);

    #[test]
    fn alive_until_the_lifetime_is_over_and_cutoff_agrees() {
        assert!(alive(T, PAGE_TOKEN_TTL_MS, T));
        assert!(alive(T, PAGE_TOKEN_TTL_MS, T.plus(PAGE_TOKEN_TTL_MS - 1)));
        assert!(!alive(T, PAGE_TOKEN_TTL_MS, T.plus(PAGE_TOKEN_TTL_MS)));
        // Exactly what is no longer alive is at or before the cutoff.
        for now in [T, T.plus(PAGE_TOKEN_TTL_MS - 1), T.plus(PAGE_TOKEN_TTL_MS)] {
            let prunable = T <= cutoff(now, PAGE_TOKEN_TTL_MS);
            assert_eq!(prunable, !alive(T, PAGE_TOKEN_TTL_MS, now));
        }
        assert_eq!(cutoff(UnixMillis(5), DAY_MS), UnixMillis(0));
    }

    #[test]
    fn the_session_cookie_lives_as_long_as_the_session() {
        assert_eq!(pay_session_max_age_seconds(), 7200);
    }
}
