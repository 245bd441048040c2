//! Binds the pure flow to the browser: the reactive state of one mounted
//! dialog and the commands that change it. Views read the state through
//! read-only signals and change it only through the commands, so every
//! change goes through the state machine and its effects.
//!
//! The effects live beside it: the request in flight ([`request`]), the
//! connect session and its renewal ([`session`]), the host's notifications
//! ([`notify`]) and the keyboard focus ([`focus`]).

mod escape;
mod focus;
mod notify;
mod request;
mod session;

pub use escape::EscapeWhenFocusIsLost;
pub use focus::{deep_active_element, AUTOFOCUS_ATTR};
pub use notify::{dispatch_event, dispatch_widget_event, Callbacks, EVENT_PREFIX, SESSION_EXPIRED};
pub(crate) use session::Session;
pub use session::RENEWAL_WAIT_MS;

use crate::api::{post_connect, Endpoint};
use crate::events::HostEvent;
use crate::failure::Failure;
use crate::flow::{Effect, Event, Phase};
use crate::i18n::{choose, Messages};
use crate::options::{ConnectOptions, Mode};
use crate::validation::{validate, Draft, FieldErrors};
use focus::{focus_later, Opener};
use leptos::prelude::*;
use leptos::reactive::graph::Source;
use leptos::task::spawn_local;
use notify::Notifier;
use request::InFlight;
use sps_connect_wire::{ConnectRequest, Environment, ErrorCode};
use std::sync::atomic::{AtomicU32, Ordering};
use web_sys::HtmlElement;

static NEXT_INSTANCE: AtomicU32 = AtomicU32::new(1);

/// The state and commands of one mounted dialog. Cheap to copy into closures.
#[derive(Clone, Copy)]
pub struct Controller {
    /// The catalog in use.
    pub messages: &'static Messages,
    options: StoredValue<ConnectOptions>,
    phase: RwSignal<Phase>,
    visible: RwSignal<bool>,
    draft: RwSignal<Draft>,
    errors: RwSignal<Option<FieldErrors>>,
    secret_revealed: RwSignal<bool>,
    dialog: NodeRef<leptos::html::Div>,
    instance: u32,
    in_flight: InFlight,
    session: Session,
    opener: Opener,
    notifier: Notifier,
}

/// The reader's languages, most preferred first (`navigator.languages`).
pub(crate) fn browser_languages() -> Vec<String> {
    let Some(window) = web_sys::window() else {
        return Vec::new();
    };
    window.navigator().languages().iter().filter_map(|tag| tag.as_string()).collect()
}

