//! Talks to the host backend: the connect POST, and the accounts list's
//! calls, each with abort and timeout (gloo-net).

use crate::failure::{classify, Body, Failure};
use crate::js_data::{to_js, JsData};
use futures::future::{select, Either};
use gloo_net::http::{Method, RequestBuilder};
use gloo_timers::future::TimeoutFuture;
use sps_connect_wire::{ConnectRequest, LinkedAccount, SESSION_HEADER};
use web_sys::AbortController;

/// Where and how to reach the backend.
#[derive(Clone, Debug)]
pub struct Endpoint {
    /// URL or path of the endpoint.
    pub url: String,
    /// Session token for `X-Connect-Session`, if the host gave one.
    pub session_token: Option<String>,
    /// How long to wait for an answer, in milliseconds.
    pub timeout_ms: u32,
}

/// An answer of the backend: its status and body.
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body as text (empty when there is none).
    pub body: String,
}

impl Answer {
    /// The body read by the browser's own JSON parser.
    pub fn json(&self) -> Body<JsData> {
        Body::read(&self.body, |text| js_sys::JSON::parse(text).ok().map(JsData::from))
    }
}

/// Posts `request` and waits for the answer, the timeout, or `abort`.
pub async fn post_connect(
    endpoint: &Endpoint,
    request: &ConnectRequest,
    abort: &AbortController,
) -> Result<LinkedAccount, Failure> {
    let body = js_sys::JSON::stringify(&to_js(request)).map_err(|_| Failure::Unreachable)?;
    let answer = send(endpoint, Method::POST, Some(body.into()), abort).await?;
    classify(answer.status, answer.json())
}

/// Sends `method` to the endpoint, with a JSON `body` if given, and waits for
/// the answer, the timeout, or `abort`.
pub async fn send(
    endpoint: &Endpoint,
    method: Method,
    body: Option<String>,
    abort: &AbortController,
) -> Result<Answer, Failure> {
    let mut builder = RequestBuilder::new(&endpoint.url)
        .method(method)
        .header("Accept", "application/json")
        .abort_signal(Some(&abort.signal()));
    if let Some(token) = &endpoint.session_token {
        builder = builder.header(SESSION_HEADER, token);
    }
    let request = match body {
        Some(json) => builder.header("Content-Type", "application/json").body(json),
        None => builder.build(),
    }
    .map_err(|_| Failure::Unreachable)?;
    let exchange = Box::pin(async move {
        let response = request.send().await.map_err(|_| Failure::Unreachable)?;
        let body = response.text().await.unwrap_or_default();
        Ok(Answer { status: response.status(), body })
    });
    match select(exchange, TimeoutFuture::new(endpoint.timeout_ms)).await {
        Either::Left((outcome, _)) => outcome,
        Either::Right(_) => {
            abort.abort();
            Err(Failure::TimedOut)
        }
    }
}
