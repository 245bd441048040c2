//! Rules for the URLs the host calls: `https`, or `http` on loopback only,
//! and never with credentials in them.

use super::ConfigError;
use crate::util::net::is_loopback;
use reqwest::Url;

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
}
