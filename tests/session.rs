//! Renewing the connect session in a real browser, with the backend's
//! answers scripted: the form the user filled is sent again, never retyped.
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

const EXPIRED: &str = r#"{"error":"session_invalid","message":"The connect session has expired.","retryable":false}"#;

/// A reference host token whose claims say it expired in 1970.
const STALE_TOKEN: &str = "eyJzdWIiOiJ1IiwiZXhwIjoxfQ.c2lnbmF0dXJl";

/// Options with `sessionToken`, and `fetchSessionToken` and `onEvent` when given.
fn options(token: &str, fetch: Option<&js_sys::Function>, on_event: Option<&js_sys::Function>) -> JsValue {
    let options = js_sys::Object::new();
    let set = |name: &str, value: &JsValue| js_sys::Reflect::set(&options, &name.into(), value).unwrap();
    set("sessionToken", &token.into());
    if let Some(fetch) = fetch {
        set("fetchSessionToken", fetch);
    }
    if let Some(on_event) = on_event {
        set("onEvent", on_event);
    }
    options.into()
}

async fn open_with(options: JsValue) -> Widget {
    let widget = Widget::mount_with(options).unwrap();
    widget.opener.focus().unwrap();
    widget.handle.open().unwrap();
    settle().await;
    widget
}

fn session_header(index: usize) -> String {
    field(&requests()[index], &["headers", "x-connect-session"]).as_string().unwrap()
}

fn body(index: usize) -> String {
    field(&requests()[index], &["body"]).as_string().unwrap()
}

fn types(events: &js_sys::Array) -> Vec<String> {
    events.iter().map(|e| field(e.unchecked_ref(), &["type"]).as_string().unwrap()).collect()
}

#[wasm_bindgen_test]
async fn an_expired_session_is_renewed_once_and_the_same_request_is_sent_again() {
    let (fetch, calls) = token_source(&["fresh.token"]);
    let (on_event, events) = recorder();
    let widget = open_with(options("old.token", Some(&fetch), Some(&on_event))).await;
    answer_by_hand();
    widget.connect_with_valid_credentials().await;
    until("the first request", || pending() == 1).await;
    deliver(0, 401, EXPIRED);
    until("the request sent again", || pending() == 2).await;
    assert!(widget.find_by_role("alert", "").is_none(), "nothing is shown while the session is renewed");
    deliver(1, 201, CONNECTED);
    until("the confirmation", || widget.find_by_role("heading", "SPS Commerce account connected").is_some()).await;

    assert_eq!((session_header(0), session_header(1)), ("old.token".to_owned(), "fresh.token".to_owned()));
    assert_eq!(body(0), body(1), "the same request, nothing retyped");
    assert_eq!(calls(), 1, "one renewal");
    assert_eq!(types(&events), ["opened", "submitted", "session_renewed", "connected"]);
    let reported = js_sys::JSON::stringify(&events).unwrap().as_string().unwrap();
    assert!(!reported.contains("fresh.token") && !reported.contains("old.token"), "never the token: {reported}");
}

#[wasm_bindgen_test]
async fn a_token_known_to_be_stale_is_renewed_before_it_is_sent() {
    let (fetch, calls) = token_source(&["fresh.token"]);
    let widget = open_with(options(STALE_TOKEN, Some(&fetch), None)).await;
    answer_json(201, CONNECTED);
    widget.connect_with_valid_credentials().await;
    until("the confirmation", || widget.find_by_role("heading", "SPS Commerce account connected").is_some()).await;
    assert_eq!(requests().len(), 1, "no request with the stale token");
    assert_eq!(session_header(0), "fresh.token");
    assert_eq!(calls(), 1);
}

#[wasm_bindgen_test]
async fn without_fetch_session_token_the_page_is_asked_by_an_event_and_answers_in_place() {
    let widget = open_with(options("old.token", None, None)).await;
    let asked = events_on(&widget.root, &["sps-connect:session-expired"]);
    answer_by_hand();
    widget.connect_with_valid_credentials().await;
    until("the first request", || pending() == 1).await;
    deliver(0, 401, EXPIRED);
    until("the page is asked for a session", || asked.length() == 1).await;
    let event = asked.get(0);
    assert_eq!(field(event.unchecked_ref(), &["bubbles"]).as_bool(), Some(true));
    assert_eq!(field(event.unchecked_ref(), &["composed"]).as_bool(), Some(true));
    widget.handle.set_session_token(Some("from.the.page".into())).unwrap();
    until("the request sent again", || pending() == 2).await;
    deliver(1, 201, CONNECTED);
    until("the confirmation", || widget.find_by_role("heading", "SPS Commerce account connected").is_some()).await;
    assert_eq!(session_header(1), "from.the.page");
    assert!(widget.handle.set_session_token(Some("has space".into())).is_err(), "an unusable token is refused");
}

