//! Lower-case RFC 4648 base32 (`abcdefghijklmnopqrstuvwxyz234567`), without padding.
//!
//! Why base32 and not base64: identifiers and credentials end up in URLs, log lines, support
//! e-mails and spoken over the phone. Lower-case base32 survives case-folding systems,
//! double-click selection and URL paths untouched, and has no `+`, `/`, `-` or `_`.
//!
//! Decoding is strict so that every byte string has exactly one text form: upper case,
//! padding, impossible lengths and non-zero unused trailing bits are all rejected. That is
//! what lets a checksum catch *every* single-character change in a credential (a lenient
//! decoder would map two different strings to the same bytes).
//!
//! Decoding also runs in constant time with respect to the characters' values (no lookup
//! table, no data-dependent branches), because it is used on API-key secrets.

use core::fmt;

/// Why a string is not canonical lower-case base32.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base32Error {
    /// A character outside `a-z2-7` (including upper case and `=` padding).
    InvalidCharacter,
    /// The length cannot come from encoding whole bytes (or is not the length expected).
    InvalidLength,
    /// The unused bits of the last character are not zero.
    NonCanonical,
}

impl fmt::Display for Base32Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Base32Error::InvalidCharacter => "invalid base32 character",
            Base32Error::InvalidLength => "invalid base32 length",
            Base32Error::NonCanonical => "non-canonical base32 (unused bits set)",
        })
    }
}

impl std::error::Error for Base32Error {}

/// Number of characters needed for `bytes` bytes (5 bits a character, rounded up).
pub const fn encoded_len(bytes: usize) -> usize {
    (bytes * 8).div_ceil(5)
}

/// The character for a 5-bit value, computed rather than looked up.
fn symbol(value: u32) -> char {
    let v = (value & 31) as u8;
    if v < 26 {
        char::from(b'a' + v)
    } else {
        char::from(b'2' + (v - 26))
    }
}

/// Encodes `bytes` as lower-case base32 without padding.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(encoded_len(bytes.len()));
    let mut buffer: u32 = 0;
    let mut bits: u32 = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(symbol(buffer >> bits));
        }
        // Keep only the bits not yet emitted, so the buffer never overflows.
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        // The final character carries the remaining bits in its high end; the low
        // `5 - bits` bits are zero (which `decode` insists on).
        out.push(symbol(buffer << (5 - bits)));
    }
    out
}

/// The 5-bit value of an ASCII character, or -1, without branching on the character.
///
/// Range checks use the sign of `(low - c) & (c - high)`: both are negative only when
/// `c` is inside the range, and the arithmetic shift turns that into an all-ones mask.
fn value(c: u8) -> i16 {
    let c = i16::from(c);
    let mut ret: i16 = -1;
    // 'a'..='z' (0x61..=0x7a) -> 0..=25
    ret += (((0x60 - c) & (c - 0x7b)) >> 8) & (c - 0x60);
    // '2'..='7' (0x32..=0x37) -> 26..=31
    ret += (((0x31 - c) & (c - 0x38)) >> 8) & (c - 0x17);
    ret
}

/// Decodes strict lower-case base32 (see the module docs for what is rejected).
pub fn decode(text: &str) -> Result<Vec<u8>, Base32Error> {
    let input = text.as_bytes();
    // Written so it cannot overflow whatever the (attacker-supplied) length.
    let mut out = Vec::with_capacity(input.len() / 8 * 5 + 5);
    let mut buffer: u32 = 0;
    let mut bits: u32 = 0;
    // Accumulate "some character was invalid" instead of returning early, so the time
    // taken does not reveal where in a secret the first bad character sits.
    let mut invalid: i16 = 0;
    for &c in input {
        let v = value(c);
        invalid |= v >> 8; // -1 (all ones) for an invalid character, 0 otherwise
        buffer = (buffer << 5) | (v as u32 & 31);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    if invalid != 0 {
        return Err(Base32Error::InvalidCharacter);
    }
    // Five or more leftover bits means a whole character encodes no byte: lengths
    // 1, 3 and 6 (mod 8) cannot come from `encode`.
    if bits >= 5 {
        return Err(Base32Error::InvalidLength);
    }
    if buffer != 0 {
        return Err(Base32Error::NonCanonical);
    }
    Ok(out)
}

/// Decodes exactly `N` bytes; any other length is `InvalidLength`.
pub fn decode_array<const N: usize>(text: &str) -> Result<[u8; N], Base32Error> {
    if text.len() != encoded_len(N) {
        return Err(Base32Error::InvalidLength);
    }
    let bytes = decode(text)?;
    <[u8; N]>::try_from(bytes).map_err(|_| Base32Error::InvalidLength)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// RFC 4648 section 10 test vectors, lower-cased and without padding.
    #[test]
    fn rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "my"),
            ("fo", "mzxq"),
            ("foo", "mzxw6"),
            ("foob", "mzxw6yq"),
            ("fooba", "mzxw6ytb"),
            ("foobar", "mzxw6ytboi"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(encode(plain.as_bytes()), encoded);
            assert_eq!(decode(encoded).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn value_maps_exactly_the_alphabet() {
        for c in 0u8..=255 {
            let expected = match c {
                b'a'..=b'z' => i16::from(c - b'a'),
                b'2'..=b'7' => i16::from(c - b'2') + 26,
                _ => -1,
            };
            assert_eq!(value(c), expected, "{c}");
        }
    }

    #[test]
    fn rejects_non_canonical_forms() {
        assert_eq!(decode("MZXW6"), Err(Base32Error::InvalidCharacter));
        assert_eq!(decode("my======"), Err(Base32Error::InvalidCharacter));
        assert_eq!(decode("mzxw1"), Err(Base32Error::InvalidCharacter));
        assert_eq!(decode("m"), Err(Base32Error::InvalidLength));
        assert_eq!(decode("mzx"), Err(Base32Error::InvalidLength));
        assert_eq!(decode("mzxw6y"), Err(Base32Error::InvalidLength));
        // "my" is 'f'; "mz" has a non-zero unused bit.
        assert_eq!(decode("mz"), Err(Base32Error::NonCanonical));
        assert_eq!(decode_array::<2>("my"), Err(Base32Error::InvalidLength));
        assert_eq!(decode_array::<1>("my"), Ok([b'f']));
    }

    proptest! {
        #[test]
        fn round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            let text = encode(&bytes);
            prop_assert_eq!(text.len(), encoded_len(bytes.len()));
            prop_assert!(text.bytes().all(|c| c.is_ascii_lowercase() || (b'2'..=b'7').contains(&c)));
            prop_assert_eq!(decode(&text).unwrap(), bytes);
        }

        #[test]
        fn every_decodable_string_is_canonical(text in "[a-z2-7]{0,40}") {
            // Whatever decodes must re-encode to exactly the same text.
            if let Ok(bytes) = decode(&text) {
                prop_assert_eq!(encode(&bytes), text);
            }
        }
    }
}
