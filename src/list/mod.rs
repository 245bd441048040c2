//! The accounts list (`<sps-accounts>`, `mountAccounts()`): the session
//! user's linked accounts, read from the host, and the commands of its rows.
//! Views read its signals and call its commands; the words and the changes
//! to the list come from the pure [`crate::accounts`] model.
//!
//! [`mount`] exposes it to the host page, [`element`] as a custom element.

pub mod element;
pub mod mount;

use crate::accounts::{
    changed_detail, failure_reason, focus_after_removal, read_disconnect, read_list, read_verdict, with_account,
    without_account, AccountWords, AccountsOptions, Action, Change,
};
use crate::api::{send, Answer, Endpoint};
use crate::controller::{browser_languages, dispatch_event, Callbacks, Session};
use crate::events::ErrorDetail;
use crate::failure::{classify_as, Failure};
use crate::i18n::{choose, Messages};
use crate::js_data::to_js;
use crate::mount::{mount_parsed, ConnectHandle};
use gloo_net::http::Method;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::de::IgnoredAny;
use sps_connect_wire::{ErrorCode, LinkedAccount};
use std::time::Duration;
use wasm_bindgen::prelude::*;
use web_sys::{AbortController, HtmlElement};

/// Prefix of the DOM events the list dispatches on its mount element.
pub const EVENT_PREFIX: &str = "sps-accounts:";

/// Whether the list has been read.
#[derive(Clone, Debug, PartialEq)]
pub enum Load {
    /// The first read is under way.
    Loading,
    /// The list shows what the host answered.
    Ready,
    /// The host could not be read; what the reader is told.
    Failed(String),
}

/// The page's callbacks; each is optional.
#[derive(Clone, Default)]
pub struct AccountsCallbacks {
    /// Called with the `sps-accounts:changed` detail.
    pub on_change: Option<js_sys::Function>,
    /// Called with the `sps-accounts:error` detail.
    pub on_error: Option<js_sys::Function>,
    /// Returns a new session token (or a promise of one) when the host called the session invalid.
    pub fetch_session_token: Option<js_sys::Function>,
}

/// The open Reconnect dialog, and the callbacks it calls, freed with it.
struct Reconnecting {
    handle: ConnectHandle,
    _callbacks: [Closure<dyn Fn(JsValue)>; 2],
}

/// The state and commands of one mounted list. Cheap to copy into closures.
#[derive(Clone, Copy)]
pub struct AccountsList {
    /// The catalog in use.
    pub messages: &'static Messages,
    options: StoredValue<AccountsOptions>,
    session: Session,
    accounts: RwSignal<Vec<LinkedAccount>>,
    load: RwSignal<Load>,
    busy: RwSignal<Option<(String, Action)>>,
    announcement: RwSignal<String>,
    confirming: RwSignal<Option<LinkedAccount>>,
    root: NodeRef<leptos::html::Div>,
    host: StoredValue<HtmlElement, LocalStorage>,
    callbacks: StoredValue<AccountsCallbacks, LocalStorage>,
    reconnecting: StoredValue<Option<Reconnecting>, LocalStorage>,
}

impl AccountsList {
    /// A list configured by `options`, mounted in `host`; it reads the accounts at once.
    pub fn new(options: AccountsOptions, host: HtmlElement, callbacks: AccountsCallbacks) -> Self {
        let list = Self {
            messages: choose(options.connect.locale.as_deref(), &browser_languages()),
            session: Session::new(options.connect.session_token.clone(), callbacks.fetch_session_token.clone()),
            options: StoredValue::new(options),
            accounts: RwSignal::new(Vec::new()),
            load: RwSignal::new(Load::Loading),
            busy: RwSignal::new(None),
            announcement: RwSignal::new(String::new()),
            confirming: RwSignal::new(None),
            root: NodeRef::new(),
            host: StoredValue::new_local(host),
            callbacks: StoredValue::new_local(callbacks),
            reconnecting: StoredValue::new_local(None),
        };
        list.refresh();
        list
    }

    /// The accounts, newest first.
    pub fn accounts(&self) -> ReadSignal<Vec<LinkedAccount>> {
        self.accounts.read_only()
    }

    /// Whether the list has been read.
    pub fn load(&self) -> ReadSignal<Load> {
        self.load.read_only()
    }

    /// The account and action in flight, if any.
    pub fn busy(&self) -> ReadSignal<Option<(String, Action)>> {
        self.busy.read_only()
    }

    /// What the live region says.
    pub fn announcement(&self) -> ReadSignal<String> {
        self.announcement.read_only()
    }

    /// The account whose disconnect awaits a confirmation.
    pub fn confirming(&self) -> ReadSignal<Option<LinkedAccount>> {
        self.confirming.read_only()
    }

    /// The list's root element, for moving focus inside it.
    pub fn root(&self) -> NodeRef<leptos::html::Div> {
        self.root
    }

    /// Whether the list offers `action`.
    pub fn allows(&self, action: Action) -> bool {
        self.options.with_value(|options| options.allows(action))
    }

