//! Card details as a payer enters them: validation, brand detection, masking and the
//! formatting the checkout widget applies while typing.
//!
//! The same functions run in the edge worker and, compiled to WebAssembly, in the browser,
//! so a number the widget accepts is one the server accepts. Everything is a pure function
//! of its arguments; "now" is a [`UnixMillis`] parameter.

mod brand;
mod expiry;
mod messages;
mod number;

pub use brand::{detect_brand, CardBrand, MAX_PAN_DIGITS, MIN_PAN_DIGITS};
pub use expiry::{check_expiry, format_expiry_for_display, ExpiryDate};
pub use messages::{CardError, CardErrorKind, CardField, CardFieldError, Language};
pub use number::{
    check_number, first_six, format_number_for_display, last_four, luhn_check_digit, luhn_valid,
    masked, normalise_number,
};
