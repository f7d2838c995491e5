//! Card expiry dates: parsing what people type, and deciding whether a card is in date.

use super::messages::CardError;
use crate::time::{days_from_civil, UnixMillis, DAY_MS};

/// The furthest ahead an expiry may be, in months. Cards are issued for at most a few
/// years; anything beyond this is a typo (`2062` for `2026`), and catching it here spares a
/// round trip to the acquirer.
const MAX_MONTHS_AHEAD: i64 = 20 * 12;

/// A card's expiry month. A card is valid until the end of that month, UTC.
///
/// Serialises as `{"month":3,"year":2026}`; [`Display`](core::fmt::Display) gives GOV.UK
/// Pay's `expiry_date` form, `03/26`. Ordered chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ExpiryDate {
    /// Month, 1–12.
    pub month: u8,
    /// Four-digit year.
    pub year: u16,
}

impl PartialOrd for ExpiryDate {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ExpiryDate {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        (self.year, self.month).cmp(&(other.year, other.month))
    }
}

impl ExpiryDate {
    /// An expiry date; `ExpiryInvalid` unless `month` is 1–12.
    pub fn new(month: u8, year: u16) -> Result<ExpiryDate, CardError> {
        if (1..=12).contains(&month) {
            Ok(ExpiryDate { month, year })
        } else {
            Err(CardError::ExpiryInvalid)
        }
    }

    /// Parses separate month and year fields as typed: month `"3"` or `"03"`, year `"26"`
    /// or `"2026"` (two-digit years are 20YY). Surrounding whitespace is ignored.
    pub fn from_fields(month: &str, year: &str) -> Result<ExpiryDate, CardError> {
        let (month, year) = (month.trim(), year.trim());
        if month.is_empty() || year.is_empty() {
            return Err(CardError::ExpiryMissing);
        }
        let month = match number(month) {
            Some(m) if month.len() <= 2 => m,
            _ => return Err(CardError::ExpiryInvalid),
        };
        let year = match (number(year), year.len()) {
            (Some(yy), 2) => 2000 + yy,
            (Some(yyyy), 4) => yyyy,
            _ => return Err(CardError::ExpiryInvalid),
        };
        ExpiryDate::new(
            u8::try_from(month).map_err(|_| CardError::ExpiryInvalid)?,
            year,
        )
    }

    /// Parses a single field: `"MM/YY"`, `"MM / YY"`, `"MM/YYYY"` (one-digit months too).
    pub fn parse(text: &str) -> Result<ExpiryDate, CardError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(CardError::ExpiryMissing);
        }
        match text.split_once('/') {
            Some((month, year)) if !month.trim().is_empty() && !year.trim().is_empty() => {
                ExpiryDate::from_fields(month, year)
            }
            _ => Err(CardError::ExpiryInvalid),
        }
    }

    /// The first millisecond after the card stops being valid, as signed millis so years
    /// before 1970 need no special case.
    fn end_millis(self) -> i128 {
        let (year, month) = if self.month >= 12 {
            (i64::from(self.year) + 1, 1)
        } else {
            (i64::from(self.year), u32::from(self.month) + 1)
        };
        i128::from(days_from_civil(year, month, 1)) * i128::from(DAY_MS)
    }
}

impl core::fmt::Display for ExpiryDate {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:02}/{:02}", self.month, self.year % 100)
    }
}

impl core::str::FromStr for ExpiryDate {
    type Err = CardError;

    fn from_str(text: &str) -> Result<ExpiryDate, CardError> {
        ExpiryDate::parse(text)
    }
}

/// All-ASCII-digit text as a number; `None` for anything else, including overflow.
fn number(text: &str) -> Option<u16> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Whether a card with this expiry can be used at `now`.
///
/// Valid through the last millisecond of its month in UTC (card schemes mean "until the
/// end of"; UTC because the server and every browser must agree, whatever the payer's
/// zone). `ExpiryInPast` from the first millisecond of the next month; `ExpiryTooFarAhead`
/// when the expiry month is more than 20 years after now's month; `ExpiryInvalid` for a
/// month outside 1–12.
pub fn check_expiry(expiry: ExpiryDate, now: UnixMillis) -> Result<(), CardError> {
    if !(1..=12).contains(&expiry.month) {
        return Err(CardError::ExpiryInvalid);
    }
    if i128::from(now.as_millis()) >= expiry.end_millis() {
        return Err(CardError::ExpiryInPast);
    }
    let (now_year, now_month, ..) = now.to_civil();
    let months_ahead = (i64::from(expiry.year) * 12 + i64::from(expiry.month))
        - (now_year * 12 + i64::from(now_month));
    if months_ahead > MAX_MONTHS_AHEAD {
        return Err(CardError::ExpiryTooFarAhead);
    }
    Ok(())
}

