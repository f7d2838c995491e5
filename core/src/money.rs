//! Currencies, amounts in minor units, and their human-readable rendering.
//!
//! Every amount in Kassa is an integer count of the currency's minor unit (pence for GBP,
//! cents for EUR, yen for JPY): floating point never touches money. GOV.UK Pay itself is
//! GBP-only and its API has no currency field; Kassa keeps the currency next to every
//! amount so that the same rules serve other currencies too.

use core::fmt;

/// The smallest amount a payment may be created for, in minor units.
///
/// GOV.UK Pay allows zero only for accounts with a hidden feature flag and even then reports
/// "Must be greater than or equal to 1", so Kassa simply requires at least 1.
pub const MIN_AMOUNT: u64 = 1;

/// The largest amount a payment or refund may be for, in minor units: GOV.UK Pay's limit
/// (10,000,000 pence = £100,000).
///
/// It is far below 2^53 (about 9.007e15), so every valid amount is exactly representable as
/// a JavaScript number: the checkout widget and the JS bindings can hold amounts in plain
/// `number`s without rounding.
pub const MAX_AMOUNT: u64 = 10_000_000;

// Checked at compile time: if MAX_AMOUNT ever grew past 2^53, JS callers would lose precision.
const _: () = assert!(MAX_AMOUNT < (1u64 << 53));

/// ISO 4217 currencies Kassa knows, each with its minor-unit exponent.
///
/// The set is deliberately modest: the currencies a UK public-sector payment gateway is
/// likely to meet, plus zero- and three-decimal ones so that exponent handling is exercised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Currency {
    /// Pound sterling, the only currency GOV.UK Pay accepts.
    Gbp,
    /// Euro.
    Eur,
    /// US dollar.
    Usd,
    /// Japanese yen (no minor unit).
    Jpy,
    /// Swiss franc.
    Chf,
    /// Canadian dollar.
    Cad,
    /// Australian dollar.
    Aud,
    /// New Zealand dollar.
    Nzd,
    /// Swedish krona.
    Sek,
    /// Norwegian krone.
    Nok,
    /// Danish krone.
    Dkk,
    /// Polish złoty.
    Pln,
    /// Czech koruna.
    Czk,
    /// Hungarian forint (ISO 4217 still lists two decimals).
    Huf,
    /// South Korean won (no minor unit).
    Krw,
    /// Icelandic króna (no minor unit).
    Isk,
    /// Bahraini dinar (three decimals).
    Bhd,
    /// Kuwaiti dinar (three decimals).
    Kwd,
    /// Jordanian dinar (three decimals).
    Jod,
}

impl Currency {
    /// Every supported currency, in declaration order.
    pub const ALL: [Currency; 19] = [
        Currency::Gbp,
        Currency::Eur,
        Currency::Usd,
        Currency::Jpy,
        Currency::Chf,
        Currency::Cad,
        Currency::Aud,
        Currency::Nzd,
        Currency::Sek,
        Currency::Nok,
        Currency::Dkk,
        Currency::Pln,
        Currency::Czk,
        Currency::Huf,
        Currency::Krw,
        Currency::Isk,
        Currency::Bhd,
        Currency::Kwd,
        Currency::Jod,
    ];

