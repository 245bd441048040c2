//! `POST /api/sps/sessions`: the portal's server mints a connect session.

use super::{admin, parse, read_json_body, ApiError, AppState};
use crate::domain::session::{checked_user_id, Sessions};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionRequest {
    user_id: String,
}

/// A minted session token.
#[derive(Debug, Serialize, Deserialize)]
pub struct SessionGrant {
    /// The token to pass to the widget as `sessionToken`.
    pub session_token: String,
    /// When it expires, RFC 3339.
    pub expires_at: String,
}

/// Mints a session for `user_id`.
pub fn grant(sessions: &Sessions, user_id: &str) -> SessionGrant {
    let (session_token, expires) = sessions.mint(user_id);
    let expires_at = crate::util::times::rfc3339(expires as i64);
    SessionGrant { session_token, expires_at }
}

/// `POST /api/sps/sessions`: server to server, with the admin key as a bearer token.
pub async fn mint_session(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<SessionGrant>), ApiError> {
    admin(&state, &headers)?;
    let body = read_json_body(&headers, body)?;
    let request: SessionRequest = parse(&body)?;
    let user_id = checked_user_id(&request.user_id).map_err(ApiError::invalid)?;
    Ok((StatusCode::CREATED, Json(grant(&state.sessions, user_id))))
}
