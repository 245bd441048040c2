//! Sends the credentials to the host backend and reads its answer.

use crate::failure::{classify, Failure};
use futures::future::{select, Either};
use gloo_net::http::Request;
use gloo_timers::future::TimeoutFuture;
use sps_connect_wire::{ConnectRequest, LinkedAccount, SESSION_HEADER};
use web_sys::AbortController;

/// Where and how to reach the backend.
#[derive(Clone, Debug)]
pub struct Endpoint {
    /// URL or path of the connect endpoint.
    pub url: String,
    /// Session token for `X-Connect-Session`, if the host gave one.
    pub session_token: Option<String>,
    /// How long to wait for an answer, in milliseconds.
    pub timeout_ms: u32,
}

/// Posts `request` and waits for the answer, the timeout, or `abort`.
pub async fn post_connect(
    endpoint: &Endpoint,
    request: &ConnectRequest,
    abort: &AbortController,
) -> Result<LinkedAccount, Failure> {
    let mut builder =
        Request::post(&endpoint.url).header("Accept", "application/json").abort_signal(Some(&abort.signal()));
    if let Some(token) = &endpoint.session_token {
        builder = builder.header(SESSION_HEADER, token);
    }
    let request = builder.json(request).map_err(|_| Failure::Unreachable)?;
    let exchange = Box::pin(async move {
        let response = request.send().await.map_err(|_| Failure::Unreachable)?;
        let body = response.text().await.unwrap_or_default();
        classify(response.status(), &body)
    });
    match select(exchange, TimeoutFuture::new(endpoint.timeout_ms)).await {
        Either::Left((outcome, _)) => outcome,
        Either::Right(_) => {
            abort.abort();
            Err(Failure::TimedOut)
        }
    }
}
