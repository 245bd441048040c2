//! The OAuth 2.0 client credentials exchange (RFC 6749 section 4.4) against
//! SPS Commerce's authorization server, through the `oauth2` crate.

use crate::sps::breaker::{Breaker, Outcome};
use crate::sps::failure::SpsFailure;
use crate::sps::fair_share::FairShare;
use crate::util::net::outbound_url;
use crate::util::vars::{ConfigError, Fallback, Variable, Vars};
use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AccessToken, AsyncHttpClient, AuthType, ClientId, ClientSecret, HttpRequest, HttpResponse, RequestTokenError,
    TokenResponse, TokenUrl,
};
use reqwest::Url;
use sps_connect_wire::ErrorCode;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Largest token endpoint answer the host reads.
pub const MAX_TOKEN_RESPONSE_BYTES: usize = 64 * 1024;

/// How the client authenticates to the token endpoint (RFC 6749 section 2.3.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ClientAuth {
    /// `client_id` and `client_secret` in the form body.
    #[default]
    RequestBody,
    /// HTTP Basic, each part form-urlencoded first.
    Basic,
}

/// Where and how to ask for tokens.
#[derive(Clone, Debug)]
pub struct ExchangeConfig {
    /// The token endpoint.
    pub token_url: Url,
    /// The `audience` parameter SPS expects.
    pub audience: String,
    /// Client authentication style.
    pub client_auth: ClientAuth,
    /// Limit on the whole exchange.
    pub timeout: Duration,
    /// Most exchanges in flight at once; more wait for a turn, up to `timeout`.
    /// One portal user may hold a quarter of them (at least one).
    pub max_concurrent: usize,
}

const TOKEN_URL: Variable = Variable::new(
    "SPS_TOKEN_URL",
    Fallback::Value("https://auth.spscommerce.com/oauth/token"),
    "OAuth 2.0 token endpoint of SPS Commerce",
);
const AUDIENCE: Variable = Variable::new(
    "SPS_AUDIENCE",
    Fallback::Value("https://spscommerce.com"),
    "audience requested with the token (the legacy one is api://api.spscommerce.com/)",
);
const CLIENT_AUTH: Variable = Variable::new(
    "SPS_CLIENT_AUTH",
    Fallback::Value("body"),
    "how credentials are sent to the token endpoint: body or basic",
);
const TOKEN_TIMEOUT: Variable =
    Variable::new("SPS_TOKEN_TIMEOUT_MS", Fallback::Value("10000"), "timeout of the token exchange, in milliseconds");
const MAX_CONCURRENT: Variable = Variable::new(
    "SPS_MAX_CONCURRENT_EXCHANGES",
    Fallback::Value("16"),
    "most token exchanges in flight at once; more wait for a turn",
);

impl ExchangeConfig {
    /// The variables of [`ExchangeConfig::read`].
    pub const VARIABLES: &'static [Variable] = &[TOKEN_URL, AUDIENCE, CLIENT_AUTH, TOKEN_TIMEOUT, MAX_CONCURRENT];

    /// The exchange the variables set.
    pub fn read(vars: &Vars) -> Result<Self, ConfigError> {
        let auth = [("body", ClientAuth::RequestBody), ("basic", ClientAuth::Basic)];
        Ok(Self {
            token_url: outbound_url(TOKEN_URL.name, &vars.text(&TOKEN_URL).unwrap_or_default())?,
            audience: vars.text(&AUDIENCE).unwrap_or_default(),
            client_auth: vars.choice(&CLIENT_AUTH, &auth)?,
            timeout: vars.millis(&TOKEN_TIMEOUT, 100..=120_000)?,
            max_concurrent: vars.count(&MAX_CONCURRENT, 1..=1024)?,
        })
    }
}

/// A token was issued: the credentials work. `Debug` redacts the token.
#[derive(Clone, Debug)]
pub struct Issued {
    /// The access token; it never leaves the backend except to the portal's server.
    pub access_token: AccessToken,
    /// How long the token is valid for, when the server said.
    pub expires_in: Option<Duration>,
}

/// Performs client credentials exchanges, at most `max_concurrent` at once
/// and a fair share of them per portal user, and not while the breaker is
/// open for the Client ID.
#[derive(Clone)]
pub struct TokenExchange {
    config: ExchangeConfig,
    token_url: TokenUrl,
    http: reqwest::Client,
    breaker: Breaker,
    turns: Arc<Semaphore>,
    shares: Arc<FairShare>,
}

