//! Runs around every request: finds the client's address, refuses an address
//! with too many refused authentications, and counts and logs each refusal
//! (never the key or token that was refused).

use super::{ApiError, AppState, AuthRefused};
use crate::limits::Subject;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// The client's address: the peer's, or the last one a trusted proxy put in
/// the configured header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

fn client_ip(state: &AppState, request: &Request) -> IpAddr {
    let forwarded = state.client_ip_header.as_ref().and_then(|name| {
        let value = request.headers().get_all(name).iter().next_back()?.to_str().ok()?;
        value.rsplit(',').next()?.trim().parse().ok()
    });
    let peer = || request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
    forwarded.or_else(peer).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// The middleware.
pub async fn guard(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let ip = client_ip(&state, &request);
    if let Err(seconds) = state.limiter.check(&[Subject::AuthAddress(ip)]) {
        tracing::warn!(address = %ip, "too many refused authentications: refusing at once");
        let message = format!("Too many refused authentications from this address; wait {seconds} seconds.");
        return ApiError::rate_limited(message, seconds).into_response();
    }
    request.extensions_mut().insert(ClientIp(ip));
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    if response.extensions().get::<AuthRefused>().is_some() {
        state.limiter.record(&[Subject::AuthAddress(ip)]);
        tracing::warn!(address = %ip, %path, "authentication refused");
    }
    response
}
