//! The HTTP client for calls to SPS: no redirects, a timeout on every call,
//! and no proxy unless one is configured (proxy variables such as
//! `HTTPS_PROXY` in the environment are ignored).

use reqwest::Url;
use std::time::Duration;

/// A client with `timeout` on connect and on the whole call, through `proxy` if given.
pub fn client(timeout: Duration, proxy: Option<&Url>) -> Result<reqwest::Client, String> {
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(timeout)
        .timeout(timeout);
    let builder = match proxy {
        Some(proxy) => {
            builder.proxy(reqwest::Proxy::all(proxy.clone()).map_err(|e| format!("SPS_OUTBOUND_PROXY: {e}"))?)
        }
        None => builder.no_proxy(),
    };
    builder.build().map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// The seconds SPS asks a throttled caller to wait: its `Retry-After` (in
/// seconds), else [`crate::sps::breaker::DEFAULT_PAUSE`], at least one second and
/// at most [`crate::sps::breaker::MAX_PAUSE`].
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Duration {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(crate::sps::breaker::DEFAULT_PAUSE, Duration::from_secs)
        .clamp(Duration::from_secs(1), crate::sps::breaker::MAX_PAUSE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

    #[test]
    fn retry_after_is_read_in_seconds_and_bounded() {
        let with = |value: &str| HeaderMap::from_iter([(RETRY_AFTER, HeaderValue::from_str(value).unwrap())]);
        assert_eq!(retry_after(&with("7")), Duration::from_secs(7));
        assert_eq!(retry_after(&with("0")), Duration::from_secs(1));
        assert_eq!(retry_after(&with("99999999999999")), crate::sps::breaker::MAX_PAUSE);
        assert_eq!(retry_after(&with("Wed, 21 Oct 2026 07:28:00 GMT")), crate::sps::breaker::DEFAULT_PAUSE);
        assert_eq!(retry_after(&HeaderMap::new()), crate::sps::breaker::DEFAULT_PAUSE);
    }
}
