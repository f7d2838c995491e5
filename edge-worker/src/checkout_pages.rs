//! The hosted payment pages' HTML: card details, confirmation, waiting and outcome pages,
//! the embedded card form, in English and Welsh (`language: "cy"` on the payment).
//!
//! They follow the GOV.UK Design System's patterns (visible labels, hints, an error summary
//! linked to each field) and work without JavaScript: every form posts to the worker. When
//! the widget loads it takes the card form over (`data-kassa-*` attributes say what to seal
//! for) and only the sealed card is posted.

use crate::page_copy::{copy, Copy};
use crate::pages::{escape, origin_of, Framing, Page, WIDGET_JS};
use kassa_core::card::{error_summary_title, CardBrand, CardField, CardFieldError, Language};
use worker::{Response, Result};

/// What the pages show about the payment.
pub struct Summary<'a> {
    pub description: &'a str,
    pub amount: &'a str,
    pub language: Language,
    /// Where the payer goes back to, directly or after a form post.
    pub return_url: &'a str,
}

/// What the widget needs to seal card details for this form.
pub struct Sealing<'a> {
    /// The gateway's public sealing key, base64url.
    pub public_key: &'a str,
    /// `payment:<id>`: the sealed card opens only for this payment.
    pub binding: &'a str,
    /// The server's clock, so tokens carry the server's time even if the device's is off.
    pub now_ms: u64,
    pub accepted: &'a [CardBrand],
}

/// The embedded form's parent: the registered origin of the merchant's page and the
/// channel id of this mount.
pub struct Embed<'a> {
    pub parent_origin: &'a str,
    pub channel: &'a str,
    pub frame_ancestors: &'a [String],
}

/// Pages for payments the payer can no longer act on (or not yet).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Outcome {
    Expired,
    Declined,
    Cancelled,
    Error,
    Processing,
}

impl Outcome {
    /// Title and explanation.
    pub const fn text(self, lang: Language) -> (&'static str, &'static str) {
        match (self, lang) {
            (Outcome::Expired, Language::En) => ("Your payment session has expired", "You have not been charged."),
            (Outcome::Expired, Language::Cy) => ("Daeth eich sesiwn taliad i ben", "Nid oes tâl wedi\u{2019}i godi arnoch."),
            (Outcome::Declined, Language::En) => (
                "Your payment has been declined",
                "Your card was not charged. You can go back to the service and try again with another card.",
            ),
            (Outcome::Declined, Language::Cy) => (
                "Mae eich taliad wedi cael ei wrthod",
                "Nid oes tâl wedi\u{2019}i godi ar eich cerdyn. Gallwch fynd yn ôl i\u{2019}r gwasanaeth a rhoi cynnig arall arni gyda cherdyn arall.",
            ),
            (Outcome::Cancelled, Language::En) => ("Your payment has been cancelled", "You have not been charged."),
            (Outcome::Cancelled, Language::Cy) => ("Mae eich taliad wedi cael ei ganslo", "Nid oes tâl wedi\u{2019}i godi arnoch."),
            (Outcome::Error, Language::En) => (
                "We could not take your payment",
                "There was a problem processing your payment. You have not been charged. Go back to the service and try again.",
            ),
            (Outcome::Error, Language::Cy) => (
                "Nid oeddem yn gallu cymryd eich taliad",
                "Roedd problem wrth brosesu eich taliad. Nid oes tâl wedi\u{2019}i godi arnoch. Ewch yn ôl i\u{2019}r gwasanaeth a rhowch gynnig arall arni.",
            ),
            (Outcome::Processing, Language::En) => (
                "Your payment is being processed",
                "Do not pay again. Refresh this page in a moment to see the result.",
            ),
            (Outcome::Processing, Language::Cy) => (
                "Mae eich taliad yn cael ei brosesu",
                "Peidiwch â thalu eto. Adnewyddwch y dudalen hon mewn munud i weld y canlyniad.",
            ),
        }
    }
}

