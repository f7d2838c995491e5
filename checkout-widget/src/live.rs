//! What the form does while the payer types: pure functions of the field's text, so they are
//! tested in wasm without a DOM, and the DOM glue in `form` stays trivial.

use kassa_core::card::{self, CardBrand};

/// The card number field after a keystroke: the text to show and the brand, once known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberFeedback {
    pub display: String,
    pub brand: Option<CardBrand>,
}

pub fn on_number_input(text: &str) -> NumberFeedback {
    NumberFeedback {
        display: card::format_number_for_display(text),
        brand: card::detect_brand(text),
    }
}

/// The expiry field after a keystroke. When the payer is deleting, the text is left alone:
/// re-adding the " / " separator would undo their backspace.
pub fn on_expiry_input(text: &str, deleting: bool) -> String {
    if deleting {
        text.to_string()
    } else {
        card::format_expiry_for_display(text)
    }
}
