//! Tells the host page what happened: a bubbling, composed DOM event on the
//! mount element and the matching callback, for each notification.

use crate::events::{HostEvent, Summary};
use crate::js_data::to_js;
use leptos::prelude::*;
use wasm_bindgen::JsValue;
use web_sys::{CustomEvent, CustomEventInit, HtmlElement};

/// Prefix of the DOM events the widget dispatches on its mount element.
pub const EVENT_PREFIX: &str = "sps-connect:";
/// The event (after the prefix) that asks the page for a new session token.
pub const SESSION_EXPIRED: &str = "session-expired";

/// The host's callbacks; each is optional.
#[derive(Clone, Default)]
pub struct Callbacks {
    /// Called with `{account}` when the account is linked.
    pub on_success: Option<js_sys::Function>,
    /// Called with `{}` when the dialog closes.
    pub on_close: Option<js_sys::Function>,
    /// Called with `{code, message}` when an attempt fails.
    pub on_error: Option<js_sys::Function>,
    /// Called with `{type, ...}` for every event of the stream.
    pub on_event: Option<js_sys::Function>,
    /// Called when the session must be renewed; returns a new session token
    /// (or a promise of one).
    pub fetch_session_token: Option<js_sys::Function>,
}

impl Callbacks {
    fn for_summary(&self, summary: Summary) -> Option<&js_sys::Function> {
        match summary {
            Summary::Success => self.on_success.as_ref(),
            Summary::Error => self.on_error.as_ref(),
            Summary::Close => self.on_close.as_ref(),
        }
    }
}

/// Dispatches `sps-connect:{name}` on `target`: bubbling and composed, with `detail`.
pub fn dispatch_widget_event(target: &HtmlElement, name: &str, detail: &JsValue) {
    dispatch_event(target, &format!("{EVENT_PREFIX}{name}"), detail);
}

/// Dispatches the event `type_` on `target`: bubbling and composed (it leaves
/// the shadow root), with `detail`.
pub fn dispatch_event(target: &HtmlElement, type_: &str, detail: &JsValue) {
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(detail);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(type_, &init) {
        let _ = target.dispatch_event(&event);
    }
}

/// Where notifications go: the mount element and the host's callbacks.
#[derive(Clone, Copy)]
pub(super) struct Notifier {
    host: StoredValue<HtmlElement, LocalStorage>,
    callbacks: StoredValue<Callbacks, LocalStorage>,
}

impl Notifier {
    pub(super) fn new(host: HtmlElement, callbacks: Callbacks) -> Self {
        Self { host: StoredValue::new_local(host), callbacks: StoredValue::new_local(callbacks) }
    }

    /// Sends `event` to the stream and, if it has one, its summary.
    pub(super) fn announce(&self, event: HostEvent) {
        self.emit("event", &to_js(&event), |callbacks| callbacks.on_event.clone());
        if let Some((summary, detail)) = event.summary() {
            self.emit(summary.name(), &to_js(&detail), |callbacks| callbacks.for_summary(summary).cloned());
        }
    }

    /// Asks the page for a new session: `sps-connect:session-expired`.
    pub(super) fn ask_for_session(&self) {
        self.host.try_with_value(|host| dispatch_widget_event(host, SESSION_EXPIRED, &js_sys::Object::new()));
    }

    /// A callback that throws is reported on the console and changes nothing.
    fn emit(&self, name: &str, detail: &JsValue, callback: impl Fn(&Callbacks) -> Option<js_sys::Function>) {
        self.host.try_with_value(|host| dispatch_widget_event(host, name, detail));
        if let Some(function) = self.callbacks.try_with_value(callback).flatten() {
            if function.call1(&JsValue::NULL, detail).is_err() {
                web_sys::console::error_1(&format!("SPS Connect: the host's {name} callback threw").into());
            }
        }
    }
}
