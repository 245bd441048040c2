//! `/api/sps/accounts/{id}/proxy/{path}`: the portal's server calls the SPS
//! API as one of its linked accounts, without ever holding its secret.

use super::{find, read_body, ApiError, AppState, Caller, ClientIp, PortalServer, NO_STORE};
use crate::sps::api::{
    keep_headers, upstream_url, Answer, Outbound, FORWARDED_REQUEST_HEADERS, FORWARDED_RESPONSE_HEADERS,
};
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use sps_connect_wire::ErrorBody;

/// Marks an answer that comes from SPS, passed through, as opposed to the host's own errors.
pub const SOURCE_HEADER: &str = "x-sps-connect-source";

const METHODS: [Method; 6] = [Method::GET, Method::HEAD, Method::POST, Method::PUT, Method::PATCH, Method::DELETE];

/// An SPS answer as the host's answer: status, body and the allowed headers.
pub(crate) fn relay(answer: Answer) -> Response {
    let mut response = (answer.status, NO_STORE, answer.body).into_response();
    let headers = response.headers_mut();
    headers.extend(keep_headers(&answer.headers, FORWARDED_RESPONSE_HEADERS));
    headers.insert(HeaderName::from_static(SOURCE_HEADER), HeaderValue::from_static("sps"));
    response
}

/// Any method on `/api/sps/accounts/{id}/proxy/{path}`, for the portal's
/// server only: the caller is checked before a byte of the body is read. The
/// path is read from the raw URI, still percent-encoded: path parameters
/// arrive decoded, which would hide an encoded slash.
#[utoipa::path(
    method(get, head, post, put, patch, delete),
    path = "/api/sps/accounts/{id}/proxy/{path}",
    tag = "accounts",
    security(("adminKey" = [])),
    params(
        ("id" = String, Path, description = "The account's id, `acc_…`"),
        ("path" = String, Path, description = "The SPS API path after `SPS_API_URL`, slashes included, with its query"),
    ),
    request_body(description = "Passed to SPS as it is (up to `SPS_PROXY_MAX_REQUEST_BYTES`)", content_type = "*/*"),
    responses(
        (status = "default", description = "SPS's answer, passed through with `x-sps-connect-source: sps`", content_type = "*/*"),
        (status = 401, description = "No valid admin key, a session, or SPS refused the stored credentials", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
        (status = 405, description = "A method the proxy does not forward", body = ErrorBody),
        (status = 413, description = "The body is over `SPS_PROXY_MAX_REQUEST_BYTES`", body = ErrorBody),
        (status = 502, description = "SPS is down, or its answer is over `SPS_PROXY_MAX_RESPONSE_BYTES`", body = ErrorBody),
    )
)]
pub async fn proxy(
    _: PortalServer,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    State(state): State<AppState>,
    request: Request,
) -> Result<Response, ApiError> {
    let (method, uri, headers) = (request.method().clone(), request.uri().clone(), request.headers().clone());
    if !METHODS.contains(&method) {
        return Err(ApiError::invalid(format!("The proxy does not forward {method} requests."))
            .with_status(StatusCode::METHOD_NOT_ALLOWED));
    }
    let (account_id, path) = uri
        .path()
        .strip_prefix("/api/sps/accounts/")
        .and_then(|rest| rest.split_once("/proxy/"))
        .ok_or_else(|| ApiError::invalid("The proxied path could not be read."))?;
    let api = state.accounts.api().config();
    let url = upstream_url(&api.base, path, uri.query())
        .map_err(|problem| ApiError::invalid(format!("The proxied path is refused: {}.", problem.0)))?;
    let body = read_body(Bytes::from_request(request, &state).await, api.max_request_bytes)?;
    let sealed = find(&state, &Caller::Portal, account_id).await?;
    let outbound = Outbound { method, url, headers: keep_headers(&headers, FORWARDED_REQUEST_HEADERS), body };
    let answer = state.accounts.forward(&sealed, &outbound, &Caller::Portal.actor(ip)).await;
    let status = answer.as_ref().map_or("failed".to_owned(), |a| format!("{}xx", a.status.as_u16() / 100));
    metrics::counter!("sps_connect_proxy_calls_total", "status" => status).increment(1);
    Ok(relay(answer?))
}
