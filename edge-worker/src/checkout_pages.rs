//! The hosted payment pages' HTML: card details, confirmation, waiting and outcome pages.
//!
//! They follow the GOV.UK Design System's patterns (visible labels, hints, an error summary
//! linked to each field) and work without JavaScript: every form posts to the worker.

use crate::pages::{escape, Framing, Page};
use kassa_core::card::{CardField, CardFieldError, Language};
use worker::{Response, Result};

/// What the pages show about the payment.
pub struct Summary<'a> {
    pub description: &'a str,
    pub amount: &'a str,
    pub language: Language,
}

fn amount_panel(s: &Summary<'_>) -> String {
    format!(
        "<div class=\"payment-summary\"><p class=\"payment-summary__description\">{}</p>\
         <p class=\"payment-summary__amount\">Total amount: <strong>{}</strong></p></div>",
        escape(s.description),
        escape(s.amount)
    )
}

/// Previously entered values, redisplayed after an error (never the number or the code).
#[derive(Default)]
pub struct Prefill<'a> {
    pub expiry: &'a str,
    pub name: &'a str,
}

pub fn card_form(
    s: &Summary<'_>,
    action: &str,
    cancel_action: &str,
    csrf: &str,
    errors: &[CardFieldError],
    prefill: &Prefill<'_>,
) -> Result<Response> {
    let lang = s.language;
    let error_for = |field: CardField| errors.iter().find(|e| e.field == field);
    let mut html = String::new();
    if !errors.is_empty() {
        html.push_str(
            "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\" id=\"error-summary\">\
             <h2 class=\"error-summary__title\">There is a problem</h2><ul>",
        );
        for e in errors {
            html.push_str(&format!(
                "<li><a href=\"#{}\">{}</a></li>",
                e.field.id(),
                escape(e.message(lang))
            ));
        }
        html.push_str("</ul></div>");
    }
    html.push_str("<h1>Enter card details</h1>");
    html.push_str(&amount_panel(s));
    html.push_str(&format!(
        "<form method=\"post\" action=\"{}\" novalidate class=\"card-form\" id=\"card-details\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        escape(action),
        escape(csrf)
    ));
    let fields: [(CardField, &str, &str, &str, bool, &str); 4] = [
        (CardField::Number, "Card number", "", "cc-number", true, ""),
        (
            CardField::Expiry,
            "Expiry date",
            "For example, 10/27",
            "cc-exp",
            true,
            prefill.expiry,
        ),
        (
            CardField::Name,
            "Name on card",
            "",
            "cc-name",
            false,
            prefill.name,
        ),
        (
            CardField::Cvc,
            "Card security code",
            "The last 3 digits on the back of the card (American Express: the 4 digits on the front)",
            "cc-csc",
            true,
            "",
        ),
    ];
    for (field, label, hint, autocomplete, numeric, value) in fields {
        let id = field.id();
        let error = error_for(field);
        let mut described = Vec::new();
        let hint_html = if hint.is_empty() {
            String::new()
        } else {
            described.push(format!("{id}-hint"));
            format!("<p class=\"hint\" id=\"{id}-hint\">{}</p>", escape(hint))
        };
        let error_html = match error {
            Some(e) => {
                described.push(format!("{id}-error"));
                format!(
                    "<p class=\"error-message\" id=\"{id}-error\"><span class=\"visually-hidden\">Error:</span> {}</p>",
                    escape(e.message(lang))
                )
            }
            None => String::new(),
        };
        let aria = if described.is_empty() {
            String::new()
        } else {
            format!(" aria-describedby=\"{}\"", described.join(" "))
        };
        html.push_str(&format!(
            "<div class=\"form-group{group_error}\"><label class=\"label\" for=\"{id}\">{label}</label>\
             {hint_html}{error_html}<input class=\"input{input_error}\" id=\"{id}\" name=\"{id}\" type=\"text\" \
             autocomplete=\"{autocomplete}\"{inputmode} spellcheck=\"false\" value=\"{value}\"{aria}{invalid}></div>",
            group_error = if error.is_some() { " form-group--error" } else { "" },
            input_error = if error.is_some() { " input--error" } else { "" },
            inputmode = if numeric { " inputmode=\"numeric\"" } else { "" },
            value = escape(value),
            invalid = if error.is_some() { " aria-invalid=\"true\"" } else { "" },
        ));
    }
    html.push_str(
        "<button type=\"submit\" class=\"button\" id=\"submit-card-details\">Continue</button></form>",
    );
    html.push_str(&format!(
        "<form method=\"post\" action=\"{}\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <button type=\"submit\" class=\"button button--secondary\" id=\"cancel-payment\">Cancel payment</button></form>",
        escape(cancel_action),
        escape(csrf)
    ));
    Page {
        title: "Enter card details",
        lang: lang.as_str(),
        body: html,
        script: None,
        framing: Framing::Deny,
    }
    .render(if errors.is_empty() { 200 } else { 422 })
}

pub fn confirm(
    s: &Summary<'_>,
    masked_card: &str,
    cardholder: &str,
    action: &str,
    cancel_action: &str,
    csrf: &str,
) -> Result<Response> {
    let body = format!(
        "<h1>Confirm your payment</h1>{panel}<dl class=\"summary-list\">\
         <div><dt>Card number</dt><dd id=\"confirm-card\">{card}</dd></div>\
         <div><dt>Name on card</dt><dd>{name}</dd></div></dl>\
         <form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <button type=\"submit\" class=\"button\" id=\"confirm\">Confirm payment</button></form>\
         <form method=\"post\" action=\"{cancel}\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <button type=\"submit\" class=\"button button--secondary\" id=\"cancel-payment\">Cancel payment</button></form>",
        panel = amount_panel(s),
        card = escape(masked_card),
        name = escape(cardholder),
        action = escape(action),
        cancel = escape(cancel_action),
        csrf = escape(csrf),
    );
    Page {
        title: "Confirm your payment",
        lang: s.language.as_str(),
        body,
        script: None,
        framing: Framing::Deny,
    }
    .render(200)
}

/// A page that says what happened, with a way back to the service.
pub fn outcome(
    s: &Summary<'_>,
    title: &str,
    message: &str,
    return_url: Option<&str>,
    status: u16,
) -> Result<Response> {
    let link = match return_url {
        Some(url) => format!(
            "<p><a class=\"button\" id=\"return-to-service\" href=\"{}\">Go back to the service</a></p>",
            escape(url)
        ),
        None => String::new(),
    };
    Page {
        title,
        lang: s.language.as_str(),
        body: format!(
            "<h1 id=\"outcome\">{}</h1><p>{}</p>{}",
            escape(title),
            escape(message),
            link
        ),
        script: None,
        framing: Framing::Deny,
    }
    .render(status)
}

/// A page for links that no longer lead anywhere (used, unknown or expired tokens).
pub fn link_not_valid() -> Result<Response> {
    Page {
        title: "This link is not valid",
        lang: "en",
        body: "<h1>This link is not valid</h1><p>The payment link has already been used or has \
               expired. Go back to the service you were paying and try again.</p>"
            .to_string(),
        script: None,
        framing: Framing::Deny,
    }
    .render(404)
}

/// 303 See Other: after every POST the browser lands on a GET of the real state, so back,
/// refresh and double clicks never repeat the POST.
pub fn see_other(location: &str) -> Result<Response> {
    let mut resp = Response::empty()?.with_status(303);
    let headers = resp.headers_mut();
    crate::http::baseline_headers(headers)?;
    headers.set("Location", location)?;
    Ok(resp)
}
