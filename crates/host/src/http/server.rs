//! The HTTP server: HTTP/1.1 with a header-read timeout, a body-read and a
//! whole-request timeout, a send timeout, and a cap on open connections, so
//! that slow or idle clients cannot hold the host. Each request knows its
//! peer address.

use crate::http::send_deadline::SendDeadline;
use crate::util::vars::{ConfigError, Fallback, Variable, Vars};
use axum::extract::ConnectInfo;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use sps_connect_wire::{ErrorBody, ErrorCode};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;
use tower_http::timeout::RequestBodyTimeoutLayer;

/// What the server allows a client.
#[derive(Clone, Copy, Debug)]
pub struct ServerLimits {
    /// Time to send the request line and headers (and between requests on a kept-alive connection).
    pub header_read_timeout: Duration,
    /// Time to send the body.
    pub body_read_timeout: Duration,
    /// Time from the headers to the answer; past it, `408`.
    pub request_timeout: Duration,
    /// Time a write of the answer may wait for the client to read; past it,
    /// the connection is closed.
    pub send_timeout: Duration,
    /// Connections open at once; more wait in the listen queue.
    pub max_connections: usize,
}

const MAX_CONNECTIONS: Variable = Variable::new(
    "SPS_CONNECT_MAX_CONNECTIONS",
    Fallback::Value("1024"),
    "connections open at once; more wait in the listen queue",
);
const HEADER_TIMEOUT: Variable = Variable::new(
    "SPS_CONNECT_HEADER_TIMEOUT_MS",
    Fallback::Value("10000"),
    "time a client has to send a request's headers",
);
const BODY_TIMEOUT: Variable = Variable::new(
    "SPS_CONNECT_BODY_TIMEOUT_MS",
    Fallback::Value("30000"),
    "time a client has to send a request's body",
);
const REQUEST_TIMEOUT: Variable = Variable::new(
    "SPS_CONNECT_REQUEST_TIMEOUT_MS",
    Fallback::Value("60000"),
    "time from a request's headers to its answer (then 408)",
);
const SEND_TIMEOUT: Variable = Variable::new(
    "SPS_CONNECT_SEND_TIMEOUT_MS",
    Fallback::Value("30000"),
    "time the client may take no part of an answer being sent; then the connection is closed",
);
const TIMEOUT_MS: std::ops::RangeInclusive<u64> = 100..=600_000;

impl ServerLimits {
    /// The variables of [`ServerLimits::read`].
    pub const VARIABLES: &'static [Variable] =
        &[MAX_CONNECTIONS, HEADER_TIMEOUT, BODY_TIMEOUT, REQUEST_TIMEOUT, SEND_TIMEOUT];

    /// The limits the variables set.
    pub fn read(vars: &Vars) -> Result<Self, ConfigError> {
        Ok(Self {
            header_read_timeout: vars.millis(&HEADER_TIMEOUT, TIMEOUT_MS)?,
            body_read_timeout: vars.millis(&BODY_TIMEOUT, TIMEOUT_MS)?,
            request_timeout: vars.millis(&REQUEST_TIMEOUT, TIMEOUT_MS)?,
            send_timeout: vars.millis(&SEND_TIMEOUT, TIMEOUT_MS)?,
            max_connections: vars.count(&MAX_CONNECTIONS, 1..=100_000)?,
        })
    }
}

/// The answer to a request not answered within the request timeout: `408`
/// with the contract's body. The time went to SPS or the store, since a
/// slow client is stopped by the header and body timeouts first.
fn too_slow() -> Response {
    let body =
        ErrorBody::new(ErrorCode::ProviderUnavailable, "The answer took longer than the host allows; try again.");
    (StatusCode::REQUEST_TIMEOUT, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

/// Serves `router` on `listener` until `shutdown` completes, then lets the
/// requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let request_timeout = limits.request_timeout;
    let router = router.layer(RequestBodyTimeoutLayer::new(limits.body_read_timeout)).layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: Next| async move {
            tokio::time::timeout(request_timeout, next.run(request)).await.unwrap_or_else(|_| too_slow())
        },
    ));
    let router = crate::http::headers::global_layers(router);
    let connections = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&connections).acquire_owned() => permit.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = router.clone().map_request(move |request: hyper::Request<hyper::body::Incoming>| {
            let mut request = request.map(axum::body::Body::new);
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .serve_connection(
                TokioIo::new(SendDeadline::new(stream, limits.send_timeout)),
                TowerToHyperService::new(service),
            );
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
            drop(permit);
        });
    }
    graceful.shutdown().await;
    Ok(())
}

/// The peer address of a request served by [`serve`].
pub fn peer(request: &axum::http::request::Parts) -> Option<SocketAddr> {
    request.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0)
}
