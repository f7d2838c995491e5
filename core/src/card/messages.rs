//! What went wrong with a card field, and how to tell the payer in English or Welsh.
//!
//! The wording is GOV.UK Pay frontend's (`locales/en.json` and `locales/cy.json` in
//! alphagov/pay-frontend), so payers moving between the two services read the same
//! sentences. Where GOV.UK Pay has no dedicated sentence (a name that is too long, an expiry
//! too far ahead) we reuse the field's general GOV.UK sentence rather than invent Welsh.

use super::brand::CardBrand;

pub use crate::language::Language;

/// A field of the card form.
///
/// Serialises as its [`CardField::id`], the form field name.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum CardField {
    #[serde(rename = "card-no")]
    Number,
    #[serde(rename = "expiry-date")]
    Expiry,
    #[serde(rename = "cvc")]
    Cvc,
    #[serde(rename = "cardholder-name")]
    Name,
}

impl CardField {
    /// Every field, in form order.
    pub const ALL: [CardField; 4] = [
        CardField::Number,
        CardField::Expiry,
        CardField::Cvc,
        CardField::Name,
    ];

    /// The stable form field name (`card-no`, `expiry-date`, `cvc`, `cardholder-name`).
    pub const fn id(self) -> &'static str {
        match self {
            CardField::Number => "card-no",
            CardField::Expiry => "expiry-date",
            CardField::Cvc => "cvc",
            CardField::Name => "cardholder-name",
        }
    }

    /// The field whose form name is `id`.
    pub fn from_id(id: &str) -> Option<CardField> {
        CardField::ALL.into_iter().find(|field| field.id() == id)
    }
}

/// Why a card field was rejected. Each reason belongs to exactly one field
/// ([`CardError::field`]).
///
/// Serialises internally tagged, e.g. `{"code":"number_luhn_invalid"}` or
/// `{"code":"number_brand_not_accepted","brand":"visa"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum CardError {
    /// No card number was entered.
    NumberMissing,
    /// Something other than digits, spaces and hyphens was entered.
    NumberInvalidCharacters,
    /// Too few or too many digits, overall or for the detected brand.
    NumberIncorrectLength,
    /// The Luhn check digit does not match: most often a mistyped digit.
    NumberLuhnInvalid,
    /// The number belongs to no brand Kassa recognises.
    NumberUnknownBrand,
    /// A recognised brand that this service does not take.
    NumberBrandNotAccepted {
        /// The brand that was detected.
        brand: CardBrand,
    },
    /// No expiry date was entered (or only half of it).
    ExpiryMissing,
    /// Not a month and year we can read.
    ExpiryInvalid,
    /// The card expired before now.
    ExpiryInPast,
    /// More than 20 years ahead: a typo, not a card.
    ExpiryTooFarAhead,
    /// No security code was entered.
    CvcMissing,
    /// Not digits, or the wrong number of them for the brand.
    CvcInvalid,
    /// No name was entered.
    NameMissing,
    /// Longer than 255 characters.
    NameTooLong,
    /// Contains control characters.
    NameControlCharacters,
    /// Contains 12 or more digits: probably the card number pasted into the wrong field.
    NameLooksLikeCardNumber,
    /// Is just 3 or 4 digits: probably the security code in the wrong field.
    NameLooksLikeCvc,
}

/// The reason half of a [`CardFieldError`]; the same type the single-field checks return.
pub type CardErrorKind = CardError;

impl CardError {
    /// Every reason, for exhaustive checks (the brand-specific one once per brand).
    pub const ALL: [CardError; 24] = [
        CardError::NumberMissing,
        CardError::NumberInvalidCharacters,
        CardError::NumberIncorrectLength,
        CardError::NumberLuhnInvalid,
        CardError::NumberUnknownBrand,
        CardError::NumberBrandNotAccepted {
            brand: CardBrand::Visa,
        },
        CardError::NumberBrandNotAccepted {
            brand: CardBrand::Mastercard,
        },
        CardError::NumberBrandNotAccepted {
            brand: CardBrand::AmericanExpress,
        },
        CardError::NumberBrandNotAccepted {
            brand: CardBrand::Discover,
        },
        CardError::NumberBrandNotAccepted {
            brand: CardBrand::DinersClub,
        },
        CardError::NumberBrandNotAccepted {
            brand: CardBrand::Jcb,
        },
        CardError::NumberBrandNotAccepted {
            brand: CardBrand::UnionPay,
        },
        CardError::NumberBrandNotAccepted {
            brand: CardBrand::Maestro,
        },
        CardError::ExpiryMissing,
        CardError::ExpiryInvalid,
        CardError::ExpiryInPast,
        CardError::ExpiryTooFarAhead,
        CardError::CvcMissing,
        CardError::CvcInvalid,
        CardError::NameMissing,
        CardError::NameTooLong,
        CardError::NameControlCharacters,
        CardError::NameLooksLikeCardNumber,
        CardError::NameLooksLikeCvc,
    ];

