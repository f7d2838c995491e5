//! Identifiers: account, payment, refund, event, webhook, message and key ids.
//!
//! Every id is a fixed number of caller-supplied random bytes (the core draws no randomness
//! of its own), written as lower-case base32 (see [`base32`]). Ids are parsed strictly with
//! `FromStr`, so anything that is not exactly the right length and alphabet is rejected at
//! the edge, before it can reach storage; serde reads and writes them as strings.
//!
//! Sizes, and why:
//!
//! * `PaymentId`, `RefundId`, `EventId`, `WebhookId`, `MessageId`: 16 random bytes (128 bits),
//!   26 characters, the length GOV.UK Pay uses for payment ids. 128 bits make collisions
//!   negligible without any coordination between edge locations. 26 × 5 = 130 bits, so the
//!   26th character carries the last 3 data bits followed by 2 zero bits; the parser rejects
//!   a last character whose 2 unused bits are not zero, so each id has exactly one spelling.
//! * `AccountId`: 10 random bytes (80 bits), 16 characters exactly (no unused bits). Account
//!   ids route a request to the account's storage and appear inside API keys and page
//!   tokens, so they should be short; 80 bits keep them unguessable (an attacker cannot
//!   enumerate accounts) and collision-free in practice (about 4 × 10⁻¹³ for a million
//!   accounts). They are not secrets: the API-key secret is separate.
//! * `KeyId`: 5 random bytes (40 bits), 8 characters exactly. A key id only needs to be
//!   unique among one account's API keys, where storage enforces uniqueness anyway.

pub mod base32;

use core::fmt;
use core::str::FromStr;

/// Why a string is not a valid id of the expected kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdError {
    /// Not the id's exact length.
    WrongLength { expected: usize, found: usize },
    /// A character outside lower-case `a-z2-7`, or unused trailing bits set.
    InvalidEncoding,
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdError::WrongLength { expected, found } => {
                write!(f, "id must be {expected} characters, found {found}")
            }
            IdError::InvalidEncoding => f.write_str("id must be lower-case base32 (a-z, 2-7)"),
        }
    }
}

impl std::error::Error for IdError {}

