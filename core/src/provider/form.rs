//! `application/x-www-form-urlencoded` bodies as Stripe's own libraries write them: keys
//! keep their brackets (`metadata[kassa_payment_id]`, `expand[0]`), everything else that is
//! not an RFC 3986 unreserved character is percent-encoded (space as `%20`).

/// Encodes `(key, value)` pairs in order.
pub fn encode(pairs: &[(&str, String)]) -> String {
    let mut out = String::new();
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        escape(key, true, &mut out);
        out.push('=');
        escape(value, false, &mut out);
    }
    out
}

fn escape(text: &str, brackets: bool, out: &mut String) {
    for byte in text.bytes() {
        let keep = byte.is_ascii_alphanumeric()
            || matches!(byte, b'-' | b'.' | b'_' | b'~')
            || (brackets && matches!(byte, b'[' | b']'));
        if keep {
            out.push(byte as char);
        } else {
            out.push('%');
            out.push(hex(byte >> 4));
            out.push(hex(byte & 0xf));
        }
    }
}

fn hex(nibble: u8) -> char {
    char::from(b"0123456789ABCDEF"[usize::from(nibble & 0xf)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_stripe_libraries() {
        let body = encode(&[
            ("amount", "1450".into()),
            ("metadata[kassa_payment_id]", "abc".into()),
            ("description", "Council tax & more/£".into()),
            ("expand[0]", "latest_charge".into()),
        ]);
        assert_eq!(
            body,
            "amount=1450&metadata[kassa_payment_id]=abc&description=Council%20tax%20%26%20more%2F%C2%A3&expand[0]=latest_charge"
        );
    }

    #[test]
    fn brackets_in_values_are_escaped() {
        assert_eq!(encode(&[("a", "[x]=y".into())]), "a=%5Bx%5D%3Dy");
        assert_eq!(encode(&[]), "");
    }
}
