//! Kassa's addition to `POST /v1/payments`: `sealed_card`, a card sealed by embedded
//! checkout's `tokenize()` in the merchant's page (bound to `publishable:<pk>`), sent by the
//! merchant's server to create a payment that is authorised at once.
//!
//! Everything that can refuse a token is here, without I/O, so the worker only supplies the
//! keyring, the clock and the record of spent tokens. Every refusal is a 422 P0102 on the
//! `sealed_card` attribute, described without any card data.

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::create_payment::{body_value, parse_create_payment_value, CreatePaymentRequest};
use super::error::ApiError;
use crate::card::{validate_card, CardBrand, CardFieldError, ValidatedCard};
use crate::credentials::KeyHash;
use crate::sealed_token::{
    open_card, SealingSecretKey, TokenError, MAX_CLOCK_SKEW_MS, TOKEN_TTL_MS,
};
use crate::time::UnixMillis;

/// The attribute's name.
pub const FIELD: &str = "sealed_card";

/// Parses a create-payment body that may carry `sealed_card`. The other attributes are
/// checked exactly as without it (and reported first); a `sealed_card` that is not a string
/// is a 400, like any attribute of the wrong JSON type.
pub fn parse_create_payment_with_card(
    body: &[u8],
) -> Result<(CreatePaymentRequest, Option<String>), ApiError> {
    let mut value = body_value(body)?;
    let sealed = match &mut value {
        Value::Object(map) => map.remove(FIELD),
        _ => None,
    };
    let request = parse_create_payment_value(&value)?;
    match sealed {
        None => Ok((request, None)),
        Some(Value::String(token)) => Ok((request, Some(token))),
        Some(_) => Err(ApiError::invalid_type(FIELD, "Must be a string")),
    }
}

fn refused(why: &str) -> ApiError {
    ApiError::invalid(FIELD, why)
}

/// The refusal for a token that cannot be opened for this account and mode.
pub fn token_refused(err: TokenError) -> ApiError {
    refused(match err {
        TokenError::Expired => "The card token has expired (tokens are valid for 15 minutes)",
        TokenError::WrongBinding => {
            "The card token was not made with this account's publishable key for this mode"
        }
        TokenError::FromTheFuture => "The card token's creation time is in the future",
        TokenError::UnknownKey => "The card token was not sealed with this gateway's key",
        TokenError::Malformed
        | TokenError::TooLong
        | TokenError::UnsupportedVersion
        | TokenError::Tampered => "Must be a card token from Kassa's tokenize()",
    })
}

/// The refusal for a token already used to create a payment.
pub fn token_used() -> ApiError {
    refused("The card token has already been used")
}

/// The refusal for card details that fail the card rules (the first problem, in the card
/// form's words).
pub fn card_refused(errors: &[CardFieldError]) -> ApiError {
    let first = errors
        .first()
        .map_or("The card details are not valid", |e| {
            e.message(crate::language::Language::En)
        });
    refused(&format!("The card was refused: {first}"))
}

/// Opens `token` for `binding` and validates the card against the account's accepted
/// brands, as the hosted page does with the card it is posted.
pub fn open_and_validate(
    token: &str,
    key: Option<&SealingSecretKey>,
    binding: &str,
    now: UnixMillis,
    accepted: &[CardBrand],
) -> Result<ValidatedCard, ApiError> {
    let key = key.ok_or_else(|| token_refused(TokenError::UnknownKey))?;
    let keyring = |kid: &str| (kid == key.key_id()).then_some(key);
    let secrets = open_card(token, keyring, binding, now).map_err(token_refused)?;
    validate_card(&secrets.to_card_input(), now, accepted).map_err(|errors| card_refused(&errors))
}

/// What the record of spent tokens keeps: the token's SHA-256, never the token.
pub fn token_hash(token: &str) -> String {
    KeyHash(Sha256::digest(token.as_bytes()).into()).to_hex()
}

