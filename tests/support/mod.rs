//! Mounts the real dialog in the test page and reads it the way assistive
//! technology does: by role, accessible name and label.

#![allow(dead_code)]

use gloo_timers::future::TimeoutFuture;
use sps_connect::{mount, mount_accounts, AccountsHandle, ConnectHandle};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlInputElement};

#[wasm_bindgen(module = "/tests/support/fake_fetch.js")]
extern "C" {
    fn script_fetch(status: u16, body: &str, content_type: &str, delay_ms: u32);
    fn restore_fetch();
    fn recorded_requests() -> js_sys::Array;
    fn aborted_requests() -> u32;
    fn press_key(target: &Element, key: &str, shift: bool) -> bool;
    fn record_events(target: &Element, names: Vec<String>) -> js_sys::Array;
    fn make_recorder() -> JsValue;
    fn spy_console_warn() -> JsValue;
    fn count_shadow_roots() -> JsValue;
    #[wasm_bindgen(js_name = answer_by_hand)]
    fn script_answer_by_hand();
    #[wasm_bindgen(js_name = deliver)]
    fn deliver_answer(index: u32, status: u16, body: &str);
    fn pending_count() -> u32;
    fn make_token_source(tokens: Vec<String>) -> JsValue;
}

/// A page's `fetchSessionToken` that hands out `tokens`, then fails: the
/// function, and how many times it was called.
pub fn token_source(tokens: &[&str]) -> (js_sys::Function, impl Fn() -> u32) {
    let source = make_token_source(tokens.iter().map(|t| t.to_string()).collect());
    let fetch = js_sys::Reflect::get(&source, &"fetch".into()).unwrap().unchecked_into();
    let calls = move || js_sys::Reflect::get(&source, &"calls".into()).unwrap().as_f64().unwrap() as u32;
    (fetch, calls)
}

/// Presses `key` on `target`, as a keyboard would: whether the page handled it.
pub fn press_key_on(target: &Element, key: &str) -> bool {
    press_key(target, key, false)
}

/// Gives the page its own `fetch` back.
pub fn stop_scripting_fetch() {
    restore_fetch();
}

/// From now on every fetch waits until the test delivers its answer, which it
/// may do even after the page aborted the request.
pub fn answer_by_hand() {
    script_answer_by_hand();
}

/// Answers the `index`th request (from 0) with a JSON body.
pub fn deliver(index: u32, status: u16, body: &str) {
    deliver_answer(index, status, body);
}

/// How many requests wait for [`deliver`].
pub fn pending() -> u32 {
    pending_count()
}

/// Counts the shadow roots attached from now on: `(count, stop)`.
pub fn shadow_root_counter() -> (impl Fn() -> u32, js_sys::Function) {
    let counter = count_shadow_roots();
    let restore = js_sys::Reflect::get(&counter, &"restore".into()).unwrap().unchecked_into();
    let count = move || js_sys::Reflect::get(&counter, &"count".into()).unwrap().as_f64().unwrap() as u32;
    (count, restore)
}

/// A JS function that records its argument: `(function, calls)`.
pub fn recorder() -> (js_sys::Function, js_sys::Array) {
    let pair = make_recorder();
    let record = js_sys::Reflect::get(&pair, &"record".into()).unwrap().unchecked_into();
    let calls = js_sys::Reflect::get(&pair, &"calls".into()).unwrap().unchecked_into();
    (record, calls)
}

/// Records console warnings until the returned function is called.
pub fn watch_warnings() -> (js_sys::Array, js_sys::Function) {
    let spy = spy_console_warn();
    let warnings = js_sys::Reflect::get(&spy, &"warnings".into()).unwrap().unchecked_into();
    let restore = js_sys::Reflect::get(&spy, &"restore".into()).unwrap().unchecked_into();
    (warnings, restore)
}

/// Starts recording the widget's DOM events on `target`; the array fills as they fire.
pub fn events_on(target: &Element, names: &[&str]) -> js_sys::Array {
    record_events(target, names.iter().map(|n| n.to_string()).collect())
}

