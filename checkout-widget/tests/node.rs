//! Widget tests that run as WebAssembly under Node (wasm-bindgen-test-runner): the binding
//! layer between JavaScript values and the core rules.

// wasm_bindgen_test functions are not `#[test]`s to clippy, so its test allowances do not apply.
#![allow(clippy::unwrap_used)]

use kassa_checkout::{version, Language, MountOptions};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn reports_the_gateway_version() {
    assert_eq!(version(), env!("CARGO_PKG_VERSION"));
}

#[wasm_bindgen_test]
fn options_default_when_absent() {
    let opts = MountOptions::from_js(JsValue::UNDEFINED).unwrap();
    assert_eq!(opts.language, Language::En);
}

#[wasm_bindgen_test]
fn options_accept_welsh() {
    let obj = js_sys::Object::new();
    js_sys::Reflect::set(&obj, &"language".into(), &"cy".into()).unwrap();
    let opts = MountOptions::from_js(obj.into()).unwrap();
    assert_eq!(opts.language, Language::Cy);
}

#[wasm_bindgen_test]
fn options_reject_unknown_keys_and_languages() {
    let obj = js_sys::Object::new();
    js_sys::Reflect::set(&obj, &"langauge".into(), &"cy".into()).unwrap();
    assert!(MountOptions::from_js(obj.into()).is_err());
    let obj = js_sys::Object::new();
    js_sys::Reflect::set(&obj, &"language".into(), &"fr".into()).unwrap();
    assert!(MountOptions::from_js(obj.into()).is_err());
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