/// Regroups a combined expiry field while it is typed: `"0"` → `"0"`, `"12"` → `"12 / "`,
/// `"1226"` → `"12 / 26"`.
///
/// Non-digits are dropped and at most `MM YY` kept. A first digit of 2–9 can only be a
/// month on its own, so `"3"` becomes `"03 / "`; likewise `"13"` becomes `"01 / 3"`.
/// Formatting its own output changes nothing. The separator appears as soon as the month is
/// complete, so a widget should skip reformatting when the payer deletes (otherwise the
/// backspace over `" / "` would be undone).
pub fn format_expiry_for_display(input: &str) -> String {
    let mut digits = input.bytes().filter(u8::is_ascii_digit);
    let mut month = String::with_capacity(2);
    let mut year = String::with_capacity(2);
    match (digits.next(), digits.next()) {
        (None, _) => return String::new(),
        (Some(d @ b'2'..=b'9'), second) => {
            month.push('0');
            month.push(char::from(d));
            year.extend(second.map(char::from));
        }
        (Some(b'1'), Some(d @ b'3'..=b'9')) => {
            month.push_str("01");
            year.push(char::from(d));
        }
        (Some(first), None) => return char::from(first).to_string(),
        (Some(first), Some(second)) => {
            month.push(char::from(first));
            month.push(char::from(second));
        }
    }
    year.extend(digits.take(2 - year.len()).map(char::from));
    format!("{month} / {year}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(text: &str) -> UnixMillis {
        UnixMillis::parse_rfc3339(text).unwrap()
    }

    fn date(month: u8, year: u16) -> ExpiryDate {
        ExpiryDate::new(month, year).unwrap()
    }

    #[test]
    fn parses_separate_fields_as_typed() {
        assert_eq!(ExpiryDate::from_fields("3", "26"), Ok(date(3, 2026)));
        assert_eq!(ExpiryDate::from_fields("03", "2026"), Ok(date(3, 2026)));
        assert_eq!(ExpiryDate::from_fields(" 12 ", " 30 "), Ok(date(12, 2030)));
        assert_eq!(ExpiryDate::from_fields("1", "00"), Ok(date(1, 2000)));
        assert_eq!(
            ExpiryDate::from_fields("", "26"),
            Err(CardError::ExpiryMissing)
        );
        assert_eq!(
            ExpiryDate::from_fields("3", " "),
            Err(CardError::ExpiryMissing)
        );
        for (m, y) in [
            ("0", "26"),
            ("00", "26"),
            ("13", "26"),
            ("003", "26"),
            ("+3", "26"),
            ("3", "6"),
            ("3", "026"),
            ("3", "20266"),
            ("3", "2O26"),
            ("３", "26"),
            ("99999", "26"),
        ] {
            assert_eq!(
                ExpiryDate::from_fields(m, y),
                Err(CardError::ExpiryInvalid),
                "{m:?} {y:?}"
            );
        }
    }

    #[test]
    fn parses_combined_field() {
        for text in [
            "03/26", "3/26", "03 / 26", " 03/ 26 ", "03/2026", "3 / 2026",
        ] {
            assert_eq!(ExpiryDate::parse(text), Ok(date(3, 2026)), "{text}");
        }
        assert_eq!("12/29".parse::<ExpiryDate>(), Ok(date(12, 2029)));
        assert_eq!(ExpiryDate::parse(""), Err(CardError::ExpiryMissing));
        for text in [
            "0326", "03-26", "03/", "/26", "03/26/1", "13/26", "03//26", "March 26",
        ] {
            assert!(ExpiryDate::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn displays_like_govuk_pay() {
        assert_eq!(date(3, 2026).to_string(), "03/26");
        assert_eq!(date(12, 2100).to_string(), "12/00");
        assert_eq!(ExpiryDate::new(0, 2026), Err(CardError::ExpiryInvalid));
        assert!(date(1, 2027) > date(12, 2026));
    }

    #[test]
    fn valid_through_the_last_millisecond_of_the_month() {
        let card = date(3, 2026);
        assert_eq!(check_expiry(card, at("2026-03-31T23:59:59.999Z")), Ok(()));
        assert_eq!(
            check_expiry(card, at("2026-04-01T00:00:00.000Z")),
            Err(CardError::ExpiryInPast)
        );
        assert_eq!(check_expiry(card, at("2026-03-01T00:00:00.000Z")), Ok(()));
        assert_eq!(check_expiry(card, at("2020-01-01T00:00:00.000Z")), Ok(()));
        // A payer in UTC+1 just past midnight local time is still in March in UTC.
        assert_eq!(check_expiry(card, at("2026-04-01T00:30:00+01:00")), Ok(()));
    }

    #[test]
    fn leap_years_and_december() {
        assert_eq!(
            check_expiry(date(2, 2028), at("2028-02-29T23:59:59.999Z")),
            Ok(())
        );
        assert_eq!(
            check_expiry(date(2, 2028), at("2028-03-01T00:00:00.000Z")),
            Err(CardError::ExpiryInPast)
        );
        assert_eq!(
            check_expiry(date(2, 2027), at("2027-03-01T00:00:00.000Z")),
            Err(CardError::ExpiryInPast)
        );
        assert_eq!(
            check_expiry(date(2, 2027), at("2027-02-28T23:59:59.999Z")),
            Ok(())
        );
        assert_eq!(
            check_expiry(date(2, 2100), at("2100-02-28T23:59:59.999Z")),
            Ok(())
        );
        assert_eq!(
            check_expiry(date(2, 2100), at("2100-03-01T00:00:00.000Z")),
            Err(CardError::ExpiryInPast)
        );
        assert_eq!(
            check_expiry(date(12, 2026), at("2026-12-31T23:59:59.999Z")),
            Ok(())
        );
        assert_eq!(
            check_expiry(date(12, 2026), at("2027-01-01T00:00:00.000Z")),
            Err(CardError::ExpiryInPast)
        );
        assert_eq!(
            check_expiry(date(1, 2027), at("2026-12-31T23:59:59.999Z")),
            Ok(())
        );
    }

    #[test]
    fn rejects_absurdly_distant_expiries() {
        let now = at("2026-11-22T10:00:00.000Z");
        assert_eq!(check_expiry(date(11, 2046), now), Ok(()));
        assert_eq!(
            check_expiry(date(12, 2046), now),
            Err(CardError::ExpiryTooFarAhead)
        );
        assert_eq!(
            check_expiry(date(1, 9999), now),
            Err(CardError::ExpiryTooFarAhead)
        );
        assert_eq!(check_expiry(date(1, 0), now), Err(CardError::ExpiryInPast));
        assert_eq!(
            check_expiry(
                ExpiryDate {
                    month: 13,
                    year: 2027
                },
                now
            ),
            Err(CardError::ExpiryInvalid)
        );
        assert_eq!(
            check_expiry(date(12, u16::MAX), UnixMillis(u64::MAX)),
            Err(CardError::ExpiryInPast)
        );
    }

    #[test]
    fn formats_combined_field_while_typing() {
        let cases = [
            ("", ""),
            ("0", "0"),
            ("1", "1"),
            ("3", "03 / "),
            ("12", "12 / "),
            ("10", "10 / "),
            ("13", "01 / 3"),
            ("122", "12 / 2"),
            ("1226", "12 / 26"),
            ("122026", "12 / 20"),
            ("12 / 2", "12 / 2"),
            ("12 /", "12 / "),
            ("326", "03 / 26"),
            ("a1b2", "12 / "),
        ];
        for (input, want) in cases {
            assert_eq!(format_expiry_for_display(input), want, "{input:?}");
        }
    }

    proptest! {
        #[test]
        fn expiry_formatting_is_idempotent(input in "\\PC{0,12}") {
            let once = format_expiry_for_display(&input);
            prop_assert_eq!(format_expiry_for_display(&once), once.clone());
            prop_assert!(once.len() <= "12 / 26".len());
        }

        #[test]
        fn a_formatted_complete_expiry_parses(month in 1u8..=12, yy in 0u16..100) {
            let typed = format!("{month:02}{yy:02}");
            let shown = format_expiry_for_display(&typed);
            prop_assert_eq!(ExpiryDate::parse(&shown), Ok(date(month, 2000 + yy)));
        }

        #[test]
        fn check_expiry_never_panics(month in any::<u8>(), year in any::<u16>(), now in any::<u64>()) {
            let _ = check_expiry(ExpiryDate { month, year }, UnixMillis(now));
        }

        #[test]
        fn valid_exactly_until_the_month_ends(month in 1u8..=12, year in 1971u16..2200) {
            let card = date(month, year);
            let end = card.end_millis();
            let last = UnixMillis(u64::try_from(end - 1).unwrap());
            // Judge from within the 20-year window, at the card's last millisecond.
            prop_assert_eq!(check_expiry(card, last), Ok(()));
            prop_assert_eq!(check_expiry(card, last.plus(1)), Err(CardError::ExpiryInPast));
        }
    }
}
