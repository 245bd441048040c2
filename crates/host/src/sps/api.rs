//! Calls to the SPS API with an account's access token: the auth-check that
//! confirms a link, and the requests the proxy forwards.

use crate::sps::failure::{SpsFailure, Stage};
use crate::util::net::outbound_url;
use crate::util::vars::{ConfigError, Fallback, Variable, Vars};
use oauth2::AccessToken;
use reqwest::header::{HeaderMap, HeaderName, AUTHORIZATION};
use reqwest::{Method, StatusCode, Url};
use sps_connect_wire::ErrorCode;
use std::time::Duration;

/// Where the SPS API is and how much the host sends to and takes from it.
#[derive(Clone, Debug)]
pub struct ApiConfig {
    /// Base URL; request paths are appended to its path.
    pub base: Url,
    /// Limit on each call, connect to last byte.
    pub timeout: Duration,
    /// Largest request body the proxy forwards.
    pub max_request_bytes: usize,
    /// Largest answer the proxy reads.
    pub max_response_bytes: usize,
}

const API_URL: Variable = Variable::new(
    "SPS_API_URL",
    Fallback::Value("https://api.spscommerce.com"),
    "SPS API base URL: auth-check after each exchange, and the proxy's target",
);
const API_TIMEOUT: Variable = Variable::new(
    "SPS_API_TIMEOUT_MS",
    Fallback::Value("15000"),
    "timeout of each call to the SPS API (auth-check, proxied call), in milliseconds",
);
const MAX_REQUEST: Variable = Variable::new(
    "SPS_PROXY_MAX_REQUEST_BYTES",
    Fallback::Value("5242880"),
    "largest request body the proxy forwards to the SPS API",
);
const MAX_RESPONSE: Variable = Variable::new(
    "SPS_PROXY_MAX_RESPONSE_BYTES",
    Fallback::Value("20971520"),
    "largest SPS API answer the proxy passes back",
);
const BODY_BYTES: std::ops::RangeInclusive<u64> = 1024..=1 << 30;

impl ApiConfig {
    /// The variables of [`ApiConfig::read`].
    pub const VARIABLES: &'static [Variable] = &[API_URL, API_TIMEOUT, MAX_REQUEST, MAX_RESPONSE];

    /// The SPS API the variables set.
    pub fn read(vars: &Vars) -> Result<Self, ConfigError> {
        let base = outbound_url(API_URL.name, vars.text(&API_URL).unwrap_or_default().trim_end_matches('/'))?;
        if base.query().is_some() {
            return Err(ConfigError(format!("{} must not have a query", API_URL.name)));
        }
        Ok(Self {
            base,
            timeout: vars.millis(&API_TIMEOUT, 100..=300_000)?,
            max_request_bytes: vars.count(&MAX_REQUEST, BODY_BYTES)?,
            max_response_bytes: vars.count(&MAX_RESPONSE, BODY_BYTES)?,
        })
    }
}

/// A request to forward: everything but the token.
#[derive(Debug)]
pub struct Outbound {
    /// The method.
    pub method: Method,
    /// Where, already checked by [`upstream_url`].
    pub url: Url,
    /// Headers to pass on; the caller has filtered them.
    pub headers: HeaderMap,
    /// The body.
    pub body: axum::body::Bytes,
}

/// An answer of the SPS API, read whole.
#[derive(Debug)]
pub struct Answer {
    /// Its status.
    pub status: StatusCode,
    /// Its headers.
    pub headers: HeaderMap,
    /// Its body.
    pub body: Vec<u8>,
}

