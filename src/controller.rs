//! Binds the pure flow to the browser: holds the reactive state of one mounted
//! dialog, carries out the effects each transition asks for, and tells the
//! host page what happened.

use crate::api::{post_connect, Endpoint};
use crate::events::HostEvent;
use crate::flow::{Effect, Event, Phase};
use crate::i18n::{catalog, Messages, EN};
use crate::options::{ConnectOptions, Mode};
use crate::validation::{validate, Draft, FieldErrors};
use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Serialize;
use sps_connect_wire::{ConnectRequest, Environment};
use std::sync::atomic::{AtomicU32, Ordering};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{AbortController, CustomEvent, CustomEventInit, Document, Element, HtmlElement};

static NEXT_INSTANCE: AtomicU32 = AtomicU32::new(1);

/// Marks the element a phase wants focused when it appears.
pub const AUTOFOCUS_ATTR: &str = "data-spsc-autofocus";

/// Prefix of the DOM events the widget dispatches on its mount element.
pub const EVENT_PREFIX: &str = "sps-connect:";

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
}

/// The state and commands of one mounted dialog. Cheap to copy into closures.
#[derive(Clone, Copy)]
pub struct Controller {
    /// The host's options.
    pub options: StoredValue<ConnectOptions>,
    /// The catalog in use.
    pub messages: &'static Messages,
    /// Where the flow is.
    pub phase: RwSignal<Phase>,
    /// What the user typed.
    pub draft: RwSignal<Draft>,
    /// Field issues, once the user has tried to submit.
    pub errors: RwSignal<Option<FieldErrors>>,
    /// Whether the secret is shown in clear.
    pub secret_revealed: RwSignal<bool>,
    /// The dialog element, for moving focus inside it.
    pub dialog: NodeRef<leptos::html::Div>,
    instance: u32,
    attempt: StoredValue<u32>,
    in_flight: StoredValue<Option<AbortController>, LocalStorage>,
    opener: StoredValue<Option<HtmlElement>, LocalStorage>,
    host: StoredValue<HtmlElement, LocalStorage>,
    callbacks: StoredValue<Callbacks, LocalStorage>,
}

/// The element that has focus, looking inside open shadow roots.
pub fn deep_active_element(document: &Document) -> Option<Element> {
    let mut active = document.active_element()?;
    while let Some(inner) = active.shadow_root().and_then(|root| root.active_element()) {
        active = inner;
    }
    Some(active)
}

/// Dispatches `sps-connect:{name}` on `target`: bubbling and composed, with `detail`.
pub fn dispatch_widget_event(target: &HtmlElement, name: &str, detail: &JsValue) {
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(detail);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(&format!("{EVENT_PREFIX}{name}"), &init) {
        let _ = target.dispatch_event(&event);
    }
}

/// A JSON value as a plain JS object.
pub fn to_js(value: &serde_json::Value) -> JsValue {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap_or(JsValue::NULL)
}