/// A realistic Client ID that passes validation.
pub const CLIENT_ID: &str = "aB3dE5fG7hJ9kL1mN3pQ5rS7tV9wX1yZ";
/// A realistic Client Secret that passes validation.
pub const CLIENT_SECRET: &str = "Zx9-s3cr3t_Value.with~symbols0123456789";

/// A successful connect answer for a Sandbox account.
pub const CONNECTED: &str = r#"{"status":"connected","account":{"id":"acc_42","provider":"sps_commerce",
  "environment":"production","client_id_hint":"…X1yZ","services":["transaction","packing_slip"],
  "connected_at":"2026-11-29T10:15:00Z"}}"#;

/// Answers every fetch with `status` and `body` after `delay_ms`; status 0 is a network failure.
pub fn answer_with(status: u16, body: &str, content_type: &str, delay_ms: u32) {
    script_fetch(status, body, content_type, delay_ms);
}

/// Answers every fetch with a JSON body.
pub fn answer_json(status: u16, body: &str) {
    script_fetch(status, body, "application/json", 5);
}

/// The requests the page sent, as `{url, method, headers, body}` objects.
pub fn requests() -> Vec<js_sys::Object> {
    recorded_requests().iter().map(|r| r.unchecked_into()).collect()
}

/// A field of a recorded request.
pub fn field(request: &js_sys::Object, path: &[&str]) -> JsValue {
    path.iter().fold(request.into(), |value: JsValue, key| js_sys::Reflect::get(&value, &(*key).into()).unwrap())
}

/// How many requests were aborted by the page.
pub fn aborted() -> u32 {
    aborted_requests()
}

/// Lets the reactive system and timers run.
pub async fn settle() {
    for _ in 0..3 {
        TimeoutFuture::new(0).await;
    }
}

/// Waits up to ten seconds for `condition`, failing the test with `what` otherwise.
pub async fn until(what: &str, condition: impl Fn() -> bool) {
    for _ in 0..1000 {
        if condition() {
            return;
        }
        TimeoutFuture::new(10).await;
    }
    panic!("timed out waiting for: {what}");
}

