//! The OAuth 2.0 client credentials exchange (RFC 6749 section 4.4) against
//! SPS Commerce's authorization server, through the `oauth2` crate.

use crate::failure::SpsFailure;
use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AccessToken, AsyncHttpClient, AuthType, ClientId, ClientSecret, HttpRequest, HttpResponse, RequestTokenError,
    TokenResponse, TokenUrl,
};
use sps_connect_wire::ErrorCode;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::Arc;
use std::time::Duration;

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
    pub token_url: String,
    /// The `audience` parameter SPS expects.
    pub audience: String,
    /// Client authentication style.
    pub client_auth: ClientAuth,
    /// Limit on the whole exchange.
    pub timeout: Duration,
}

/// A token was issued: the credentials work. `Debug` redacts the token.
#[derive(Clone, Debug)]
pub struct Issued {
    /// The access token; it never leaves the backend except to the portal's server.
    pub access_token: AccessToken,
    /// How long the token is valid for, when the server said.
    pub expires_in: Option<Duration>,
}

/// Performs client credentials exchanges.
#[derive(Clone)]
pub struct TokenExchange {
    config: ExchangeConfig,
    token_url: TokenUrl,
    http: oauth2::reqwest::Client,
}

impl TokenExchange {
    /// An exchanger with its own HTTP client: no redirects, timeouts on every call.
    pub fn new(config: ExchangeConfig) -> Result<Self, String> {
        let token_url = TokenUrl::new(config.token_url.clone()).map_err(|e| format!("invalid token URL: {e}"))?;
        let http = oauth2::reqwest::ClientBuilder::new()
            .redirect(oauth2::reqwest::redirect::Policy::none())
            .connect_timeout(config.timeout)
            .timeout(config.timeout)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Self { config, token_url, http })
    }

    /// Asks for a token with these credentials.
    pub async fn request_token(&self, client_id: &str, client_secret: &str) -> Result<Issued, SpsFailure> {
        let auth_type = match self.config.client_auth {
            ClientAuth::RequestBody => AuthType::RequestBody,
            ClientAuth::Basic => AuthType::BasicAuth,
        };
        let client = BasicClient::new(ClientId::new(client_id.to_owned()))
            .set_client_secret(ClientSecret::new(client_secret.to_owned()))
            .set_token_uri(self.token_url.clone())
            .set_auth_type(auth_type);
        let http = StatusRecorder { http: self.http.clone(), status: Arc::new(AtomicU16::new(0)) };
        let exchange = client
            .exchange_client_credentials()
            .add_extra_param("audience", self.config.audience.clone())
            .request_async(&http);
        let outcome = match tokio::time::timeout(self.config.timeout, exchange).await {
            Ok(outcome) => outcome,
            Err(_) => return Err(failure(ErrorCode::ProviderUnavailable, "the token endpoint timed out")),
        };
        let status = http.status.load(Ordering::Relaxed);
        match outcome {
            Ok(token) => Ok(Issued { access_token: token.access_token().clone(), expires_in: token.expires_in() }),
            Err(RequestTokenError::ServerResponse(error)) => {
                let code = oauth_error_code(error.error());
                Err(failure(classify(status, Some(&code)), &format!("HTTP {status}, error {code}")))
            }
            Err(RequestTokenError::Request(error)) => Err(failure(
                ErrorCode::ProviderUnavailable,
                &format!("transport failure: {}", describe_transport(&error)),
            )),
            Err(RequestTokenError::Parse(_, _)) => {
                Err(failure(classify(status, None), &format!("HTTP {status} with a body that is not OAuth 2.0 JSON")))
            }
            Err(RequestTokenError::Other(reason)) => {
                Err(failure(classify(status, None), &format!("HTTP {status}: {reason}")))
            }
        }
    }
}

/// The HTTP client, keeping the status of the last answer: `oauth2` reports
/// the error body but not the status, and SPS's codes need both.
struct StatusRecorder {
    http: oauth2::reqwest::Client,
    status: Arc<AtomicU16>,
}

type HttpError = oauth2::HttpClientError<oauth2::reqwest::Error>;

impl<'c> AsyncHttpClient<'c> for StatusRecorder {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let response = self.http.call(request).await?;
            self.status.store(response.status().as_u16(), Ordering::Relaxed);
            Ok(response)
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

fn describe_transport(error: &HttpError) -> String {
    match error {
        oauth2::HttpClientError::Reqwest(e) if e.is_timeout() => "timed out".into(),
        oauth2::HttpClientError::Reqwest(e) if e.is_connect() => "could not connect".into(),
        _ => "request failed".into(),
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
        assert_eq!(classify(400, Some("invalid_request")), ErrorCode::ProviderUnavailable);
    }
}
