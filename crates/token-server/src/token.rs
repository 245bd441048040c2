//! `POST /oauth/token`: the client credentials grant.

use crate::TokenServer;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;
use serde_json::json;

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

pub(crate) async fn token(State(server): State<TokenServer>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    server.count_request();
    if let Some(delay) = server.take_delay() {
        tokio::time::sleep(delay).await;
    }
    if let Some(retry_after) = server.throttled() {
        let mut response = oauth_error(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", "Too many requests.");
        response.headers_mut().insert(header::RETRY_AFTER, retry_after.into());
        return response;
    }
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
    let Some(client) = server.authenticate(&client_id, &client_secret) else {
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
    let body = json!({
        "access_token": server.issue(&client),
        "token_type": "Bearer",
        "expires_in": server.token_lifetime().as_secs(),
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
