//! Card brands: which one a number belongs to, and what each brand allows.

/// A card scheme Kassa recognises.
///
/// Serialises as GOV.UK Pay's brand id (`"master-card"`, `"unionpay"`, …), so values can be
/// exchanged with GOV.UK Pay-shaped APIs unchanged.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum CardBrand {
    #[serde(rename = "visa")]
    Visa,
    #[serde(rename = "master-card")]
    Mastercard,
    #[serde(rename = "american-express")]
    AmericanExpress,
    #[serde(rename = "discover")]
    Discover,
    #[serde(rename = "diners-club")]
    DinersClub,
    #[serde(rename = "jcb")]
    Jcb,
    #[serde(rename = "unionpay")]
    UnionPay,
    #[serde(rename = "maestro")]
    Maestro,
}

impl CardBrand {
    /// Every brand, in a stable order (useful as a default "accept everything" list).
    pub const ALL: [CardBrand; 8] = [
        CardBrand::Visa,
        CardBrand::Mastercard,
        CardBrand::AmericanExpress,
        CardBrand::Discover,
        CardBrand::DinersClub,
        CardBrand::Jcb,
        CardBrand::UnionPay,
        CardBrand::Maestro,
    ];

    /// GOV.UK Pay's brand id, e.g. `"master-card"`.
    pub const fn id(self) -> &'static str {
        match self {
            CardBrand::Visa => "visa",
            CardBrand::Mastercard => "master-card",
            CardBrand::AmericanExpress => "american-express",
            CardBrand::Discover => "discover",
            CardBrand::DinersClub => "diners-club",
            CardBrand::Jcb => "jcb",
            CardBrand::UnionPay => "unionpay",
            CardBrand::Maestro => "maestro",
        }
    }

    /// The brand with GOV.UK Pay id `id`, if any. Exact match: ids are machine-readable.
    pub fn from_id(id: &str) -> Option<CardBrand> {
        CardBrand::ALL.into_iter().find(|brand| brand.id() == id)
    }

    /// The label GOV.UK Pay returns as `card_brand` on a payment (its `card_types.label`),
    /// including its idiosyncratic `"Jcb"` and `"Union Pay"`.
    pub const fn display_name(self) -> &'static str {
        match self {
            CardBrand::Visa => "Visa",
            CardBrand::Mastercard => "Mastercard",
            CardBrand::AmericanExpress => "American Express",
            CardBrand::Discover => "Discover",
            CardBrand::DinersClub => "Diners Club",
            CardBrand::Jcb => "Jcb",
            CardBrand::UnionPay => "Union Pay",
            CardBrand::Maestro => "Maestro",
        }
    }

    /// The card number lengths this brand issues, ascending.
    pub const fn pan_lengths(self) -> &'static [usize] {
        match self {
            CardBrand::Visa => &[13, 16, 19],
            CardBrand::Mastercard => &[16],
            CardBrand::AmericanExpress => &[15],
            CardBrand::Discover | CardBrand::Jcb | CardBrand::UnionPay => &[16, 17, 18, 19],
            CardBrand::DinersClub => &[14, 15, 16, 17, 18, 19],
            CardBrand::Maestro => &[12, 13, 14, 15, 16, 17, 18, 19],
        }
    }

    /// Whether a card number of `len` digits is a possible number for this brand.
    pub fn accepts_length(self, len: usize) -> bool {
        self.pan_lengths().contains(&len)
    }

    /// The longest number this brand issues: where live input stops accepting digits.
    pub fn max_length(self) -> usize {
        self.pan_lengths().last().copied().unwrap_or(MAX_PAN_DIGITS)
    }

    /// Digits in the card security code: 4 on the front for Amex, 3 on the back otherwise.
    pub const fn cvc_length(self) -> usize {
        match self {
            CardBrand::AmericanExpress => 4,
            _ => 3,
        }
    }
}

impl core::fmt::Display for CardBrand {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.display_name())
    }
}

/// The longest card number any scheme issues (ISO/IEC 7812).
pub const MAX_PAN_DIGITS: usize = 19;

/// The shortest card number any recognised brand issues (Maestro).
pub const MIN_PAN_DIGITS: usize = 12;

/// One issuer-number range: numbers whose first `digits` digits lie in `low..=high`.
struct Range {
    low: u32,
    high: u32,
    digits: u32,
    brand: CardBrand,
}

const fn range(low: u32, high: u32, digits: u32, brand: CardBrand) -> Range {
    Range {
        low,
        high,
        digits,
        brand,
    }
}

/// How many leading digits decide the brand: no range below is longer than this.
const DECIDING_DIGITS: u32 = 6;

