//! What a payment remembers about the card: enough to show `card_details`, never enough to
//! charge it.
//!
//! PCI DSS allows storing at most the first six and last four digits of a card number, and
//! never the security code. The type makes anything else unrepresentable: digits fields
//! have exact lengths, and a cardholder name that contains a card number's worth of digits
//! (a payer pasting their card number into the name field) is rejected rather than stored.

use serde::{Deserialize, Serialize};

/// A stored card summary. Construct with [`CardSummary::new`]; deserialisation runs the
/// same checks, so stored data cannot smuggle in a full card number either.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CardSummaryFields")]
pub struct CardSummary {
    brand: String,
    first6: String,
    last4: String,
    expiry_date: String,
    cardholder_name: Option<String>,
}

/// Why a card summary was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardSummaryError {
    /// The brand is empty or implausibly long.
    Brand,
    /// `first6` is not exactly six ASCII digits.
    FirstDigits,
    /// `last4` is not exactly four ASCII digits.
    LastDigits,
    /// The expiry is not `MM/YY` with a month from 01 to 12.
    ExpiryDate,
    /// The cardholder name looks like it contains a card number.
    CardholderName,
}

impl core::fmt::Display for CardSummaryError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            CardSummaryError::Brand => "card brand must be 1 to 40 characters",
            CardSummaryError::FirstDigits => "first digits must be exactly 6 digits",
            CardSummaryError::LastDigits => "last digits must be exactly 4 digits",
            CardSummaryError::ExpiryDate => "expiry date must be MM/YY",
            CardSummaryError::CardholderName => "cardholder name must not contain a card number",
        })
    }
}

impl std::error::Error for CardSummaryError {}

/// Longest brand name accepted; real ones ("American Express") are far shorter.
const MAX_BRAND_LEN: usize = 40;

/// Card numbers have at least 12 digits; a name with that many digits is almost certainly
/// a card number typed into the wrong field, and storing it would put a PAN at rest.
const MAX_DIGITS_IN_NAME: usize = 11;

impl CardSummary {
    /// Validates and builds a summary. `expiry_date` is `MM/YY`, as GOV.UK Pay shows it.
    pub fn new(
        brand: impl Into<String>,
        first6: impl Into<String>,
        last4: impl Into<String>,
        expiry_date: impl Into<String>,
        cardholder_name: Option<String>,
    ) -> Result<CardSummary, CardSummaryError> {
        let brand = brand.into();
        let first6 = first6.into();
        let last4 = last4.into();
        let expiry_date = expiry_date.into();
        if brand.trim().is_empty() || brand.chars().count() > MAX_BRAND_LEN {
            return Err(CardSummaryError::Brand);
        }
        if !is_digits(&first6, 6) {
            return Err(CardSummaryError::FirstDigits);
        }
        if !is_digits(&last4, 4) {
            return Err(CardSummaryError::LastDigits);
        }
        if !is_expiry(&expiry_date) {
            return Err(CardSummaryError::ExpiryDate);
        }
        if let Some(name) = &cardholder_name {
            if name.chars().filter(char::is_ascii_digit).count() > MAX_DIGITS_IN_NAME {
                return Err(CardSummaryError::CardholderName);
            }
        }
        Ok(CardSummary {
            brand,
            first6,
            last4,
            expiry_date,
            cardholder_name,
        })
    }

    /// The summary of a card that passed the card rules, or the error to show the payer. The
    /// rules guarantee every part but the name, which is refused if it looks like a card
    /// number (the summary is stored).
    pub fn of_validated(
        card: &crate::card::ValidatedCard,
    ) -> Result<CardSummary, crate::card::CardFieldError> {
        CardSummary::new(
            card.brand().id(),
            card.first_six(),
            card.last_four(),
            card.expiry().to_string(),
            Some(card.cardholder_name().to_string()),
        )
        .map_err(|_| crate::card::CardFieldError {
            field: crate::card::CardField::Name,
            kind: crate::card::CardError::NameLooksLikeCardNumber,
        })
    }

    /// Card brand, e.g. `Visa`.
    pub fn brand(&self) -> &str {
        &self.brand
    }

