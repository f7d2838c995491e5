//! The cardholder name.

use super::messages::CardError;

/// Longest accepted name, in characters (GOV.UK Pay's `cardholder_name` limit).
pub const MAX_NAME_CHARS: usize = 255;

/// A name with this many digits is treated as a pasted card number (GOV.UK Pay's rule):
/// 12 is the shortest PAN, and no real name needs that many digits.
const SUSPECTED_PAN_DIGITS: usize = 12;

/// Checks the name on the card and returns it trimmed.
///
/// Required; at most 255 characters after trimming; no control characters or the Unicode
/// bidirectional controls, which can make the name read differently to operators than it
/// was typed; not 12 or more digits (the card number pasted into the name field, which
/// must never be stored as a name); not just 3–4 digits (the security code in the wrong
/// field, which GOV.UK Pay also rejects).
pub fn check_cardholder_name(name: &str) -> Result<&str, CardError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(CardError::NameMissing);
    }
    if name.chars().any(is_forbidden_control) {
        return Err(CardError::NameControlCharacters);
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(CardError::NameTooLong);
    }
    let digits = name.bytes().filter(u8::is_ascii_digit).count();
    if digits >= SUSPECTED_PAN_DIGITS {
        return Err(CardError::NameLooksLikeCardNumber);
    }
    if (3..=4).contains(&digits) && digits == name.len() {
        return Err(CardError::NameLooksLikeCvc);
    }
    Ok(name)
}

/// What of a typed value may be written back into the re-rendered card form after an
/// error: nothing when it may hold a card number, the value otherwise.
///
/// The form redisplays the name (and the expiry) so the payer need not type them again.
/// A card number pasted into one of those fields would otherwise come back in the page,
/// where it lands in caches, history and screenshots. Anything with 12 or more digits is
/// dropped, the same test that refuses the name ([`CardError::NameLooksLikeCardNumber`]):
/// every PAN (12 to 19 digits, with spaces or dashes or inside other text) and every
/// mistyped one, which is just as much a card number to keep out of the page.
pub fn shown_again(value: &str) -> &str {
    if value.bytes().filter(u8::is_ascii_digit).count() >= SUSPECTED_PAN_DIGITS {
        ""
    } else {
        value
    }
}

fn is_forbidden_control(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_real_names() {
        for name in [
            "Mr J Smith",
            "Siân O’Connor-Llywelyn",
            "José Álvarez",
            "李小龍",
            "Flat 12 Ltd",
            "Henry VIII 1491 1547 150", // 11 digits: still a name
            "Agent 007",
            "12345",
        ] {
            assert_eq!(check_cardholder_name(name), Ok(name), "{name}");
        }
        assert_eq!(check_cardholder_name("  Jane Doe \n"), Ok("Jane Doe"));
    }

    #[test]
    fn rejects_what_is_not_a_name() {
        let cases = [
            ("", CardError::NameMissing),
            ("   \t", CardError::NameMissing),
            ("4242424242424242", CardError::NameLooksLikeCardNumber),
            ("J Smith 4242 4242 4242", CardError::NameLooksLikeCardNumber),
            (
                "1a2b3c4d5e6f7g8h9i0j1k2l",
                CardError::NameLooksLikeCardNumber,
            ),
            ("123", CardError::NameLooksLikeCvc),
            (" 1234 ", CardError::NameLooksLikeCvc),
            ("Jane\u{0}Doe", CardError::NameControlCharacters),
            ("Jane\nDoe", CardError::NameControlCharacters),
            ("Jane\u{202E}eoD", CardError::NameControlCharacters),
        ];
        for (name, want) in cases {
            assert_eq!(check_cardholder_name(name), Err(want), "{name:?}");
        }
    }

    #[test]
    fn length_is_counted_in_characters() {
        let longest = "é".repeat(MAX_NAME_CHARS);
        assert_eq!(check_cardholder_name(&longest), Ok(longest.as_str()));
        let too_long = "a".repeat(MAX_NAME_CHARS + 1);
        assert_eq!(
            check_cardholder_name(&too_long),
            Err(CardError::NameTooLong)
        );
    }

    #[test]
    fn a_card_number_is_never_shown_again() {
        for pan in [
            "4242424242424242",
            "4242 4242 4242 4242",
            "4242-4242-4242-4242",
            "5555 5555 5555 4444 ",
            "378282246310005",
            "J Smith 4242 4242 4242 4242",
            "4242 4242 4242 4241", // mistyped, Luhn fails: still a card number
            "6011 0009 9013 9424 123",
        ] {
            assert_eq!(
                check_cardholder_name(pan),
                Err(CardError::NameLooksLikeCardNumber),
                "{pan}"
            );
            assert_eq!(shown_again(pan), "", "{pan}");
        }
        for kept in ["Mr J Smith", "Agent 007", "12/30", "Jane\nDoe", "123"] {
            assert_eq!(shown_again(kept), kept);
        }
    }

    proptest! {
        /// Whatever is shown again has fewer digits than the shortest card number.
        #[test]
        fn what_is_shown_again_holds_no_card_number(value in "[0-9 a-z-]{0,40}") {
            prop_assert!(shown_again(&value).bytes().filter(u8::is_ascii_digit).count() < 12);
        }

        #[test]
        fn never_panics_and_accepted_names_obey_the_rules(name in "\\PC{0,300}") {
            if let Ok(kept) = check_cardholder_name(&name) {
                prop_assert!(!kept.is_empty() && kept.chars().count() <= MAX_NAME_CHARS);
                prop_assert!(kept.bytes().filter(u8::is_ascii_digit).count() < 12);
            }
        }
    }
}