/// The ranges are pairwise disjoint (a test checks it), so no order of evaluation can change
/// an answer and partial input can be judged by asking which brands are still reachable.
///
/// Overlaps resolved here rather than left to table order:
/// - 622126–622925 is China UnionPay's range that Discover accepts on its own network under a
///   reciprocal agreement. It is UnionPay's: the issuer, the logo on the card and the lengths
///   are UnionPay's, and Braintree's `credit-card-type`, which GOV.UK Pay's frontend uses,
///   also calls it UnionPay. So it stays inside UnionPay's 62 and Discover gets no entry for
///   it; a service that accepts UnionPay but not Discover then takes these cards, matching
///   what the payer sees.
/// - Maestro's published ranges also include 6390 within 639; listing 639 covers both.
/// - 676770 and 676774 are Maestro ranges issued outside 6761–6763, so they are listed
///   separately instead of widening Maestro to all of 67.
const RANGES: [Range; 22] = [
    range(4, 4, 1, CardBrand::Visa),
    range(51, 55, 2, CardBrand::Mastercard),
    range(2221, 2720, 4, CardBrand::Mastercard),
    range(34, 34, 2, CardBrand::AmericanExpress),
    range(37, 37, 2, CardBrand::AmericanExpress),
    range(6011, 6011, 4, CardBrand::Discover),
    range(644, 649, 3, CardBrand::Discover),
    range(65, 65, 2, CardBrand::Discover),
    range(300, 305, 3, CardBrand::DinersClub),
    range(36, 36, 2, CardBrand::DinersClub),
    range(38, 39, 2, CardBrand::DinersClub),
    range(3528, 3589, 4, CardBrand::Jcb),
    range(62, 62, 2, CardBrand::UnionPay),
    range(81, 81, 2, CardBrand::UnionPay),
    range(50, 50, 2, CardBrand::Maestro),
    range(56, 58, 2, CardBrand::Maestro),
    range(6304, 6304, 4, CardBrand::Maestro),
    range(639, 639, 3, CardBrand::Maestro),
    range(6759, 6759, 4, CardBrand::Maestro),
    range(6761, 6763, 4, CardBrand::Maestro),
    range(676770, 676770, 6, CardBrand::Maestro),
    range(676774, 676774, 6, CardBrand::Maestro),
];

/// The brand of a card number, or of the start of one as it is being typed.
///
/// Characters other than ASCII digits are skipped, so the raw field value (`"4242 42"`) can
/// be passed in. Returns a brand once every number that starts with these digits and
/// belongs to any brand belongs to that one: `"4"` is Visa and `"37"` American Express
/// straight away, while `"5"` (Mastercard or Maestro) and `""` are `None` until more is
/// typed. Six digits always decide, so from then on more digits never change the answer.
pub fn detect_brand(prefix_digits: &str) -> Option<CardBrand> {
    let mut value: u32 = 0;
    let mut len: u32 = 0;
    for digit in prefix_digits.bytes().filter(u8::is_ascii_digit) {
        if len == DECIDING_DIGITS {
            break;
        }
        value = value * 10 + u32::from(digit - b'0');
        len += 1;
    }

    let mut found: Option<CardBrand> = None;
    for r in RANGES.iter().filter(|r| reachable(r, value, len)) {
        match found {
            Some(brand) if brand != r.brand => return None,
            _ => found = Some(r.brand),
        }
    }
    found
}

