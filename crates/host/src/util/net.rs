//! Facts about URLs the host needs everywhere: whether one points at this
//! machine, whether the host may call it, and how one may be logged.

use crate::util::vars::{ConfigError, Variable, Vars};
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

/// The comma-separated origins `variable` is set to (none when unset), each
/// as a browser writes it (`https://portal.example`), or an error naming the
/// variable and the entry that is not an origin.
pub fn origins(vars: &Vars, variable: &Variable) -> Result<Vec<String>, ConfigError> {
    vars.set(variable)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|origin| !origin.is_empty())
        .map(|origin| {
            Url::parse(origin)
                .ok()
                .filter(|u| u.path() == "/" && u.has_host() && u.query().is_none())
                .map(|u| u.origin().ascii_serialization())
                .ok_or_else(|| ConfigError(format!("{}: `{origin}` is not an origin", variable.name)))
        })
        .collect()
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

/// `value` as an outbound URL, or an error naming the variable.
pub fn outbound_url(name: &str, value: &str) -> Result<Url, ConfigError> {
    let invalid = |why: &str| ConfigError(format!("{name} {why}"));
    let url = Url::parse(value.trim()).map_err(|_| invalid("is not a URL"))?;
    if !url.has_host() || !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("must be an https URL"));
    }
    if url.scheme() == "http" && !is_loopback(&url) {
        return Err(invalid("must use https unless it points at loopback (127.0.0.1, ::1 or localhost)"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("must not carry credentials"));
    }
    if url.fragment().is_some() {
        return Err(invalid("must not have a fragment"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_on_loopback_only() {
        for good in [
            "https://auth.spscommerce.com/oauth/token",
            "http://127.0.0.1:8788/oauth/token",
            "http://localhost:9/x",
            "http://[::1]:9/",
        ] {
            assert!(outbound_url("V", good).is_ok(), "{good}");
        }
        for (bad, why) in [
            ("http://auth.spscommerce.com/oauth/token", "https"),
            ("http://10.0.0.5/oauth/token", "https"),
            ("ftp://127.0.0.1/", "https"),
            ("https://user:pw@auth.example/", "credentials"),
            ("not a url", "not a URL"),
            ("https://auth.example/#x", "fragment"),
        ] {
            let error = outbound_url("SPS_TOKEN_URL", bad).unwrap_err();
            assert!(error.0.starts_with("SPS_TOKEN_URL") && error.0.contains(why), "{bad}: {error}");
        }
    }

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
