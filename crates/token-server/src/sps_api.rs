//! The SPS API stand-in: `GET /auth-check` and a read-only slice of the
//! Transaction API v5 (`/transactions/v5/data/out/`): each client's `out/`
//! folder, holding a few sample documents until a test or the demo adds or
//! deletes some (`/control/clients/{client_id}/documents`). Both accept only
//! unexpired tokens this server issued.

use crate::{Issued, TokenServer};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

/// Largest page the document list serves.
const MAX_LIMIT: usize = 1000;
/// Page size when the caller gives none.
const DEFAULT_LIMIT: usize = 25;

/// The sample outbound documents every folder starts with: file name and content.
const SAMPLES: &[(&str, &str)] = &[
    ("PO_4500012345.xml", "<Order><Header><PurchaseOrderNumber>4500012345</PurchaseOrderNumber></Header></Order>"),
    ("PO_4500012346.xml", "<Order><Header><PurchaseOrderNumber>4500012346</PurchaseOrderNumber></Header></Order>"),
    ("IN_9000456.xml", "<Invoice><Header><InvoiceNumber>9000456</InvoiceNumber></Header></Invoice>"),
    (
        "SH_7700321.xml",
        "<Shipment><Header><ShipmentIdentification>7700321</ShipmentIdentification></Header></Shipment>",
    ),
    ("PO_4500012347.xml", "<Order><Header><PurchaseOrderNumber>4500012347</PurchaseOrderNumber></Header></Order>"),
];

/// The samples, as a folder's contents.
pub(crate) fn sample_documents() -> Vec<(String, String)> {
    SAMPLES.iter().map(|(name, content)| (name.to_string(), content.to_string())).collect()
}

fn api_error(status: StatusCode, message: &str) -> Response {
    let mut response =
        (status, Json(json!({ "error": status.canonical_reason(), "message": message }))).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"".parse().unwrap());
    }
    response
}

/// The token of a request the API accepts, or the status and message of its refusal.
fn accepted(server: &TokenServer, headers: &HeaderMap) -> Result<Issued, (StatusCode, &'static str)> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let Some(issued) = server.lookup(token) else {
        return Err((StatusCode::UNAUTHORIZED, "The access token is missing, unknown or expired."));
    };
    if !issued.api_access {
        return Err((StatusCode::FORBIDDEN, "The application is not authorized for the SPS API."));
    }
    Ok(issued)
}

/// `GET /auth-check`: 204 for a good token.
pub(crate) async fn auth_check(State(server): State<TokenServer>, headers: HeaderMap) -> Response {
    match accepted(&server, &headers) {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err((status, message)) => api_error(status, message),
    }
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    limit: Option<String>,
    cursor: Option<String>,
}

fn base_url(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("127.0.0.1");
    format!("http://{host}/transactions/v5/data/out/")
}

fn page_link(base: &str, limit: usize, offset: usize) -> Value {
    let cursor = format!("c{offset}");
    json!({ "cursor": cursor, "url": format!("{base}?limit={limit}&cursor={cursor}") })
}

/// `GET /transactions/v5/data/out/?limit=&cursor=`: one page of the client's folder.
pub(crate) async fn list_documents(
    State(server): State<TokenServer>,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> Response {
    let issued = match accepted(&server, &headers) {
        Ok(issued) => issued,
        Err((status, message)) => return api_error(status, message),
    };
    let documents = server.documents(&issued.client_id);
    let limit = match query.limit.as_deref().map(str::parse::<usize>) {
        None => DEFAULT_LIMIT,
        Some(Ok(limit)) if (1..=MAX_LIMIT).contains(&limit) => limit,
        Some(_) => return api_error(StatusCode::BAD_REQUEST, "limit must be a number from 1 to 1000."),
    };
    let offset = match query.cursor.as_deref().map(|c| c.strip_prefix('c').and_then(|n| n.parse::<usize>().ok())) {
        None => 0,
        Some(Some(offset)) if offset < documents.len().max(1) => offset,
        Some(_) => return api_error(StatusCode::BAD_REQUEST, "cursor is not valid."),
    };
    let base = base_url(&headers);
    let end = (offset + limit).min(documents.len());
    let results: Vec<Value> = documents[offset.min(end)..end]
        .iter()
        .map(|(name, _)| json!({ "path": format!("/out/{name}"), "type": "file", "url": format!("{base}{name}") }))
        .collect();
    let next = (end < documents.len()).then(|| page_link(&base, limit, end));
    let previous = (offset > 0).then(|| page_link(&base, limit, offset.saturating_sub(limit)));
    Json(json!({ "results": results, "paging": { "limit": limit, "next": next, "previous": previous } }))
        .into_response()
}

/// `GET /transactions/v5/data/out/{name}`: one document of the client's folder.
pub(crate) async fn document(
    State(server): State<TokenServer>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    let issued = match accepted(&server, &headers) {
        Ok(issued) => issued,
        Err((status, message)) => return api_error(status, message),
    };
    match server.documents(&issued.client_id).into_iter().find(|(candidate, _)| *candidate == name) {
        Some((_, content)) => ([(header::CONTENT_TYPE, "application/xml")], content).into_response(),
        None => api_error(StatusCode::NOT_FOUND, "No such document."),
    }
}