    /// The three-letter ISO 4217 code, e.g. `"GBP"`.
    pub const fn code(self) -> &'static str {
        match self {
            Currency::Gbp => "GBP",
            Currency::Eur => "EUR",
            Currency::Usd => "USD",
            Currency::Jpy => "JPY",
            Currency::Chf => "CHF",
            Currency::Cad => "CAD",
            Currency::Aud => "AUD",
            Currency::Nzd => "NZD",
            Currency::Sek => "SEK",
            Currency::Nok => "NOK",
            Currency::Dkk => "DKK",
            Currency::Pln => "PLN",
            Currency::Czk => "CZK",
            Currency::Huf => "HUF",
            Currency::Krw => "KRW",
            Currency::Isk => "ISK",
            Currency::Bhd => "BHD",
            Currency::Kwd => "KWD",
            Currency::Jod => "JOD",
        }
    }

    /// Number of decimal digits of the minor unit (2 for GBP, 0 for JPY, 3 for KWD).
    pub const fn exponent(self) -> u32 {
        match self {
            Currency::Jpy | Currency::Krw | Currency::Isk => 0,
            Currency::Bhd | Currency::Kwd | Currency::Jod => 3,
            _ => 2,
        }
    }

    /// The symbol written before the amount, where one is unambiguous in English text.
    ///
    /// Currencies without one (or whose symbol is shared, like the many dollars other than
    /// USD) are written with their ISO code instead, e.g. "CHF 12.34".
    pub const fn symbol(self) -> Option<&'static str> {
        match self {
            Currency::Gbp => Some("£"),
            Currency::Eur => Some("€"),
            Currency::Usd => Some("$"),
            Currency::Jpy => Some("¥"),
            _ => None,
        }
    }

    /// Looks up a currency by its ISO 4217 code. Only upper case is accepted, as ISO writes
    /// it, so that stored values have one spelling.
    pub fn from_code(code: &str) -> Option<Currency> {
        Currency::ALL.into_iter().find(|c| c.code() == code)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl serde::Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> serde::Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Currency::from_code(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unsupported currency {code:?}")))
    }
}

/// Why a number is not a valid payment amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountError {
    /// Below [`MIN_AMOUNT`].
    TooSmall,
    /// Above [`MAX_AMOUNT`].
    TooLarge,
}

impl fmt::Display for AmountError {
    /// The reasons are worded exactly like GOV.UK Pay's P0102 descriptions so that callers
    /// can put them straight into an API error.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AmountError::TooSmall => write!(f, "Must be greater than or equal to {MIN_AMOUNT}"),
            AmountError::TooLarge => write!(f, "Must be less than or equal to {MAX_AMOUNT}"),
        }
    }
}

/// A payment or refund amount in minor units, guaranteed to be within
/// [`MIN_AMOUNT`]`..=`[`MAX_AMOUNT`].
///
/// It serialises as a bare JSON integer, the way GOV.UK Pay writes `amount`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "u64", into = "u64")]
pub struct Amount(u64);

impl Amount {
    /// Checks `minor` against GOV.UK Pay's bounds.
    pub const fn new(minor: u64) -> Result<Amount, AmountError> {
        if minor < MIN_AMOUNT {
            Err(AmountError::TooSmall)
        } else if minor > MAX_AMOUNT {
            Err(AmountError::TooLarge)
        } else {
            Ok(Amount(minor))
        }
    }

    /// The amount in minor units.
    pub const fn minor_units(self) -> u64 {
        self.0
    }
}

impl TryFrom<u64> for Amount {
    type Error = AmountError;

    fn try_from(minor: u64) -> Result<Self, Self::Error> {
        Amount::new(minor)
    }
}

impl From<Amount> for u64 {
    fn from(amount: Amount) -> u64 {
        amount.0
    }
}

/// Renders `minor` units of `currency` for people: "£12.34", "£1,234.56", "¥1,234",
/// "€0.05", "CHF 1,000.00".
///
/// English conventions (comma thousands separator, full stop decimal point) are used for
/// every currency because the payment pages are in English or Welsh, which share them.
/// Integer arithmetic only: the major part is `minor / 10^exponent` and the fraction is the
/// remainder, zero-padded, so no value is ever rounded.
pub fn format_amount(minor: u64, currency: Currency) -> String {
    let exponent = currency.exponent();
    let scale = 10u64.pow(exponent);
    let major = minor / scale;
    let fraction = minor % scale;

    let mut out = String::new();
    match currency.symbol() {
        Some(symbol) => out.push_str(symbol),
        None => {
            out.push_str(currency.code());
            out.push(' ');
        }
    }
    push_grouped(&mut out, major);
    if exponent > 0 {
        out.push('.');
        let digits = fraction.to_string();
        // Left-pad the fraction: 5 cents is ".05", not ".5".
        for _ in digits.len()..exponent as usize {
            out.push('0');
        }
        out.push_str(&digits);
    }
    out
}

