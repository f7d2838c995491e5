//! Which callback URLs a webhook may point at.
//!
//! The gateway makes requests to these URLs on the merchant's behalf, so a URL is also a way
//! to make the gateway reach something it should not (server-side request forgery). Rules:
//!
//! * `https` only for live accounts; test accounts may use `http` (local receivers).
//! * No credentials (`user:pass@`): they would be stored and shown in plain text.
//! * Live accounts may not name loopback, private, link-local, carrier-grade NAT,
//!   unspecified, multicast or cloud metadata addresses, however they are spelt: IPv4 in
//!   decimal, octal or hex, with fewer than four parts (`127.1`, `2130706433`, `0x7f.1`),
//!   IPv6 including IPv4-mapped and NAT64 forms, and names such as `localhost` or
//!   `metadata.google.internal`.
//!
//! A host name that resolves to a private address cannot be caught here (the core does no
//! DNS); Cloudflare's `fetch` does not reach private networks from a deployed worker, which
//! is the layer that closes that gap.

use std::net::{Ipv4Addr, Ipv6Addr};

/// The longest callback URL accepted.
pub const MAX_URL_LEN: usize = 2048;

/// Why a callback URL is refused; `Display` is the sentence the API returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlError {
    Malformed,
    TooLong,
    NotHttps,
    UnsupportedScheme,
    Credentials,
    ForbiddenHost,
}

impl core::fmt::Display for UrlError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            UrlError::Malformed => "Must be an absolute http or https URL",
            UrlError::TooLong => "Must be at most 2048 characters",
            UrlError::NotHttps => "Must use https for live accounts",
            UrlError::UnsupportedScheme => "Must be an http or https URL",
            UrlError::Credentials => "Must not contain a user name or password",
            UrlError::ForbiddenHost => {
                "Must not point at a loopback, private, link-local or metadata address for live accounts"
            }
        })
    }
}

/// The host part of a URL, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    V4(Ipv4Addr),
    V6(Ipv6Addr),
    Name(String),
}

/// Checks `url` for a live (`live = true`) or test account.
pub fn check(url: &str, live: bool) -> Result<(), UrlError> {
    if url.len() > MAX_URL_LEN {
        return Err(UrlError::TooLong);
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(UrlError::Malformed);
    }
    let (scheme, rest) = url.split_once("://").ok_or(UrlError::Malformed)?;
    let scheme = scheme.to_ascii_lowercase();
    match scheme.as_str() {
        "https" => {}
        "http" if !live => {}
        "http" => return Err(UrlError::NotHttps),
        _ => return Err(UrlError::UnsupportedScheme),
    }
    // The authority ends at the first `/`, `?` or `#` (also `\`, which browsers and the
    // WHATWG parser treat as `/` for http URLs).
    let end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let authority = rest.get(..end).ok_or(UrlError::Malformed)?;
    if authority.contains('@') {
        return Err(UrlError::Credentials);
    }
    let host_text = split_port(authority)?;
    let host = parse_host(host_text)?;
    if live && forbidden(&host) {
        return Err(UrlError::ForbiddenHost);
    }
    Ok(())
}

/// The host of `host[:port]`, with the port (if any) checked to be a number below 65536.
fn split_port(authority: &str) -> Result<&str, UrlError> {
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let close = inner.find(']').ok_or(UrlError::Malformed)?;
        let after = inner.get(close + 1..).ok_or(UrlError::Malformed)?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or(UrlError::Malformed)?),
        };
        (authority.get(..close + 2).ok_or(UrlError::Malformed)?, port)
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if let Some(port) = port {
        let ok = !port.is_empty()
            && port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|p| p <= 65535);
        if !ok {
            return Err(UrlError::Malformed);
        }
    }
    if host.is_empty() {
        return Err(UrlError::Malformed);
    }
    Ok(host)
}