/// Why a path cannot be forwarded.
#[derive(Debug, PartialEq, Eq)]
pub struct PathProblem(pub &'static str);

/// A client of the SPS API.
#[derive(Clone)]
pub struct SpsApi {
    config: ApiConfig,
    http: reqwest::Client,
}

impl SpsApi {
    /// A client with its own connection pool (see [`crate::sps::outbound`]).
    pub fn new(config: ApiConfig, proxy: Option<&Url>) -> Result<Self, String> {
        Ok(Self { http: crate::sps::outbound::client(config.timeout, proxy)?, config })
    }

    /// The configuration.
    pub fn config(&self) -> &ApiConfig {
        &self.config
    }

    /// `GET {base}/auth-check`: SPS answers 204 for a token it accepts.
    #[tracing::instrument(name = "sps.auth_check", skip_all, fields(otel.kind = "client"))]
    pub async fn auth_check(&self, token: &AccessToken) -> Result<(), SpsFailure> {
        let started = std::time::Instant::now();
        let result = self.ask_auth_check(token).await;
        let outcome = crate::sps::failure::outcome(&result);
        metrics::counter!("sps_connect_auth_checks_total", "outcome" => outcome).increment(1);
        metrics::histogram!("sps_connect_auth_check_duration_seconds", "outcome" => outcome)
            .record(started.elapsed().as_secs_f64());
        result
    }

    async fn ask_auth_check(&self, token: &AccessToken) -> Result<(), SpsFailure> {
        let url = upstream_url(&self.config.base, "auth-check", None).expect("a fixed path is valid");
        let response = self.http.get(url).bearer_auth(token.secret()).send().await.map_err(|e| {
            SpsFailure::at(Stage::Api, ErrorCode::ProviderUnavailable, format!("auth-check: {}", transport(&e)))
        })?;
        match response.status() {
            StatusCode::NO_CONTENT | StatusCode::OK => Ok(()),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(SpsFailure::at(
                Stage::TokenRefusedByApi,
                ErrorCode::AccessDenied,
                format!("auth-check answered HTTP {}", response.status().as_u16()),
            )),
            StatusCode::TOO_MANY_REQUESTS => {
                let wait = crate::sps::outbound::retry_after(response.headers()).as_secs();
                Err(SpsFailure::exchange(ErrorCode::RateLimited, "auth-check answered 429").retry_after(wait))
            }
            other => Err(SpsFailure::at(
                Stage::Api,
                ErrorCode::ProviderUnavailable,
                format!("auth-check answered HTTP {}", other.as_u16()),
            )),
        }
    }

    /// Sends `outbound` with `token` and reads the answer, up to the size limit.
    #[tracing::instrument(name = "sps.api_call", skip_all, fields(otel.kind = "client"))]
    pub async fn forward(&self, outbound: &Outbound, token: &AccessToken) -> Result<Answer, SpsFailure> {
        let failed = |reason: String| SpsFailure::at(Stage::Api, ErrorCode::ProviderUnavailable, reason);
        let mut response = self
            .http
            .request(outbound.method.clone(), outbound.url.clone())
            .headers(outbound.headers.clone())
            .header(AUTHORIZATION, format!("Bearer {}", token.secret()))
            .body(outbound.body.clone())
            .send()
            .await
            .map_err(|e| failed(format!("proxied call: {}", transport(&e))))?;
        let limit = self.config.max_response_bytes;
        let too_large = || {
            SpsFailure::at(Stage::AnswerTooLarge, ErrorCode::ProviderUnavailable, format!("answer over {limit} bytes"))
        };
        if response.content_length().is_some_and(|length| length > limit as u64) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) =
            response.chunk().await.map_err(|e| failed(format!("reading the answer: {}", transport(&e))))?
        {
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer { status: response.status(), headers: response.headers().clone(), body })
    }
}

fn transport(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "request failed"
    }
}

/// Headers of the caller's request that go upstream; all others (its
/// `Authorization`, cookies, forwarding headers) stay behind.
pub const FORWARDED_REQUEST_HEADERS: &[&str] = &[
    "content-type",
    "content-encoding",
    "accept",
    "accept-language",
    "if-match",
    "if-none-match",
    "if-modified-since",
    "if-unmodified-since",
];

/// Headers of SPS's answer that come back to the caller.
pub const FORWARDED_RESPONSE_HEADERS: &[&str] =
    &["content-type", "content-disposition", "etag", "last-modified", "retry-after", "location"];

