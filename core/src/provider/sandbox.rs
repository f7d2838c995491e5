//! Kassa's sandbox provider: no network, and GOV.UK Pay's documented test cards behave as
//! they do on GOV.UK Pay's sandbox (pay-connector's `SandboxCardNumbers`): the listed
//! success cards authorise with their debit/credit, corporate and prepaid flags;
//! 4000000000000002 is declined, 4000000000000069 declined as an expired card,
//! 4000000000000127 declined for the security code, 4000000000000119 is a processing error;
//! any other number is not accepted by the sandbox at all. Captures, voids and refunds
//! always succeed.

use super::{Authorised, CardFacts, Decline, PaymentRef};
use crate::api::payment::CardType;
use crate::card::ValidatedCard;

/// Whether the card draws on a credit line or the payer's own funds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Funding {
    Credit,
    Debit,
}

/// What the sandbox knows about a card it authorised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SandboxCard {
    pub funding: Funding,
    pub corporate: bool,
    pub prepaid: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authorisation {
    Authorised(SandboxCard),
    /// Failed, P0010.
    Declined(Decline),
    /// Error, P0050: nothing was authorised.
    ProcessingError,
    /// Not a sandbox test card: the payer must use one.
    Unsupported,
}

const fn card(funding: Funding, corporate: bool, prepaid: bool) -> SandboxCard {
    SandboxCard {
        funding,
        corporate,
        prepaid,
    }
}

/// GOV.UK Pay's success cards with the flags its documentation gives them.
const SUCCESS_CARDS: [(&str, SandboxCard); 13] = [
    ("4444333322221111", card(Funding::Credit, false, false)),
    ("4242424242424242", card(Funding::Credit, false, false)),
    ("4917610000000000003", card(Funding::Debit, false, false)),
    ("4000056655665556", card(Funding::Debit, false, false)),
    ("5105105105105100", card(Funding::Debit, false, true)),
    ("5200828282828210", card(Funding::Debit, false, false)),
    ("371449635398431", card(Funding::Credit, false, false)),
    ("3566002020360505", card(Funding::Credit, false, false)),
    ("6011000990139424", card(Funding::Credit, false, false)),
    ("36148900647913", card(Funding::Credit, false, false)),
    ("4000180000000002", card(Funding::Credit, true, false)),
    ("5101180000000007", card(Funding::Credit, true, false)),
    ("4131840000000003", card(Funding::Debit, true, true)),
];

/// The sandbox behind the provider interface: the same answers as [`authorise`], with the
/// provider id `sandbox-<payment id>`.
pub fn authorised(payment: &PaymentRef<'_>, card: &ValidatedCard) -> Authorised {
    match authorise(card.number()) {
        Authorisation::Authorised(details) => Authorised::Authorised {
            provider_id: format!("sandbox-{}", payment.payment_id),
            card: CardFacts {
                card_type: Some(match details.funding {
                    Funding::Credit => CardType::Credit,
                    Funding::Debit => CardType::Debit,
                }),
            },
        },
        Authorisation::Declined(kind) => Authorised::Declined(kind),
        Authorisation::ProcessingError => Authorised::Error,
        Authorisation::Unsupported => Authorised::Unsupported,
    }
}

/// The sandbox's answer for a card number (digits only, as `card::check_number` returns).
pub fn authorise(number: &str) -> Authorisation {
    if let Some((_, card)) = SUCCESS_CARDS.iter().find(|(n, _)| *n == number) {
        return Authorisation::Authorised(*card);
    }
    match number {
        "4000000000000002" => Authorisation::Declined(Decline::Declined),
        "4000000000000069" => Authorisation::Declined(Decline::ExpiredCard),
        "4000000000000127" => Authorisation::Declined(Decline::IncorrectCvc),
        "4000000000000119" => Authorisation::ProcessingError,
        _ => Authorisation::Unsupported,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::{detect_brand, luhn_valid};

    #[test]
    fn every_documented_card_behaves_as_documented() {
        for (number, card) in SUCCESS_CARDS {
            assert_eq!(
                authorise(number),
                Authorisation::Authorised(card),
                "{number}"
            );
            assert!(luhn_valid(number), "{number} passes Luhn");
            assert!(detect_brand(number).is_some(), "{number} has a brand");
        }
        assert_eq!(
            authorise("4000056655665556"),
            Authorisation::Authorised(card(Funding::Debit, false, false))
        );
        assert_eq!(
            authorise("4131840000000003"),
            Authorisation::Authorised(card(Funding::Debit, true, true))
        );
        assert_eq!(
            authorise("4000000000000002"),
            Authorisation::Declined(Decline::Declined)
        );
        assert_eq!(
            authorise("4000000000000069"),
            Authorisation::Declined(Decline::ExpiredCard)
        );
        assert_eq!(
            authorise("4000000000000127"),
            Authorisation::Declined(Decline::IncorrectCvc)
        );
        assert_eq!(
            authorise("4000000000000119"),
            Authorisation::ProcessingError
        );
    }

    #[test]
    fn other_numbers_are_unsupported_even_when_valid() {
        for number in [
            "5555555555554444",
            "378282246310005",
            "4012888888881881",
            "",
        ] {
            assert_eq!(authorise(number), Authorisation::Unsupported, "{number}");
        }
    }
}
