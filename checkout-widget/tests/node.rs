//! Widget tests that run as WebAssembly under Node (wasm-bindgen-test-runner): the binding
//! layer between JavaScript values and the core rules.

// wasm_bindgen_test functions are not `#[test]`s to clippy, so its test allowances do not apply.
#![allow(clippy::unwrap_used, clippy::panic)]

use kassa_checkout::{validate_and_seal, version, Language, NotSealed, SealConfig};
use kassa_core::card::{CardBrand, CardInput, ExpiryInput};
use kassa_core::sealed_token::{open_card, SealingSecretKey};
use kassa_core::time::UnixMillis;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn reports_the_gateway_version() {
    assert_eq!(version(), env!("CARGO_PKG_VERSION"));
}

fn typed(number: &str, expiry: &str, cvc: &str, name: &str) -> CardInput {
    CardInput {
        number: number.into(),
        expiry: ExpiryInput::Combined(expiry.into()),
        cvc: cvc.into(),
        cardholder_name: name.into(),
    }
}

const NOW: UnixMillis = UnixMillis(1_800_000_000_000); // January 2027

fn config(secret: &SealingSecretKey) -> SealConfig {
    SealConfig {
        key: secret.public_key().clone(),
        binding: "payment:abc".into(),
        accepted: CardBrand::ALL.to_vec(),
    }
}

#[wasm_bindgen_test]
fn a_valid_card_is_sealed_and_opens_to_the_same_details_for_its_payment_only() {
    let secret = SealingSecretKey::derive(&[7; 32]).unwrap();
    let input = typed("4242 4242 4242 4242", "12 / 30", "123", "Mx Test Payer");
    let token = validate_and_seal(&input, &config(&secret), NOW, &[9; 32]).unwrap();
    assert!(!token.contains("4242"));
    let card = open_card(&token, |_| Some(&secret), "payment:abc", NOW).unwrap();
    assert_eq!(card.number, "4242424242424242");
    assert_eq!((card.expiry_month, card.expiry_year), (12, 2030));
    assert_eq!(card.cvc, "123");
    assert_eq!(card.cardholder_name, "Mx Test Payer");
    assert!(open_card(&token, |_| Some(&secret), "payment:other", NOW).is_err());
}

#[wasm_bindgen_test]
fn invalid_details_are_reported_per_field_with_the_servers_messages_and_not_sealed() {
    let secret = SealingSecretKey::derive(&[7; 32]).unwrap();
    let input = typed("4242 4242 4242 4241", "13/30", "12", "");
    let Err(NotSealed::Invalid(errors)) =
        validate_and_seal(&input, &config(&secret), NOW, &[9; 32])
    else {
        panic!("expected field errors");
    };
    let fields: Vec<_> = errors.iter().map(|e| e.field.id()).collect();
    assert_eq!(fields, ["card-no", "expiry-date", "cvc", "cardholder-name"]);
    assert_eq!(errors[0].message(Language::Cy), "Rhowch rif cerdyn dilys");
}

#[wasm_bindgen_test]
fn brands_the_account_does_not_take_are_refused_before_sealing() {
    let secret = SealingSecretKey::derive(&[7; 32]).unwrap();
    let mut cfg = config(&secret);
    cfg.accepted = vec![CardBrand::Mastercard];
    let input = typed("4242424242424242", "12/30", "123", "Mx Test Payer");
    assert!(matches!(
        validate_and_seal(&input, &cfg, NOW, &[9; 32]),
        Err(NotSealed::Invalid(_))
    ));
}

#[wasm_bindgen_test]
fn number_input_is_grouped_and_branded_as_typed() {
    let fb = kassa_checkout::on_number_input("4242424242424242");
    assert_eq!(fb.display, "4242 4242 4242 4242");
    assert_eq!(fb.brand.map(|b| b.id()), Some("visa"));
    let amex = kassa_checkout::on_number_input("378282246310005");
    assert_eq!(amex.display, "3782 822463 10005");
    assert_eq!(amex.brand.map(|b| b.id()), Some("american-express"));
    assert_eq!(kassa_checkout::on_number_input("").brand, None);
}

#[wasm_bindgen_test]
fn expiry_input_adds_the_separator_but_respects_deletion() {
    assert_eq!(kassa_checkout::on_expiry_input("12", false), "12 / ");
    assert_eq!(kassa_checkout::on_expiry_input("12 /", true), "12 /");
}