// Regression: an expired session cleared the secret and told the user to reload, which lost it.
#[wasm_bindgen_test]
async fn when_renewal_fails_the_message_keeps_what_was_typed_and_try_again_sends_it() {
    let (fetch, calls) = token_source(&[]);
    let widget = open_with(options("old.token", Some(&fetch), None)).await;
    answer_json(401, EXPIRED);
    widget.connect_with_valid_credentials().await;
    until("the failure", || widget.find_by_role("alert", "").is_some()).await;
    let alert = widget.find_by_role("alert", "").unwrap().text_content().unwrap();
    assert!(alert.contains("could not be renewed") && alert.contains("What you typed is kept"), "{alert}");
    assert!(!alert.to_lowercase().contains("reload"), "{alert}");
    assert_eq!((requests().len(), calls()), (1, 1));

    answer_json(201, CONNECTED);
    widget.click("Try again");
    until("the confirmation", || widget.find_by_role("heading", "SPS Commerce account connected").is_some()).await;
    assert_eq!(requests().len(), 1, "answered at once, once scripted anew");
    let sent = js_sys::JSON::parse(&body(0)).unwrap();
    let secret = js_sys::Reflect::get(&sent, &"client_secret".into()).unwrap().as_string();
    assert_eq!(secret.as_deref(), Some(CLIENT_SECRET), "Try again sent what the user typed");
}

#[wasm_bindgen_test]
async fn a_page_that_never_answers_gets_the_message_after_the_renewal_wait() {
    let widget = open_with(options("old.token", None, None)).await;
    answer_json(401, EXPIRED);
    widget.connect_with_valid_credentials().await;
    until_long("the failure", || widget.find_by_role("alert", "").is_some()).await;
    widget.by_role("button", "Try again");
    assert_eq!(requests().len(), 1, "sent once: no renewal came");
}

/// A `<sps-connect>` written in HTML, inline, with `session-token`.
fn element(token: &str) -> (HtmlElement, View) {
    sps_connect::define_element();
    let container: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&container).unwrap();
    container.set_inner_html(&format!(r#"<sps-connect mode="inline" session-token="{token}"></sps-connect>"#));
    let element: HtmlElement = container.first_element_child().unwrap().unchecked_into();
    (container, View { root: element, shell: 0 })
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

// Regression: a new session-token attribute remounted the widget and lost what the user typed.
#[wasm_bindgen_test]
async fn the_elements_session_token_attribute_is_taken_in_place() {
    let (container, view) = element("old.token");
    settle().await;
    let (shadow_roots, stop) = shadow_root_counter();
    let asked = events_on(&view.root, &["sps-connect:session-expired"]);
    view.type_into("Client ID", CLIENT_ID);
    view.type_into("Client Secret", CLIENT_SECRET);
    view.root.set_attribute("session-token", "second.token").unwrap();
    settle().await;
    assert_eq!(shadow_roots(), 0, "not remounted");
    assert_eq!(view.input("Client Secret").value(), CLIENT_SECRET, "what the user typed stays");

    answer_by_hand();
    view.click("Connect");
    until("the first request", || pending() == 1).await;
    deliver(0, 401, EXPIRED);
    until("the page is asked for a session", || asked.length() == 1).await;
    view.root.set_attribute("session-token", "third.token").unwrap();
    until("the request sent again", || pending() == 2).await;
    deliver(1, 201, CONNECTED);
    until("the confirmation", || view.find_by_role("heading", "SPS Commerce account connected").is_some()).await;
    assert_eq!((session_header(0), session_header(1)), ("second.token".to_owned(), "third.token".to_owned()));
    assert_eq!(shadow_roots(), 0);
    stop.call0(&JsValue::NULL).unwrap();
    stop_scripting_fetch();
    container.remove();
}