fn amount_panel(s: &Summary<'_>) -> String {
    format!(
        "<div class=\"payment-summary\"><p class=\"payment-summary__description\">{}</p>\
         <p class=\"payment-summary__amount\">{} <strong>{}</strong></p></div>",
        escape(s.description),
        copy(s.language).total_amount,
        escape(s.amount)
    )
}

/// Previously entered values, redisplayed after an error (never the number or the code).
#[derive(Default)]
pub struct Prefill<'a> {
    pub expiry: &'a str,
    pub name: &'a str,
}

fn error_summary(lang: Language, errors: &[CardFieldError], notice: Option<&str>) -> String {
    if errors.is_empty() && notice.is_none() {
        return String::new();
    }
    let mut html = format!(
        "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\" id=\"error-summary\">\
         <h2 class=\"error-summary__title\">{}</h2><ul>",
        error_summary_title(lang)
    );
    if let Some(notice) = notice {
        html.push_str(&format!("<li>{}</li>", escape(notice)));
    }
    for e in errors {
        html.push_str(&format!(
            "<li><a href=\"#{}\">{}</a></li>",
            e.field.id(),
            escape(e.message(lang))
        ));
    }
    html.push_str("</ul></div>");
    html
}

/// The four card fields, as the server renders them and the widget takes them over.
fn card_fields(lang: Language, errors: &[CardFieldError], prefill: &Prefill<'_>) -> String {
    let c = copy(lang);
    let error_for = |field: CardField| errors.iter().find(|e| e.field == field);
    let fields: [(CardField, &str, &str, &str, bool, &str); 4] = [
        (CardField::Number, c.card_number, "", "cc-number", true, ""),
        (
            CardField::Expiry,
            c.expiry_date,
            c.expiry_hint,
            "cc-exp",
            true,
            prefill.expiry,
        ),
        (
            CardField::Name,
            c.name_on_card,
            "",
            "cc-name",
            false,
            prefill.name,
        ),
        (
            CardField::Cvc,
            c.security_code,
            c.security_code_hint,
            "cc-csc",
            true,
            "",
        ),
    ];
    let mut html = String::new();
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
                    "<p class=\"error-message\" id=\"{id}-error\"><span class=\"visually-hidden\">{}</span> {}</p>",
                    c.error_prefix,
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
    html
}

/// The `data-kassa-*` attributes the widget reads.
fn sealing_attributes(lang: Language, sealing: &Sealing<'_>) -> String {
    let brands: Vec<&str> = sealing.accepted.iter().map(|b| b.id()).collect();
    format!(
        " data-kassa-key=\"{}\" data-kassa-binding=\"{}\" data-kassa-now=\"{}\" \
         data-kassa-brands=\"{}\" data-kassa-lang=\"{}\"",
        escape(sealing.public_key),
        escape(sealing.binding),
        sealing.now_ms,
        brands.join(" "),
        lang.as_str()
    )
}

/// The module script that loads the widget and hands it the card form.
fn widget_script() -> String {
    format!(
        "import init, {{ enhance }} from '{WIDGET_JS}';\
         await init();\
         enhance(document.getElementById('card-details'));"
    )
}

#[allow(clippy::too_many_arguments)] // one page, many independent parts
pub fn card_form(
    s: &Summary<'_>,
    action: &str,
    cancel_action: &str,
    csrf: &str,
    errors: &[CardFieldError],
    notice: Option<&str>,
    prefill: &Prefill<'_>,
    sealing: Option<&Sealing<'_>>,
) -> Result<Response> {
    let lang = s.language;
    let c = copy(lang);
    let mut html = error_summary(lang, errors, notice);
    html.push_str(&format!("<h1>{}</h1>", c.enter_card_details));
    html.push_str(&amount_panel(s));
    html.push_str(&format!(
        "<form method=\"post\" action=\"{}\" novalidate class=\"card-form\" id=\"card-details\"{}>\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        escape(action),
        sealing
            .map(|x| sealing_attributes(lang, x))
            .unwrap_or_default(),
        escape(csrf)
    ));
    html.push_str(&card_fields(lang, errors, prefill));
    html.push_str(&format!(
        "<button type=\"submit\" class=\"button\" id=\"submit-card-details\">{}</button></form>",
        c.continue_button
    ));
    html.push_str(&cancel_form(cancel_action, csrf, c));
    Page {
        title: c.enter_card_details,
        lang: lang.as_str(),
        body: html,
        script: sealing.map(|_| widget_script()),
        framing: Framing::Deny,
        form_target: origin_of(s.return_url),
    }
    .render(if errors.is_empty() && notice.is_none() {
        200
    } else {
        422
    })
}

