//! `/control/…`: what a test does to the stand-in that SPS users do in the
//! Dev Center. Loopback only, like the rest of the server.

use crate::TokenServer;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// `POST /control/clients/{client_id}/rotate`: a new secret, and the client's tokens revoked.
pub(crate) async fn rotate(State(server): State<TokenServer>, Path(client_id): Path<String>) -> Response {
    match server.rotate_secret(&client_id) {
        Some(secret) => Json(json!({ "client_id": client_id, "client_secret": secret })).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({ "error": "unknown client" }))).into_response(),
    }
}

/// `POST /control/tokens/revoke`: every token issued so far stops working.
pub(crate) async fn revoke(State(server): State<TokenServer>) -> StatusCode {
    server.revoke_tokens();
    StatusCode::NO_CONTENT
}