/// Whether some number starting with the `len`-digit `prefix` lies in `r`.
fn reachable(r: &Range, prefix: u32, len: u32) -> bool {
    if len >= r.digits {
        let leading = prefix / 10u32.pow(len - r.digits);
        (r.low..=r.high).contains(&leading)
    } else {
        let scale = 10u32.pow(r.digits - len);
        let first = prefix * scale;
        let last = first + (scale - 1);
        first <= r.high && last >= r.low
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ids_and_names_round_trip_and_match_govuk_pay() {
        for brand in CardBrand::ALL {
            assert_eq!(CardBrand::from_id(brand.id()), Some(brand));
            let json = serde_json::to_string(&brand).unwrap();
            assert_eq!(json, format!("\"{}\"", brand.id()));
            assert_eq!(serde_json::from_str::<CardBrand>(&json).unwrap(), brand);
        }
        assert_eq!(CardBrand::Mastercard.id(), "master-card");
        assert_eq!(CardBrand::UnionPay.display_name(), "Union Pay");
        assert_eq!(CardBrand::Jcb.display_name(), "Jcb");
        assert_eq!(CardBrand::from_id("mastercard"), None);
        assert_eq!(CardBrand::from_id("Visa"), None);
    }

    #[test]
    fn ranges_do_not_overlap() {
        // Scale every range to six digits and compare: disjointness is what lets
        // `detect_brand` ignore table order.
        let scaled = |r: &Range| {
            let scale = 10u32.pow(DECIDING_DIGITS - r.digits);
            (r.low * scale, r.high * scale + (scale - 1))
        };
        for (i, a) in RANGES.iter().enumerate() {
            assert!(a.low <= a.high && a.digits <= DECIDING_DIGITS);
            for b in RANGES.iter().skip(i + 1) {
                let (a_lo, a_hi) = scaled(a);
                let (b_lo, b_hi) = scaled(b);
                assert!(
                    a_hi < b_lo || b_hi < a_lo,
                    "{:?} {}..={} overlaps {:?} {}..={}",
                    a.brand,
                    a.low,
                    a.high,
                    b.brand,
                    b.low,
                    b.high
                );
            }
        }
    }

    #[test]
    fn detects_documented_ranges() {
        let cases: &[(&str, Option<CardBrand>)] = &[
            ("4", Some(CardBrand::Visa)),
            ("51", Some(CardBrand::Mastercard)),
            ("55", Some(CardBrand::Mastercard)),
            ("2221", Some(CardBrand::Mastercard)),
            ("2720", Some(CardBrand::Mastercard)),
            ("2220", None),
            ("2721", None),
            ("34", Some(CardBrand::AmericanExpress)),
            ("37", Some(CardBrand::AmericanExpress)),
            ("6011", Some(CardBrand::Discover)),
            ("644", Some(CardBrand::Discover)),
            ("649", Some(CardBrand::Discover)),
            ("65", Some(CardBrand::Discover)),
            ("300", Some(CardBrand::DinersClub)),
            ("305", Some(CardBrand::DinersClub)),
            ("306", None),
            ("36", Some(CardBrand::DinersClub)),
            ("38", Some(CardBrand::DinersClub)),
            ("39", Some(CardBrand::DinersClub)),
            ("3528", Some(CardBrand::Jcb)),
            ("3589", Some(CardBrand::Jcb)),
            ("3527", None),
            ("3590", None),
            ("62", Some(CardBrand::UnionPay)),
            ("622126", Some(CardBrand::UnionPay)),
            ("622925", Some(CardBrand::UnionPay)),
            ("81", Some(CardBrand::UnionPay)),
            ("50", Some(CardBrand::Maestro)),
            ("56", Some(CardBrand::Maestro)),
            ("58", Some(CardBrand::Maestro)),
            ("6304", Some(CardBrand::Maestro)),
            ("639", Some(CardBrand::Maestro)),
            ("6390", Some(CardBrand::Maestro)),
            ("6759", Some(CardBrand::Maestro)),
            ("6762", Some(CardBrand::Maestro)),
            ("676770", Some(CardBrand::Maestro)),
            ("676774", Some(CardBrand::Maestro)),
            ("676771", None),
            ("59", None),
            ("1", None),
            ("9", None),
            ("0", None),
        ];
        for (digits, want) in cases {
            assert_eq!(detect_brand(digits), *want, "{digits}");
        }
    }

    #[test]
    fn partial_input_waits_until_the_brand_is_decided() {
        assert_eq!(detect_brand(""), None);
        assert_eq!(detect_brand("3"), None); // Amex, Diners, JCB
        assert_eq!(detect_brand("35"), Some(CardBrand::Jcb)); // only JCB starts 35
        assert_eq!(detect_brand("352"), Some(CardBrand::Jcb));
        assert_eq!(detect_brand("350"), None);
        assert_eq!(detect_brand("5"), None); // Mastercard or Maestro
        assert_eq!(detect_brand("6"), None); // Discover, UnionPay, Maestro
        assert_eq!(detect_brand("60"), Some(CardBrand::Discover)); // only via 6011
        assert_eq!(detect_brand("63"), Some(CardBrand::Maestro));
        assert_eq!(detect_brand("67"), Some(CardBrand::Maestro));
        assert_eq!(detect_brand("2"), Some(CardBrand::Mastercard));
        assert_eq!(detect_brand("4242 42"), Some(CardBrand::Visa));
        assert_eq!(detect_brand("x3-7"), Some(CardBrand::AmericanExpress));
    }

    #[test]
    fn lengths_and_cvc() {
        assert_eq!(CardBrand::AmericanExpress.cvc_length(), 4);
        assert_eq!(CardBrand::Visa.cvc_length(), 3);
        assert!(CardBrand::Visa.accepts_length(13));
        assert!(!CardBrand::Visa.accepts_length(15));
        assert_eq!(CardBrand::AmericanExpress.max_length(), 15);
        assert_eq!(
            CardBrand::Maestro.pan_lengths().first(),
            Some(&MIN_PAN_DIGITS)
        );
        for brand in CardBrand::ALL {
            let lengths = brand.pan_lengths();
            assert!(lengths.windows(2).all(|w| w[0] < w[1]));
            assert!(lengths
                .iter()
                .all(|l| (MIN_PAN_DIGITS..=MAX_PAN_DIGITS).contains(l)));
        }
    }

    proptest! {
        #[test]
        fn detect_brand_never_panics(s in "\\PC{0,40}") {
            let _ = detect_brand(&s);
        }

        #[test]
        fn decided_brand_is_stable_under_extension(
            prefix in "[0-9]{6,12}",
            more in "[0-9]{0,13}",
        ) {
            let brand = detect_brand(&prefix);
            prop_assert_eq!(detect_brand(&format!("{prefix}{more}")), brand);
        }

        #[test]
        fn a_decided_brand_survives_any_continuation(
            prefix in "[0-9]{0,5}",
            more in "[0-9]{0,14}",
        ) {
            // Once decided, a brand can be lost (the number leaves every range) but never
            // swapped for a different one.
            if let Some(brand) = detect_brand(&prefix) {
                let longer = detect_brand(&format!("{prefix}{more}"));
                prop_assert!(longer.is_none() || longer == Some(brand));
            }
        }
    }
}