impl Controller {
    /// A closed dialog configured by `options`, mounted in `host`.
    pub fn new(options: ConnectOptions, host: HtmlElement, callbacks: Callbacks) -> Self {
        let client_id = options.client_id.clone().unwrap_or_default();
        let draft = Draft { environment: options.environment, client_id, ..Draft::default() };
        let session = Session::new(options.session_token.clone(), callbacks.fetch_session_token.clone());
        Self {
            messages: choose(options.locale.as_deref(), &browser_languages()),
            options: StoredValue::new(options),
            phase: RwSignal::new(Phase::Closed),
            visible: RwSignal::new(false),
            draft: RwSignal::new(draft),
            errors: RwSignal::new(None),
            secret_revealed: RwSignal::new(false),
            dialog: NodeRef::new(),
            instance: NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed),
            in_flight: InFlight::new(),
            session,
            opener: Opener::new(),
            notifier: Notifier::new(host, callbacks),
        }
    }

    /// Where the flow is.
    pub fn phase(&self) -> ReadSignal<Phase> {
        self.phase.read_only()
    }

    /// Whether the dialog is on screen. The only state read from outside the
    /// dialog's own views.
    pub fn visible(&self) -> ReadSignal<bool> {
        self.visible.read_only()
    }

    /// What the user typed.
    pub fn draft(&self) -> ReadSignal<Draft> {
        self.draft.read_only()
    }

    /// Field issues, once the user has tried to submit.
    pub fn errors(&self) -> ReadSignal<Option<FieldErrors>> {
        self.errors.read_only()
    }

    /// Whether the secret is shown in clear.
    pub fn secret_revealed(&self) -> ReadSignal<bool> {
        self.secret_revealed.read_only()
    }

    /// The dialog element, for the view to bind and for moving focus inside it.
    pub fn dialog(&self) -> NodeRef<leptos::html::Div> {
        self.dialog
    }

    /// Reads the host's options.
    pub fn with_options<T>(&self, read: impl FnOnce(&ConnectOptions) -> T) -> T {
        self.options.with_value(read)
    }

    /// An element id unique to this dialog.
    pub fn id(&self, part: &str) -> String {
        format!("spsc-{}-{part}", self.instance)
    }

    /// Whether the widget sits inline in the page rather than over it.
    pub fn is_inline(&self) -> bool {
        self.with_options(|options| options.mode == Mode::Inline)
    }

    /// Opens the dialog if it is closed.
    pub fn open(&self) {
        self.dispatch(Event::Open);
    }

    /// Closes the dialog from any phase, aborting a request in flight.
    pub fn close(&self) {
        self.dispatch(Event::Close);
    }

    /// Takes the failure's way forward: sends again, or goes back to the form.
    pub fn retry(&self) {
        self.dispatch(Event::Retry);
    }

    /// Takes a new session token for the requests to come, in place: nothing
    /// on screen changes, and a renewal that waits for it goes on. `false`
    /// (and the old token stays) if it cannot be sent.
    pub fn set_session_token(&self, token: Option<String>) -> bool {
        self.session.set(token)
    }

    /// Shows or hides the secret.
    pub fn toggle_secret(&self) {
        self.secret_revealed.update(|shown| *shown = !*shown);
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
                let fields = errors.fields();
                if let Some(first) = fields.first() {
                    focus_later(self.dialog, format!("#{}", self.id(first.slug())));
                }
                self.notifier.announce(HostEvent::ValidationFailed(fields));
            }
        }
    }

    /// Applies an edit to the draft, re-checking fields once errors are shown.
    pub fn edit(&self, change: impl FnOnce(&mut Draft)) {
        if self.phase.with_untracked(|phase| *phase != Phase::Editing) {
            return;
        }
        self.draft.update(change);
        if self.errors.with_untracked(Option::is_some) {
            self.errors.set(Some(self.request().err().unwrap_or_default()));
        }
    }

    /// Picks the environment, unless the host locked it (then the radios are
    /// drawn again from the state, whatever was clicked).
    pub fn choose_environment(&self, environment: Environment) {
        if self.with_options(|options| options.lock_environment) {
            self.draft.notify();
            return;
        }
        if self.draft.with_untracked(|draft| draft.environment == environment) {
            return;
        }
        self.edit(|draft| draft.environment = environment);
        self.notifier.announce(HostEvent::EnvironmentChanged(environment));
    }

    fn request(&self) -> Result<ConnectRequest, FieldErrors> {
        let account_id = self.with_options(|options| options.account_id.clone());
        self.draft.with_untracked(|draft| validate(draft, account_id.as_deref()))
    }

    fn dispatch(&self, event: Event) {
        let Some((next, effects)) = self.phase.with_untracked(|phase| phase.on(event.clone())) else {
            return;
        };
        let environment = self.draft.with_untracked(|draft| draft.environment);
        let host_event = HostEvent::for_transition(&event, &next, environment, self.messages);
        let open = next.is_open();
        self.phase.set(next);
        for effect in effects {
            self.run(*effect);
        }
        if self.visible.get_untracked() != open {
            self.visible.set(open);
        }
        if !open {
            self.forget_view_subscribers();
        }
        if let Some(host_event) = host_event {
            self.notifier.announce(host_event);
        }
    }

    /// Only the dialog's views subscribe to these signals, and they are all
    /// dropped when it closes. A signal keeps a dropped view's subscription
    /// until it is cleared (reactive_graph 0.2 never prunes them), so without
    /// this every open and close would leave about 1.5 KB behind.
    fn forget_view_subscribers(&self) {
        self.phase.clear_subscribers();
        self.draft.clear_subscribers();
        self.errors.clear_subscribers();
        self.secret_revealed.clear_subscribers();
    }

    fn run(&self, effect: Effect) {
        match effect {
            Effect::CaptureFocus => {
                if self.is_inline() {
                    return;
                }
                self.opener.capture();
                focus_later(self.dialog, format!("#{}", self.id("title")));
            }
            Effect::SendRequest => self.send(),
            Effect::AbortRequest => self.in_flight.abort(),
            Effect::ClearSecret => {
                self.draft.update(|draft| draft.client_secret.clear());
                self.secret_revealed.set(false);
                self.errors.set(None);
            }
            Effect::FocusPhase => focus_later(self.dialog, format!("[{AUTOFOCUS_ATTR}]")),
            Effect::RestoreFocus => self.opener.restore(),
        }
    }

    fn endpoint(&self) -> Endpoint {
        self.with_options(|options| Endpoint {
            url: options.endpoint.clone(),
            session_token: self.session.token(),
            timeout_ms: options.timeout_ms,
        })
    }

    async fn renew_session(&self) -> bool {
        let renewed = self.session.renew(&self.notifier).await;
        if renewed {
            self.notifier.announce(HostEvent::SessionRenewed);
        }
        renewed
    }

    /// Sends the request, renewing the session at most once: before sending
    /// if the token is known to be stale, else after the host called it
    /// invalid, then sending the same request again. The user sees nothing of it
    /// unless the renewal fails.
    fn send(&self) {
        let Ok(request) = self.request() else {
            return;
        };
        let Some((attempt, abort)) = self.in_flight.start() else {
            return;
        };
        let this = *self;
        spawn_local(async move {
            let stale = this.session.is_stale();
            if stale {
                this.renew_session().await;
            }
            let mut outcome = post_connect(&this.endpoint(), &request, &abort).await;
            let expired = matches!(&outcome, Err(Failure::Rejected { code: ErrorCode::SessionInvalid, .. }));
            if expired && !stale && this.in_flight.is_current(attempt) && this.renew_session().await {
                outcome = post_connect(&this.endpoint(), &request, &abort).await;
            }
            drop(request);
            if !this.in_flight.finish(attempt) {
                return;
            }
            this.dispatch(match outcome {
                Ok(account) => Event::Succeeded(account),
                Err(failure) => Event::Failed(failure),
            });
        });
    }
}