/// Copies the headers named in `allowed` from `headers`.
pub fn keep_headers(headers: &HeaderMap, allowed: &[&'static str]) -> HeaderMap {
    let mut kept = HeaderMap::new();
    for name in allowed {
        let name = HeaderName::from_static(name);
        for value in headers.get_all(&name) {
            kept.append(name.clone(), value.clone());
        }
    }
    kept
}

fn allowed_escape(high: u8, low: u8) -> Result<(), PathProblem> {
    let hex = |c: u8| (c as char).to_digit(16);
    let (Some(high), Some(low)) = (hex(high), hex(low)) else {
        return Err(PathProblem("a `%` must start an escape of two hex digits"));
    };
    match (high * 16 + low) as u8 {
        b'/' | b'\\' => Err(PathProblem("encoded slashes are not allowed")),
        b'.' => Err(PathProblem("encoded dots are not allowed")),
        b'@' | b'%' => Err(PathProblem("encoded `@` or `%` are not allowed")),
        byte if byte < 0x20 || byte == 0x7f => Err(PathProblem("control characters are not allowed")),
        _ => Ok(()),
    }
}

fn check_segment(segment: &str) -> Result<(), PathProblem> {
    if segment.is_empty() {
        return Err(PathProblem("empty path segments (`//`) are not allowed"));
    }
    if segment == "." || segment == ".." {
        return Err(PathProblem("`.` and `..` segments are not allowed"));
    }
    let bytes = segment.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'%' => {
                let (Some(&high), Some(&low)) = (bytes.get(index + 1), bytes.get(index + 2)) else {
                    return Err(PathProblem("a `%` must start an escape of two hex digits"));
                };
                allowed_escape(high, low)?;
                index += 3;
                continue;
            }
            b'@' => return Err(PathProblem("`@` is not allowed")),
            c if c.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:".contains(&c) => {}
            _ => return Err(PathProblem("the path has a character that is not allowed")),
        }
        index += 1;
    }
    Ok(())
}

/// `{base}/{path}?{query}`, or why not: `path` is the raw (still
/// percent-encoded) rest of the proxy URL. Nothing in it may leave the base:
/// no `.`/`..`/empty segments, no encoded slash, dot, `@` or `%`, no `@`, no
/// backslash; and the result is checked to have the base's origin and path.
pub fn upstream_url(base: &Url, path: &str, query: Option<&str>) -> Result<Url, PathProblem> {
    if path.is_empty() {
        return Err(PathProblem("the path is empty"));
    }
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len() - 1;
    for (index, segment) in segments.iter().enumerate() {
        if index == last && segment.is_empty() {
            continue;
        }
        check_segment(segment)?;
    }
    let base_path = base.path().trim_end_matches('/');
    let mut url = base.clone();
    url.set_path(&format!("{base_path}/{path}"));
    url.set_query(query.filter(|q| !q.is_empty()));
    url.set_fragment(None);
    if url.origin() != base.origin() || !url.path().starts_with(&format!("{base_path}/")) {
        return Err(PathProblem("the path leaves the SPS API"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://api.spscommerce.com").unwrap()
    }

    #[test]
    fn plain_paths_and_queries_are_appended_to_the_base() {
        let url = upstream_url(&base(), "transactions/v5/data/out/", Some("limit=2&cursor=c2")).unwrap();
        assert_eq!(url.as_str(), "https://api.spscommerce.com/transactions/v5/data/out/?limit=2&cursor=c2");
        let with_prefix = Url::parse("http://127.0.0.1:9/sps").unwrap();
        let url = upstream_url(&with_prefix, "auth-check", None).unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:9/sps/auth-check");
        let url = upstream_url(&base(), "files/Order%20Copy_(1).xml", None).unwrap();
        assert_eq!(url.path(), "/files/Order%20Copy_(1).xml");
    }

    #[test]
    fn nothing_in_the_path_can_leave_the_api() {
        for path in [
            "",
            "../admin",
            "transactions/../../etc",
            "a/./b",
            "a//b",
            "//evil.example/x",
            "%2e%2e/admin",
            "a%2Fb",
            "a%2fb",
            "a%5Cb",
            "a\\b",
            "user@evil.example/x",
            "a%40b",
            "a%2",
            "a%zz",
            "a%00b",
            "a b",
            "https://evil.example/",
            "a?b",
            "a#b",
        ] {
            assert!(upstream_url(&base(), path, None).is_err(), "{path:?} was accepted");
        }
    }
}