fn cancel_form(cancel_action: &str, csrf: &str, c: &Copy) -> String {
    format!(
        "<form method=\"post\" action=\"{}\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <button type=\"submit\" class=\"button button--secondary\" id=\"cancel-payment\">{}</button></form>",
        escape(cancel_action),
        escape(csrf),
        c.cancel_payment
    )
}

/// The card form inside a merchant's iframe: fields only (the merchant's page shows the
/// amount and its own Pay button, which calls `pay()`).
pub fn embed_form(
    s: &Summary<'_>,
    action: &str,
    csrf: &str,
    session: &str,
    sealing: &Sealing<'_>,
    embed: &Embed<'_>,
) -> Result<Response> {
    let attrs = format!(" method=\"post\" action=\"{}\"", escape(action));
    // The mounting page and channel travel with Pay, so that 3-D Secure, which leaves this
    // page, can report its end to the same parent.
    let hidden = format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <input type=\"hidden\" name=\"session\" value=\"{}\">\
         <input type=\"hidden\" name=\"origin\" value=\"{}\">\
         <input type=\"hidden\" name=\"channel\" value=\"{}\">",
        escape(csrf),
        escape(session),
        escape(embed.parent_origin),
        escape(embed.channel),
    );
    embed_page(s.language, &attrs, &hidden, sealing, embed)
}

/// The embedded form of `tokenize()`: no payment, no action and no submit button. The
/// widget seals for the publishable key and hands the token to the parent page; nothing is
/// posted from this page.
pub fn tokenize_form(lang: Language, sealing: &Sealing<'_>, embed: &Embed<'_>) -> Result<Response> {
    embed_page(lang, " data-kassa-mode=\"tokenize\"", "", sealing, embed)
}

/// The card form for a merchant's iframe, with extra form attributes and hidden inputs.
fn embed_page(
    lang: Language,
    attrs: &str,
    hidden: &str,
    sealing: &Sealing<'_>,
    embed: &Embed<'_>,
) -> Result<Response> {
    let c = copy(lang);
    let body = format!(
        "<h1 class=\"visually-hidden\">{title}</h1>\
         <form novalidate class=\"card-form\" id=\"card-details\"{sealing} \
         data-kassa-parent=\"{parent}\" data-kassa-channel=\"{channel}\"{attrs}>\
         {hidden}{fields}</form>",
        title = c.card_details,
        sealing = sealing_attributes(lang, sealing),
        parent = escape(embed.parent_origin),
        channel = escape(embed.channel),
        fields = card_fields(lang, &[], &Prefill::default()),
    );
    Page {
        title: c.card_details,
        lang: lang.as_str(),
        body,
        script: Some(widget_script()),
        framing: Framing::Origins(embed.frame_ancestors),
        form_target: None,
    }
    .render(200)
}

/// The card form without a payment behind it, so the widget can be seen and tested on its
/// own. It has no submit button: nothing can be sent from it.
pub fn preview(sealing: &Sealing<'_>) -> Result<Response> {
    let lang = Language::En;
    let c = copy(lang);
    let body = format!(
        "<h1>{}</h1><form novalidate class=\"card-form\" id=\"card-details\"{}>{}</form>",
        c.enter_card_details,
        sealing_attributes(lang, sealing),
        card_fields(lang, &[], &Prefill::default())
    );
    Page {
        title: c.enter_card_details,
        lang: lang.as_str(),
        body,
        script: Some(widget_script()),
        framing: Framing::Deny,
        form_target: None,
    }
    .render(200)
}

