//! The connect session the widget sends, and its renewal: from the page's
//! `fetchSessionToken`, or else by asking the page with a
//! `sps-connect:session-expired` event and waiting for it to hand over a
//! new token (`setSessionToken`, or the element's `session-token` attribute).

use super::notify::Notifier;
use crate::session::{is_stale, is_usable_token};
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// How long a renewal may take before the widget gives up on it.
pub const RENEWAL_WAIT_MS: u32 = 10_000;
const POLL_MS: u32 = 50;

/// The current token and how to get another. Cheap to copy.
#[derive(Clone, Copy)]
pub(crate) struct Session {
    token: StoredValue<Option<String>>,
    changes: StoredValue<u32>,
    fetch: StoredValue<Option<js_sys::Function>, LocalStorage>,
}

fn now_secs() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}

impl Session {
    pub(crate) fn new(token: Option<String>, fetch: Option<js_sys::Function>) -> Self {
        Self { token: StoredValue::new(token), changes: StoredValue::new(0), fetch: StoredValue::new_local(fetch) }
    }

    /// The token to send, if any.
    pub(crate) fn token(&self) -> Option<String> {
        self.token.get_value()
    }

    /// Takes a new token; `false` (and nothing changes) if it cannot be sent.
    pub(crate) fn set(&self, token: Option<String>) -> bool {
        if token.as_deref().is_some_and(|token| !is_usable_token(token)) {
            return false;
        }
        self.token.set_value(token);
        self.changes.update_value(|n| *n = n.wrapping_add(1));
        true
    }

    /// Whether the token is known to expire before it could be used.
    pub(super) fn is_stale(&self) -> bool {
        self.token.with_value(|token| token.as_deref().is_some_and(|token| is_stale(token, now_secs())))
    }

    /// Gets a new token from the page; whether it did within [`RENEWAL_WAIT_MS`].
    pub(super) async fn renew(&self, notifier: &Notifier) -> bool {
        match self.fetch.get_value() {
            Some(_) => self.fetch_new().await,
            None => self.ask(notifier).await,
        }
    }

    /// Takes a new token from the page's `fetchSessionToken`, waiting at most
    /// [`RENEWAL_WAIT_MS`]; `false` without one, or when it threw, failed or
    /// gave no usable token.
    pub(crate) async fn fetch_new(&self) -> bool {
        let Some(fetch) = self.fetch.get_value() else {
            return false;
        };
        let renewed = fetch_token(&fetch).await.is_some_and(|token| self.set(Some(token)));
        if !renewed {
            web_sys::console::error_1(&"SPS Connect: fetchSessionToken gave no usable session token".into());
        }
        renewed
    }

    async fn ask(&self, notifier: &Notifier) -> bool {
        let before = self.changes.get_value();
        notifier.ask_for_session();
        for _ in 0..RENEWAL_WAIT_MS / POLL_MS {
            if self.changes.get_value() != before {
                return true;
            }
            TimeoutFuture::new(POLL_MS).await;
        }
        self.changes.get_value() != before
    }
}

/// Calls the page's `fetchSessionToken` and waits at most [`RENEWAL_WAIT_MS`]
/// for the token it returns (or promises); `None` if it threw, failed or gave
/// something other than text.
async fn fetch_token(fetch: &js_sys::Function) -> Option<String> {
    let Ok(returned) = fetch.call0(&JsValue::NULL) else {
        web_sys::console::error_1(&"SPS Connect: fetchSessionToken threw".into());
        return None;
    };
    let token = match returned.dyn_into::<js_sys::Promise>() {
        Ok(promise) => {
            let settled = futures::future::select(JsFuture::from(promise), TimeoutFuture::new(RENEWAL_WAIT_MS));
            match settled.await {
                futures::future::Either::Left((Ok(token), _)) => token,
                _ => return None,
            }
        }
        Err(token) => token,
    };
    token.as_string()
}