    /// The form field this reason is about.
    pub const fn field(self) -> CardField {
        match self {
            CardError::NumberMissing
            | CardError::NumberInvalidCharacters
            | CardError::NumberIncorrectLength
            | CardError::NumberLuhnInvalid
            | CardError::NumberUnknownBrand
            | CardError::NumberBrandNotAccepted { .. } => CardField::Number,
            CardError::ExpiryMissing
            | CardError::ExpiryInvalid
            | CardError::ExpiryInPast
            | CardError::ExpiryTooFarAhead => CardField::Expiry,
            CardError::CvcMissing | CardError::CvcInvalid => CardField::Cvc,
            CardError::NameMissing
            | CardError::NameTooLong
            | CardError::NameControlCharacters
            | CardError::NameLooksLikeCardNumber
            | CardError::NameLooksLikeCvc => CardField::Name,
        }
    }

    /// The sentence to show next to the field.
    pub const fn message(self, lang: Language) -> &'static str {
        match lang {
            Language::En => english(self),
            Language::Cy => welsh(self),
        }
    }
}

impl core::fmt::Display for CardError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.message(Language::En))
    }
}

impl std::error::Error for CardError {}

/// One problem with one field of the card form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct CardFieldError {
    /// The field to highlight.
    pub field: CardField,
    /// What is wrong with it.
    pub kind: CardErrorKind,
}

impl CardFieldError {
    /// The sentence to show next to the field.
    pub const fn message(&self, lang: Language) -> &'static str {
        self.kind.message(lang)
    }
}

impl From<CardError> for CardFieldError {
    fn from(kind: CardError) -> Self {
        CardFieldError {
            field: kind.field(),
            kind,
        }
    }
}

impl core::fmt::Display for CardFieldError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}: {}", self.field.id(), self.kind)
    }
}

impl std::error::Error for CardFieldError {}

/// The error summary's heading (the GOV.UK Design System's "There is a problem", in
/// Welsh "Mae problem wedi codi" as GOV.UK services write it), shown by the server and the
/// widget alike.
pub const fn error_summary_title(lang: Language) -> &'static str {
    match lang {
        Language::En => "There is a problem",
        Language::Cy => "Mae problem wedi codi",
    }
}

/// Shown when sealed card details cannot be opened (altered, expired after 15 minutes on
/// the page, sealed to a retired key) or cannot be sealed: the payer types them again.
pub const fn card_details_unreadable(lang: Language) -> &'static str {
    match lang {
        Language::En => "Your card details could not be read securely. Enter them again.",
        Language::Cy => "Nid oedd modd darllen manylion eich cerdyn yn ddiogel. Rhowch nhw eto.",
    }
}

const fn english(error: CardError) -> &'static str {
    match error {
        CardError::NumberMissing
        | CardError::NumberInvalidCharacters
        | CardError::NumberLuhnInvalid => "Enter a valid card number",
        CardError::NumberIncorrectLength => "Card number is not the correct length",
        CardError::NumberUnknownBrand => "This card type is not accepted",
        // GOV.UK Pay's "%s is not supported", filled in here so messages stay `&'static`.
        CardError::NumberBrandNotAccepted { brand } => match brand {
            CardBrand::Visa => "Visa is not supported",
            CardBrand::Mastercard => "Mastercard is not supported",
            CardBrand::AmericanExpress => "American Express is not supported",
            CardBrand::Discover => "Discover is not supported",
            CardBrand::DinersClub => "Diners Club is not supported",
            CardBrand::Jcb => "Jcb is not supported",
            CardBrand::UnionPay => "Union Pay is not supported",
            CardBrand::Maestro => "Maestro is not supported",
        },
        CardError::ExpiryMissing | CardError::ExpiryInvalid | CardError::ExpiryTooFarAhead => {
            "Enter a valid expiry date"
        }
        CardError::ExpiryInPast => "Enter an expiry date in the future",
        CardError::CvcMissing | CardError::CvcInvalid => "Enter a valid card security code",
        CardError::NameMissing
        | CardError::NameTooLong
        | CardError::NameControlCharacters
        | CardError::NameLooksLikeCardNumber
        | CardError::NameLooksLikeCvc => "Enter the name as it appears on the card",
    }
}

