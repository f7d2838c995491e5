//! Whole-form tests: published test cards and `validate_card`.

use super::*;
use proptest::prelude::*;

/// Published test numbers (Stripe's and card schemes' lists, and GOV.UK Pay's sandbox cards
/// from pay-connector's `SandboxCardNumbers`) with the brand each must be detected as.
const TEST_CARDS: &[(&str, CardBrand)] = &[
    ("4242424242424242", CardBrand::Visa),
    ("4000056655665556", CardBrand::Visa),
    ("4444333322221111", CardBrand::Visa),
    ("4917610000000000003", CardBrand::Visa),
    ("4000000000000002", CardBrand::Visa),
    ("4000000000000069", CardBrand::Visa),
    ("4000000000000127", CardBrand::Visa),
    ("4000000000000119", CardBrand::Visa),
    ("4000000000003220", CardBrand::Visa),
    ("4000180000000002", CardBrand::Visa),
    ("4131840000000003", CardBrand::Visa),
    ("5555555555554444", CardBrand::Mastercard),
    ("2223003122003222", CardBrand::Mastercard),
    ("5200828282828210", CardBrand::Mastercard),
    ("5105105105105100", CardBrand::Mastercard),
    ("5101180000000007", CardBrand::Mastercard),
    ("378282246310005", CardBrand::AmericanExpress),
    ("371449635398431", CardBrand::AmericanExpress),
    ("6011111111111117", CardBrand::Discover),
    ("6011000990139424", CardBrand::Discover),
    ("3056930009020004", CardBrand::DinersClub),
    ("36227206271667", CardBrand::DinersClub),
    ("36148900647913", CardBrand::DinersClub),
    ("3566002020360505", CardBrand::Jcb),
    ("3528000700000000", CardBrand::Jcb),
    ("6200000000000005", CardBrand::UnionPay),
    ("6759649826438453", CardBrand::Maestro),
];

fn now() -> UnixMillis {
    UnixMillis::parse_rfc3339("2026-11-22T10:00:00Z").unwrap()
}

fn input(number: &str, expiry: &str, cvc: &str, name: &str) -> CardInput {
    CardInput {
        number: number.to_owned(),
        expiry: ExpiryInput::Combined(expiry.to_owned()),
        cvc: cvc.to_owned(),
        cardholder_name: name.to_owned(),
    }
}

fn errors(result: Result<ValidatedCard, Vec<CardFieldError>>) -> Vec<CardError> {
    result.unwrap_err().into_iter().map(|e| e.kind).collect()
}

#[test]
fn published_test_cards_agree_on_brand_luhn_and_length() {
    for &(pan, brand) in TEST_CARDS {
        assert_eq!(detect_brand(pan), Some(brand), "{pan}");
        assert!(luhn_valid(pan), "{pan}");
        assert!(brand.accepts_length(pan.len()), "{pan}");
        assert_eq!(
            check_number(pan, &CardBrand::ALL),
            Ok((pan.to_owned(), brand))
        );
        let cvc = "1234".get(..brand.cvc_length()).unwrap();
        let card = validate_card(&input(pan, "12/29", cvc, "A Payer"), now(), &[brand]).unwrap();
        assert_eq!(card.brand(), brand);
        assert_eq!(card.number(), pan);
        assert_eq!(card.first_six(), &pan[..6]);
        assert_eq!(card.last_four(), &pan[pan.len() - 4..]);
    }
}

#[test]
fn validates_a_good_card() {
    let form = CardInput {
        number: "4242 4242 4242 4242".to_owned(),
        expiry: ExpiryInput::Separate {
            month: "3".to_owned(),
            year: "27".to_owned(),
        },
        cvc: " 123 ".to_owned(),
        cardholder_name: "  Mr J Smith ".to_owned(),
    };
    let card = validate_card(&form, now(), &CardBrand::ALL).unwrap();
    assert_eq!(card.number(), "4242424242424242");
    assert_eq!(card.brand(), CardBrand::Visa);
    assert_eq!(card.expiry(), ExpiryDate::new(3, 2027).unwrap());
    assert_eq!(card.cvc(), "123");
    assert_eq!(card.cardholder_name(), "Mr J Smith");
    assert_eq!(card.masked_number(), "424242******4242");
}