/// Waits up to thirty seconds for `condition`: for the widget's own timers,
/// which no test can hurry. A busy machine makes it slower, never wrong.
pub async fn until_long(what: &str, condition: impl Fn() -> bool) {
    for _ in 0..3000 {
        if condition() {
            return;
        }
        TimeoutFuture::new(10).await;
    }
    panic!("timed out waiting for: {what}");
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// The element that has focus, inside shadow roots too.
pub fn focused() -> Option<Element> {
    sps_connect::controller::deep_active_element(&document())
}

/// The shadow root the widget renders into, under `root`.
pub fn shadow_of(root: &Element) -> Option<web_sys::ShadowRoot> {
    root.first_element_child()?.shadow_root()
}

fn by_id(scope: &web_sys::ShadowRoot, id: &str) -> Option<Element> {
    scope.get_element_by_id(id)
}

/// The accessible name of an element, as far as these tests need it.
pub fn accessible_name(element: &Element) -> String {
    if let Some(label) = element.get_attribute("aria-label") {
        return label;
    }
    let scope: web_sys::ShadowRoot = element.get_root_node().unchecked_into();
    if let Some(ids) = element.get_attribute("aria-labelledby") {
        return ids
            .split_whitespace()
            .filter_map(|id| by_id(&scope, id))
            .map(|e| e.text_content().unwrap_or_default())
            .collect::<Vec<_>>()
            .join(" ");
    }
    if let Some(id) = element.get_attribute("id") {
        if let Ok(Some(label)) = scope.query_selector(&format!("label[for='{id}']")) {
            return normalize(&label.text_content().unwrap_or_default());
        }
    }
    normalize(&element.text_content().unwrap_or_default())
}

fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn selector_for_role(role: &str) -> String {
    let implicit = match role {
        "button" => "button",
        "link" => "a[href]",
        "heading" => "h1, h2, h3, h4, h5, h6",
        "textbox" => "input[type=text], input[type=password], input:not([type])",
        "radio" => "input[type=radio]",
        "list" => "ul, ol",
        "listitem" => "li",
        "form" => "form[aria-label]",
        "group" => "fieldset",
        "region" => "section[aria-label], section[aria-labelledby]",
        "row" => "tr",
        "rowheader" => "th[scope=row]",
        "cell" => "td",
        _ => "",
    };
    if implicit.is_empty() {
        format!("[role='{role}']")
    } else {
        format!("{implicit}, [role='{role}']")
    }
}

/// What the widget mounted in `root` shows, read as assistive technology
/// reads it; for a `<sps-connect>` element, `root` is the element.
pub struct View {
    /// The element the widget is mounted in.
    pub root: HtmlElement,
    /// Which of the shells mounted in `root` (from 0) this view reads.
    pub shell: u32,
}

/// A test page with an opener button and the widget mounted beside it.
pub struct Widget {
    /// What it shows.
    pub view: View,
    /// The button that had focus when the dialog opened.
    pub opener: HtmlElement,
    /// The widget's handle.
    pub handle: ConnectHandle,
}

impl std::ops::Deref for Widget {
    type Target = View;

    fn deref(&self) -> &View {
        &self.view
    }
}

impl Widget {
    /// Mounts the widget with options given as JSON and opens it from a focused button.
    pub async fn open(options: &str) -> Widget {
        let widget = Widget::mount(options).unwrap_or_else(|e| panic!("mount failed: {e:?}"));
        widget.opener.focus().unwrap();
        widget.handle.open().unwrap();
        settle().await;
        widget
    }

    /// Mounts the widget closed; the error is whatever `mount` threw.
    pub fn mount(options: &str) -> Result<Widget, JsValue> {
        Widget::mount_with(js_sys::JSON::parse(options).unwrap())
    }

    /// Mounts the widget with an options object (which may hold callbacks).
    pub fn mount_with(options: JsValue) -> Result<Widget, JsValue> {
        let body = document().body().unwrap();
        let opener: HtmlElement = document().create_element("button").unwrap().unchecked_into();
        opener.set_text_content(Some("Connect your SPS account"));
        body.append_child(&opener).unwrap();
        let root: HtmlElement = document().create_element("div").unwrap().unchecked_into();
        body.append_child(&root).unwrap();
        match mount(root.clone(), options) {
            Ok(handle) => Ok(Widget { view: View { root, shell: 0 }, opener, handle }),
            Err(error) => {
                root.remove();
                opener.remove();
                Err(error.into())
            }
        }
    }
}

impl View {
    /// The shadow root the widget renders into.
    pub fn scope(&self) -> web_sys::ShadowRoot {
        let shell = self.root.children().item(self.shell).expect("the widget mounted its shell");
        shell.shadow_root().expect("the widget renders into a shadow root")
    }

    /// The dialog element, if it is shown.
    pub fn dialog(&self) -> Option<Element> {
        self.scope().query_selector("[role='dialog']").unwrap()
    }

    /// The dialog, or the region in inline mode.
    pub fn dialog_or_region(&self) -> Element {
        self.scope().query_selector(".spsc-dialog").unwrap().expect("the widget is shown")
    }

    /// The widget's text, whitespace folded.
    pub fn text(&self) -> String {
        let root = self.scope().query_selector(".spsc-root").unwrap().unwrap();
        normalize(&root.text_content().unwrap_or_default())
    }

    /// Every element with `role` whose accessible name is `name`.
    pub fn all_by_role(&self, role: &str, name: &str) -> Vec<Element> {
        let nodes = self.scope().query_selector_all(&selector_for_role(role)).unwrap();
        (0..nodes.length())
            .filter_map(|i| nodes.item(i))
            .map(|n| n.unchecked_into::<Element>())
            .filter(|e| name.is_empty() || accessible_name(e) == name)
            .collect()
    }

    /// The one element with `role` named `name`, if there is exactly one.
    pub fn find_by_role(&self, role: &str, name: &str) -> Option<Element> {
        let mut found = self.all_by_role(role, name);
        match found.len() {
            1 => found.pop(),
            0 => None,
            n => panic!("{n} elements with role {role} named {name:?}"),
        }
    }

    /// The one element with `role` named `name`; fails the test otherwise.
    pub fn by_role(&self, role: &str, name: &str) -> HtmlElement {
        self.find_by_role(role, name)
            .unwrap_or_else(|| panic!("no {role} named {name:?} in: {}", self.text()))
            .unchecked_into()
    }

    /// The input whose label reads `label`.
    pub fn input(&self, label: &str) -> HtmlInputElement {
        let labels = self.scope().query_selector_all("label").unwrap();
        (0..labels.length())
            .filter_map(|i| labels.item(i))
            .map(|n| n.unchecked_into::<Element>())
            .find(|l| normalize(&l.text_content().unwrap_or_default()).starts_with(label))
            .and_then(|l| l.get_attribute("for"))
            .and_then(|id| by_id(&self.scope(), &id))
            .unwrap_or_else(|| panic!("no input labelled {label:?}"))
            .unchecked_into()
    }

    /// Types `value` into the input labelled `label`, as a user would.
    pub fn type_into(&self, label: &str, value: &str) {
        let input = self.input(label);
        input.set_value(value);
        let event = web_sys::Event::new_with_event_init_dict("input", &{
            let init = web_sys::EventInit::new();
            init.set_bubbles(true);
            init
        })
        .unwrap();
        input.dispatch_event(&event).unwrap();
    }

    /// Clicks the button named `name`.
    pub fn click(&self, name: &str) {
        self.by_role("button", name).click();
    }

    /// Fills both credentials with valid values and clicks Connect.
    pub async fn connect_with_valid_credentials(&self) {
        self.connect_with_valid_credentials_labelled("Connect").await;
    }

    /// The same, where the submit button reads `button`.
    pub async fn connect_with_valid_credentials_labelled(&self, button: &str) {
        self.type_into("Client ID", CLIENT_ID);
        self.type_into("Client Secret", CLIENT_SECRET);
        self.click(button);
        settle().await;
    }

    /// Presses `key` on the focused element (or the dialog); true when the page handled it.
    pub fn press(&self, key: &str, shift: bool) -> bool {
        let target = focused().or_else(|| self.dialog()).unwrap();
        press_key(&target, key, shift)
    }

    /// The message shown next to the field labelled `label`, if any.
    pub fn field_error(&self, label: &str) -> Option<String> {
        let input = self.input(label);
        let id = input.get_attribute("aria-describedby")?;
        by_id(&self.scope(), &id).map(|e| normalize(&e.text_content().unwrap_or_default()))
    }
}

impl Drop for Widget {
    fn drop(&mut self) {
        self.handle.destroy();
        self.root.remove();
        self.opener.remove();
        restore_fetch();
    }
}

/// An accounts list mounted in the test page, with a button outside it.
pub struct List {
    /// What it shows; the Reconnect dialog is the second shell in `root`.
    pub view: View,
    /// The list's handle.
    pub handle: AccountsHandle,
}

impl std::ops::Deref for List {
    type Target = View;

    fn deref(&self) -> &View {
        &self.view
    }
}

impl List {
    /// Mounts the list with an options object (which may hold callbacks).
    pub fn mount_with(options: JsValue) -> Result<List, JsValue> {
        let root: HtmlElement = document().create_element("div").unwrap().unchecked_into();
        document().body().unwrap().append_child(&root).unwrap();
        match mount_accounts(root.clone(), options) {
            Ok(handle) => Ok(List { view: View { root, shell: 0 }, handle }),
            Err(error) => {
                root.remove();
                Err(error.into())
            }
        }
    }

    /// The Reconnect dialog, once the list opened one: the second shell in `root`.
    pub fn reconnect_dialog(&self) -> View {
        View { root: self.root.clone(), shell: 1 }
    }
}

impl Drop for List {
    fn drop(&mut self) {
        self.handle.destroy();
        self.root.remove();
        restore_fetch();
    }
}