impl Controller {
    /// A closed dialog configured by `options`, mounted in `host`.
    pub fn new(options: ConnectOptions, host: HtmlElement, callbacks: Callbacks) -> Self {
        let draft = Draft { environment: options.environment, ..Draft::default() };
        Self {
            messages: catalog(&options.locale).unwrap_or(&EN),
            options: StoredValue::new(options),
            phase: RwSignal::new(Phase::Closed),
            draft: RwSignal::new(draft),
            errors: RwSignal::new(None),
            secret_revealed: RwSignal::new(false),
            dialog: NodeRef::new(),
            instance: NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed),
            attempt: StoredValue::new(0),
            in_flight: StoredValue::new_local(None),
            opener: StoredValue::new_local(None),
            host: StoredValue::new_local(host),
            callbacks: StoredValue::new_local(callbacks),
        }
    }

    /// An element id unique to this dialog.
    pub fn id(&self, part: &str) -> String {
        format!("spsc-{}-{part}", self.instance)
    }

    /// Whether the widget sits inline in the page rather than over it.
    pub fn is_inline(&self) -> bool {
        self.options.with_value(|options| options.mode == Mode::Inline)
    }

    /// Opens the dialog if it is closed.
    pub fn open(&self) {
        self.dispatch(Event::Open);
    }

    /// Closes the dialog from any phase, aborting a request in flight.
    pub fn close(&self) {
        self.dispatch(Event::Close);
    }

    /// Goes back to the form after a failure.
    pub fn retry(&self) {
        self.dispatch(Event::Retry);
    }

    /// Validates the form and, if it is sound, sends it.
    pub fn submit(&self) {
        if self.phase.with_untracked(|phase| *phase != Phase::Editing) {
            return;
        }
        match self.request() {
            Ok(_) => {
                self.errors.set(None);
                self.dispatch(Event::Submit);
            }
            Err(errors) => {
                self.errors.set(Some(errors));
                let fields: Vec<&'static str> =
                    [("client_id", errors.client_id), ("client_secret", errors.client_secret)]
                        .into_iter()
                        .filter_map(|(name, issue)| issue.map(|_| name))
                        .collect();
                let first = if errors.client_id.is_some() { "client-id" } else { "client-secret" };
                self.focus_later(format!("#{}", self.id(first)));
                self.announce(HostEvent::ValidationFailed(fields));
            }
        }
    }

    /// Applies an edit to the draft, re-checking fields once errors are shown.
    pub fn edit(&self, change: impl FnOnce(&mut Draft)) {
        self.draft.update(change);
        if self.errors.with_untracked(Option::is_some) {
            self.errors.set(Some(self.request().err().unwrap_or_default()));
        }
    }

    /// Picks the environment, unless the host locked it.
    pub fn choose_environment(&self, environment: Environment) {
        let locked = self.options.with_value(|options| options.lock_environment);
        if locked || self.draft.with_untracked(|draft| draft.environment == environment) {
            return;
        }
        self.edit(|draft| draft.environment = environment);
        self.announce(HostEvent::EnvironmentChanged(environment));
    }

    fn request(&self) -> Result<ConnectRequest, FieldErrors> {
        let account_id = self.options.with_value(|options| options.account_id.clone());
        self.draft.with_untracked(|draft| validate(draft, account_id.as_deref()))
    }

    fn dispatch(&self, event: Event) {
        let Some((next, effects)) = self.phase.with_untracked(|phase| phase.on(event.clone())) else {
            return;
        };
        self.phase.set(next);
        for effect in effects {
            self.run(*effect);
        }
        let environment = self.draft.with_untracked(|draft| draft.environment);
        if let Some(host_event) = HostEvent::for_transition(&event, environment, self.messages) {
            self.announce(host_event);
        }
    }

    fn run(&self, effect: Effect) {
        match effect {
            Effect::CaptureFocus => {
                if self.is_inline() {
                    return;
                }
                let active = deep_active_element(&document()).and_then(|e| e.dyn_into::<HtmlElement>().ok());
                self.opener.set_value(active);
                self.focus_later(format!("#{}", self.id("title")));
            }
            Effect::SendRequest => self.send(),
            Effect::AbortRequest => {
                if let Some(controller) = self.in_flight.try_update_value(Option::take).flatten() {
                    controller.abort();
                }
            }
            Effect::ClearSecret => {
                self.draft.update(|draft| draft.client_secret.clear());
                self.secret_revealed.set(false);
                self.errors.set(None);
            }
            Effect::FocusPhase => self.focus_later(format!("[{AUTOFOCUS_ATTR}]")),
            Effect::RestoreFocus => {
                if let Some(opener) = self.opener.try_update_value(Option::take).flatten() {
                    if opener.is_connected() {
                        let _ = opener.focus();
                    }
                }
            }
        }
    }

    fn send(&self) {
        let Ok(request) = self.request() else {
            return;
        };
        let Ok(abort) = AbortController::new() else {
            return;
        };
        let endpoint = self.options.with_value(|options| Endpoint {
            url: options.endpoint.clone(),
            session_token: options.session_token.clone(),
            timeout_ms: options.timeout_ms,
        });
        let attempt = self.attempt.try_update_value(|n| {
            *n += 1;
            *n
        });
        self.in_flight.set_value(Some(abort.clone()));
        let this = *self;
        spawn_local(async move {
            let outcome = post_connect(&endpoint, &request, &abort).await;
            drop(request);
            if this.attempt.try_get_value() != attempt {
                return;
            }
            this.in_flight.try_set_value(None);
            this.dispatch(match outcome {
                Ok(account) => Event::Succeeded(account),
                Err(failure) => Event::Failed(failure),
            });
        });
    }

    fn announce(&self, event: HostEvent) {
        let stream = to_js(&event.payload());
        self.emit("event", &stream, |callbacks| callbacks.on_event.clone());
        if let Some((name, detail)) = event.summary() {
            let detail = to_js(&detail);
            self.emit(name, &detail, |callbacks| match name {
                "success" => callbacks.on_success.clone(),
                "error" => callbacks.on_error.clone(),
                _ => callbacks.on_close.clone(),
            });
        }
    }

    fn emit(&self, name: &str, detail: &JsValue, callback: impl Fn(&Callbacks) -> Option<js_sys::Function>) {
        self.host.try_with_value(|host| dispatch_widget_event(host, name, detail));
        if let Some(function) = self.callbacks.try_with_value(callback).flatten() {
            if function.call1(&JsValue::NULL, detail).is_err() {
                web_sys::console::error_1(&format!("SPS Connect: the host's {name} callback threw").into());
            }
        }
    }

    fn focus_later(&self, selector: String) {
        let dialog = self.dialog;
        Timeout::new(0, move || {
            let target = dialog
                .try_get_untracked()
                .flatten()
                .and_then(|dialog| dialog.query_selector(&selector).ok().flatten())
                .and_then(|element| element.dyn_into::<HtmlElement>().ok());
            if let Some(target) = target {
                let _ = target.focus();
            }
        })
        .forget();
    }
}