pub fn confirm(
    s: &Summary<'_>,
    masked_card: &str,
    cardholder: &str,
    action: &str,
    cancel_action: &str,
    csrf: &str,
) -> Result<Response> {
    let c = copy(s.language);
    let body = format!(
        "<h1>{title}</h1>{panel}<dl class=\"summary-list\">\
         <div><dt>{card_label}</dt><dd id=\"confirm-card\">{card}</dd></div>\
         <div><dt>{name_label}</dt><dd>{name}</dd></div></dl>\
         <form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <button type=\"submit\" class=\"button\" id=\"confirm\">{button}</button></form>{cancel}",
        title = c.confirm_title,
        panel = amount_panel(s),
        card_label = c.card_number,
        card = escape(masked_card),
        name_label = c.name_on_card,
        name = escape(cardholder),
        action = escape(action),
        csrf = escape(csrf),
        button = c.confirm_button,
        cancel = cancel_form(cancel_action, csrf, c),
    );
    Page {
        title: c.confirm_title,
        lang: s.language.as_str(),
        body,
        script: None,
        framing: Framing::Deny,
        form_target: origin_of(s.return_url),
    }
    .render(200)
}

/// 3-D Secure on the sandbox: the gateway's own challenge page, which works without
/// JavaScript. Its answer is posted with the payer's session (in the form when it is shown
/// in the embedded form's iframe, which may not get cookies).
pub fn sandbox_challenge(
    s: &Summary<'_>,
    action: &str,
    csrf: &str,
    session: Option<&str>,
    framing: Framing<'_>,
) -> Result<Response> {
    let c = copy(s.language);
    let session = session
        .map(|v| {
            format!(
                "<input type=\"hidden\" name=\"session\" value=\"{}\">",
                escape(v)
            )
        })
        .unwrap_or_default();
    let button = |result: &str, id: &str, class: &str, label: &str| {
        format!(
            "<form method=\"post\" action=\"{action}\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">{session}\
             <input type=\"hidden\" name=\"result\" value=\"{result}\">\
             <button type=\"submit\" class=\"button{class}\" id=\"{id}\">{label}</button></form>",
            action = escape(action),
            csrf = escape(csrf),
        )
    };
    let body = format!(
        "<h1>{title}</h1>{panel}<p>{text}</p>{complete}{fail}",
        title = c.sandbox_challenge_title,
        panel = amount_panel(s),
        text = c.sandbox_challenge_text,
        complete = button(
            kassa_core::provider::sandbox::RESULT_COMPLETE,
            "complete-authentication",
            "",
            c.complete_authentication
        ),
        fail = button(
            kassa_core::provider::sandbox::RESULT_FAIL,
            "fail-authentication",
            " button--secondary",
            c.fail_authentication
        ),
    );
    Page {
        title: c.sandbox_challenge_title,
        lang: s.language.as_str(),
        body,
        script: None,
        framing,
        // The answer may end the payment and send the payer on to the service.
        form_target: origin_of(s.return_url),
    }
    .render(200)
}

/// 3-D Secure at the provider: a link to its page, followed at once when scripts run. A
/// link rather than a redirect answering the card form: browsers hold every redirect after
/// a form post to the page's `form-action`, which names the gateway only.
pub fn to_provider(s: &Summary<'_>, url: &str, framing: Framing<'_>) -> Result<Response> {
    let button = copy(s.language).authenticate_button;
    let control = format!(
        "<p><a class=\"button\" id=\"continue-to-provider\" href=\"{}\">{button}</a></p>",
        escape(url)
    );
    let follow = "location.replace(document.getElementById('continue-to-provider').href);";
    provider_page(s, &control, follow, framing, None)
}

