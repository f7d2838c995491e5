//! Submitting the card: validate with `kassa-core` exactly as the server will, then seal the
//! details to the gateway's public key. Pure apart from its inputs (the time and 32 random
//! bytes are parameters), so it is tested in wasm without a DOM.

use kassa_core::card::{self, CardBrand, CardFieldError, CardInput};
use kassa_core::sealed_token::{seal_card, CardSecrets, SealingPublicKey};
use kassa_core::time::UnixMillis;

/// What the page tells the widget about the payment it seals for.
pub struct SealConfig {
    pub key: SealingPublicKey,
    /// `payment:<id>`: the token opens only for that payment.
    pub binding: String,
    pub accepted: Vec<CardBrand>,
}

/// Why nothing was sealed.
#[derive(Debug, PartialEq, Eq)]
pub enum NotSealed {
    /// The payer has something to correct, field by field.
    Invalid(Vec<CardFieldError>),
    /// The details were valid but could not be sealed (they never are sent in the clear).
    SealFailed,
}

/// The sealed token for `input`, or what stops it.
pub fn validate_and_seal(
    input: &CardInput,
    config: &SealConfig,
    now: UnixMillis,
    ikm_e: &[u8; 32],
) -> Result<String, NotSealed> {
    let card = card::validate_card(input, now, &config.accepted).map_err(NotSealed::Invalid)?;
    let secrets = CardSecrets::from_validated(&card);
    seal_card(&secrets, &config.key, &config.binding, now, ikm_e).map_err(|_| NotSealed::SealFailed)
}
