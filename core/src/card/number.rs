//! The card number (PAN): Luhn, normalisation, checking, masking and live formatting.

use super::brand::{detect_brand, CardBrand, MAX_PAN_DIGITS, MIN_PAN_DIGITS};
use super::messages::CardError;

/// Whether `digits` (ASCII digits only, nothing else) passes the Luhn mod-10 check.
///
/// Empty input and any non-digit, including spaces, give `false`: normalise first.
pub fn luhn_valid(digits: &str) -> bool {
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && luhn_sum(digits.bytes(), false) % 10 == 0
}

/// The digit to append to `payload` (ASCII digits) to make it pass [`luhn_valid`], or `None`
/// if `payload` holds anything but digits.
pub fn luhn_check_digit(payload: &str) -> Option<u8> {
    if !payload.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Appending a digit shifts every payload digit one place left, so doubling starts at
    // the payload's last digit.
    let sum = luhn_sum(payload.bytes(), true);
    Some(((10 - sum % 10) % 10) as u8)
}

fn luhn_sum(digits: impl DoubleEndedIterator<Item = u8>, double_first: bool) -> u32 {
    let mut sum = 0u32;
    let mut double = double_first;
    for b in digits.rev() {
        let mut d = u32::from(b.wrapping_sub(b'0'));
        if double {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        // Mod as we go so absurdly long input cannot overflow.
        sum = (sum + d) % 10;
        double = !double;
    }
    sum
}

/// Strips the spaces and hyphens people type or paste between digit groups.
///
/// Surrounding whitespace is ignored; inside the number only ASCII digits, spaces and
/// hyphens are allowed, anything else (letters, full-width digits, dots) is
/// [`CardError::NumberInvalidCharacters`], and input without a digit is
/// [`CardError::NumberMissing`]. Length is not judged here: see [`check_number`].
pub fn normalise_number(input: &str) -> Result<String, CardError> {
    let trimmed = input.trim();
    let mut digits = String::with_capacity(trimmed.len().min(MAX_PAN_DIGITS));
    for c in trimmed.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' => {}
            _ => return Err(CardError::NumberInvalidCharacters),
        }
    }
    if digits.is_empty() {
        return Err(CardError::NumberMissing);
    }
    Ok(digits)
}

/// Normalises and checks a card number, returning its digits and brand.
///
/// The order follows GOV.UK Pay's frontend, so the payer sees the most useful message
/// first: missing, bad characters, overall length (12–19), Luhn (a typo says "Enter a valid
/// card number" rather than blaming the brand), unknown brand, length for the brand, and
/// finally whether the brand is in `accepted`.
pub fn check_number(input: &str, accepted: &[CardBrand]) -> Result<(String, CardBrand), CardError> {
    let digits = normalise_number(input)?;
    if !(MIN_PAN_DIGITS..=MAX_PAN_DIGITS).contains(&digits.len()) {
        return Err(CardError::NumberIncorrectLength);
    }
    if !luhn_valid(&digits) {
        return Err(CardError::NumberLuhnInvalid);
    }
    let brand = detect_brand(&digits).ok_or(CardError::NumberUnknownBrand)?;
    if !brand.accepts_length(digits.len()) {
        return Err(CardError::NumberIncorrectLength);
    }
    if !accepted.contains(&brand) {
        return Err(CardError::NumberBrandNotAccepted { brand });
    }
    Ok((digits, brand))
}

/// Whether `pan` looks like a card number: 12–19 ASCII digits. Masking only reveals digits
/// of such values, so a short or malformed one can never be shown almost whole.
fn plausible_pan(pan: &str) -> bool {
    (MIN_PAN_DIGITS..=MAX_PAN_DIGITS).contains(&pan.len())
        && pan.bytes().all(|b| b.is_ascii_digit())
}

/// The issuer identification digits, GOV.UK Pay's `first_digits_card_number`; `None`
/// unless `pan` is 12–19 ASCII digits.
pub fn first_six(pan: &str) -> Option<&str> {
    if plausible_pan(pan) {
        pan.get(..6)
    } else {
        None
    }
}

/// GOV.UK Pay's `last_digits_card_number`; `None` unless `pan` is 12–19 ASCII digits.
pub fn last_four(pan: &str) -> Option<&str> {
    if plausible_pan(pan) {
        pan.get(pan.len() - 4..)
    } else {
        None
    }
}

