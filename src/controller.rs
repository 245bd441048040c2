//! Binds the pure flow to the browser: holds the reactive state of one mounted
//! dialog and carries out the effects each transition asks for.

use crate::api::{post_connect, Endpoint};
use crate::flow::{Effect, Event, Phase};
use crate::i18n::{Messages, EN};
use crate::options::ConnectOptions;
use crate::validation::{validate, Draft, FieldErrors};
use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::atomic::{AtomicU32, Ordering};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{AbortController, CustomEvent, CustomEventInit, HtmlElement};

static NEXT_INSTANCE: AtomicU32 = AtomicU32::new(1);

/// Marks the element a phase wants focused when it appears.
pub const AUTOFOCUS_ATTR: &str = "data-spsc-autofocus";

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
    instance: u32,
    attempt: StoredValue<u32>,
    in_flight: StoredValue<Option<AbortController>, LocalStorage>,
    opener: StoredValue<Option<HtmlElement>, LocalStorage>,
    /// The dialog element, for moving focus inside it.
    pub dialog: NodeRef<leptos::html::Div>,
    host: StoredValue<HtmlElement, LocalStorage>,
}

/// Prefix of the DOM events the widget dispatches on its mount element.
pub const EVENT_PREFIX: &str = "sps-connect:";

impl Controller {
    /// A closed dialog configured by `options`, mounted in `host`.
    pub fn new(options: ConnectOptions, host: HtmlElement) -> Self {
        let draft = Draft { environment: options.environment, ..Draft::default() };
        Self {
            options: StoredValue::new(options),
            messages: &EN,
            phase: RwSignal::new(Phase::Closed),
            draft: RwSignal::new(draft),
            errors: RwSignal::new(None),
            secret_revealed: RwSignal::new(false),
            instance: NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed),
            attempt: StoredValue::new(0),
            in_flight: StoredValue::new_local(None),
            opener: StoredValue::new_local(None),
            dialog: NodeRef::new(),
            host: StoredValue::new_local(host),
        }
    }

    /// An element id unique to this dialog.
    pub fn id(&self, part: &str) -> String {
        format!("spsc-{}-{part}", self.instance)
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
        match self.draft.with_untracked(|draft| validate(draft, None)) {
            Ok(_) => {
                self.errors.set(None);
                self.dispatch(Event::Submit);
            }
            Err(errors) => {
                self.errors.set(Some(errors));
                let field = if errors.client_id.is_some() { "client-id" } else { "client-secret" };
                self.focus_later(format!("#{}", self.id(field)));
            }
        }
    }

    /// Applies an edit to the draft, re-checking fields once errors are shown.
    pub fn edit(&self, change: impl FnOnce(&mut Draft)) {
        self.draft.update(change);
        if self.errors.with_untracked(Option::is_some) {
            let errors = self.draft.with_untracked(|draft| validate(draft, None).err());
            self.errors.set(Some(errors.unwrap_or_default()));
        }
    }

    fn dispatch(&self, event: Event) {
        let Some((next, effects)) = self.phase.with_untracked(|phase| phase.on(event)) else {
            return;
        };
        self.phase.set(next);
        for effect in effects {
            self.run(*effect);
        }
    }

    fn run(&self, effect: Effect) {
        match effect {
            Effect::CaptureFocus => {
                let active = document().active_element().and_then(|e| e.dyn_into::<HtmlElement>().ok());
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
            Effect::NotifyConnected => {
                let detail = js_sys::Object::new();
                if let Phase::Connected(account) = self.phase.get_untracked() {
                    let account = serde_wasm_bindgen::to_value(&account).unwrap_or(JsValue::NULL);
                    let _ = js_sys::Reflect::set(&detail, &"account".into(), &account);
                }
                self.notify("success", &detail);
            }
            Effect::NotifyClosed => self.notify("close", &js_sys::Object::new()),
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
        let Ok(request) = self.draft.with_untracked(|draft| validate(draft, None)) else {
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

    fn notify(&self, name: &str, detail: &JsValue) {
        let init = CustomEventInit::new();
        init.set_bubbles(true);
        init.set_composed(true);
        init.set_detail(detail);
        let Ok(event) = CustomEvent::new_with_event_init_dict(&format!("{EVENT_PREFIX}{name}"), &init) else {
            return;
        };
        self.host.with_value(|host| {
            let _ = host.dispatch_event(&event);
        });
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
