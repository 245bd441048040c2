//! A local SPS-like OAuth 2.0 token server.
//!
//! It answers `POST /oauth/token` the way SPS Commerce's authorization server
//! does for the client credentials grant: a JSON or form body with
//! `grant_type`, `client_id`, `client_secret` and `audience` (credentials may
//! also come as HTTP Basic), `{access_token, token_type, expires_in}` on
//! success, `401 access_denied` for bad credentials and `403` for an audience
//! or grant the client may not use. It knows the demo clients in
//! [`DEMO_CLIENTS`] and never talks to anything else.

#![warn(missing_docs)]

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// The audience SPS is moving away from.
pub const LEGACY_AUDIENCE: &str = "api://api.spscommerce.com/";
/// The audience SPS is moving to.
pub const AUDIENCE: &str = "https://spscommerce.com";
/// Lifetime of the tokens it issues, in seconds.
pub const EXPIRES_IN: u64 = 3600;

/// A client the server knows.
#[derive(Clone, Copy, Debug)]
pub struct DemoClient {
    /// What the client is for, as documented in the README.
    pub purpose: &'static str,
    /// Client ID.
    pub client_id: &'static str,
    /// Client Secret.
    pub client_secret: &'static str,
    /// Audiences the client may request.
    pub audiences: &'static [&'static str],
    /// Whether the client may use the client credentials grant.
    pub machine_to_machine: bool,
}

/// The documented demo credentials.
pub const DEMO_CLIENTS: &[DemoClient] = &[
    DemoClient {
        purpose: "Sandbox Keys of a working Machine-to-Machine application",
        client_id: "spsDemoSandboxClient01",
        client_secret: "sandbox-demo-secret-0123456789",
        audiences: &[LEGACY_AUDIENCE, AUDIENCE],
        machine_to_machine: true,
    },
    DemoClient {
        purpose: "Production Keys of a working Machine-to-Machine application",
        client_id: "spsDemoProductionClient01",
        client_secret: "production-demo-secret-0123456789",
        audiences: &[LEGACY_AUDIENCE, AUDIENCE],
        machine_to_machine: true,
    },
    DemoClient {
        purpose: "an application not authorized for the SPS API audience (403 access_denied)",
        client_id: "spsDemoNoAudienceClient01",
        client_secret: "no-audience-demo-secret-0123456789",
        audiences: &[],
        machine_to_machine: true,
    },
    DemoClient {
        purpose: "an application that is not Machine-to-Machine (403 unauthorized_client)",
        client_id: "spsDemoSpaClient01",
        client_secret: "spa-demo-secret-0123456789",
        audiences: &[LEGACY_AUDIENCE, AUDIENCE],
        machine_to_machine: false,
    },
];

/// The server's clients.
#[derive(Clone, Debug)]
pub struct TokenServer {
    clients: Arc<Vec<DemoClient>>,
}

impl Default for TokenServer {
    fn default() -> Self {
        Self { clients: Arc::new(DEMO_CLIENTS.to_vec()) }
    }
}

impl TokenServer {
    /// The routes: `POST /oauth/token`.
    pub fn router(self) -> Router {
        Router::new().route("/oauth/token", post(token)).with_state(self)
    }
}

#[derive(Debug, Default, Deserialize)]
struct TokenRequest {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    audience: Option<String>,
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (status, Json(json!({ "error": error, "error_description": description }))).into_response()
}

async fn token(State(server): State<TokenServer>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let Some(mut request) = parse_body(&headers, &body) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "The body must be JSON or form-encoded.");
    };
    if let Some((id, secret)) = basic_credentials(&headers) {
        request.client_id = Some(id);
        request.client_secret = Some(secret);
    }
    if request.grant_type.as_deref() != Some("client_credentials") {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "Only client_credentials is supported.");
    }
    let (Some(client_id), Some(client_secret)) = (request.client_id, request.client_secret) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "Missing client_id or client_secret.");
    };
    let Some(client) = server.clients.iter().find(|c| c.client_id == client_id && c.client_secret == client_secret)
    else {
        tracing::info!(client_id, "rejected credentials");
        return oauth_error(StatusCode::UNAUTHORIZED, "access_denied", "Unauthorized");
    };
    if !client.machine_to_machine {
        return oauth_error(
            StatusCode::FORBIDDEN,
            "unauthorized_client",
            "Grant type 'client_credentials' not allowed for the client.",
        );
    }
    let audience = request.audience.unwrap_or_default();
    if !client.audiences.contains(&audience.as_str()) {
        return oauth_error(
            StatusCode::FORBIDDEN,
            "access_denied",
            &format!("Client is not authorized to access \"{audience}\"."),
        );
    }
    tracing::info!(client_id, audience, "issued a token");
    let mut token = [0u8; 32];
    getrandom::fill(&mut token).expect("the system random source works");
    let body = json!({
        "access_token": URL_SAFE_NO_PAD.encode(token),
        "token_type": "Bearer",
        "expires_in": EXPIRES_IN,
    });
    ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

fn parse_body(headers: &HeaderMap, body: &[u8]) -> Option<TokenRequest> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if content_type.starts_with("application/json") {
        return serde_json::from_slice(body).ok();
    }
    if content_type.starts_with("application/x-www-form-urlencoded") {
        return serde_urlencoded::from_bytes(body).ok();
    }
    None
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((form_decode(id)?, form_decode(secret)?))
}

/// RFC 6749 section 2.3.1: credentials are form-urlencoded before Basic encoding.
fn form_decode(value: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={value}")).ok()?.pop().map(|(_, v)| v)
}
