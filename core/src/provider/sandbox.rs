//! Kassa's sandbox provider: no network, and GOV.UK Pay's documented test cards behave as
//! they do on GOV.UK Pay's sandbox (pay-connector's `SandboxCardNumbers`): the listed
//! success cards authorise with their debit/credit, corporate and prepaid flags;
//! 4000000000000002 is declined, 4000000000000069 declined as an expired card,
//! 4000000000000127 declined for the security code, 4000000000000119 is a processing error;
//! any other number is not accepted by the sandbox at all. Captures, voids and refunds
//! always succeed.
//!
//! Beyond GOV.UK Pay's sandbox, three cards exercise 3-D Secure with no network, on a
//! challenge page the gateway itself serves ("Complete authentication" / "Fail
//! authentication"): 4000000000003220 asks for a challenge and authorises once it is
//! completed (a failed one is declined), 4000008400001629 asks for a challenge and is
//! declined even when it is completed, and 4000000000003055 is authenticated without a
//! challenge (frictionless) and authorised. The numbers are Stripe's test cards for the
//! same flows, so a test written against the sandbox means the same on Stripe.

use super::{
    Authentication, Authorised, CardFacts, Decline, NextAction, PaymentRef, Returned,
    ThreeDSecureFacts,
};
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
    /// 3-D Secure with a challenge on the gateway's sandbox page, then this outcome.
    Challenge(AfterChallenge),
    /// 3-D Secure without a challenge (frictionless), then authorised.
    Frictionless(SandboxCard),
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

/// What a completed sandbox challenge leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterChallenge {
    /// Authorised (a failed challenge is declined).
    Authorise,
    /// Declined by the issuer even after a completed challenge.
    Decline,
}

/// The 3-D Secure version the sandbox reports.
pub const THREE_DS_VERSION: &str = "2.2.0";

/// The challenge page's answers (`result` of its form).
pub const RESULT_COMPLETE: &str = "complete";
pub const RESULT_FAIL: &str = "fail";

/// The provider state a challenge card carries to [`completed`]: what its completed
/// challenge leads to. Never card data.
const STATE_AUTHORISE: &str = "challenge:authorise";
const STATE_DECLINE: &str = "challenge:decline";

const THREE_DS_CARD: SandboxCard = card(Funding::Credit, false, false);

fn authorised_card(payment: &PaymentRef<'_>, details: SandboxCard, three_ds: bool) -> Authorised {
    Authorised::Authorised {
        provider_id: format!("sandbox-{}", payment.payment_id),
        card: CardFacts {
            card_type: Some(match details.funding {
                Funding::Credit => CardType::Credit,
                Funding::Debit => CardType::Debit,
            }),
            three_d_secure: three_ds.then(|| ThreeDSecureFacts {
                version: Some(THREE_DS_VERSION.to_string()),
            }),
        },
    }
}

/// The sandbox behind the provider interface: the same answers as [`authorise`], with the
/// provider id `sandbox-<payment id>`.
pub fn authorised(payment: &PaymentRef<'_>, card: &ValidatedCard) -> Authorised {
    match authorise(card.number()) {
        Authorisation::Authorised(details) => authorised_card(payment, details, false),
        Authorisation::Frictionless(details) => authorised_card(payment, details, true),
        Authorisation::Challenge(after) => Authorised::ActionRequired(Authentication {
            action: NextAction::SandboxChallenge,
            state: Some(
                match after {
                    AfterChallenge::Authorise => STATE_AUTHORISE,
                    AfterChallenge::Decline => STATE_DECLINE,
                }
                .to_string(),
            ),
            version: Some(THREE_DS_VERSION.to_string()),
        }),
        Authorisation::Declined(kind) => Authorised::Declined(kind),
        Authorisation::ProcessingError => Authorised::Error,
        Authorisation::Unsupported => Authorised::Unsupported,
    }
}

