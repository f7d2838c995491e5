//! Showing what to correct, as the server-rendered page does: a message above each field in
//! error and an error summary at the top of the page that takes focus, so screen-reader and
//! keyboard users land on it (GOV.UK Design System's error summary pattern).
//!
//! The markup is written as HTML text (every message is a constant from `kassa-core`, never
//! anything the payer typed): one DOM call per element keeps the widget small.

use kassa_core::card::{error_summary_title, CardField, CardFieldError, Language};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, HtmlElement, HtmlFormElement};

const SUMMARY_ID: &str = "error-summary";

fn remove(document: &Document, id: &str) {
    if let Some(old) = document.get_element_by_id(id) {
        old.remove();
    }
}

/// Replaces whatever errors the form shows with `errors` (and `notice`, a message about the
/// whole form). With neither, every error marking is removed.
pub fn show(
    form: &HtmlFormElement,
    errors: &[CardFieldError],
    notice: Option<&str>,
    lang: Language,
) -> Result<(), JsValue> {
    let document = form
        .owner_document()
        .ok_or_else(|| JsValue::from_str("Kassa: form outside a document"))?;
    remove(&document, SUMMARY_ID);
    let hidden = match lang {
        Language::En => "Error:",
        Language::Cy => "Gwall:",
    };
    for field in CardField::ALL {
        let id = field.id();
        let Some(input) = document.get_element_by_id(id) else {
            continue;
        };
        remove(&document, &format!("{id}-error"));
        let error = errors.iter().find(|e| e.field == field);
        let mut described = String::new();
        if document.get_element_by_id(&format!("{id}-hint")).is_some() {
            described = format!("{id}-hint");
        }
        if let Some(error) = error {
            input.insert_adjacent_html(
                "beforebegin",
                &format!(
                    "<p class=\"error-message\" id=\"{id}-error\"><span class=\"visually-hidden\">{hidden}</span> {}</p>",
                    error.message(lang)
                ),
            )?;
            described = format!("{described} {id}-error");
        }
        if let Some(group) = input.parent_element() {
            group
                .class_list()
                .toggle_with_force("form-group--error", error.is_some())?;
        }
        input
            .class_list()
            .toggle_with_force("input--error", error.is_some())?;
        input.set_attribute(
            "aria-invalid",
            if error.is_some() { "true" } else { "false" },
        )?;
        input.set_attribute("aria-describedby", described.trim())?;
    }
    if errors.is_empty() && notice.is_none() {
        return Ok(());
    }
    let mut items = String::new();
    if let Some(notice) = notice {
        items.push_str(&format!("<li>{notice}</li>"));
    }
    for error in errors {
        items.push_str(&format!(
            "<li><a href=\"#{}\">{}</a></li>",
            error.field.id(),
            error.message(lang)
        ));
    }
    let host = form.closest("main")?.unwrap_or_else(|| form.clone().into());
    host.insert_adjacent_html(
        "afterbegin",
        &format!(
            "<div class=\"error-summary\" id=\"{SUMMARY_ID}\" role=\"alert\" tabindex=\"-1\">\
             <h2 class=\"error-summary__title\">{}</h2><ul>{items}</ul></div>",
            error_summary_title(lang)
        ),
    )?;
    if let Some(summary) = document.get_element_by_id(SUMMARY_ID) {
        summary.unchecked_into::<HtmlElement>().focus()?;
    }
    Ok(())
}
