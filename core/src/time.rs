//! Instants as milliseconds since the Unix epoch, and their RFC 3339 text.
//!
//! The core never reads a clock: callers pass `UnixMillis` in. GOV.UK Pay renders
//! instants as `2016-01-21T17:15:00.000Z` (UTC, milliseconds), so that is what `to_rfc3339`
//! produces; `parse_rfc3339` accepts the forms its search filters accept.

use core::fmt;

/// An instant, in milliseconds since 1970-01-01T00:00:00Z.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct UnixMillis(pub u64);

/// Durations are plain milliseconds; these name the ones the domain uses.
pub const SECOND_MS: u64 = 1_000;
pub const MINUTE_MS: u64 = 60 * SECOND_MS;
pub const HOUR_MS: u64 = 60 * MINUTE_MS;
pub const DAY_MS: u64 = 24 * HOUR_MS;

impl UnixMillis {
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// Seconds since the epoch, rounded down (Standard Webhooks timestamps are seconds).
    pub const fn as_secs(self) -> u64 {
        self.0 / SECOND_MS
    }

    pub const fn plus(self, ms: u64) -> UnixMillis {
        UnixMillis(self.0.saturating_add(ms))
    }

    pub const fn minus(self, ms: u64) -> UnixMillis {
        UnixMillis(self.0.saturating_sub(ms))
    }

    /// Civil date and time in UTC: (year, month 1-12, day 1-31, hour, minute, second, millis).
    pub fn to_civil(self) -> (i64, u32, u32, u32, u32, u32, u32) {
        let ms = self.0;
        let days = (ms / DAY_MS) as i64;
        let rem = ms % DAY_MS;
        let (y, m, d) = civil_from_days(days);
        let hour = (rem / HOUR_MS) as u32;
        let minute = ((rem % HOUR_MS) / MINUTE_MS) as u32;
        let second = ((rem % MINUTE_MS) / SECOND_MS) as u32;
        let millis = (rem % SECOND_MS) as u32;
        (y, m, d, hour, minute, second, millis)
    }

    /// `2016-01-21T17:15:00.000Z`, the way GOV.UK Pay writes `created_date`.
    pub fn to_rfc3339(self) -> String {
        self.to_string()
    }

    /// Parses `YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm)`. Returns `None` for anything else,
    /// including instants before the epoch.
    pub fn parse_rfc3339(text: &str) -> Option<UnixMillis> {
        let b = text.as_bytes();
        if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b't') {
            return None;
        }
        if b[13] != b':' || b[16] != b':' {
            return None;
        }
        let num = |from: usize, to: usize| -> Option<u64> {
            let s = text.get(from..to)?;
            if s.bytes().all(|c| c.is_ascii_digit()) {
                s.parse().ok()
            } else {
                None
            }
        };
        let year = num(0, 4)? as i64;
        let month = num(5, 7)? as u32;
        let day = num(8, 10)? as u32;
        let hour = num(11, 13)?;
        let minute = num(14, 16)?;
        let second = num(17, 19)?;
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let mut idx = 19;
        let mut millis = 0u64;
        if b.get(idx) == Some(&b'.') {
            idx += 1;
            let start = idx;
            while idx < b.len() && b[idx].is_ascii_digit() {
                idx += 1;
            }
            let frac = text.get(start..idx)?;
            if frac.is_empty() || frac.len() > 9 {
                return None;
            }
            // Keep milliseconds, drop finer digits: the domain's resolution is 1 ms.
            let padded = format!("{frac:0<3}");
            millis = padded.get(..3)?.parse().ok()?;
        }
        let offset_secs: i64 = match text.get(idx..)? {
            "Z" | "z" => 0,
            tz if tz.len() == 6 && (tz.starts_with('+') || tz.starts_with('-')) => {
                let tb = tz.as_bytes();
                if tb[3] != b':' {
                    return None;
                }
                let h: i64 = tz.get(1..3)?.parse().ok()?;
                let m: i64 = tz.get(4..6)?.parse().ok()?;
                if h > 23 || m > 59 {
                    return None;
                }
                let sign = if tb[0] == b'-' { -1 } else { 1 };
                sign * (h * 3600 + m * 60)
            }
            _ => return None,
        };
        let days = days_from_civil(year, month, day);
        let secs = days * 86_400 + (hour * 3600 + minute * 60 + second) as i64 - offset_secs;
        if secs < 0 {
            return None;
        }
        Some(UnixMillis(secs as u64 * SECOND_MS + millis))
    }
}

impl fmt::Display for UnixMillis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, mo, d, h, mi, s, ms) = self.to_civil();
        write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z")
    }
}

/// Whether `year` is a Gregorian leap year.
pub const fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Number of days in `month` (1-12) of `year`.
pub const fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
pub const fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day number (inverse of `days_from_civil`).
pub const fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_govuk_pay() {
        assert_eq!(UnixMillis(0).to_rfc3339(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            UnixMillis(1_453_396_500_123).to_rfc3339(),
            "2016-01-21T17:15:00.123Z"
        );
        assert_eq!(
            UnixMillis(951_782_400_000).to_rfc3339(),
            "2000-02-29T00:00:00.000Z"
        );
    }

    #[test]
    fn parses_what_it_formats_and_offsets() {
        for ms in [0u64, 1_453_396_500_123, 951_782_400_000, 4_102_444_799_999] {
            let text = UnixMillis(ms).to_rfc3339();
            assert_eq!(
                UnixMillis::parse_rfc3339(&text),
                Some(UnixMillis(ms)),
                "{text}"
            );
        }
        assert_eq!(
            UnixMillis::parse_rfc3339("2016-01-21T18:15:00+01:00"),
            Some(UnixMillis(1_453_396_500_000))
        );
        assert_eq!(
            UnixMillis::parse_rfc3339("2015-08-13T12:35:00Z"),
            Some(UnixMillis(1_439_469_300_000))
        );
    }

    #[test]
    fn rejects_malformed_instants() {
        for bad in [
            "",
            "2016-01-21",
            "2016-13-01T00:00:00Z",
            "2015-02-29T00:00:00Z",
            "2016-01-21T24:00:00Z",
            "2016-01-21T17:15:00",
            "2016-01-21T17:15:00.Z",
            "2016-01-21T17:15:00+0100",
            "1969-12-31T23:59:59Z",
            "２016-01-21T17:15:00Z",
        ] {
            assert_eq!(UnixMillis::parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn civil_round_trip_over_four_centuries() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        for day in -10..(146_097 + 10) {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
    }
}