/// The outcome of the sandbox's challenge, from what its page posted (`result`) and what
/// the card's authorisation left (`state`). Anything but "complete" fails the
/// authentication; a state the sandbox did not write is an error, never an authorisation.
pub fn completed(
    payment: &PaymentRef<'_>,
    authentication: &Authentication,
    returned: Returned<'_>,
) -> Authorised {
    let passed = returned.field("result") == Some(RESULT_COMPLETE);
    match (authentication.state.as_deref(), passed) {
        (Some(STATE_AUTHORISE), true) => authorised_card(payment, THREE_DS_CARD, true),
        (Some(STATE_DECLINE), true) => Authorised::Declined(Decline::Declined),
        (Some(STATE_AUTHORISE | STATE_DECLINE), false) => {
            Authorised::Declined(Decline::AuthenticationFailed)
        }
        _ => Authorised::Error,
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
        "4000000000003220" => Authorisation::Challenge(AfterChallenge::Authorise),
        "4000008400001629" => Authorisation::Challenge(AfterChallenge::Decline),
        "4000000000003055" => Authorisation::Frictionless(THREE_DS_CARD),
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

    fn payment() -> PaymentRef<'static> {
        PaymentRef {
            payment_id: "hu20sqlact5260q2nanm0q8u93",
            amount: 100,
            description: "d",
            reference: "r",
            provider_id: None,
            attempt: 1,
            sequence: 3,
            return_to: None,
        }
    }

    fn answer(result: &str) -> Vec<(String, String)> {
        vec![("result".to_string(), result.to_string())]
    }

    #[test]
    fn three_d_secure_cards_take_their_documented_paths() {
        for number in ["4000000000003220", "4000008400001629", "4000000000003055"] {
            assert!(luhn_valid(number), "{number}");
            assert_ne!(authorise(number), Authorisation::Unsupported, "{number}");
        }
        assert_eq!(
            authorise("4000000000003220"),
            Authorisation::Challenge(AfterChallenge::Authorise)
        );
        assert_eq!(
            authorise("4000008400001629"),
            Authorisation::Challenge(AfterChallenge::Decline)
        );
        assert_eq!(
            authorise("4000000000003055"),
            Authorisation::Frictionless(THREE_DS_CARD)
        );
    }

    /// What the challenge card's authorisation asks for, and what each answer on the
    /// challenge page leads to.
    #[test]
    fn challenges_complete_or_fail_as_the_page_says() {
        let challenge = |state: &str| Authentication {
            action: NextAction::SandboxChallenge,
            state: Some(state.to_string()),
            version: Some(THREE_DS_VERSION.to_string()),
        };
        let p = payment();
        let ok = completed(
            &p,
            &challenge(STATE_AUTHORISE),
            Returned {
                fields: &answer(RESULT_COMPLETE),
            },
        );
        let Authorised::Authorised { card, .. } = ok else {
            panic!("{ok:?}")
        };
        assert_eq!(
            card.three_d_secure.and_then(|t| t.version).as_deref(),
            Some("2.2.0")
        );
        assert_eq!(
            completed(
                &p,
                &challenge(STATE_AUTHORISE),
                Returned {
                    fields: &answer(RESULT_FAIL)
                }
            ),
            Authorised::Declined(Decline::AuthenticationFailed)
        );
        assert_eq!(
            completed(&p, &challenge(STATE_AUTHORISE), Returned { fields: &[] }),
            Authorised::Declined(Decline::AuthenticationFailed)
        );
        assert_eq!(
            completed(
                &p,
                &challenge(STATE_DECLINE),
                Returned {
                    fields: &answer(RESULT_COMPLETE)
                }
            ),
            Authorised::Declined(Decline::Declined)
        );
        // A state the sandbox never wrote cannot authorise.
        assert_eq!(
            completed(
                &p,
                &challenge("forged"),
                Returned {
                    fields: &answer(RESULT_COMPLETE)
                }
            ),
            Authorised::Error
        );
    }
}