/// Parses a URL host the way the WHATWG URL standard (and so `fetch`) does for IP literals:
/// a host whose last label is numeric is an IPv4 address in any of its legacy spellings.
pub fn parse_host(text: &str) -> Result<Host, UrlError> {
    if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        // Zone ids (`%25eth0`) are not valid in URLs fetch accepts.
        return inner
            .parse::<Ipv6Addr>()
            .map(Host::V6)
            .map_err(|_| UrlError::Malformed);
    }
    let lower = text.to_ascii_lowercase();
    let trimmed = lower.strip_suffix('.').unwrap_or(&lower);
    if trimmed.is_empty()
        || !trimmed
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
    {
        return Err(UrlError::Malformed);
    }
    let last = trimmed.rsplit('.').next().unwrap_or(trimmed);
    if ends_in_number(last) {
        return parse_ipv4(trimmed).map(Host::V4);
    }
    if trimmed.split('.').any(str::is_empty) {
        return Err(UrlError::Malformed);
    }
    Ok(Host::Name(trimmed.to_string()))
}

/// WHATWG "ends in a number": all digits, or `0x` followed by hex digits.
fn ends_in_number(label: &str) -> bool {
    if !label.is_empty() && label.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    label
        .strip_prefix("0x")
        .is_some_and(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// One IPv4 part: decimal, `0`-prefixed octal or `0x`-prefixed hex.
fn ipv4_number(part: &str) -> Option<u64> {
    if part.is_empty() {
        return None;
    }
    let (digits, radix) = if let Some(hex) = part.strip_prefix("0x") {
        (hex, 16)
    } else if part.len() > 1 && part.starts_with('0') {
        (part.get(1..)?, 8)
    } else {
        (part, 10)
    };
    if digits.is_empty() {
        return Some(0);
    }
    // Longer than any u32 in any radix: refuse rather than overflow.
    if digits.len() > 32 {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// The WHATWG IPv4 parser: 1 to 4 parts, the last one filling the remaining bytes.
fn parse_ipv4(text: &str) -> Result<Ipv4Addr, UrlError> {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return Err(UrlError::Malformed);
    }
    let numbers = parts
        .iter()
        .map(|p| ipv4_number(p))
        .collect::<Option<Vec<u64>>>()
        .ok_or(UrlError::Malformed)?;
    let (last, init) = numbers.split_last().ok_or(UrlError::Malformed)?;
    if init.iter().any(|&n| n > 255) {
        return Err(UrlError::Malformed);
    }
    let remaining_bytes = 4 - init.len() as u32;
    if *last >= 1u64 << (8 * remaining_bytes) {
        return Err(UrlError::Malformed);
    }
    let mut value = *last;
    for (i, n) in init.iter().enumerate() {
        value += n << (8 * (3 - i as u32));
    }
    Ok(Ipv4Addr::from(value as u32))
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()           // 127/8
        || ip.is_private()     // 10/8, 172.16/12, 192.168/16
        || ip.is_link_local()  // 169.254/16, including 169.254.169.254 (metadata)
        || ip.is_unspecified() // 0.0.0.0
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0              // "this network"
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT 100.64/10
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240 // reserved
}

fn forbidden_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return forbidden_v4(v4);
    }
    let segments = ip.segments();
    let first = segments[0];
    // NAT64 (64:ff9b::/96) and IPv4-compatible (::a.b.c.d) addresses reach IPv4 hosts.
    let embedded = Ipv4Addr::new(
        (segments[6] >> 8) as u8,
        segments[6] as u8,
        (segments[7] >> 8) as u8,
        segments[7] as u8,
    );
    if (first == 0x64 && segments[1] == 0xff9b && segments[2..6] == [0, 0, 0, 0])
        || (segments[..6] == [0, 0, 0, 0, 0, 0] && !ip.is_loopback() && !ip.is_unspecified())
    {
        return forbidden_v4(embedded);
    }
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local fc00::/7 (includes fd00:ec2::254)
        || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (first & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated, still routed internally)
        || (first == 0x2001 && segments[1] == 0x0db8) // documentation
}

/// Names that always mean "this machine" or a cloud's metadata service.
fn forbidden_name(name: &str) -> bool {
    const EXACT: &[&str] = &[
        "localhost",
        "metadata",
        "metadata.google.internal",
        "instance-data",
        "instance-data.ec2.internal",
    ];
    const SUFFIXES: &[&str] = &[
        ".localhost",
        ".internal",
        ".local",
        ".localdomain",
        ".home.arpa",
    ];
    EXACT.contains(&name) || SUFFIXES.iter().any(|s| name.ends_with(s)) || !name.contains('.')
}

/// Whether a live account may not send to this host.
pub fn forbidden(host: &Host) -> bool {
    match host {
        Host::V4(ip) => forbidden_v4(*ip),
        Host::V6(ip) => forbidden_v6(*ip),
        Host::Name(name) => forbidden_name(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_accounts_may_use_http_and_local_receivers() {
        for url in [
            "http://127.0.0.1:9200/hooks",
            "http://localhost:8080/",
            "https://example.com/webhooks?x=1",
            "HTTP://EXAMPLE.COM",
        ] {
            assert_eq!(check(url, false), Ok(()), "{url}");
        }
    }

    #[test]
    fn live_accounts_need_https_to_a_public_host() {
        assert_eq!(check("https://hooks.shop.example/pay", true), Ok(()));
        assert_eq!(check("https://93.184.216.34/x", true), Ok(()));
        assert_eq!(check("https://[2606:4700::1111]:8443/x", true), Ok(()));
        assert_eq!(
            check("http://hooks.shop.example/pay", true),
            Err(UrlError::NotHttps)
        );
    }

    #[test]
    fn schemes_other_than_http_are_refused_everywhere() {
        for url in [
            "ftp://x.example/",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "x.example/a",
        ] {
            assert!(check(url, false).is_err(), "{url}");
        }
    }

    #[test]
    fn credentials_are_refused_for_every_account() {
        for live in [false, true] {
            assert_eq!(
                check("https://user:pw@x.example/", live),
                Err(UrlError::Credentials)
            );
            assert_eq!(
                check("https://user@x.example/", live),
                Err(UrlError::Credentials)
            );
        }
        // An `@` after the authority is part of the path, not credentials.
        assert_eq!(check("https://x.example/a@b", true), Ok(()));
    }

    #[test]
    fn malformed_urls_are_refused() {
        for url in [
            "https://",
            "https:///path",
            "https://x.example:99999/",
            "https://x.example:port/",
            "https://[::1/",
            "https://ex ample.com/",
            "https://x..example/",
            "https://256.1.1.1/",
            "https://1.2.3.4.5/",
        ] {
            assert!(check(url, false).is_err(), "{url}");
        }
        assert_eq!(
            check(
                &format!("https://x.example/{}", "a".repeat(MAX_URL_LEN)),
                false
            ),
            Err(UrlError::TooLong)
        );
    }

    #[test]
    fn live_accounts_cannot_reach_internal_addresses_however_spelt() {
        for url in [
            "https://127.0.0.1/",
            "https://127.1/",
            "https://2130706433/",
            "https://0x7f000001/",
            "https://0x7f.1/",
            "https://0177.0.0.1/",
            "https://017700000001/",
            "https://127.0.0.1./",
            "https://10.0.0.8/",
            "https://172.16.5.4/",
            "https://192.168.1.1/",
            "https://169.254.169.254/latest/meta-data",
            "https://0.0.0.0/",
            "https://100.64.0.1/",
            "https://[::1]/",
            "https://[::]/",
            "https://[::ffff:127.0.0.1]/",
            "https://[::ffff:a9fe:a9fe]/",
            "https://[64:ff9b::a00:1]/",
            "https://[::127.0.0.1]/",
            "https://[fe80::1]/",
            "https://[fd00:ec2::254]/",
            "https://[fc00::1]/",
            "https://localhost/",
            "https://LOCALHOST./",
            "https://app.localhost/",
            "https://metadata.google.internal/computeMetadata/v1/",
            "https://printer.local/",
            "https://intranet/",
        ] {
            assert_eq!(check(url, true), Err(UrlError::ForbiddenHost), "{url}");
        }
    }

    #[test]
    fn whatwg_ipv4_spellings_parse_to_the_same_address() {
        for text in [
            "127.0.0.1",
            "127.1",
            "2130706433",
            "0x7f000001",
            "0177.0.0.1",
            "0x7f.0.0.1",
            "127.0.1",
        ] {
            assert_eq!(
                parse_host(text),
                Ok(Host::V4(Ipv4Addr::new(127, 0, 0, 1))),
                "{text}"
            );
        }
        assert_eq!(
            parse_host("1.2.3.0x"),
            Ok(Host::V4(Ipv4Addr::new(1, 2, 3, 0)))
        );
        assert_eq!(parse_host("09.1.1.1"), Err(UrlError::Malformed));
        assert_eq!(parse_host("1.2.3.4a"), Ok(Host::Name("1.2.3.4a".into())));
    }
}
