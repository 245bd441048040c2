//! Runs around every request: finds the client's address, refuses an address
//! with too many refused authentications, keeps a hosted link's session to
//! its connect, and counts and logs each refused authentication (never the
//! key or token that was refused).

use super::{ApiError, AppState, AuthRefused};
use crate::domain::limits::Subject;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sps_connect_wire::SESSION_HEADER;
use std::net::{IpAddr, SocketAddr};

/// The client's address: the peer's, or the last one a trusted proxy put in
/// the configured header; `None` when that header is missing or unusable,
/// so that such requests are not all counted as one client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub Option<IpAddr>);

/// An address as a proxy may write it: `1.2.3.4`, `1.2.3.4:5678`,
/// `2001:db8::1`, `[2001:db8::1]` or `[2001:db8::1]:443`.
pub fn parse_forwarded(value: &str) -> Option<IpAddr> {
    let value = value.trim();
    if let Ok(ip) = value.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(socket) = value.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    value.strip_prefix('[')?.strip_suffix(']')?.parse().ok()
}

fn client_ip(state: &AppState, request: &Request) -> Option<IpAddr> {
    let Some(name) = &state.client_ip_header else {
        return request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
    };
    let last = request.headers().get_all(name).iter().next_back();
    let forwarded = last.and_then(|v| v.to_str().ok()).and_then(|v| v.rsplit(',').next()).and_then(parse_forwarded);
    if forwarded.is_none() {
        tracing::warn!(header = %name, present = last.is_some(), "the client-address header is missing or unusable: no per-address limit for this request");
    }
    forwarded
}

/// Whether the request carries a hosted link's session for anything but
/// its connect: such a session may do exactly what its link is for.
fn link_session_out_of_scope(state: &AppState, request: &Request) -> bool {
    let token = request.headers().get(SESSION_HEADER).and_then(|v| v.to_str().ok());
    let is_link_session =
        token.and_then(|token| state.sessions.verify(token).ok()).is_some_and(|session| session.link_id.is_some());
    is_link_session && !(request.uri().path() == state.endpoint && request.method() == axum::http::Method::POST)
}

/// The middleware.
pub async fn guard(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let ip = client_ip(&state, &request);
    let subject = ip.map(Subject::auth_address);
    if let Err(seconds) = state.limiter.check(subject.as_slice()) {
        tracing::warn!(address = ?ip, "too many refused authentications: refusing at once");
        let message = format!("Too many refused authentications from this address; wait {seconds} seconds.");
        return ApiError::rate_limited(message, seconds).into_response();
    }
    if link_session_out_of_scope(&state, &request) {
        tracing::warn!(address = ?ip, path = %request.uri().path(), "a hosted link's session tried more than its connect");
        return ApiError::forbidden("A hosted link's session may only connect an account through its link.")
            .into_response();
    }
    request.extensions_mut().insert(ClientIp(ip));
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    if response.extensions().get::<AuthRefused>().is_some() {
        state.limiter.record(subject.as_slice());
        tracing::warn!(address = ?ip, %path, "authentication refused");
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_addresses_with_ports_and_brackets_are_read() {
        for (value, expected) in [
            ("1.2.3.4", "1.2.3.4"),
            (" 1.2.3.4:5678 ", "1.2.3.4"),
            ("2001:db8::1", "2001:db8::1"),
            ("[2001:db8::1]", "2001:db8::1"),
            ("[2001:db8::1]:443", "2001:db8::1"),
        ] {
            assert_eq!(parse_forwarded(value), Some(expected.parse().unwrap()), "{value}");
        }
        for bad in ["", "unknown", "1.2.3.4:port", "[2001:db8::1", "_hidden"] {
            assert_eq!(parse_forwarded(bad), None, "{bad}");
        }
    }
}
