//! `Idempotency-Key` rules: which keys are acceptable, how long a response is kept for
//! replay, and the fingerprint that tells a true retry from a different request.

use crate::api::error::{ApiError, ErrorCode};
use crate::provider::LEASE_MS;
use crate::time::{UnixMillis, HOUR_MS};
use sha2::{Digest, Sha256};

/// The request header.
pub const HEADER: &str = "Idempotency-Key";
/// The response header that marks a replayed response.
pub const REPLAYED_HEADER: &str = "Idempotent-Replayed";
/// How long a response is kept for replay.
pub const RETENTION_MS: u64 = 24 * HOUR_MS;
/// The longest key accepted.
pub const MAX_KEY_LEN: usize = 255;

/// Accepts 1 to 255 printable ASCII characters (no spaces), enough for UUIDs and the
/// prefixed keys client libraries generate; anything else is 422 naming the header.
pub fn validate_key(key: &str) -> Result<(), ApiError> {
    let ok =
        !key.is_empty() && key.len() <= MAX_KEY_LEN && key.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid_header(
            HEADER,
            format!("Invalid header value: {HEADER}. Must be 1 to {MAX_KEY_LEN} printable ASCII characters, not starting or ending with a space"),
        ))
    }
}

/// Identifies a request for replay: the same operation on the same resource with the same
/// body bytes. A retry must match it exactly; anything else reusing the key is a conflict.
pub fn fingerprint(method: &str, path: &str, body: &[u8]) -> String {
    let mut hash = Sha256::new();
    for part in [method.as_bytes(), path.as_bytes()] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part);
    }
    hash.update(body);
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// 409: the key was used for a different request.
pub fn key_reused() -> ApiError {
    ApiError::idempotency_key_already_used()
}

/// 409: the first request with this key has not finished; the client should retry.
pub fn still_running() -> ApiError {
    ApiError::with_description(
        ErrorCode::P0191,
        "A request with this Idempotency-Key is still being processed. Retry shortly",
    )
    .with_header(HEADER)
}

/// Whether a request recorded in flight at `since` has been abandoned: its invocation
/// ended without answering (a restart or deploy during its provider call). Every provider
/// call it makes ends within the job lease, so one still in flight after that never
/// answers; a duplicate is then answered with what the request left behind.
pub fn in_flight_abandoned(since: UnixMillis, now: UnixMillis) -> bool {
    since.as_millis().saturating_add(LEASE_MS) <= now.as_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_flight_requests_are_abandoned_after_the_provider_lease() {
        let since = UnixMillis(1_000_000);
        assert!(!in_flight_abandoned(since, since));
        assert!(!in_flight_abandoned(
            since,
            UnixMillis(1_000_000 + LEASE_MS - 1)
        ));
        assert!(in_flight_abandoned(since, UnixMillis(1_000_000 + LEASE_MS)));
        // A clock that went backwards is not a reason to give up on it.
        assert!(!in_flight_abandoned(since, UnixMillis(0)));
    }

    #[test]
    fn keys_are_printable_ascii_up_to_255() {
        for ok in [
            "a",
            "3f2b6c1e-5d7a-4b8e-9c0d-1e2f3a4b5c6d",
            &"k".repeat(255),
        ] {
            assert!(validate_key(ok).is_ok(), "{ok}");
        }
        for bad in ["", " ", " lead", "trail ", "tab\t", "é", &"k".repeat(256)] {
            let err = validate_key(bad).unwrap_err();
            assert_eq!(err.header.as_deref(), Some(HEADER));
            assert_eq!(err.http_status(), 422);
        }
    }

    #[test]
    fn fingerprints_separate_operation_resource_and_body() {
        let base = fingerprint("POST", "/v1/payments", b"{}");
        assert_eq!(base, fingerprint("POST", "/v1/payments", b"{}"));
        assert_ne!(base, fingerprint("POST", "/v1/payments", b"{ }"));
        assert_ne!(base, fingerprint("POST", "/v1/payments/x/cancel", b"{}"));
        // Length prefixes keep the parts from running together.
        assert_ne!(
            fingerprint("POST", "/a", b"b"),
            fingerprint("POST", "/ab", b"")
        );
    }

    #[test]
    fn reuse_is_a_conflict() {
        assert_eq!(key_reused().http_status(), 409);
        assert_eq!(still_running().http_status(), 409);
    }
}
