//! `GET /healthz` (the process answers) and `GET /readyz` (the store answers
//! and its schema is the one this host was built for), for load balancers
//! and orchestrators. Neither needs a key or says anything secret.

use super::{AppState, NO_STORE};
use crate::store::StoreError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::time::Duration;

/// The longest `/readyz` waits for the store before it answers `503`.
pub const READY_WAIT: Duration = Duration::from_secs(5);

/// `GET /healthz`: `200 {"status": "ok"}` while the process serves requests.
pub async fn healthz() -> Response {
    (NO_STORE, Json(json!({ "status": "ok" }))).into_response()
}

/// `GET /readyz`: `200 {"status": "ready"}`, or `503 {"status": "not_ready", "reason": …}`.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let known = state.store.schema_version();
    let reason = match tokio::time::timeout(READY_WAIT, state.store.ready(known)).await {
        Ok(Ok(())) => return (NO_STORE, Json(json!({ "status": "ready" }))).into_response(),
        Ok(Err(error @ StoreError::SchemaMismatch { .. })) => error.to_string(),
        Ok(Err(error)) => {
            tracing::warn!(%error, "not ready: the store failed");
            "the store does not answer".to_owned()
        }
        Err(_) => {
            tracing::warn!("not ready: the store did not answer in time");
            format!("the store did not answer within {} s", READY_WAIT.as_secs())
        }
    };
    let body = json!({ "status": "not_ready", "reason": reason });
    (StatusCode::SERVICE_UNAVAILABLE, NO_STORE, Json(body)).into_response()
}
