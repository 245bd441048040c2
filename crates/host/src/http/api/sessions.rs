//! `POST /api/sps/sessions`: the portal's server mints a connect session.

use super::{ApiError, AppState, ContractJson, PortalServer};
use crate::domain::session::{checked_user_id, Sessions};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use sps_connect_wire::ErrorBody;

/// Body of `POST /api/sps/sessions`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionRequest {
    /// The portal's id for its user, 1 to 128 characters.
    user_id: String,
}

/// A minted session token.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
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
#[utoipa::path(
    post,
    path = "/api/sps/sessions",
    tag = "sessions",
    security(("adminKey" = [])),
    request_body = SessionRequest,
    responses(
        (status = 201, description = "A session for the user, to hand to the widget", body = SessionGrant),
        (status = 400, description = "`user_id` breaks its rule", body = ErrorBody),
        (status = 401, description = "No valid admin key", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
    )
)]
pub async fn mint_session(
    _: PortalServer,
    State(state): State<AppState>,
    ContractJson(request): ContractJson<SessionRequest>,
) -> Result<(StatusCode, Json<SessionGrant>), ApiError> {
    let user_id = checked_user_id(&request.user_id).map_err(|_| ApiError::invalid(super::user_id_rule()))?;
    Ok((StatusCode::CREATED, Json(grant(&state.sessions, user_id))))
}
