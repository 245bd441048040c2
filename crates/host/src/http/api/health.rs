//! `GET /healthz` (the process answers) and `GET /readyz` (the store answers
//! and its schema is the one this host was built for), for load balancers
//! and orchestrators. Neither needs a key or says anything secret.

use super::{AppState, NO_STORE};
use crate::store::StoreError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use utoipa::ToSchema;

/// The longest `/readyz` waits for the store before it answers `503`.
pub const READY_WAIT: Duration = Duration::from_secs(5);

/// Body of the probes' answers.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProbeBody {
    /// `ok` (`/healthz`), `ready` or `not_ready` (`/readyz`).
    pub status: String,
    /// Why not ready, in words that name no address, URL or driver.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reason: Option<String>,
}

fn probe(status: &str, reason: Option<String>) -> Json<ProbeBody> {
    Json(ProbeBody { status: status.into(), reason })
}

/// `GET /healthz`: `200 {"status": "ok"}` while the process serves requests.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "probes",
    responses((status = 200, description = "The process serves requests: `ok`", body = ProbeBody))
)]
pub async fn healthz() -> Response {
    (NO_STORE, probe("ok", None)).into_response()
}

/// `GET /readyz`: `200 {"status": "ready"}`, or `503 {"status": "not_ready", "reason": …}`.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "probes",
    responses(
        (status = 200, description = "The store answers and its schema is current: `ready`", body = ProbeBody),
        (status = 503, description = "`not_ready`, with the reason", body = ProbeBody),
    )
)]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let known = state.store.schema_version();
    let reason = match tokio::time::timeout(READY_WAIT, state.store.ready(known)).await {
        Ok(Ok(())) => return (NO_STORE, probe("ready", None)).into_response(),
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
    (StatusCode::SERVICE_UNAVAILABLE, NO_STORE, probe("not_ready", Some(reason))).into_response()
}
