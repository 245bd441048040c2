//! The HTTP API: connect, sessions, accounts, tokens and the SPS API proxy.

mod accounts;
mod connect;
mod guard;
mod links;
mod proxy;
mod sessions;

pub use crate::domain::accounts::summary;
use accounts::find;
pub use accounts::{account, accounts, delete_account, token, verify, AccountBody};
pub use connect::connect;
pub use guard::{guard, ClientIp};
pub use links::{create_link, link_session, list_links, mint_link, page, page_script, revoke_link};
pub use proxy::proxy;
pub(crate) use proxy::relay;
pub use sessions::{grant, mint_session, SessionGrant};

use crate::domain::accounts::{AccessError, LinkedAccounts};
use crate::domain::limits::Limiter;
use crate::domain::session::{Session, SessionError, Sessions};
use crate::store::StoreError;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use sps_connect_wire::{ErrorBody, ErrorCode, SESSION_HEADER};
use std::sync::Arc;

/// Largest request body the API reads, but for the proxy's.
pub const BODY_LIMIT: usize = 8 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// Session minting and checking.
    pub sessions: Sessions,
    /// The linked accounts.
    pub accounts: LinkedAccounts,
    /// Key of the portal's server.
    pub admin_key: Option<secrecy::SecretString>,
    /// Attempt counts for connects, verifies and authentications.
    pub limiter: Arc<Limiter>,
    /// Header that carries the client's address when a trusted proxy sets it.
    pub client_ip_header: Option<header::HeaderName>,
    /// Hosted links.
    pub links: Arc<dyn crate::store::LinkStore>,
    /// How long a connect holds its hosted link: longer than it can take.
    pub link_claim: std::time::Duration,
    /// The hosted page's look and the links' base URL.
    pub hosted: Arc<crate::http::hosted::HostedConfig>,
    /// Path of the connect endpoint, for the hosted page's widget.
    pub endpoint: String,
    /// Services the integration requests.
    pub services: Vec<sps_connect_wire::Service>,
}

/// A contract error with its HTTP status.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
    retry_after: Option<u64>,
    auth_refused: bool,
}

/// Marks an answer that refused an admin key or a session, for [`guard`].
#[derive(Clone, Copy, Debug)]
pub struct AuthRefused;

impl ApiError {
    /// An error with the contract's status for `code`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        let status = StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Self { status, body: ErrorBody::new(code, message), retry_after: None, auth_refused: false }
    }

    /// `429 rate_limited` with `Retry-After: seconds`.
    pub fn rate_limited(message: impl Into<String>, seconds: u64) -> Self {
        Self { retry_after: Some(seconds), ..Self::new(ErrorCode::RateLimited, message) }
    }

    fn auth(message: &str) -> Self {
        Self { auth_refused: true, ..Self::new(ErrorCode::SessionInvalid, message) }
    }

    fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, message)
    }

    fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, NO_STORE, Json(self.body)).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, seconds.into());
        }
        if self.auth_refused {
            response.extensions_mut().insert(AuthRefused);
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::UnknownAccount => ApiError::invalid("No linked account of this user has that `account_id`."),
            StoreError::Conflict => ApiError::invalid("Another linked account already uses these credentials."),
            StoreError::LinkUnusable => ApiError::new(
                ErrorCode::SessionInvalid,
                "This link was used, revoked or expired while connecting; nothing was linked. Ask the portal for a new link.",
            ),
            StoreError::Database(reason) => {
                tracing::error!(%reason, "account store failed");
                ApiError::new(ErrorCode::InternalError, "The account store failed.")
            }
        }
    }
}

impl From<AccessError> for ApiError {
    fn from(error: AccessError) -> Self {
        match error {
            AccessError::NotFound => ApiError::new(ErrorCode::NotFound, "No linked account has this id."),
            AccessError::Sps(failure) => {
                ApiError { retry_after: failure.retry_after, ..ApiError::new(failure.code, failure.message) }
            }
            AccessError::Store(error) => error.into(),
        }
    }
}