/// Until when a token opened at `now` must be remembered as spent: after that it would be
/// refused as expired anyway (its creation time may be up to the allowed skew ahead).
pub fn spent_until(now: UnixMillis) -> UnixMillis {
    now.plus(TOKEN_TTL_MS + MAX_CLOCK_SKEW_MS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::{ApiKeyMode, PublishableKey};
    use crate::ids::AccountId;
    use crate::sealed_token::{publishable_binding, seal_card, CardSecrets};

    const NOW: UnixMillis = UnixMillis(1_750_000_000_000);

    fn key() -> SealingSecretKey {
        SealingSecretKey::derive(&[7; 32]).unwrap()
    }

    fn binding(mode: ApiKeyMode) -> String {
        publishable_binding(
            &PublishableKey {
                mode,
                account_id: AccountId::generate([1; 10]),
            }
            .text(),
        )
    }

    fn seal(number: &str, binding: &str, at: UnixMillis) -> String {
        let card = CardSecrets {
            number: number.into(),
            expiry_month: 12,
            expiry_year: 2040,
            cvc: "123".into(),
            cardholder_name: "Mx Test".into(),
        };
        seal_card(&card, key().public_key(), binding, at, &[9; 32]).unwrap()
    }

    fn body(sealed: Value) -> Vec<u8> {
        serde_json::json!({
            "amount": 1000, "reference": "r", "description": "d",
            "return_url": "https://shop.example/done", "sealed_card": sealed,
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn sealed_card_is_split_from_the_request() {
        let (request, sealed) = parse_create_payment_with_card(&body("kst1.x".into())).unwrap();
        assert_eq!(sealed.as_deref(), Some("kst1.x"));
        assert_eq!(request.amount.minor_units(), 1000);
        let plain = br#"{"amount":1000,"reference":"r","description":"d","return_url":"https://a.example"}"#;
        assert_eq!(parse_create_payment_with_card(plain).unwrap().1, None);
        let err = parse_create_payment_with_card(&body(5.into())).unwrap_err();
        assert_eq!(
            (err.http_status(), err.field.as_deref()),
            (400, Some(FIELD))
        );
        // The other attributes are still checked, and first.
        let err = parse_create_payment_with_card(br#"{"sealed_card":5}"#).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("amount"));
        assert!(parse_create_payment_with_card(b"[]").is_err());
    }

    #[test]
    fn opens_only_for_its_binding_and_within_its_validity() {
        let test = binding(ApiKeyMode::Test);
        let token = seal("4242424242424242", &test, NOW);
        let card = open_and_validate(&token, Some(&key()), &test, NOW, &CardBrand::ALL).unwrap();
        assert_eq!(card.last_four(), "4242");
        let refusals = [
            open_and_validate(
                &token,
                Some(&key()),
                &binding(ApiKeyMode::Live),
                NOW,
                &CardBrand::ALL,
            ),
            open_and_validate(&token, None, &test, NOW, &CardBrand::ALL),
            open_and_validate(
                &token,
                Some(&key()),
                &test,
                NOW.plus(TOKEN_TTL_MS + 1),
                &CardBrand::ALL,
            ),
            open_and_validate("kst1.junk", Some(&key()), &test, NOW, &CardBrand::ALL),
            open_and_validate(&token, Some(&key()), &test, NOW, &[CardBrand::Mastercard]),
            open_and_validate(
                &seal("4242424242424241", &test, NOW),
                Some(&key()),
                &test,
                NOW,
                &CardBrand::ALL,
            ),
        ];
        for refusal in refusals {
            let err = refusal.err().unwrap();
            assert_eq!(
                (err.http_status(), err.field.as_deref()),
                (422, Some(FIELD))
            );
            assert!(!err.description.contains("4242"), "{}", err.description);
        }
        assert!(spent_until(NOW).as_millis() > NOW.as_millis() + TOKEN_TTL_MS);
        assert_eq!(token_hash(&token).len(), 64);
        assert_ne!(
            token_hash(&token),
            token_hash(&seal("4242424242424242", &test, NOW.plus(1)))
        );
    }
}
