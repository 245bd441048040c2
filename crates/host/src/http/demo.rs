//! The demo portals: a page that embeds the widget with the JS API and lists
//! the accounts of its one signed-in user, `demo-user`, and the white-label
//! example that embeds it with the custom element. Like a real portal, it gets a connect
//! session from its own server side, never by holding the admin key, turns
//! document watching on for the accounts it links, and receives the host's
//! webhook events itself ([`receiver`]), checking their signatures.

pub mod receiver;

use crate::domain::activity::{Actor, ActorKind};
use crate::http::api::{grant, relay, ApiError, AppState};
use crate::http::headers::page_policy;
use crate::sps::api::{upstream_url, Outbound};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use sps_connect_wire::Service;

/// The portal user of the demo.
pub const DEMO_USER: &str = "demo-user";
/// How the demo portal names its user, on hosted links made for them.
pub const DEMO_USER_NAME: &str = "Demo User";

const PAGE: &str = include_str!("demo/portal.html");
const WHITE_LABEL_PAGE: &str = include_str!("../../../../examples/white-label-portal.html");

/// Serves `html` with a policy that allows exactly its own inline scripts.
fn page(html: &'static str) -> axum::routing::MethodRouter<AppState> {
    let policy = page_policy(html);
    get(move || {
        let policy = policy.clone();
        async move { ([policy, (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"))], Html(html)) }
    })
}

/// Whether `host` (a `Host` header) names this machine: the demo hands a
/// session to anyone who asks, so it answers only requests addressed to
/// loopback, which a page on another site cannot make through DNS rebinding.
pub fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => {
            host.rsplit_once(':').map_or(host, |(name, port)| if port.parse::<u16>().is_ok() { name } else { host })
        }
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Refuses, in demo mode, any request whose `Host` is not loopback.
pub(crate) async fn loopback_only(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let host = request.headers().get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !is_loopback_host(host) {
        tracing::warn!(host, "demo mode refused a request addressed to another host name");
        let message = "The demo answers only requests addressed to 127.0.0.1, [::1] or localhost.";
        return (StatusCode::MISDIRECTED_REQUEST, [(header::CACHE_CONTROL, "no-store")], message).into_response();
    }
    next.run(request).await
}

pub(crate) fn routes(services: &[Service], endpoint: &str, receiver: Option<receiver::Receiver>) -> Router<AppState> {
    let services: Vec<&'static str> = services.iter().map(|s: &Service| s.as_str()).collect();
    let endpoint = endpoint.to_owned();
    Router::new()
        .route("/", page(PAGE))
        .route("/white-label", page(WHITE_LABEL_PAGE))
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
        .route("/demo/accounts/{id}/watch", post(watch))
        .merge(receiver.map(receiver_routes).unwrap_or_default())
}

fn receiver_routes(receiver: receiver::Receiver) -> Router<AppState> {
    let listing = receiver.clone();
    Router::new()
        .route(
            "/demo/webhooks",
            post(move |headers: HeaderMap, body: String| async move { receiver.receive(&headers, &body) }),
        )
        .route("/demo/events", get(move || async move { listing.list() }))
}

/// The demo portal's server side turns document watching on for an account
/// its user just linked, as a portal's server would with `PATCH /api/sps/accounts/{id}`.
async fn watch(State(state): State<AppState>, Path(account_id): Path<String>) -> Result<Response, ApiError> {
    let sealed = state.accounts.find(&account_id, Some(DEMO_USER)).await?;
    let account = state.accounts.watch_documents(&sealed.account.id, true).await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(json!({ "watch_documents": account.watch_documents })))
        .into_response())
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
    let portal = Actor { kind: ActorKind::Portal, address: None };
    Ok(relay(state.accounts.forward(&sealed, &outbound, &portal).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_host_names_reach_the_demo() {
        for host in ["127.0.0.1:8787", "localhost:8787", "LOCALHOST", "[::1]:8787", "127.0.0.2"] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in
            ["", "evil.example", "evil.example:8787", "127.0.0.1.evil.example", "localhost.evil.example:80", "[::2]:1"]
        {
            assert!(!is_loopback_host(host), "{host}");
        }
    }
}