#[test]
fn reports_every_field_at_once_in_form_order() {
    let result = validate_card(&input("4242", "13/26", "12", ""), now(), &CardBrand::ALL);
    let fields: Vec<CardField> = result
        .clone()
        .unwrap_err()
        .iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(fields, CardField::ALL);
    assert_eq!(
        errors(result),
        [
            CardError::NumberIncorrectLength,
            CardError::ExpiryInvalid,
            CardError::CvcInvalid,
            CardError::NameMissing,
        ]
    );
    assert_eq!(
        errors(validate_card(&CardInput::default(), now(), &CardBrand::ALL)),
        [
            CardError::NumberMissing,
            CardError::ExpiryMissing,
            CardError::CvcMissing,
            CardError::NameMissing,
        ]
    );
}

#[test]
fn brand_problems_are_number_errors() {
    let visa_only = [CardBrand::Visa];
    assert_eq!(
        errors(validate_card(
            &input("5555555555554444", "12/29", "123", "A Payer"),
            now(),
            &visa_only
        )),
        [CardError::NumberBrandNotAccepted {
            brand: CardBrand::Mastercard
        }]
    );
    assert_eq!(
        errors(validate_card(
            &input("9999999999999995", "12/29", "123", "A Payer"),
            now(),
            &CardBrand::ALL
        )),
        [CardError::NumberUnknownBrand]
    );
    assert_eq!(
        errors(validate_card(
            &input("4242424242424242", "12/29", "123", "A Payer"),
            now(),
            &[]
        )),
        [CardError::NumberBrandNotAccepted {
            brand: CardBrand::Visa
        }]
    );
}

#[test]
fn cvc_length_follows_the_brand_even_when_the_number_is_wrong() {
    assert_eq!(check_cvc("1234", Some(CardBrand::AmericanExpress)), Ok(()));
    assert_eq!(
        check_cvc("123", Some(CardBrand::AmericanExpress)),
        Err(CardError::CvcInvalid)
    );
    assert_eq!(
        check_cvc("1234", Some(CardBrand::Visa)),
        Err(CardError::CvcInvalid)
    );
    assert_eq!(check_cvc("123", None), Ok(()));
    assert_eq!(check_cvc("1234", None), Ok(()));
    assert_eq!(check_cvc("12", None), Err(CardError::CvcInvalid));
    assert_eq!(check_cvc("12a", None), Err(CardError::CvcInvalid));
    assert_eq!(check_cvc("1 23", None), Err(CardError::CvcInvalid));
    assert_eq!(check_cvc(" ", None), Err(CardError::CvcMissing));

    // An Amex with a mistyped digit still wants four.
    let result = validate_card(
        &input("3782 8224 6310 006", "12/29", "123", "A Payer"),
        now(),
        &CardBrand::ALL,
    );
    assert_eq!(
        errors(result),
        [CardError::NumberLuhnInvalid, CardError::CvcInvalid]
    );
}

#[test]
fn expiry_is_judged_against_now() {
    let card = |expiry: &str| input("4242424242424242", expiry, "123", "A Payer");
    assert!(validate_card(&card("11/26"), now(), &CardBrand::ALL).is_ok());
    assert_eq!(
        errors(validate_card(&card("10/26"), now(), &CardBrand::ALL)),
        [CardError::ExpiryInPast]
    );
    assert_eq!(
        errors(validate_card(&card("12/2047"), now(), &CardBrand::ALL)),
        [CardError::ExpiryTooFarAhead]
    );
}

#[test]
fn name_that_is_a_card_number_is_rejected() {
    let form = input("4242424242424242", "12/29", "123", "4242 4242 4242 4242");
    assert_eq!(
        errors(validate_card(&form, now(), &CardBrand::ALL)),
        [CardError::NameLooksLikeCardNumber]
    );
}

