//! Card details as a payer enters them: validation, brand detection, masking and the
//! formatting the checkout widget applies while typing.
//!
//! The same functions run in the edge worker and, compiled to WebAssembly, in the browser,
//! so a number the widget accepts is one the server accepts. Everything is a pure function
//! of its arguments; "now" is a [`UnixMillis`] parameter.

mod brand;
mod expiry;
mod messages;
mod name;
mod number;

pub use brand::{detect_brand, CardBrand, MAX_PAN_DIGITS, MIN_PAN_DIGITS};
pub use expiry::{check_expiry, format_expiry_for_display, ExpiryDate};
pub use messages::{
    card_details_unreadable, error_summary_title, CardError, CardErrorKind, CardField,
    CardFieldError, Language,
};
pub use name::{check_cardholder_name, shown_again, MAX_NAME_CHARS};
pub use number::{
    check_number, first_six, format_number_for_display, last_four, luhn_check_digit, luhn_valid,
    masked, normalise_number,
};

use crate::time::UnixMillis;

/// Checks a card security code: digits only, as many as `brand` prints (4 for American
/// Express, 3 otherwise). With no brand known, 3 or 4 digits are accepted, as GOV.UK Pay
/// does. Surrounding whitespace is ignored.
pub fn check_cvc(cvc: &str, brand: Option<CardBrand>) -> Result<(), CardError> {
    let cvc = cvc.trim();
    if cvc.is_empty() {
        return Err(CardError::CvcMissing);
    }
    if !cvc.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CardError::CvcInvalid);
    }
    let length_ok = match brand {
        Some(brand) => cvc.len() == brand.cvc_length(),
        None => (3..=4).contains(&cvc.len()),
    };
    if length_ok {
        Ok(())
    } else {
        Err(CardError::CvcInvalid)
    }
}

/// The expiry as the form sent it: one combined field or separate month and year.
///
/// Deserialises untagged: a string is [`ExpiryInput::Combined`], an object with `month` and
/// `year` is [`ExpiryInput::Separate`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum ExpiryInput {
    /// `"MM/YY"`, `"MM / YY"` or `"MM/YYYY"`.
    Combined(String),
    /// Month and year fields, e.g. `"3"` and `"26"`.
    Separate {
        /// As typed: `"3"` or `"03"`.
        month: String,
        /// As typed: `"26"` or `"2026"`.
        year: String,
    },
}

impl ExpiryInput {
    /// Parses either form.
    pub fn parse(&self) -> Result<ExpiryDate, CardError> {
        match self {
            ExpiryInput::Combined(text) => ExpiryDate::parse(text),
            ExpiryInput::Separate { month, year } => ExpiryDate::from_fields(month, year),
        }
    }
}

impl Default for ExpiryInput {
    fn default() -> Self {
        ExpiryInput::Combined(String::new())
    }
}

/// The card form as submitted, field names as in [`CardField::id`].
///
/// `Debug` is written by hand so the raw number and security code never reach a log.
#[derive(Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CardInput {
    /// The card number as typed.
    #[serde(rename = "card-no")]
    pub number: String,
    /// The expiry as typed.
    #[serde(rename = "expiry-date")]
    pub expiry: ExpiryInput,
    /// The security code as typed.
    pub cvc: String,
    /// The name on the card as typed.
    #[serde(rename = "cardholder-name")]
    pub cardholder_name: String,
}

impl core::fmt::Debug for CardInput {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Masked from the normalised digits so a valid number typed with spaces still shows
        // its first six and last four, which is what support needs.
        let number = match normalise_number(&self.number) {
            Ok(digits) => masked(&digits),
            Err(_) => masked(&self.number),
        };
        f.debug_struct("CardInput")
            .field("number", &number)
            .field("expiry", &self.expiry)
            .field("cvc", &"***")
            .field("cardholder_name", &self.cardholder_name)
            .finish()
    }
}

/// Card details that passed every check; only [`validate_card`] makes one.
///
/// Deliberately not `Serialize` and with a hand-written `Debug`: the number and security
/// code must not leak into logs or responses by accident. Use [`ValidatedCard::number`]
/// and [`ValidatedCard::cvc`] where they are genuinely needed (the call to the acquirer).
#[derive(Clone, PartialEq, Eq)]
pub struct ValidatedCard {
    number: String,
    brand: CardBrand,
    expiry: ExpiryDate,
    cvc: String,
    cardholder_name: String,
}

impl ValidatedCard {
    /// The card number, digits only.
    pub fn number(&self) -> &str {
        &self.number
    }

    /// The card's brand.
    pub fn brand(&self) -> CardBrand {
        self.brand
    }

    /// The expiry month.
    pub fn expiry(&self) -> ExpiryDate {
        self.expiry
    }

    /// The security code, digits only.
    pub fn cvc(&self) -> &str {
        &self.cvc
    }

    /// The name on the card, trimmed.
    pub fn cardholder_name(&self) -> &str {
        &self.cardholder_name
    }

    /// GOV.UK Pay's `first_digits_card_number`.
    pub fn first_six(&self) -> &str {
        first_six(&self.number).unwrap_or_default()
    }

    /// GOV.UK Pay's `last_digits_card_number`.
    pub fn last_four(&self) -> &str {
        last_four(&self.number).unwrap_or_default()
    }

    /// The number as `424242******4242`.
    pub fn masked_number(&self) -> String {
        masked(&self.number)
    }
}

impl core::fmt::Debug for ValidatedCard {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ValidatedCard")
            .field("number", &self.masked_number())
            .field("brand", &self.brand)
            .field("expiry", &self.expiry)
            .field("cvc", &"***")
            .field("cardholder_name", &self.cardholder_name)
            .finish()
    }
}

/// Checks every field of the card form and reports every problem at once, in form order,
/// so the page can mark all of them in one go.
///
/// An unknown brand, or a brand not in `accepted`, is an error on the number field (an
/// empty `accepted` therefore rejects every card). The security code is judged against the
/// brand the number's leading digits show even when the number itself is wrong, so an Amex
/// with a typo still asks for 4 digits.
pub fn validate_card(
    input: &CardInput,
    now: UnixMillis,
    accepted: &[CardBrand],
) -> Result<ValidatedCard, Vec<CardFieldError>> {
    let number = check_number(&input.number, accepted);
    let expiry = input
        .expiry
        .parse()
        .and_then(|date| check_expiry(date, now).map(|()| date));
    let cvc_brand = match &number {
        Ok((_, brand)) => Some(*brand),
        Err(_) => detect_brand(&input.number),
    };
    let cvc = check_cvc(&input.cvc, cvc_brand);
    let name = check_cardholder_name(&input.cardholder_name);

    match (number, expiry, cvc, name) {
        (Ok((number, brand)), Ok(expiry), Ok(()), Ok(name)) => Ok(ValidatedCard {
            number,
            brand,
            expiry,
            cvc: input.cvc.trim().to_owned(),
            cardholder_name: name.to_owned(),
        }),
        (number, expiry, cvc, name) => Err([number.err(), expiry.err(), cvc.err(), name.err()]
            .into_iter()
            .flatten()
            .map(CardFieldError::from)
            .collect()),
    }
}

#[cfg(test)]
mod tests;
