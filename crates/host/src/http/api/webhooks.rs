//! The webhook endpoints of the portal's server: send a test event, list
//! deliveries, send one again.

use super::{paging, ApiError, AppState, PortalServer, NO_STORE};
use crate::store::{DeliveryRecord, DeliveryState};
use crate::util::times::millis_text;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use sps_connect_wire::ErrorCode;

/// Deliveries listed when the caller gives no `limit`.
pub const DEFAULT_LIMIT: usize = 20;

/// `GET /api/sps/webhooks/deliveries`'s query.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveriesQuery {
    status: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

fn webhooks_off() -> ApiError {
    ApiError::invalid("Webhooks are off: set SPS_CONNECT_WEBHOOK_URL and SPS_CONNECT_WEBHOOK_SECRET.")
        .with_status(StatusCode::CONFLICT)
}

/// A delivery as the API shows it.
fn delivery(record: &DeliveryRecord) -> Value {
    let kind =
        serde_json::from_str::<Value>(&record.body).ok().and_then(|body| body["type"].as_str().map(str::to_owned));
    json!({
        "id": record.id,
        "type": kind,
        "created_at": millis_text(record.created_at),
        "status": record.state.as_str(),
        "attempts": record.attempts,
        "last_status_code": record.last_status,
        "last_attempt_at": record.last_attempt_at.map(millis_text),
        "next_attempt_at": record.next_attempt_at.map(millis_text),
        "given_up": record.given_up,
    })
}

/// `POST /api/sps/webhooks/test`: queues a `webhook.test` event; `202 {"id", "type"}`.
pub async fn send_test(_: PortalServer, State(state): State<AppState>) -> Result<Response, ApiError> {
    let event = state.accounts.webhooks().send_test().await?.ok_or_else(webhooks_off)?;
    Ok((StatusCode::ACCEPTED, NO_STORE, Json(json!({ "id": event.id, "type": "webhook.test" }))).into_response())
}

/// `GET /api/sps/webhooks/deliveries?status=pending|failed|delivered&limit=&cursor=`: newest first.
pub async fn deliveries(
    _: PortalServer,
    State(state): State<AppState>,
    query: Result<Query<DeliveriesQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) =
        query.map_err(|_| ApiError::invalid("The query parameters are `status`, `limit` and `cursor`."))?;
    let status = match query.status.as_deref() {
        None => None,
        Some("pending") => Some(DeliveryState::Pending),
        Some("failed") => Some(DeliveryState::Failed),
        Some("delivered") => Some(DeliveryState::Delivered),
        Some(_) => return Err(ApiError::invalid("`status` must be pending, failed or delivered.")),
    };
    let limit = paging::limit(query.limit.as_deref(), DEFAULT_LIMIT)?;
    let before = paging::cursor(query.cursor.as_deref())?;
    let records = state.accounts.webhooks().deliveries(status, limit, before).await?;
    let next_cursor = paging::next_cursor(records.len(), limit, records.last().map(|r| r.seq));
    let body = json!({ "deliveries": records.iter().map(delivery).collect::<Vec<_>>(), "next_cursor": next_cursor });
    Ok((NO_STORE, Json(body)).into_response())
}

/// `POST /api/sps/webhooks/deliveries/{id}/redeliver`: the event sent again
/// with the same id, its attempts counted afresh; `202` with the delivery.
pub async fn redeliver(
    _: PortalServer,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let webhooks = state.accounts.webhooks();
    if !webhooks.enabled() {
        return Err(webhooks_off());
    }
    let valid = id.len() <= 64 && id.starts_with("evt_") && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let found = if valid { webhooks.redeliver(&id).await? } else { None };
    let record = found.ok_or_else(|| ApiError::new(ErrorCode::NotFound, "No webhook event has this id."))?;
    Ok((StatusCode::ACCEPTED, NO_STORE, Json(json!({ "delivery": delivery(&record) }))).into_response())
}
