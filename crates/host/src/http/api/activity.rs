//! `GET /api/sps/accounts/{id}/activity`: an account's history, for the
//! portal's server, newest first; it outlives a disconnect.

use super::{paging, ApiError, AppState, PortalServer, NO_STORE};
use crate::domain::accounts::AccessError;
use crate::store::ActivityRecord;
use crate::util::times::millis_text;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use sps_connect_wire::{is_valid_account_id, ErrorBody};

/// Entries listed when the caller gives no `limit`.
pub const DEFAULT_LIMIT: usize = 50;

/// `GET /api/sps/accounts/{id}/activity`'s query.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityQuery {
    limit: Option<String>,
    cursor: Option<String>,
}

/// One entry of an account's history.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ActivityEntry {
    /// When, RFC 3339; for `tokens_issued`, the start of the hour counted.
    pub at: String,
    /// What happened: `connected`, `reconnected`, `verified`, `status_changed`, `tokens_issued` or `disconnected`.
    pub kind: String,
    /// Who: `portal`, `user`, `link` or `worker`.
    pub actor: String,
    /// The client's address, where a request caused it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub client_address: Option<String>,
    /// The status reported: a verdict, a new status, the status after a connect.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub status: Option<String>,
    /// SPS's refusal, as the contract's error code.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error_code: Option<String>,
    /// How many times: tokens issued in the hour; 1 otherwise.
    pub count: i64,
}

/// Body of `GET /api/sps/accounts/{id}/activity`.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ActivityPage {
    /// Newest first.
    pub activity: Vec<ActivityEntry>,
    /// The `cursor` of the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

fn entry(record: ActivityRecord) -> ActivityEntry {
    ActivityEntry {
        at: millis_text(record.at),
        kind: record.kind,
        actor: record.actor,
        client_address: record.client_address,
        status: record.status,
        error_code: record.error_code,
        count: record.count,
    }
}

/// `GET /api/sps/accounts/{id}/activity?limit=&cursor=`: `404` for an
/// account that has neither a record nor a history.
#[utoipa::path(
    get,
    path = "/api/sps/accounts/{id}/activity",
    tag = "accounts",
    security(("adminKey" = [])),
    params(
        ("id" = String, Path, description = "The account's id, `acc_…`, also of a disconnected account"),
        ("limit" = Option<usize>, Query, description = "Entries per page, 1 to 100 (50)"),
        ("cursor" = Option<String>, Query, description = "The `next_cursor` of the page before"),
    ),
    responses(
        (status = 200, description = "The account's history, newest first", body = ActivityPage),
        (status = 400, description = "A wrong `limit` or `cursor`, or another parameter", body = ErrorBody),
        (status = 401, description = "No valid admin key, or a session", body = ErrorBody),
        (status = 404, description = "Neither an account nor a history has this id", body = ErrorBody),
    )
)]
pub async fn activity(
    _: PortalServer,
    State(state): State<AppState>,
    Path(account_id): Path<String>,
    query: Result<Query<ActivityQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|_| ApiError::invalid("The query parameters are `limit` and `cursor`."))?;
    let limit = paging::limit(query.limit.as_deref(), DEFAULT_LIMIT)?;
    let before = paging::cursor(query.cursor.as_deref())?;
    if !is_valid_account_id(&account_id) {
        return Err(AccessError::NotFound.into());
    }
    let records = state.accounts.activity().page(&account_id, before, limit).await?;
    if records.is_empty() && before.is_none() {
        state.accounts.find(&account_id, None).await?;
    }
    let next_cursor = paging::next_cursor(records.len(), limit, records.last().map(|r| r.seq));
    let body = ActivityPage { activity: records.into_iter().map(entry).collect(), next_cursor };
    Ok((NO_STORE, Json(body)).into_response())
}