impl TokenExchange {
    /// An exchanger with its own HTTP client (see [`crate::sps::outbound`]).
    pub fn new(config: ExchangeConfig, proxy: Option<&Url>) -> Result<Self, String> {
        let token_url = TokenUrl::from_url(config.token_url.clone());
        let http = crate::sps::outbound::client(config.timeout, proxy)?;
        let turns = Arc::new(Semaphore::new(config.max_concurrent.max(1)));
        let shares = Arc::new(FairShare::new(config.max_concurrent / 4));
        Ok(Self { config, token_url, http, breaker: Breaker::default(), turns, shares })
    }

    /// Asks for a token with these credentials, on behalf of the portal user `owner`.
    #[tracing::instrument(name = "sps.token_exchange", skip_all, fields(otel.kind = "client"))]
    pub async fn request_token(&self, owner: &str, client_id: &str, client_secret: &str) -> Result<Issued, SpsFailure> {
        let started = std::time::Instant::now();
        let result = self.exchange(owner, client_id, client_secret).await;
        let outcome = crate::sps::failure::outcome(&result);
        metrics::counter!("sps_connect_token_exchanges_total", "outcome" => outcome).increment(1);
        metrics::histogram!("sps_connect_token_exchange_duration_seconds", "outcome" => outcome)
            .record(started.elapsed().as_secs_f64());
        result
    }

    async fn exchange(&self, owner: &str, client_id: &str, client_secret: &str) -> Result<Issued, SpsFailure> {
        self.breaker.check(client_id)?;
        let turn = tokio::time::timeout(self.config.timeout, async {
            let share = self.shares.acquire(owner).await;
            let turn = Arc::clone(&self.turns).acquire_owned().await;
            (share, turn)
        })
        .await;
        let Ok((_share, Ok(_turn))) = turn else {
            return Err(failure(ErrorCode::ProviderUnavailable, "no turn for an exchange within the timeout"));
        };
        self.breaker.check(client_id)?;
        let auth_type = match self.config.client_auth {
            ClientAuth::RequestBody => AuthType::RequestBody,
            ClientAuth::Basic => AuthType::BasicAuth,
        };
        let client = BasicClient::new(ClientId::new(client_id.to_owned()))
            .set_client_secret(ClientSecret::new(client_secret.to_owned()))
            .set_token_uri(self.token_url.clone())
            .set_auth_type(auth_type);
        let http = Recorder { http: self.http.clone(), seen: Arc::default() };
        let exchange = client
            .exchange_client_credentials()
            .add_extra_param("audience", self.config.audience.clone())
            .request_async(&http);
        let result = match tokio::time::timeout(self.config.timeout, exchange).await {
            Ok(outcome) => outcome,
            Err(_) => {
                self.breaker.record(client_id, Outcome::Failed);
                return Err(failure(ErrorCode::ProviderUnavailable, "the token endpoint timed out"));
            }
        };
        let (status, retry_after) = http.seen();
        let outcome = match result {
            Ok(token) => Ok(Issued { access_token: token.access_token().clone(), expires_in: token.expires_in() }),
            Err(RequestTokenError::ServerResponse(error)) => {
                let code = oauth_error_code(error.error());
                Err(failure(classify(status, Some(&code)), &format!("HTTP {status}, error {code}")))
            }
            Err(RequestTokenError::Request(error)) => {
                Err(failure(ErrorCode::ProviderUnavailable, &format!("transport failure: {error}")))
            }
            Err(RequestTokenError::Parse(_, _)) => {
                Err(failure(classify(status, None), &format!("HTTP {status} with a body that is not OAuth 2.0 JSON")))
            }
            Err(RequestTokenError::Other(reason)) => {
                Err(failure(classify(status, None), &format!("HTTP {status}: {reason}")))
            }
        };
        match &outcome {
            Err(f) if f.code == ErrorCode::RateLimited => {
                self.breaker.record(client_id, Outcome::Throttled(retry_after))
            }
            Err(f) if f.code == ErrorCode::ProviderUnavailable => self.breaker.record(client_id, Outcome::Failed),
            _ => self.breaker.record(client_id, Outcome::Answered),
        }
        outcome.map_err(|f| match f.code {
            ErrorCode::RateLimited => f.retry_after(retry_after.as_secs()),
            _ => f,
        })
    }
}

/// Why the token endpoint could not be read.
#[derive(Debug)]
enum HttpFailure {
    Transport(reqwest::Error),
    TooLarge,
    Unusable,
}

