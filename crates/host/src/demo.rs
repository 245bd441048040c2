//! The demo portals: a page that embeds the widget with the JS API and lists
//! the accounts of its one signed-in user, `demo-user`, and the white-label
//! example that embeds it with the custom element. Like a real portal, it gets a connect
//! session from its own server side, never by holding the admin key.

use crate::api::{grant, relay, ApiError, AppState};
use crate::config::Config;
use crate::sps_api::{upstream_url, Outbound};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use sps_connect_wire::Service;

/// The portal user of the demo.
pub const DEMO_USER: &str = "demo-user";

const PAGE: &str = include_str!("demo/portal.html");
const WHITE_LABEL_PAGE: &str = include_str!("../../../examples/white-label-portal.html");

pub(crate) fn routes(config: &Config) -> Router<AppState> {
    let services: Vec<&'static str> = config.services.iter().map(|s: &Service| s.as_str()).collect();
    let endpoint = config.endpoint.clone();
    Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .route("/white-label", get(|| async { Html(WHITE_LABEL_PAGE) }))
        .route(
            "/demo/session",
            get(move |State(state): State<AppState>| async move {
                let grant = grant(&state.sessions, DEMO_USER);
                let body = json!({
                    "session_token": grant.session_token,
                    "expires_at": grant.expires_at,
                    "endpoint": endpoint,
                    "services": services,
                });
                ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
            }),
        )
        .route("/demo/accounts/{id}/documents", get(documents))
}

/// The demo portal's server side lists the newest Transaction API documents
/// of one of its user's accounts through the proxy, as a portal's server would.
async fn documents(State(state): State<AppState>, Path(account_id): Path<String>) -> Result<Response, ApiError> {
    let sealed = state.accounts.find(&account_id, Some(DEMO_USER)).await?;
    let base = &state.accounts.api().config().base;
    let url = upstream_url(base, "transactions/v5/data/out/", Some("limit=5")).expect("a fixed path is valid");
    let mut headers = HeaderMap::new();
    headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
    let outbound = Outbound { method: Method::GET, url, headers, body: Default::default() };
    Ok(relay(state.accounts.forward(&sealed, &outbound).await?))
}