    /// The first six digits (GOV.UK Pay's `first_digits_card_number`).
    pub fn first6(&self) -> &str {
        &self.first6
    }

    /// The last four digits (GOV.UK Pay's `last_digits_card_number`).
    pub fn last4(&self) -> &str {
        &self.last4
    }

    /// `MM/YY`.
    pub fn expiry_date(&self) -> &str {
        &self.expiry_date
    }

    /// The name on the card, if given.
    pub fn cardholder_name(&self) -> Option<&str> {
        self.cardholder_name.as_deref()
    }
}

fn is_digits(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| b.is_ascii_digit())
}

fn is_expiry(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() != 5 || b.get(2) != Some(&b'/') {
        return false;
    }
    let (Some(month), Some(year)) = (text.get(0..2), text.get(3..5)) else {
        return false;
    };
    if !is_digits(month, 2) || !is_digits(year, 2) {
        return false;
    }
    matches!(month.parse::<u8>(), Ok(1..=12))
}

/// The unvalidated shape, used only to route deserialisation through [`CardSummary::new`].
#[derive(Deserialize)]
struct CardSummaryFields {
    brand: String,
    first6: String,
    last4: String,
    expiry_date: String,
    #[serde(default)]
    cardholder_name: Option<String>,
}

impl TryFrom<CardSummaryFields> for CardSummary {
    type Error = CardSummaryError;

    fn try_from(f: CardSummaryFields) -> Result<CardSummary, CardSummaryError> {
        CardSummary::new(f.brand, f.first6, f.last4, f.expiry_date, f.cardholder_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok() -> CardSummary {
        CardSummary::new(
            "Visa",
            "424242",
            "4242",
            "04/29",
            Some("Sherlock Holmes".into()),
        )
        .unwrap()
    }

    #[test]
    fn accepts_a_well_formed_summary() {
        let c = ok();
        assert_eq!(c.brand(), "Visa");
        assert_eq!(c.first6(), "424242");
        assert_eq!(c.last4(), "4242");
        assert_eq!(c.expiry_date(), "04/29");
        assert_eq!(c.cardholder_name(), Some("Sherlock Holmes"));
    }

    #[test]
    fn rejects_anything_that_could_hold_a_full_card_number() {
        use CardSummaryError as E;
        let cases = [
            (
                CardSummary::new("Visa", "4242424242424242", "4242", "04/29", None),
                E::FirstDigits,
            ),
            (
                CardSummary::new("Visa", "42424", "4242", "04/29", None),
                E::FirstDigits,
            ),
            (
                CardSummary::new("Visa", "4242a2", "4242", "04/29", None),
                E::FirstDigits,
            ),
            (
                CardSummary::new("Visa", "424242", "424242", "04/29", None),
                E::LastDigits,
            ),
            (
                CardSummary::new("Visa", "424242", "４２４２", "04/29", None),
                E::LastDigits,
            ),
            (
                CardSummary::new("", "424242", "4242", "04/29", None),
                E::Brand,
            ),
            (
                CardSummary::new("Visa", "424242", "4242", "13/29", None),
                E::ExpiryDate,
            ),
            (
                CardSummary::new("Visa", "424242", "4242", "00/29", None),
                E::ExpiryDate,
            ),
            (
                CardSummary::new("Visa", "424242", "4242", "4/29", None),
                E::ExpiryDate,
            ),
            (
                CardSummary::new("Visa", "424242", "4242", "04-29", None),
                E::ExpiryDate,
            ),
            (
                CardSummary::new(
                    "Visa",
                    "424242",
                    "4242",
                    "04/29",
                    Some("4242 4242 4242 4242".into()),
                ),
                E::CardholderName,
            ),
        ];
        for (got, want) in cases {
            assert_eq!(got, Err(want));
        }
    }

    #[test]
    fn deserialisation_validates_too() {
        let json = serde_json::to_string(&ok()).unwrap();
        assert_eq!(serde_json::from_str::<CardSummary>(&json).unwrap(), ok());
        let smuggled =
            r#"{"brand":"Visa","first6":"4242424242424242","last4":"4242","expiry_date":"04/29"}"#;
        assert!(serde_json::from_str::<CardSummary>(smuggled).is_err());
    }
}
