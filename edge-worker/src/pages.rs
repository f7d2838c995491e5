//! Server-rendered HTML pages: the landing page and the hosted checkout pages.
//!
//! Every page gets a fresh CSP nonce: inline scripts run only with that nonce, so no
//! `unsafe-inline` is ever needed, and hosted payment pages refuse to be framed.

use crate::{clock, http};
use worker::{Response, Result};

/// Where the widget's build output is served from (static assets, see wrangler.toml).
pub const WIDGET_JS: &str = "/assets/checkout/kassa_checkout.js";
const STYLESHEET: &str = "/assets/kassa.css";

/// A page's framing policy: hosted (redirect) pages may never be framed; embed pages name
/// the account's registered origins.
pub enum Framing<'a> {
    Deny,
    Origins(&'a [String]),
}

pub struct Page<'a> {
    pub title: &'a str,
    pub lang: &'a str,
    pub body: String,
    /// An inline module script, run under the page's nonce.
    pub script: Option<String>,
    pub framing: Framing<'a>,
    /// Where this page's forms may lead besides the gateway: the payment's `return_url`
    /// origin, since confirming and cancelling answer 303 to it (browsers apply
    /// `form-action` to every redirect after a form post).
    pub form_target: Option<String>,
}

impl Page<'_> {
    pub fn render(self, status: u16) -> Result<Response> {
        let nonce = nonce()?;
        let frame_ancestors = match &self.framing {
            Framing::Deny => "'none'".to_string(),
            Framing::Origins([]) => "'none'".to_string(),
            Framing::Origins(origins) => origins.join(" "),
        };
        let form_target = self
            .form_target
            .as_deref()
            .map(|origin| format!(" {origin}"))
            .unwrap_or_default();
        // 'wasm-unsafe-eval' allows compiling the widget's WebAssembly, nothing else.
        let csp = format!(
            "default-src 'none'; script-src 'nonce-{nonce}' 'self' 'wasm-unsafe-eval'; \
             style-src 'self'; img-src 'self' data:; connect-src 'self'; \
             form-action 'self'{form_target}; base-uri 'none'; frame-ancestors {frame_ancestors}"
        );
        let script = match &self.script {
            Some(js) => format!("<script type=\"module\" nonce=\"{nonce}\">{js}</script>"),
            None => String::new(),
        };
        let html = format!(
            "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{title} – Kassa</title>\n<link rel=\"stylesheet\" href=\"{STYLESHEET}\">\n\
             <link rel=\"icon\" href=\"data:,\">\n\
             </head>\n<body>\n<a class=\"skip-link\" href=\"#main\">{skip}</a>\n\
             <header class=\"header\"><span class=\"header__brand\">Kassa</span></header>\n\
             <main id=\"main\" class=\"main\">\n{body}\n</main>\n{script}\n</body>\n</html>\n",
            lang = escape(self.lang),
            title = escape(self.title),
            skip = crate::page_copy::copy(
                kassa_core::card::Language::parse(self.lang).unwrap_or_default()
            )
            .skip_link,
            body = self.body,
        );
        let mut resp = Response::from_html(html)?.with_status(status);
        let headers = resp.headers_mut();
        http::baseline_headers(headers)?;
        headers.set("Content-Security-Policy", &csp)?;
        if matches!(self.framing, Framing::Deny) {
            headers.set("X-Frame-Options", "DENY")?;
        }
        Ok(resp)
    }
}

/// 16 random bytes, hex: a per-response CSP nonce.
fn nonce() -> Result<String> {
    let bytes: [u8; 16] = clock::random()?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Escapes text for HTML element content and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

pub fn home() -> Result<Response> {
    Page {
        title: "Payment gateway",
        lang: "en",
        body: format!(
            "<h1>Kassa {version}</h1>\n<p>An open-source payment gateway with a \
             GOV.UK Pay-compatible API.</p>\n<ul>\n<li>API base: <code>/v1</code></li>\n\
             <li><a href=\"/checkout/preview\">Preview the hosted card form</a></li>\n\
             <li><a href=\"/healthz\">Health</a></li>\n</ul>",
            version = escape(kassa_core::version::VERSION)
        ),
        script: None,
        framing: Framing::Deny,
        form_target: None,
    }
    .render(200)
}

pub fn not_found() -> Result<Response> {
    Page {
        title: "Page not found",
        lang: "en",
        body: "<h1>Page not found</h1>\n<p>If you typed the web address, check it is correct.</p>"
            .to_string(),
        script: None,
        framing: Framing::Deny,
        form_target: None,
    }
    .render(404)
}

/// 413 for a form post over the body limit; no form of ours comes near it.
pub fn too_large() -> Result<Response> {
    Page {
        title: "Request too large",
        lang: "en",
        body: "<h1>Request too large</h1>\n<p>The form sent more data than a payment form can \
               hold. Go back and try again.</p>"
            .to_string(),
        script: None,
        framing: Framing::Deny,
        form_target: None,
    }
    .render(413)
}

/// The origin (`scheme://host[:port]`) of an absolute http(s) URL, for CSP source lists.
pub fn origin_of(url: &str) -> Option<String> {
    let parsed = worker::Url::parse(url).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.origin().ascii_serialization())
}