#[test]
fn debug_never_shows_the_number_or_cvc() {
    let form = input("4242 4242 4242 4242", "12/29", "987", "A Payer");
    let shown = format!("{form:?}");
    assert!(shown.contains("424242******4242"), "{shown}");
    assert!(
        !shown.contains("4242 4242") && !shown.contains("987"),
        "{shown}"
    );

    let card = validate_card(&form, now(), &CardBrand::ALL).unwrap();
    let shown = format!("{card:?}");
    assert!(shown.contains("424242******4242"), "{shown}");
    assert!(shown.contains("cvc: \"***\""), "{shown}");
    assert!(
        !shown.contains("4242424242424242") && !shown.contains("987"),
        "{shown}"
    );

    let garbage = format!("{:?}", input("4242-4242-4242-424x", "", "1234", ""));
    assert!(
        !garbage.contains("4242") && !garbage.contains("1234"),
        "{garbage}"
    );
}

#[test]
fn form_input_deserialises_from_field_ids() {
    let combined: CardInput = serde_json::from_str(
        r#"{"card-no":"4242 4242 4242 4242","expiry-date":"03 / 27","cvc":"123","cardholder-name":"A Payer"}"#,
    )
    .unwrap();
    assert_eq!(combined.expiry, ExpiryInput::Combined("03 / 27".to_owned()));
    let separate: CardInput = serde_json::from_str(
        r#"{"card-no":"4242424242424242","expiry-date":{"month":"3","year":"2027"},"cvc":"123","cardholder-name":"A Payer"}"#,
    )
    .unwrap();
    let a = validate_card(&combined, now(), &CardBrand::ALL).unwrap();
    let b = validate_card(&separate, now(), &CardBrand::ALL).unwrap();
    assert_eq!(a, b);
    assert_eq!(
        serde_json::to_string(&a.expiry()).unwrap(),
        r#"{"month":3,"year":2027}"#
    );
}

proptest! {
    #[test]
    fn validate_card_never_panics(
        number in "\\PC{0,25}",
        expiry in "\\PC{0,10}",
        cvc in "\\PC{0,5}",
        name in "\\PC{0,30}",
        now in any::<u64>(),
    ) {
        let form = input(&number, &expiry, &cvc, &name);
        match validate_card(&form, UnixMillis(now), &CardBrand::ALL) {
            Ok(card) => prop_assert!(luhn_valid(card.number())),
            Err(errors) => {
                prop_assert!(!errors.is_empty() && errors.len() <= 4);
                prop_assert!(errors.iter().all(|e| e.field == e.kind.field()));
            }
        }
    }

    #[test]
    fn generated_valid_numbers_validate(
        brand_index in 0usize..CardBrand::ALL.len(),
        length_pick in any::<prop::sample::Index>(),
        body in "[0-9]{19}",
    ) {
        // Build a number in the brand's first range and a length it issues, then let Luhn
        // finish it: the whole pipeline must agree.
        let brand = CardBrand::ALL[brand_index];
        let prefix = match brand {
            CardBrand::Visa => "4",
            CardBrand::Mastercard => "2221",
            CardBrand::AmericanExpress => "37",
            CardBrand::Discover => "6011",
            CardBrand::DinersClub => "36",
            CardBrand::Jcb => "3530",
            CardBrand::UnionPay => "62",
            CardBrand::Maestro => "6759",
        };
        let length = *length_pick.get(brand.pan_lengths());
        let payload = format!("{prefix}{body}");
        let payload = &payload[..length - 1];
        let pan = format!("{payload}{}", luhn_check_digit(payload).unwrap());
        prop_assert_eq!(check_number(&pan, &[brand]), Ok((pan.clone(), brand)));
        prop_assert_eq!(
            format_number_for_display(&pan).replace(' ', ""),
            pan
        );
    }
}
