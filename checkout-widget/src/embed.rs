//! The card form inside the merchant's iframe (embedded checkout).
//!
//! The iframe is on the gateway's origin; the merchant's page talks to it only through
//! `postMessage`, with the exact origin the account registered and a per-mount channel id,
//! both ways. Messages carry states and the brand name, never card data. The merchant's
//! `pay()` asks the iframe to seal and send; the iframe posts the sealed card to its own
//! origin and reports the payment's outcome. In tokenize mode (`data-kassa-mode="tokenize"`,
//! no payment yet) the merchant's `tokenize()` gets the sealed card itself, bound to its
//! publishable key, and the iframe sends nothing over the network.

use crate::enhance::Enhanced;
use crate::parent::Parent;
use js_sys::{Object, Promise, Reflect};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{FormData, MessageEvent, RequestInit};

/// Starts listening for the merchant's `pay` (or `tokenize`) requests and announces the
/// form as ready.
pub fn listen(enhanced: &Rc<Enhanced>) -> Result<(), JsValue> {
    let Some(parent) = &enhanced.parent else {
        return Ok(());
    };
    let this = enhanced.clone();
    gloo_events::EventListener::new(&parent.window, "message", move |event| {
        let Some(event) = event.dyn_ref::<MessageEvent>() else {
            return;
        };
        let Some(parent) = &this.parent else {
            return;
        };
        // Anything not from the registered parent, or not on this mount's channel, is
        // ignored without an answer. The parent is checked as a window too: another
        // window of the same origin (a popup, a sibling frame) is not the page that
        // mounted this form.
        let from_parent = match (event.source(), parent.window.parent()) {
            (Some(source), Ok(Some(mounter))) => Object::is(&source, &mounter),
            _ => false,
        };
        if !from_parent || event.origin() != parent.origin {
            return;
        }
        let data = event.data();
        let text = |key: &str| {
            Reflect::get(&data, &JsValue::from_str(key))
                .ok()
                .and_then(|v| v.as_string())
        };
        if text("channel").as_deref() != Some(parent.channel.as_str()) {
            return;
        }
        match (text("type").as_deref(), parent.tokenize) {
            (Some("pay"), false) => this.submit_from_parent(),
            (Some("tokenize"), true) => {
                if let Err(err) = tokenize(&this, parent) {
                    web_sys::console::error_1(&err);
                }
            }
            _ => {}
        }
    })
    // The form listens as long as its page lives.
    .forget();
    parent.post("ready", &[]);
    parent.resize();
    Ok(())
}

/// Seals the card for the publishable key and gives the token (ciphertext, with the brand)
/// to the parent, which sends it to its server; or says there is something to correct.
fn tokenize(enhanced: &Enhanced, parent: &Parent) -> Result<(), JsValue> {
    match enhanced.seal()? {
        Some(token) => {
            let number = enhanced.value("card-no");
            let brand = crate::live::on_number_input(&number).brand.map(|b| b.id());
            parent.post(
                "token",
                &[
                    ("token", JsValue::from_str(&token)),
                    ("brand", brand.map_or(JsValue::NULL, JsValue::from_str)),
                ],
            );
        }
        None => parent.post("invalid", &[]),
    }
    parent.resize();
    Ok(())
}

/// Seals and sends the card from inside the iframe, then tells the parent what happened.
pub fn pay(enhanced: Rc<Enhanced>) -> Result<(), JsValue> {
    let Some(parent) = &enhanced.parent else {
        return Ok(());
    };
    let Some(token) = enhanced.seal()? else {
        parent.post("invalid", &[]);
        parent.resize();
        return Ok(());
    };
    enhanced.sealed_input().set_value(&token);
    enhanced.set_busy(true)?;
    // The form (only `csrf`, `session` and `sealed_card`: the card inputs have no names)
    // goes to the gateway, and the answer (the payment's state) to the parent. Promise
    // callbacks rather than an async runtime: they are a fraction of its size in wasm.
    let body = FormData::new_with_form(&enhanced.form)?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&body);
    let fetched = parent
        .window
        .fetch_with_str_and_init(&enhanced.form.action(), &init);
    // No answer, or one that is not the JSON state (a network failure, an expired session's
    // page, a server error): the parent hears `failure` and the form takes Pay again (a
    // second Pay changes nothing the server has already done).
    let failure = |this: Rc<Enhanced>| {
        Closure::<dyn FnMut(JsValue)>::new(move |_| {
            let _ = this.set_busy(false);
            if let Some(parent) = &this.parent {
                parent.post("failure", &[("status", JsValue::from_str("error"))]);
            }
        })
    };
    let on_failure = failure(enhanced.clone());
    let on_bad_answer = failure(enhanced.clone());
    let this = enhanced.clone();
    let on_outcome = Closure::<dyn FnMut(JsValue)>::new(move |outcome: JsValue| {
        if let Err(err) = report(&this, &outcome) {
            web_sys::console::error_1(&err);
        }
    });
    let on_response = Closure::<dyn FnMut(JsValue)>::new(move |response: JsValue| {
        let json = response
            .dyn_into::<web_sys::Response>()
            .ok()
            .and_then(|r| r.json().ok())
            .unwrap_or_else(|| Promise::reject(&JsValue::NULL));
        let _ = json.then2(&on_outcome, &on_bad_answer);
    });
    let _ = fetched.then2(&on_response, &on_failure);
    // One payment per page: the callbacks live as long as it.
    on_response.forget();
    on_failure.forget();
    Ok(())
}

/// Tells the parent the payment's state as the gateway answered it.
fn report(enhanced: &Rc<Enhanced>, outcome: &JsValue) -> Result<(), JsValue> {
    let Some(parent) = &enhanced.parent else {
        return Ok(());
    };
    let field = |key: &str| Reflect::get(outcome, &JsValue::from_str(key)).unwrap_or(JsValue::NULL);
    let status = field("status").as_string().unwrap_or_default();
    let fields = [
        ("status", field("status")),
        ("code", field("code")),
        ("payment_id", field("payment_id")),
    ];
    match status.as_str() {
        "success" | "capturable" => parent.post("success", &fields),
        // Still waiting for card details: the server could not use these (e.g. the token
        // outlived its 15 minutes). The payer can correct and try again.
        "started" => {
            enhanced.set_busy(false)?;
            let notice = kassa_core::card::card_details_unreadable(enhanced.language);
            crate::errors::show(&enhanced.form, &[], Some(notice), enhanced.language)?;
            parent.post("invalid", &[]);
        }
        // The provider's answer is not known yet: the form stays busy (no second card), and
        // the merchant learns the outcome from its server (the payment, or webhooks).
        "processing" => parent.post("processing", &fields),
        // 3-D Secure runs in this iframe: the form (its session and CSRF token; the spent
        // card token is dropped) goes to the gateway's challenge step. The page that ends
        // the step tells the parent, which keeps waiting until then.
        "authentication_required" => {
            if let Some(next) = field("next").as_string() {
                enhanced.sealed_input().set_value("");
                enhanced.form.set_action(&next);
                enhanced.form.submit()?;
            }
            return Ok(());
        }
        _ => parent.post("failure", &fields),
    }
    parent.resize();
    Ok(())
}