const fn welsh(error: CardError) -> &'static str {
    match error {
        CardError::NumberMissing
        | CardError::NumberInvalidCharacters
        | CardError::NumberLuhnInvalid => "Rhowch rif cerdyn dilys",
        CardError::NumberIncorrectLength => "Nid yw rhif y cerdyn yr hyd cywir",
        CardError::NumberUnknownBrand => "Nid yw\u{2019}r math hwn o gerdyn yn cael ei dderbyn",
        // GOV.UK Pay's "Ni dderbynnir %s" ("%s is not accepted"); brand names stay as labelled.
        CardError::NumberBrandNotAccepted { brand } => match brand {
            CardBrand::Visa => "Ni dderbynnir Visa",
            CardBrand::Mastercard => "Ni dderbynnir Mastercard",
            CardBrand::AmericanExpress => "Ni dderbynnir American Express",
            CardBrand::Discover => "Ni dderbynnir Discover",
            CardBrand::DinersClub => "Ni dderbynnir Diners Club",
            CardBrand::Jcb => "Ni dderbynnir Jcb",
            CardBrand::UnionPay => "Ni dderbynnir Union Pay",
            CardBrand::Maestro => "Ni dderbynnir Maestro",
        },
        CardError::ExpiryMissing | CardError::ExpiryInvalid | CardError::ExpiryTooFarAhead => {
            "Rhowch ddyddiad dod i ben dilys"
        }
        CardError::ExpiryInPast => "Rhowch ddyddiad dod i ben yn y dyfodol",
        CardError::CvcMissing | CardError::CvcInvalid => "Rhowch god diogelwch cerdyn dilys",
        CardError::NameMissing
        | CardError::NameTooLong
        | CardError::NameControlCharacters
        | CardError::NameLooksLikeCardNumber
        | CardError::NameLooksLikeCvc => "Rhowch yr enw fel y mae\u{2019}n ymddangos ar y cerdyn",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_a_message_in_both_languages() {
        for error in CardError::ALL {
            let en = error.message(Language::En);
            let cy = error.message(Language::Cy);
            assert!(!en.is_empty() && !cy.is_empty(), "{error:?}");
            assert_ne!(en, cy, "{error:?} is untranslated");
            assert_eq!(en.trim(), en);
            assert_eq!(cy.trim(), cy);
        }
    }

    #[test]
    fn all_lists_every_brand_once() {
        for brand in CardBrand::ALL {
            let error = CardError::NumberBrandNotAccepted { brand };
            assert_eq!(CardError::ALL.iter().filter(|e| **e == error).count(), 1);
            assert!(error.message(Language::En).contains(brand.display_name()));
            assert!(error.message(Language::Cy).contains(brand.display_name()));
        }
    }

    #[test]
    fn govuk_pay_wording() {
        let number = CardFieldError::from(CardError::NumberLuhnInvalid);
        assert_eq!(number.field, CardField::Number);
        assert_eq!(number.message(Language::En), "Enter a valid card number");
        assert_eq!(number.message(Language::Cy), "Rhowch rif cerdyn dilys");
        assert_eq!(
            CardError::ExpiryInPast.message(Language::En),
            "Enter an expiry date in the future"
        );
        assert_eq!(
            CardError::NameLooksLikeCardNumber.message(Language::Cy),
            "Rhowch yr enw fel y mae’n ymddangos ar y cerdyn"
        );
        assert_eq!(
            CardError::NumberBrandNotAccepted {
                brand: CardBrand::AmericanExpress
            }
            .to_string(),
            "American Express is not supported"
        );
    }

    #[test]
    fn field_ids_are_stable() {
        let ids: Vec<&str> = CardField::ALL.iter().map(|f| f.id()).collect();
        assert_eq!(ids, ["card-no", "expiry-date", "cvc", "cardholder-name"]);
        for field in CardField::ALL {
            assert_eq!(CardField::from_id(field.id()), Some(field));
            assert_eq!(
                serde_json::to_string(&field).unwrap(),
                format!("\"{}\"", field.id())
            );
        }
        for error in CardError::ALL {
            assert_eq!(CardFieldError::from(error).field, error.field());
        }
    }

    #[test]
    fn serialises_for_forms_and_apis() {
        assert_eq!(
            serde_json::from_str::<Language>("\"cy\"").unwrap(),
            Language::Cy
        );
        assert_eq!(serde_json::to_string(&Language::En).unwrap(), "\"en\"");
        let error = CardFieldError::from(CardError::NumberBrandNotAccepted {
            brand: CardBrand::Mastercard,
        });
        let json = serde_json::to_string(&error).unwrap();
        assert_eq!(
            json,
            r#"{"field":"card-no","kind":{"code":"number_brand_not_accepted","brand":"master-card"}}"#
        );
        assert_eq!(
            serde_json::from_str::<CardFieldError>(&json).unwrap(),
            error
        );
        assert_eq!(
            serde_json::to_string(&CardError::CvcInvalid).unwrap(),
            r#"{"code":"cvc_invalid"}"#
        );
    }
}
