//! The demo portal's webhook receiver: it checks each delivery's signature
//! as a portal's server would, keeps the last events it trusted, and shows
//! them to the demo page.

use crate::domain::webhooks::{signature_holds, SIGNATURE_HEADER};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use secrecy::{ExposeSecret, SecretSlice};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// Events kept for the page at most.
pub const KEPT: usize = 50;
/// How old a delivery's signature may be, in seconds.
pub const TOLERANCE: u64 = 300;

/// The receiver: the signing secret, and the events received, newest first.
#[derive(Clone)]
pub struct Receiver {
    secret: Arc<SecretSlice<u8>>,
    events: Arc<Mutex<VecDeque<Value>>>,
}

impl Receiver {
    /// A receiver that trusts deliveries signed with `secret`.
    pub fn new(secret: SecretSlice<u8>) -> Self {
        Self { secret: Arc::new(secret), events: Arc::default() }
    }

    /// `POST /demo/webhooks`: `204` for a delivery whose signature holds, `401` otherwise.
    pub fn receive(&self, headers: &HeaderMap, body: &str) -> StatusCode {
        let signature = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let now = crate::util::times::unix_now().max(0) as u64;
        if !signature_holds(self.secret.expose_secret(), signature, body, now, TOLERANCE) {
            tracing::warn!("the demo receiver refused a delivery whose signature does not hold");
            return StatusCode::UNAUTHORIZED;
        }
        let Ok(event) = serde_json::from_str::<Value>(body) else { return StatusCode::BAD_REQUEST };
        let mut events = self.events.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if events.iter().any(|seen| seen["id"] == event["id"]) {
            return StatusCode::NO_CONTENT;
        }
        events.push_front(event);
        events.truncate(KEPT);
        StatusCode::NO_CONTENT
    }

    /// `GET /demo/events`: the events received and verified, newest first.
    pub fn list(&self) -> Response {
        let events = self.events.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let body = json!({ "events": events.iter().collect::<Vec<_>>() });
        ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
    }
}
