//! Facts about URLs the host needs everywhere: whether one points at this
//! machine, and how one may be logged.

use reqwest::Url;
use std::net::IpAddr;

/// Whether `url` points at this machine.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// `url` as it may be logged: scheme, host, port and path; no credentials or query.
pub fn loggable(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logged_urls_carry_no_credentials_or_query() {
        let url = Url::parse("https://user:pw@auth.example/oauth/token?key=abc").unwrap();
        assert_eq!(loggable(&url), "https://auth.example/oauth/token");
    }

    #[test]
    fn loopback_is_this_machine_by_name_or_address() {
        for url in ["http://127.0.0.1:1/", "http://localhost/", "http://[::1]/", "http://LOCALHOST/"] {
            assert!(is_loopback(&Url::parse(url).unwrap()), "{url}");
        }
        for url in ["http://10.0.0.1/", "https://example.com/", "http://localhost.example/"] {
            assert!(!is_loopback(&Url::parse(url).unwrap()), "{url}");
        }
    }
}