/// 3-D Secure at a provider that takes a form post: the form, with a button, submitted at
/// once when scripts run. Its target is the one origin besides the gateway it may post to.
pub fn post_to_provider(
    s: &Summary<'_>,
    url: &str,
    fields: &[(String, String)],
    framing: Framing<'_>,
) -> Result<Response> {
    let hidden: String = fields
        .iter()
        .map(|(name, value)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape(name),
                escape(value)
            )
        })
        .collect();
    let control = format!(
        "<form method=\"post\" action=\"{}\" id=\"provider-form\">{hidden}\
         <button type=\"submit\" class=\"button\" id=\"continue-to-provider\">{}</button></form>",
        escape(url),
        copy(s.language).authenticate_button
    );
    let submit = "document.getElementById('provider-form').submit();";
    provider_page(s, &control, submit, framing, origin_of(url))
}

/// The page on the way to a provider's 3-D Secure: what is happening, the amount, and the
/// `control` that goes there (which `script` uses at once when scripts run).
fn provider_page(
    s: &Summary<'_>,
    control: &str,
    script: &str,
    framing: Framing<'_>,
    form_target: Option<String>,
) -> Result<Response> {
    let c = copy(s.language);
    Page {
        title: c.authenticate_title,
        lang: s.language.as_str(),
        body: format!(
            "<h1>{}</h1>{}<p>{}</p>{control}",
            c.authenticate_title,
            amount_panel(s),
            c.authenticate_text
        ),
        script: Some(script.into()),
        framing,
        form_target,
    }
    .render(200)
}

/// The end of 3-D Secure inside the embedded form's iframe: the page tells the merchant's
/// page (the registered origin that mounted the form, on its channel) the payment's
/// outcome, which resolves its `pay()`. `message` is the JSON the loader reads.
pub fn authentication_finished(
    lang: Language,
    parent_origin: &str,
    message: &str,
    framing: Framing<'_>,
) -> Result<Response> {
    let c = copy(lang);
    let body = format!(
        "<h1 id=\"outcome\">{title}</h1><p>{text}</p>\
         <div id=\"kassa-outcome\" data-origin=\"{origin}\" data-message=\"{message}\"></div>",
        title = c.authentication_finished_title,
        text = c.authentication_finished_text,
        origin = escape(parent_origin),
        message = escape(message),
    );
    Page {
        title: c.authentication_finished_title,
        lang: lang.as_str(),
        body,
        script: Some(
            "const o = document.getElementById('kassa-outcome').dataset;\
             if (window.parent !== window) window.parent.postMessage(JSON.parse(o.message), o.origin);"
                .into(),
        ),
        framing,
        form_target: None,
    }
    .render(200)
}

/// A page that says what happened, with a way back to the service.
pub fn outcome(s: &Summary<'_>, outcome: Outcome, return_url: Option<&str>) -> Result<Response> {
    let (title, message) = outcome.text(s.language);
    let link = match return_url {
        Some(url) => format!(
            "<p><a class=\"button\" id=\"return-to-service\" href=\"{}\">{}</a></p>",
            escape(url),
            copy(s.language).back_to_service
        ),
        None => String::new(),
    };
    Page {
        title,
        lang: s.language.as_str(),
        body: format!("<h1 id=\"outcome\">{title}</h1><p>{message}</p>{link}"),
        script: None,
        framing: Framing::Deny,
        form_target: None,
    }
    .render(200)
}

/// A page for links that no longer lead anywhere (used, unknown or expired tokens). The
/// payment, and so its language, is unknown here: the page says it in both.
pub fn link_not_valid() -> Result<Response> {
    Page {
        title: "This link is not valid",
        lang: "en",
        body: "<h1>This link is not valid</h1><p>The payment link has already been used or has \
               expired. Go back to the service you were paying and try again.</p>\
               <p lang=\"cy\">Nid yw\u{2019}r ddolen hon yn ddilys. Ewch yn ôl i\u{2019}r \
               gwasanaeth roeddech yn talu iddo a rhowch gynnig arall arni.</p>"
            .to_string(),
        script: None,
        framing: Framing::Deny,
        form_target: None,
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
