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
