//! The demo portals: a page that embeds the widget with the JS API and lists
//! the accounts of its one signed-in user, `demo-user`, and the white-label
//! example that embeds it with the custom element. Like a real portal, it gets a connect
//! session from its own server side, never by holding the admin key.

use crate::api::{grant, AppState};
use crate::config::Config;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse};
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
}