/// Appends `value` with a comma between each group of three digits.
fn push_grouped(out: &mut String, value: u64) {
    let digits = value.to_string();
    let len = digits.len();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (len - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats_the_documented_examples() {
        assert_eq!(format_amount(1234, Currency::Gbp), "£12.34");
        assert_eq!(format_amount(123_456, Currency::Gbp), "£1,234.56");
        assert_eq!(format_amount(1234, Currency::Jpy), "¥1,234");
        assert_eq!(format_amount(5, Currency::Eur), "€0.05");
    }

    #[test]
    fn formats_edges() {
        assert_eq!(format_amount(0, Currency::Gbp), "£0.00");
        assert_eq!(format_amount(1, Currency::Gbp), "£0.01");
        assert_eq!(format_amount(100, Currency::Usd), "$1.00");
        assert_eq!(format_amount(MAX_AMOUNT, Currency::Gbp), "£100,000.00");
        assert_eq!(format_amount(100_000, Currency::Chf), "CHF 1,000.00");
        assert_eq!(format_amount(1, Currency::Kwd), "KWD 0.001");
        assert_eq!(format_amount(1_234_567, Currency::Bhd), "BHD 1,234.567");
        assert_eq!(format_amount(999, Currency::Jpy), "¥999");
        assert_eq!(format_amount(1000, Currency::Krw), "KRW 1,000");
        assert_eq!(
            format_amount(u64::MAX, Currency::Gbp),
            "£184,467,440,737,095,516.15"
        );
    }

    #[test]
    fn exponents_follow_iso_4217() {
        assert_eq!(Currency::Gbp.exponent(), 2);
        assert_eq!(Currency::Jpy.exponent(), 0);
        assert_eq!(Currency::Isk.exponent(), 0);
        assert_eq!(Currency::Kwd.exponent(), 3);
        assert_eq!(Currency::Huf.exponent(), 2);
    }

    #[test]
    fn codes_round_trip_and_are_unique() {
        for c in Currency::ALL {
            assert_eq!(Currency::from_code(c.code()), Some(c));
            assert_eq!(c.to_string(), c.code());
        }
        let mut codes: Vec<_> = Currency::ALL.iter().map(|c| c.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Currency::ALL.len());
        assert_eq!(Currency::from_code("gbp"), None);
        assert_eq!(Currency::from_code("XXX"), None);
    }

    #[test]
    fn currency_serde_uses_iso_code() {
        assert_eq!(
            serde_json::to_value(Currency::Eur).unwrap(),
            serde_json::json!("EUR")
        );
        let c: Currency = serde_json::from_str("\"JPY\"").unwrap();
        assert_eq!(c, Currency::Jpy);
        assert!(serde_json::from_str::<Currency>("\"ABC\"").is_err());
    }

    #[test]
    fn amount_bounds() {
        assert_eq!(Amount::new(0), Err(AmountError::TooSmall));
        assert_eq!(Amount::new(1).map(Amount::minor_units), Ok(1));
        assert_eq!(
            Amount::new(MAX_AMOUNT).map(Amount::minor_units),
            Ok(MAX_AMOUNT)
        );
        assert_eq!(Amount::new(MAX_AMOUNT + 1), Err(AmountError::TooLarge));
        assert_eq!(
            AmountError::TooLarge.to_string(),
            "Must be less than or equal to 10000000"
        );
        assert_eq!(
            AmountError::TooSmall.to_string(),
            "Must be greater than or equal to 1"
        );
    }

    #[test]
    fn amount_serde_is_a_bare_integer_and_validates() {
        let a = Amount::new(1200).unwrap();
        assert_eq!(serde_json::to_string(&a).unwrap(), "1200");
        assert_eq!(serde_json::from_str::<Amount>("1200").unwrap(), a);
        assert!(serde_json::from_str::<Amount>("0").is_err());
        assert!(serde_json::from_str::<Amount>("10000001").is_err());
    }

    proptest! {
        #[test]
        fn formatting_round_trips_through_digits(minor in any::<u64>(), idx in 0usize..19) {
            let currency = Currency::ALL[idx];
            let text = format_amount(minor, currency);
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            prop_assert_eq!(digits.parse::<u128>().unwrap(), u128::from(minor));
            let decimals = text.split('.').nth(1).map_or(0, str::len);
            prop_assert_eq!(decimals, currency.exponent() as usize);
        }
    }
}
