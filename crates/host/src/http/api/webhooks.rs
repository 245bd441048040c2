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
use serde::{Deserialize, Serialize};
use sps_connect_wire::{ErrorBody, ErrorCode};
use utoipa::ToSchema;

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

/// A webhook event and what became of its delivery.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Delivery {
    /// The event's id, `evt_…`: the `webhook-id` of each of its deliveries.
    pub id: String,
    /// The event's type, such as `account.created`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// When the event was queued, RFC 3339.
    pub created_at: String,
    /// `pending` (not delivered yet, retrying), `failed` (given up) or `delivered`.
    pub status: String,
    /// Delivery attempts made.
    pub attempts: u32,
    /// The receiver's HTTP status at the last attempt; `null` if none answered.
    pub last_status_code: Option<u16>,
    /// When the last attempt was made, RFC 3339.
    pub last_attempt_at: Option<String>,
    /// When the next attempt is due, RFC 3339; `null` once delivered or given up.
    pub next_attempt_at: Option<String>,
    /// Whether the host stopped retrying it.
    pub given_up: bool,
}

impl From<&DeliveryRecord> for Delivery {
    fn from(record: &DeliveryRecord) -> Self {
        let kind = serde_json::from_str::<serde_json::Value>(&record.body)
            .ok()
            .and_then(|body| body["type"].as_str().map(str::to_owned));
        Delivery {
            id: record.id.clone(),
            kind,
            created_at: millis_text(record.created_at),
            status: record.state.as_str().to_owned(),
            attempts: record.attempts,
            last_status_code: record.last_status,
            last_attempt_at: record.last_attempt_at.map(millis_text),
            next_attempt_at: record.next_attempt_at.map(millis_text),
            given_up: record.given_up,
        }
    }
}

/// Body of `GET /api/sps/webhooks/deliveries`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeliveriesPage {
    /// Newest first.
    pub deliveries: Vec<Delivery>,
    /// The `cursor` of the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// Body of `202` from `POST /api/sps/webhooks/test`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TestEventBody {
    /// The queued event's id, `evt_…`.
    pub id: String,
    /// Always `webhook.test`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// Body of `202` from `POST /api/sps/webhooks/deliveries/{id}/redeliver`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RedeliveryBody {
    /// The event, due again at once.
    pub delivery: Delivery,
}

/// `POST /api/sps/webhooks/test`: queues a `webhook.test` event; `202 {"id", "type"}`.
#[utoipa::path(
    post,
    path = "/api/sps/webhooks/test",
    tag = "webhooks",
    security(("adminKey" = [])),
    responses(
        (status = 202, description = "A `webhook.test` event queued", body = TestEventBody),
        (status = 401, description = "No valid admin key, or a session", body = ErrorBody),
        (status = 409, description = "Webhooks are off", body = ErrorBody),
    )
)]
pub async fn send_test(_: PortalServer, State(state): State<AppState>) -> Result<Response, ApiError> {
    let event = state.accounts.webhooks().send_test().await?.ok_or_else(webhooks_off)?;
    let body = TestEventBody { id: event.id, kind: "webhook.test".into() };
    Ok((StatusCode::ACCEPTED, NO_STORE, Json(body)).into_response())
}

/// `GET /api/sps/webhooks/deliveries?status=pending|failed|delivered&limit=&cursor=`: newest first.
#[utoipa::path(
    get,
    path = "/api/sps/webhooks/deliveries",
    tag = "webhooks",
    security(("adminKey" = [])),
    params(
        ("status" = Option<String>, Query, description = "`pending`, `failed` or `delivered`; any when absent"),
        ("limit" = Option<usize>, Query, description = "Deliveries per page, 1 to 100 (20)"),
        ("cursor" = Option<String>, Query, description = "The `next_cursor` of the page before"),
    ),
    responses(
        (status = 200, description = "The events and their deliveries, newest first", body = DeliveriesPage),
        (status = 400, description = "A wrong parameter, named", body = ErrorBody),
        (status = 401, description = "No valid admin key, or a session", body = ErrorBody),
    )
)]
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
    let body = DeliveriesPage { deliveries: records.iter().map(Delivery::from).collect(), next_cursor };
    Ok((NO_STORE, Json(body)).into_response())
}

/// `POST /api/sps/webhooks/deliveries/{id}/redeliver`: the event sent again
/// with the same id, its attempts counted afresh; `202` with the delivery.
#[utoipa::path(
    post,
    path = "/api/sps/webhooks/deliveries/{id}/redeliver",
    tag = "webhooks",
    security(("adminKey" = [])),
    params(("id" = String, Path, description = "The event's id, `evt_…`")),
    responses(
        (status = 202, description = "The event is due again at once, with the same id", body = RedeliveryBody),
        (status = 401, description = "No valid admin key, or a session", body = ErrorBody),
        (status = 404, description = "No event has this id", body = ErrorBody),
        (status = 409, description = "Webhooks are off", body = ErrorBody),
    )
)]
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
    Ok((StatusCode::ACCEPTED, NO_STORE, Json(RedeliveryBody { delivery: Delivery::from(&record) })).into_response())
}