    /// Whether the list offers any action at all (else it has no Actions column).
    pub fn has_actions(&self) -> bool {
        self.options.with_value(|options| !options.allow_actions.is_empty())
    }

    /// Takes a new session token for the next calls; `false` (and nothing
    /// changes) if it cannot be sent.
    pub fn set_session_token(&self, token: Option<String>) -> bool {
        self.session.set(token)
    }

    /// Reads the list again from the host.
    pub fn refresh(&self) {
        self.read(Change::Loaded, None);
    }

    /// Reads the list and tells the page of `change` to `account_id`.
    fn read(&self, change: Change, account_id: Option<String>) {
        let this = *self;
        spawn_local(async move {
            let url = this.options.with_value(|options| options.accounts_url.clone());
            match this.call(url, Method::GET).await.and_then(|answer| read_list(answer.status, answer.json())) {
                Ok(accounts) => {
                    let reconnected = accounts.iter().find(|account| Some(&account.id) == account_id.as_ref());
                    if let Some(account) = reconnected.filter(|_| change == Change::Reconnected) {
                        let words = AccountWords::new(this.messages, account);
                        this.announcement.set(words.say(this.messages.accounts().reconnected, &[]));
                    }
                    this.accounts.set(accounts);
                    this.load.set(Load::Ready);
                    this.changed(change, account_id.as_deref());
                }
                Err(failure) => {
                    let reason = failure_reason(this.messages, &failure, Default::default());
                    let said = crate::i18n::fill(this.messages.accounts().load_failed, &[("reason", &reason)]);
                    this.load.set(Load::Failed(said.clone()));
                    this.error(&failure, &said);
                }
            }
        });
    }

    /// Verifies `account` with SPS and shows the verdict in its row.
    pub fn verify(&self, account: LinkedAccount) {
        if !self.start(&account, Action::Verify) {
            return;
        }
        let words = AccountWords::new(self.messages, &account);
        self.announcement.set(words.say(self.messages.accounts().verifying, &[]));
        let this = *self;
        spawn_local(async move {
            let url = this.options.with_value(|options| options.verify_url(&account.id));
            let verdict =
                this.call(url, Method::POST).await.and_then(|answer| read_verdict(answer.status, answer.json()));
            this.busy.set(None);
            match verdict {
                Ok(checked) => {
                    this.announcement.set(AccountWords::new(this.messages, &checked).verdict());
                    this.accounts.update(|accounts| *accounts = with_account(accounts, checked));
                    this.changed(Change::Verified, Some(&account.id));
                }
                Err(failure) => this.failed(&account, &failure, |words, failure| words.verify_failed(failure)),
            }
        });
    }

    /// Opens the connect dialog for `account`, its Client ID filled in; a
    /// success updates its row, and closing it returns focus to the row.
    pub fn reconnect(&self, account: LinkedAccount) {
        if self.busy.get_untracked().is_some() || self.reconnecting.with_value(Option::is_some) {
            return;
        }
        let mut options = self.options.with_value(|options| options.reconnect(&account));
        options.session_token = self.session.token();
        let this = *self;
        let on_success = Closure::<dyn Fn(JsValue)>::new(move |detail: JsValue| this.reconnected(detail));
        let on_close = Closure::<dyn Fn(JsValue)>::new(move |_| this.dialog_closed());
        let callbacks = Callbacks {
            on_success: Some(on_success.as_ref().clone().unchecked_into()),
            on_close: Some(on_close.as_ref().clone().unchecked_into()),
            fetch_session_token: self.callbacks.with_value(|callbacks| callbacks.fetch_session_token.clone()),
            ..Callbacks::default()
        };
        let host = self.host.get_value();
        match mount_parsed(host, options, callbacks) {
            Ok(handle) => {
                let _ = handle.open();
                self.reconnecting.set_value(Some(Reconnecting { handle, _callbacks: [on_success, on_close] }));
            }
            Err(error) => web_sys::console::error_1(&format!("SPS Connect: {error}").into()),
        }
    }

    /// Asks to confirm the disconnect of `account`.
    pub fn ask_to_disconnect(&self, account: LinkedAccount) {
        if self.busy.get_untracked().is_none() {
            self.confirming.set(Some(account));
        }
    }

    /// Closes the confirmation without disconnecting; focus returns to the row's button.
    pub fn cancel_disconnect(&self) {
        let Some(account) = self.confirming.get_untracked() else {
            return;
        };
        self.confirming.set(None);
        self.focus_later(Some((account.id, Action::Disconnect)));
    }

