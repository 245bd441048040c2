//! `/control/…`: what a test does to the stand-in that SPS users do in the
//! Dev Center. Loopback only, like the rest of the server.

use crate::TokenServer;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
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

/// Body of `PUT /control/clients/{client_id}/secret`.
#[derive(Deserialize)]
pub(crate) struct SecretBody {
    client_secret: String,
}

/// `PUT /control/clients/{client_id}/secret` `{"client_secret": "…"}`: the client's secret set back.
pub(crate) async fn set_secret(
    State(server): State<TokenServer>,
    Path(client_id): Path<String>,
    Json(body): Json<SecretBody>,
) -> StatusCode {
    if server.set_secret(&client_id, &body.client_secret) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    }
}

/// Body of `POST /control/clients/{client_id}/documents`.
#[derive(Deserialize)]
pub(crate) struct DocumentBody {
    name: String,
    #[serde(default)]
    content: String,
}

/// `POST /control/clients/{client_id}/documents` `{"name": "PO_1.xml", "content": "<Order/>"}`:
/// a document put in the client's `out/` folder.
pub(crate) async fn add_document(
    State(server): State<TokenServer>,
    Path(client_id): Path<String>,
    Json(body): Json<DocumentBody>,
) -> Response {
    let plain = !body.name.is_empty()
        && body.name.len() <= 200
        && body.name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !plain || body.name.starts_with('.') {
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": "name must be letters, digits, . _ -" })))
            .into_response();
    }
    server.add_document(&client_id, &body.name, &body.content);
    (StatusCode::CREATED, Json(json!({ "path": format!("/out/{}", body.name) }))).into_response()
}

/// `DELETE /control/clients/{client_id}/documents/{name}`: a document taken out of the folder.
pub(crate) async fn delete_document(
    State(server): State<TokenServer>,
    Path((client_id, name)): Path<(String, String)>,
) -> StatusCode {
    if server.delete_document(&client_id, &name) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    }
}

/// Body of `POST /control/throttle`.
#[derive(Deserialize)]
pub(crate) struct ThrottleBody {
    #[serde(default = "default_retry_after")]
    retry_after: u64,
}

fn default_retry_after() -> u64 {
    30
}

/// `POST /control/throttle` `{"retry_after": 30}`: every token request answered `429` until `DELETE`.
pub(crate) async fn throttle(State(server): State<TokenServer>, Json(body): Json<ThrottleBody>) -> StatusCode {
    server.throttle(body.retry_after);
    StatusCode::NO_CONTENT
}

/// `DELETE /control/throttle`: token requests answered normally again.
pub(crate) async fn stop_throttling(State(server): State<TokenServer>) -> StatusCode {
    server.stop_throttling();
    StatusCode::NO_CONTENT
}