impl std::fmt::Display for HttpFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpFailure::Transport(e) if e.is_timeout() => f.write_str("timed out"),
            HttpFailure::Transport(e) if e.is_connect() => f.write_str("could not connect"),
            HttpFailure::Transport(_) => f.write_str("request failed"),
            HttpFailure::TooLarge => write!(f, "answer larger than {MAX_TOKEN_RESPONSE_BYTES} bytes"),
            HttpFailure::Unusable => f.write_str("answer could not be read"),
        }
    }
}

impl std::error::Error for HttpFailure {}

/// The HTTP client for `oauth2`: it reads at most [`MAX_TOKEN_RESPONSE_BYTES`]
/// and keeps the status and the wait `Retry-After` asks of the answer, which `oauth2` does
/// not report but SPS's codes need.
struct Recorder {
    http: reqwest::Client,
    seen: Arc<Mutex<(u16, Duration)>>,
}

impl Recorder {
    fn seen(&self) -> (u16, Duration) {
        *self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<'c> AsyncHttpClient<'c> for Recorder {
    type Error = HttpFailure;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpFailure>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request = reqwest::Request::try_from(request).map_err(HttpFailure::Transport)?;
            let mut response = self.http.execute(request).await.map_err(HttpFailure::Transport)?;
            let retry_after = crate::sps::outbound::retry_after(response.headers());
            *self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) =
                (response.status().as_u16(), retry_after);
            if response.content_length().is_some_and(|length| length > MAX_TOKEN_RESPONSE_BYTES as u64) {
                return Err(HttpFailure::TooLarge);
            }
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(HttpFailure::Transport)? {
                if body.len() + chunk.len() > MAX_TOKEN_RESPONSE_BYTES {
                    return Err(HttpFailure::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            let mut answer = oauth2::http::Response::builder().status(response.status());
            for (name, value) in response.headers() {
                answer = answer.header(name, value);
            }
            answer.body(body).map_err(|_| HttpFailure::Unusable)
        })
    }
}

fn failure(code: ErrorCode, reason: &str) -> SpsFailure {
    SpsFailure::exchange(code, reason)
}

fn oauth_error_code(error: &BasicErrorResponseType) -> String {
    match error {
        BasicErrorResponseType::Extension(code) => code.clone(),
        other => other.as_ref().to_owned(),
    }
}

/// Maps the token endpoint's answer to the contract. SPS answers a wrong
/// secret with `401 access_denied`, so the status decides before the code.
pub fn classify(status: u16, oauth_error: Option<&str>) -> ErrorCode {
    match (status, oauth_error) {
        (401, _) | (_, Some("invalid_client")) => ErrorCode::InvalidClient,
        (429, _) => ErrorCode::RateLimited,
        (_, Some("unauthorized_client" | "unsupported_grant_type")) => ErrorCode::UnauthorizedClient,
        (_, Some("access_denied" | "invalid_scope")) => ErrorCode::AccessDenied,
        (_, Some("invalid_request")) => ErrorCode::InvalidRequest,
        (403, _) => ErrorCode::AccessDenied,
        _ => ErrorCode::ProviderUnavailable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_credentials_are_invalid_client_whatever_the_code() {
        assert_eq!(classify(401, Some("access_denied")), ErrorCode::InvalidClient);
        assert_eq!(classify(401, None), ErrorCode::InvalidClient);
        assert_eq!(classify(400, Some("invalid_client")), ErrorCode::InvalidClient);
    }

    #[test]
    fn missing_grant_or_audience_is_forbidden() {
        assert_eq!(classify(403, Some("unauthorized_client")), ErrorCode::UnauthorizedClient);
        assert_eq!(classify(400, Some("unsupported_grant_type")), ErrorCode::UnauthorizedClient);
        assert_eq!(classify(403, Some("access_denied")), ErrorCode::AccessDenied);
        assert_eq!(classify(400, Some("invalid_scope")), ErrorCode::AccessDenied);
        assert_eq!(classify(403, None), ErrorCode::AccessDenied);
    }

    #[test]
    fn throttling_and_everything_else_upstream() {
        assert_eq!(classify(429, Some("too_many_requests")), ErrorCode::RateLimited);
        assert_eq!(classify(500, None), ErrorCode::ProviderUnavailable);
        assert_eq!(classify(200, None), ErrorCode::ProviderUnavailable);
    }

    #[test]
    fn an_invalid_request_is_not_retried() {
        assert_eq!(classify(400, Some("invalid_request")), ErrorCode::InvalidRequest);
        assert!(!ErrorCode::InvalidRequest.is_retryable());
    }
}