/// `424242******4242`: first six and last four digits, the rest starred.
///
/// Anything that is not 12–19 ASCII digits is starred out entirely, one star per character,
/// so it is safe to call on raw, unvalidated input.
pub fn masked(pan: &str) -> String {
    match (first_six(pan), last_four(pan)) {
        (Some(first), Some(last)) => {
            let hidden = pan.len() - first.len() - last.len();
            let mut out = String::with_capacity(pan.len());
            out.push_str(first);
            out.extend(core::iter::repeat_n('*', hidden));
            out.push_str(last);
            out
        }
        _ => core::iter::repeat_n('*', pan.chars().count()).collect(),
    }
}

/// Regroups what the payer has typed so far for display: `4242 4242 4242 4242`.
///
/// Non-digits are dropped; digits are kept in order and cut at the detected brand's
/// longest number (19 while the brand is unknown). Groups are 4-4-4-4-3, American Express
/// 4-6-5 as printed on the card, and 4-6-4 for the 14-digit Diners Club International
/// numbers starting 36 (if someone keeps typing past 14, 4-4-4-4-3 takes over again).
pub fn format_number_for_display(input: &str) -> String {
    let mut digits = String::with_capacity(MAX_PAN_DIGITS);
    digits.extend(
        input
            .chars()
            .filter(char::is_ascii_digit)
            .take(MAX_PAN_DIGITS),
    );
    let brand = detect_brand(&digits);
    digits.truncate(brand.map_or(MAX_PAN_DIGITS, CardBrand::max_length));

    let groups: &[usize] = match brand {
        Some(CardBrand::AmericanExpress) => &[4, 6, 5],
        Some(CardBrand::DinersClub) if digits.starts_with("36") && digits.len() <= 14 => &[4, 6, 4],
        _ => &[4, 4, 4, 4, 3],
    };

    let mut out = String::with_capacity(digits.len() + groups.len());
    let mut rest = digits.as_str();
    for &size in groups {
        if rest.is_empty() {
            break;
        }
        // `None` when fewer than `size` digits remain: the rest is then the last group.
        let (group, tail) = rest.split_at_checked(size).unwrap_or((rest, ""));
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(group);
        rest = tail;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn luhn_basics() {
        assert!(luhn_valid("4242424242424242"));
        assert!(!luhn_valid("4242424242424241"));
        assert!(luhn_valid("79927398713"));
        assert!(!luhn_valid(""));
        assert!(!luhn_valid("4242 4242 4242 4242"));
        assert_eq!(luhn_check_digit("7992739871"), Some(3));
        assert_eq!(luhn_check_digit("424242424242424"), Some(2));
        assert_eq!(luhn_check_digit(""), Some(0));
        assert_eq!(luhn_check_digit("12a"), None);
    }

    #[test]
    fn normalises_what_people_type() {
        assert_eq!(
            normalise_number(" 4242 4242-4242 4242 ").unwrap(),
            "4242424242424242"
        );
        assert_eq!(normalise_number("4242--4242").unwrap(), "42424242");
        assert_eq!(normalise_number(""), Err(CardError::NumberMissing));
        assert_eq!(normalise_number(" - "), Err(CardError::NumberMissing));
        for bad in [
            "4242.4242",
            "4242_4242",
            "4242a",
            "４２４２",
            "4242\t4242",
            "+4242",
        ] {
            assert_eq!(
                normalise_number(bad),
                Err(CardError::NumberInvalidCharacters),
                "{bad}"
            );
        }
    }

    #[test]
    fn check_number_reports_in_govuk_order() {
        let all = CardBrand::ALL;
        assert_eq!(check_number("", &all), Err(CardError::NumberMissing));
        assert_eq!(
            check_number("4242x", &all),
            Err(CardError::NumberInvalidCharacters)
        );
        assert_eq!(
            check_number("42424242424", &all),
            Err(CardError::NumberIncorrectLength)
        );
        assert_eq!(
            check_number("42424242424242424242", &all),
            Err(CardError::NumberIncorrectLength)
        );
        assert_eq!(
            check_number("4242424242424241", &all),
            Err(CardError::NumberLuhnInvalid)
        );
        // Luhn-valid but in no brand's range.
        assert_eq!(
            check_number("9999999999999995", &all),
            Err(CardError::NumberUnknownBrand)
        );
        // A Luhn-valid 15-digit Visa: a real brand, but not a length Visa issues.
        assert_eq!(
            check_number("424242424242424", &all),
            Err(CardError::NumberIncorrectLength)
        );
        assert_eq!(
            check_number("4242424242424242", &[CardBrand::Mastercard]),
            Err(CardError::NumberBrandNotAccepted {
                brand: CardBrand::Visa
            })
        );
        assert_eq!(
            check_number("4242 4242 4242 4242", &[CardBrand::Visa]),
            Ok(("4242424242424242".to_string(), CardBrand::Visa))
        );
    }

    #[test]
    fn masking() {
        assert_eq!(first_six("4242424242424242"), Some("424242"));
        assert_eq!(last_four("4242424242424242"), Some("4242"));
        assert_eq!(masked("4242424242424242"), "424242******4242");
        assert_eq!(masked("378282246310005"), "378282*****0005");
        assert_eq!(masked("675964982648"), "675964**2648");
        assert_eq!(first_six("42424242424"), None);
        assert_eq!(last_four("4242 4242 4242 4242"), None);
        assert_eq!(masked("4242 4242"), "*********");
        assert_eq!(masked("42424"), "*****");
        assert_eq!(masked("£4"), "**");
        assert_eq!(masked(""), "");
    }

    #[test]
    fn formats_while_typing() {
        let cases = [
            ("", ""),
            ("4", "4"),
            ("4242", "4242"),
            ("42424", "4242 4"),
            ("4242424242424242", "4242 4242 4242 4242"),
            ("4242-4242 4242x4242", "4242 4242 4242 4242"),
            ("4242424242424242123", "4242 4242 4242 4242 123"),
            ("42424242424242421234", "4242 4242 4242 4242 123"),
            ("5555555555554444999", "5555 5555 5555 4444"),
            ("3782", "3782"),
            ("378282", "3782 82"),
            ("378282246310005", "3782 822463 10005"),
            ("3782822463100059", "3782 822463 10005"),
            ("36227206271667", "3622 720627 1667"),
            ("362272062716671", "3622 7206 2716 671"),
            ("3056930009020004", "3056 9300 0902 0004"),
            ("6200000000000005", "6200 0000 0000 0005"),
            ("99999999999999999999", "9999 9999 9999 9999 999"),
            ("abc", ""),
        ];
        for (input, want) in cases {
            assert_eq!(format_number_for_display(input), want, "{input}");
        }
    }

    proptest! {
        #[test]
        fn appending_the_check_digit_makes_it_valid(payload in "[0-9]{1,30}") {
            let check = luhn_check_digit(&payload).unwrap();
            let full = format!("{payload}{check}");
            prop_assert!(luhn_valid(&full));
        }

        #[test]
        fn changing_any_one_digit_breaks_it(
            payload in "[0-9]{1,30}",
            position in any::<prop::sample::Index>(),
            delta in 1u8..10,
        ) {
            let check = luhn_check_digit(&payload).unwrap();
            let mut digits = format!("{payload}{check}").into_bytes();
            let at = position.index(digits.len());
            digits[at] = b'0' + (digits[at] - b'0' + delta) % 10;
            prop_assert!(!luhn_valid(core::str::from_utf8(&digits).unwrap()));
        }

        #[test]
        fn formatting_keeps_only_digits_in_order(input in "\\PC{0,60}") {
            let out = format_number_for_display(&input);
            prop_assert!(out.chars().all(|c| c.is_ascii_digit() || c == ' '));
            prop_assert!(!out.starts_with(' ') && !out.ends_with(' ') && !out.contains("  "));
            let kept: String = out.chars().filter(char::is_ascii_digit).collect();
            let typed: String = input.chars().filter(char::is_ascii_digit).collect();
            prop_assert!(typed.starts_with(&kept));
            prop_assert!(kept.len() <= MAX_PAN_DIGITS);
        }

        #[test]
        fn formatting_digit_strings_keeps_everything_up_to_the_brand_limit(
            input in "[0-9]{0,25}",
        ) {
            let kept: String = format_number_for_display(&input)
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            let limit = detect_brand(&input).map_or(MAX_PAN_DIGITS, CardBrand::max_length);
            prop_assert_eq!(kept.len(), input.len().min(limit));
        }

        #[test]
        fn masking_never_panics_or_leaks(input in "\\PC{0,25}") {
            let out = masked(&input);
            prop_assert_eq!(out.chars().count(), input.chars().count());
            let shown = out.chars().filter(|c| *c != '*').count();
            prop_assert!(shown == 0 || (shown == 10 && input.len() >= MIN_PAN_DIGITS));
        }
    }
}