/// Who is calling.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Caller {
    /// The portal's server, with the admin key: any account.
    Portal,
    /// A portal user, with a connect session: their own accounts only.
    User(String),
}

impl Caller {
    /// The user whose accounts the caller may touch; `None` for all.
    fn owner(&self) -> Option<&str> {
        match self {
            Caller::Portal => None,
            Caller::User(user_id) => Some(user_id),
        }
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "))
}

fn same_key(provided: &str, expected: &str, sessions: &Sessions) -> bool {
    let (a, b) = (sessions.fingerprint(provided), sessions.fingerprint(expected));
    a.len() == b.len() && a.iter().zip(&b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn admin(state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let provided = bearer(headers).unwrap_or_default();
    use secrecy::ExposeSecret;
    if state.admin_key.as_ref().is_some_and(|key| same_key(provided, key.expose_secret(), &state.sessions)) {
        return Ok(Caller::Portal);
    }
    Err(ApiError::auth("A valid admin key is required."))
}

/// The portal's server only: a connect session is refused even beside the key,
/// so that nothing a browser holds can reach tokens or the proxy.
pub(crate) fn portal_only(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    if headers.contains_key(SESSION_HEADER) {
        return Err(ApiError::auth(
            "This endpoint is for the portal's server with the admin key; connect sessions are refused.",
        ));
    }
    admin(state, headers).map(|_| ())
}

/// The portal's server (admin key as Bearer) or a portal user (connect session).
pub(crate) fn portal_or_user(state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    if headers.contains_key(header::AUTHORIZATION) {
        return admin(state, headers);
    }
    authenticate(state, headers).map(|session| Caller::User(session.user_id))
}

/// The request's connect session.
pub(crate) fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Session, ApiError> {
    let token = headers.get(SESSION_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if token.is_empty() {
        return Err(ApiError::auth("The X-Connect-Session header is missing."));
    }
    state.sessions.verify(token).map_err(|error| {
        let message = match error {
            SessionError::Expired => "The connect session has expired.",
            SessionError::Invalid => "The connect session is not valid.",
        };
        ApiError::auth(message)
    })
}

pub(crate) fn read_json_body(headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let is_json =
        content_type.split(';').next().is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(ApiError::invalid("The request must be JSON (Content-Type: application/json)")
            .with_status(StatusCode::UNSUPPORTED_MEDIA_TYPE));
    }
    read_body(body, BODY_LIMIT)
}

/// Whether reading the body failed because the client sent it too slowly.
fn timed_out(rejection: &BytesRejection) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(rejection);
    while let Some(error) = cause {
        if error.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        cause = error.source();
    }
    false
}

pub(crate) fn read_body(body: Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| {
        if timed_out(&rejection) {
            ApiError::invalid("The request body was not sent in time.").with_status(StatusCode::REQUEST_TIMEOUT)
        } else if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::invalid(format!("The request body is larger than {limit} bytes."))
                .with_status(StatusCode::PAYLOAD_TOO_LARGE)
        } else {
            ApiError::invalid("The request body could not be read.")
        }
    })
}

/// Parses a body without ever echoing a value from it.
pub(crate) fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, ApiError> {
    let deserializer = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let inner = error.inner().to_string();
        let message = if inner.starts_with("unknown field") || inner.starts_with("missing field") {
            inner.split(" at line").next().unwrap_or_default().to_owned()
        } else if error.inner().is_syntax() || error.inner().is_eof() {
            "The request body is not valid JSON.".to_owned()
        } else {
            format!("Field `{}` has an invalid value.", error.path())
        };
        ApiError::invalid(message)
    })
}

/// Headers of every answer that carries account data or tokens.
pub(crate) const NO_STORE: [(header::HeaderName, &str); 2] =
    [(header::CACHE_CONTROL, "no-store"), (header::PRAGMA, "no-cache")];
