//! The connect session the widget sends: which tokens it accepts, and when
//! one is known to be stale, so that it is renewed before it is sent.
//!
//! The reference host's tokens are `base64url(claims).base64url(mac)` with
//! the expiry in `exp` (unix seconds); for any other token the expiry is
//! unknown and the widget learns of it from a `session_invalid` answer.

/// A token within this many seconds of its expiry is renewed before it is sent.
pub const STALE_MARGIN_SECS: u64 = 5;

/// Whether `token` can be sent as `X-Connect-Session`: 1 to 4096 visible
/// ASCII characters.
pub fn is_usable_token(token: &str) -> bool {
    !token.is_empty() && token.len() <= 4096 && token.chars().all(|c| c.is_ascii_graphic())
}

/// When `token` expires (unix seconds), if it is a token of the reference host.
pub fn expiry(token: &str) -> Option<u64> {
    let (payload, signature) = token.split_once('.')?;
    if signature.is_empty() {
        return None;
    }
    let claims = String::from_utf8(decode_base64url(payload)?).ok()?;
    // Inside a JSON string every quote is escaped, so `"exp":` is the member.
    let (_, after) = claims.split_once("\"exp\":")?;
    let digits = after.trim_start();
    let end = digits.find(|c: char| !c.is_ascii_digit()).unwrap_or(digits.len());
    digits[..end].parse().ok()
}

/// Whether `token` is known to expire within [`STALE_MARGIN_SECS`] of `now` (unix seconds).
pub fn is_stale(token: &str, now: u64) -> bool {
    expiry(token).is_some_and(|exp| exp <= now.saturating_add(STALE_MARGIN_SECS))
}

fn decode_base64url(text: &str) -> Option<Vec<u8>> {
    let mut bits: u32 = 0;
    let mut count = 0;
    let mut bytes = Vec::with_capacity(text.len() * 3 / 4);
    for c in text.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            bytes.push((bits >> count) as u8);
        }
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(claims: &str) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut encoded = String::new();
        for chunk in claims.as_bytes().chunks(3) {
            let n = chunk.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
            for i in 0..=chunk.len() {
                encoded.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        format!("{encoded}.c2lnbmF0dXJl")
    }

    #[test]
    fn the_expiry_of_a_reference_host_token_is_read() {
        assert_eq!(expiry(&token(r#"{"sub":"user-7","exp":1764410100,"nonce":"x"}"#)), Some(1_764_410_100));
        assert_eq!(expiry(&token(r#"{"sub":"u","exp":1,"nonce":"ab","lnk":"lnk_1"}"#)), Some(1));
    }

    #[test]
    fn other_tokens_have_no_known_expiry() {
        let tricky = token(r#"{"sub":"x\",\"exp\":1","nonce":"n"}"#);
        for other in
            ["opaque-token", "tok.abc", "a.", &token(r#"{"sub":"u"}"#), "!!!.sig", "eyJleHAiOiJzb29uIn0.sig", &tricky]
        {
            assert_eq!(expiry(other), None, "{other}");
        }
    }

    #[test]
    fn a_token_is_stale_within_the_margin_of_its_expiry() {
        let expiring = token(r#"{"exp":1000}"#);
        assert!(!is_stale(&expiring, 1000 - STALE_MARGIN_SECS - 1));
        assert!(is_stale(&expiring, 1000 - STALE_MARGIN_SECS));
        assert!(is_stale(&expiring, 2000));
        assert!(!is_stale("opaque-token", u64::MAX), "an unknown expiry is never stale");
    }

    #[test]
    fn usable_tokens_are_visible_ascii_up_to_4096_characters() {
        assert!(is_usable_token("tok.abc"));
        assert!(is_usable_token(&"a".repeat(4096)));
        for bad in ["", "has space", "tab\there", "ünïcode", &"a".repeat(4097)] {
            assert!(!is_usable_token(bad), "{bad:?}");
        }
    }
}
