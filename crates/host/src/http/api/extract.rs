//! Who is calling, and the JSON body, read once for every handler: the
//! extractors [`PortalServer`], [`Caller`] (which also names the actor for
//! the account's history) and [`ConnectSession`], and [`ContractJson`],
//! whose rejections are the contract's error bodies.

use super::{ApiError, AppState, BODY_LIMIT};
use crate::domain::activity::{Actor, ActorKind};
use crate::domain::session::{Session, SessionError, Sessions};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use sps_connect_wire::SESSION_HEADER;
use std::net::IpAddr;

/// The portal's server: the admin key as Bearer, and no connect session
/// beside it, so that nothing a browser holds reaches its endpoints.
#[derive(Debug)]
pub struct PortalServer;

/// Who is calling an endpoint open to both: the portal's server (the admin
/// key) or a portal user (a connect session).
#[derive(Debug, PartialEq, Eq)]
pub enum Caller {
    /// The portal's server, with the admin key: any account.
    Portal,
    /// A portal user, with a connect session: their own accounts only.
    User {
        /// The session's user.
        user_id: String,
        /// Whether the session came from a hosted link.
        via_link: bool,
    },
}

impl Caller {
    /// The user whose accounts the caller may touch; `None` for all.
    pub fn owner(&self) -> Option<&str> {
        match self {
            Caller::Portal => None,
            Caller::User { user_id, .. } => Some(user_id),
        }
    }

    /// The caller as the account's history names it, from `address`.
    pub fn actor(&self, address: Option<IpAddr>) -> Actor {
        let kind = match self {
            Caller::Portal => ActorKind::Portal,
            Caller::User { via_link: true, .. } => ActorKind::Link,
            Caller::User { via_link: false, .. } => ActorKind::User,
        };
        Actor { kind, address }
    }
}

impl From<Session> for Caller {
    fn from(session: Session) -> Self {
        Caller::User { via_link: session.link_id.is_some(), user_id: session.user_id }
    }
}

/// A portal user's connect session, a hosted link's included.
#[derive(Debug)]
pub struct ConnectSession(pub Session);

/// A JSON body read as the contract says: `415` unless it is JSON, `413`
/// past [`BODY_LIMIT`], `408` if it comes too slowly, `400` naming the field
/// at fault and never echoing a value.
#[derive(Debug)]
pub struct ContractJson<T>(pub T);

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "))
}

fn same_key(provided: &str, expected: &str, sessions: &Sessions) -> bool {
    let (a, b) = (sessions.fingerprint(provided), sessions.fingerprint(expected));
    a.len() == b.len() && a.iter().zip(&b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn admin(state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let provided = bearer(headers).unwrap_or_default();
    if state.admin_key.as_ref().is_some_and(|key| same_key(provided, key.expose_secret(), &state.sessions)) {
        return Ok(Caller::Portal);
    }
    Err(ApiError::auth("A valid admin key is required."))
}

fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Session, ApiError> {
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

impl FromRequestParts<AppState> for PortalServer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if parts.headers.contains_key(SESSION_HEADER) {
            return Err(ApiError::auth(
                "This endpoint is for the portal's server with the admin key; connect sessions are refused.",
            ));
        }
        admin(state, &parts.headers).map(|_| PortalServer)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if parts.headers.contains_key(header::AUTHORIZATION) {
            return admin(state, &parts.headers);
        }
        authenticate(state, &parts.headers).map(Caller::from)
    }
}

impl FromRequestParts<AppState> for ConnectSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        authenticate(state, &parts.headers).map(ConnectSession)
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for ContractJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
        let is_json = content_type
            .and_then(|value| value.split(';').next())
            .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(ApiError::invalid("The request must be JSON (Content-Type: application/json)")
                .with_status(StatusCode::UNSUPPORTED_MEDIA_TYPE));
        }
        let body = read_body(Bytes::from_request(request, state).await, BODY_LIMIT)?;
        parse(&body).map(ContractJson)
    }
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

/// The body, or the contract's answer to why it could not be read.
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
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
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