    /// Disconnects the account awaiting confirmation; its row leaves the list.
    pub fn disconnect(&self) {
        let Some(account) = self.confirming.get_untracked() else {
            return;
        };
        self.confirming.set(None);
        if !self.start(&account, Action::Disconnect) {
            return;
        }
        let words = AccountWords::new(self.messages, &account);
        self.announcement.set(words.say(self.messages.accounts().disconnecting, &[]));
        self.focus_later(Some((account.id.clone(), Action::Disconnect)));
        let this = *self;
        spawn_local(async move {
            let url = this.options.with_value(|options| options.account_url(&account.id));
            let done =
                this.call(url, Method::DELETE).await.and_then(|answer| read_disconnect(answer.status, answer.json()));
            this.busy.set(None);
            if let Err(failure) = done {
                this.failed(&account, &failure, |words, failure| words.disconnect_failed(failure));
                return;
            }
            let index = this.accounts.with_untracked(|list| list.iter().position(|a| a.id == account.id)).unwrap_or(0);
            this.accounts.update(|accounts| *accounts = without_account(accounts, &account.id));
            let next = this.accounts.with_untracked(|list| {
                focus_after_removal(index, list.len()).map(|at| (list[at].id.clone(), Action::Disconnect))
            });
            this.focus_later(next);
            this.announcement
                .set(AccountWords::new(this.messages, &account).say(this.messages.accounts().disconnected, &[]));
            this.changed(Change::Disconnected, Some(&account.id));
        });
    }

    /// Closes a Reconnect dialog and frees what the list mounted.
    pub fn destroy(&self) {
        if let Some(mut open) = self.reconnecting.try_update_value(Option::take).flatten() {
            open.handle.destroy();
        }
    }

    fn start(&self, account: &LinkedAccount, action: Action) -> bool {
        if self.busy.get_untracked().is_some() || !self.allows(action) {
            return false;
        }
        self.busy.set(Some((account.id.clone(), action)));
        true
    }

    /// The dialog linked the account again: the list is read anew, for the
    /// status and times the host now keeps for it.
    fn reconnected(&self, detail: JsValue) {
        let id = js_sys::Reflect::get(&detail, &"account".into())
            .and_then(|account| js_sys::Reflect::get(&account, &"id".into()))
            .ok()
            .and_then(|id| id.as_string());
        self.read(Change::Reconnected, id);
    }

    /// The dialog calls this from inside its own close; it is freed after that returns.
    fn dialog_closed(&self) {
        let this = *self;
        set_timeout(move || this.destroy(), Duration::ZERO);
    }

    /// Sends `method` to `url` with the session; when the host calls the
    /// session invalid and the page gives a new one, sends it once more.
    async fn call(&self, url: String, method: Method) -> Result<Answer, Failure> {
        let timeout_ms = self.options.with_value(|options| options.connect.timeout_ms);
        let endpoint = |session_token| Endpoint { url: url.clone(), session_token, timeout_ms };
        let abort = AbortController::new().map_err(|_| Failure::Unreachable)?;
        let answer = send(&endpoint(self.session.token()), method.clone(), None, &abort).await?;
        if !is_expired(&answer) || !self.session.fetch_new().await {
            return Ok(answer);
        }
        send(&endpoint(self.session.token()), method, None, &abort).await
    }

    fn failed(&self, account: &LinkedAccount, failure: &Failure, say: impl Fn(&AccountWords, &Failure) -> String) {
        let said = say(&AccountWords::new(self.messages, account), failure);
        self.announcement.set(said.clone());
        self.error(failure, &said);
    }

    /// Focuses `target`'s button (an account and action) once the view has
    /// rendered, else the list itself.
    fn focus_later(&self, target: Option<(String, Action)>) {
        let root = self.root;
        set_timeout(
            move || {
                let Some(root) = root.try_get_untracked().flatten() else {
                    return;
                };
                let button = target.and_then(|(id, action)| {
                    let buttons = root.query_selector_all(&format!("[data-action='{}']", action.as_str())).ok()?;
                    (0..buttons.length())
                        .filter_map(|at| buttons.item(at)?.dyn_into::<HtmlElement>().ok())
                        .find(|button| button.get_attribute("data-account").as_deref() == Some(&id))
                });
                let _ = match button {
                    Some(button) => button.focus(),
                    None => root.focus(),
                };
            },
            Duration::ZERO,
        );
    }

    fn changed(&self, change: Change, account_id: Option<&str>) {
        let detail = self.accounts.with_untracked(|accounts| to_js(&changed_detail(change, account_id, accounts)));
        self.emit("changed", &detail, |callbacks| callbacks.on_change.clone());
    }

    fn error(&self, failure: &Failure, message: &str) {
        let detail = ErrorDetail { code: failure.code(), message };
        self.emit("error", &to_js(&detail), |callbacks| callbacks.on_error.clone());
    }

    fn emit(&self, name: &str, detail: &JsValue, callback: impl Fn(&AccountsCallbacks) -> Option<js_sys::Function>) {
        self.host.try_with_value(|host| dispatch_event(host, &format!("{EVENT_PREFIX}{name}"), detail));
        if let Some(function) = self.callbacks.try_with_value(callback).flatten() {
            if function.call1(&JsValue::NULL, detail).is_err() {
                web_sys::console::error_1(&format!("SPS Connect: the page's accounts {name} callback threw").into());
            }
        }
    }
}

/// Whether the host refused the call because the session expired.
fn is_expired(answer: &Answer) -> bool {
    let refusal = classify_as::<IgnoredAny, _>(answer.status, answer.json());
    answer.status == 401 && matches!(refusal, Err(Failure::Rejected { code: ErrorCode::SessionInvalid, .. }))
}
