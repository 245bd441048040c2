//! `POST /api/sps/sessions`: the portal's server mints a connect session.

use super::{admin, parse, read_json_body, ApiError, AppState};
use crate::session::{Sessions, USER_ID_MAX_LEN};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

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
    let expires_at = OffsetDateTime::from_unix_timestamp(expires as i64)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default();
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
    let user_id = request.user_id.trim();
    if user_id.is_empty() || user_id.len() > USER_ID_MAX_LEN || user_id.chars().any(char::is_control) {
        return Err(ApiError::invalid(format!("`user_id` must be 1 to {USER_ID_MAX_LEN} characters.")));
    }
    Ok((StatusCode::CREATED, Json(grant(&state.sessions, user_id))))
}