macro_rules! random_id {
    ($(#[$doc:meta])* $name:ident, $bytes:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name([u8; $bytes]);

        impl $name {
            /// Number of random bytes in this id.
            pub const BYTES: usize = $bytes;
            /// Length of the text form.
            pub const TEXT_LEN: usize = base32::encoded_len($bytes);

            /// The id made of these random bytes (the caller's CSPRNG output).
            pub const fn generate(random: [u8; $bytes]) -> Self {
                Self(random)
            }

            /// The raw bytes (for binary encodings such as API keys).
            pub const fn as_bytes(&self) -> &[u8; $bytes] {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&base32::encode(&self.0))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self)
            }
        }

        impl FromStr for $name {
            type Err = IdError;

            fn from_str(text: &str) -> Result<Self, IdError> {
                if text.len() != Self::TEXT_LEN {
                    return Err(IdError::WrongLength {
                        expected: Self::TEXT_LEN,
                        found: text.len(),
                    });
                }
                base32::decode_array::<$bytes>(text)
                    .map(Self)
                    .map_err(|_| IdError::InvalidEncoding)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

random_id!(
    /// An account (a service, in GOV.UK Pay's terms): 10 bytes, 16 characters.
    AccountId,
    10
);
random_id!(
    /// A payment: 16 bytes, 26 characters, like GOV.UK Pay's `payment_id`.
    PaymentId,
    16
);
random_id!(
    /// A refund: 16 bytes, 26 characters.
    RefundId,
    16
);
random_id!(
    /// A payment event (ledger entry): 16 bytes, 26 characters.
    EventId,
    16
);
random_id!(
    /// A webhook subscription (endpoint): 16 bytes, 26 characters.
    WebhookId,
    16
);
random_id!(
    /// A webhook message, sent as Standard Webhooks' `webhook-id` (the receiver's
    /// idempotency key): 16 bytes, 26 characters. Never contains `.`, as that spec requires.
    MessageId,
    16
);
random_id!(
    /// An API key's id within its account: 5 bytes, 8 characters.
    KeyId,
    5
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn lengths_are_as_documented() {
        assert_eq!(PaymentId::TEXT_LEN, 26);
        assert_eq!(RefundId::TEXT_LEN, 26);
        assert_eq!(EventId::TEXT_LEN, 26);
        assert_eq!(WebhookId::TEXT_LEN, 26);
        assert_eq!(MessageId::TEXT_LEN, 26);
        assert_eq!(AccountId::TEXT_LEN, 16);
        assert_eq!(KeyId::TEXT_LEN, 8);
    }

    #[test]
    fn payment_id_text() {
        let id = PaymentId::generate([0xff; 16]);
        // 128 one-bits: 25 full characters, then 3 data bits + 2 zero bits = 0b11100 = 28.
        assert_eq!(id.to_string(), format!("{}4", "7".repeat(25)));
        assert_eq!(id.to_string().parse::<PaymentId>(), Ok(id));
        // Setting an unused bit of the last character gives a different string that must
        // not parse to the same id.
        let bad = format!("{}5", "7".repeat(25));
        assert_eq!(bad.parse::<PaymentId>(), Err(IdError::InvalidEncoding));
        assert_eq!(format!("{id:?}"), format!("PaymentId({id})"));
    }

    #[test]
    fn rejects_wrong_length_and_alphabet() {
        let good = PaymentId::generate([7; 16]).to_string();
        assert!(matches!(
            good[..25].parse::<PaymentId>(),
            Err(IdError::WrongLength {
                expected: 26,
                found: 25
            })
        ));
        assert!(matches!(
            format!("{good}a").parse::<PaymentId>(),
            Err(IdError::WrongLength { .. })
        ));
        assert_eq!(
            good.to_uppercase().parse::<PaymentId>(),
            Err(IdError::InvalidEncoding)
        );
        let mut with_one = good.clone();
        with_one.replace_range(0..1, "1");
        assert_eq!(with_one.parse::<PaymentId>(), Err(IdError::InvalidEncoding));
        assert!("".parse::<AccountId>().is_err());
        // An account id is not a payment id.
        assert!(AccountId::generate([1; 10])
            .to_string()
            .parse::<PaymentId>()
            .is_err());
    }

    #[test]
    fn serde_as_strings() {
        let id = AccountId::generate(*b"0123456789");
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<AccountId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<AccountId>("\"short\"").is_err());
        assert!(serde_json::from_str::<AccountId>("12").is_err());
    }

    proptest! {
        #[test]
        fn ids_round_trip(payment in any::<[u8; 16]>(), account in any::<[u8; 10]>(), key in any::<[u8; 5]>()) {
            let p = PaymentId::generate(payment);
            prop_assert_eq!(p.to_string().parse::<PaymentId>(), Ok(p));
            let a = AccountId::generate(account);
            prop_assert_eq!(a.to_string().parse::<AccountId>(), Ok(a));
            let k = KeyId::generate(key);
            prop_assert_eq!(k.to_string().parse::<KeyId>(), Ok(k));
            let json = serde_json::to_string(&p).unwrap();
            prop_assert_eq!(serde_json::from_str::<PaymentId>(&json).unwrap(), p);
        }

        #[test]
        fn any_single_character_change_changes_or_breaks_the_id(
            random in any::<[u8; 16]>(),
            pos in 0usize..26,
            replacement in proptest::char::range('!', '~'),
        ) {
            let id = PaymentId::generate(random);
            let text = id.to_string();
            let mut chars: Vec<char> = text.chars().collect();
            prop_assume!(chars[pos] != replacement);
            chars[pos] = replacement;
            let changed: String = chars.into_iter().collect();
            prop_assert_ne!(changed.parse::<PaymentId>().ok(), Some(id));
        }
    }
}
