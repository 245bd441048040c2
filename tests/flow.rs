//! The connect flow in a real browser, with the backend's answers scripted.
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

fn is(element: &Option<Element>, expected: &web_sys::HtmlElement) -> bool {
    element.as_ref().is_some_and(|e| e == expected.unchecked_ref::<Element>())
}

#[wasm_bindgen_test]
async fn empty_form_shows_a_message_next_to_each_field_and_sends_nothing() {
    let widget = Widget::open("{}").await;
    answer_json(201, CONNECTED);
    widget.click("Connect");
    settle().await;
    assert_eq!(widget.field_error("Client ID").as_deref(), Some("Enter the Client ID."));
    assert_eq!(widget.field_error("Client Secret").as_deref(), Some("Enter the Client Secret."));
    assert_eq!(widget.input("Client ID").get_attribute("aria-invalid").as_deref(), Some("true"));
    assert!(widget.text().contains("2 fields need your attention"));
    assert!(is(&focused(), &widget.input("Client ID").unchecked_into()));
    assert!(requests().is_empty());
}

#[wasm_bindgen_test]
async fn malformed_values_are_explained_and_fixing_them_clears_the_message() {
    let widget = Widget::open("{}").await;
    widget.type_into("Client ID", "abc def ghi");
    widget.type_into("Client Secret", "short");
    widget.click("Connect");
    settle().await;
    assert!(widget.field_error("Client ID").unwrap().contains("spaces or line breaks"));
    assert!(widget.field_error("Client Secret").unwrap().contains("at least 8 characters"));
    widget.type_into("Client ID", CLIENT_ID);
    settle().await;
    assert_eq!(widget.field_error("Client ID"), None);
    assert_eq!(widget.input("Client ID").get_attribute("aria-invalid").as_deref(), Some("false"));
    assert!(widget.text().contains("1 field needs your attention"), "the singular form: {}", widget.text());
}

#[wasm_bindgen_test]
async fn successful_connect_posts_the_contract_and_shows_the_account() {
    let widget =
        Widget::open(r#"{"endpoint":"/portal/sps","sessionToken":"sess.abc.123","environment":"production"}"#).await;
    answer_json(201, CONNECTED);
    widget.type_into("Client ID", &format!("  {CLIENT_ID} "));
    widget.type_into("Client Secret", CLIENT_SECRET);
    widget.click("Connect");
    until("the confirmation", || widget.find_by_role("heading", "SPS Commerce account connected").is_some()).await;

    let sent = requests();
    assert_eq!(sent.len(), 1);
    let request = &sent[0];
    assert_eq!(field(request, &["method"]).as_string().unwrap(), "POST");
    assert!(field(request, &["url"]).as_string().unwrap().ends_with("/portal/sps"));
    assert_eq!(field(request, &["headers", "x-connect-session"]).as_string().unwrap(), "sess.abc.123");
    assert!(field(request, &["headers", "content-type"]).as_string().unwrap().starts_with("application/json"));
    let body = js_sys::JSON::parse(&field(request, &["body"]).as_string().unwrap()).unwrap();
    let body_field = |name: &str| js_sys::Reflect::get(&body, &name.into()).unwrap().as_string();
    assert_eq!(body_field("environment").as_deref(), Some("production"));
    assert_eq!(body_field("client_id").as_deref(), Some(CLIENT_ID));
    assert_eq!(body_field("client_secret").as_deref(), Some(CLIENT_SECRET));

    let text = widget.text();
    for expected in ["Production", "…X1yZ", "Transaction API", "Packing Slip API", "2026"] {
        assert!(text.contains(expected), "missing {expected} in {text}");
    }
    assert!(!text.contains(CLIENT_SECRET));
    assert!(widget.find_by_role("heading", "Create a Machine-to-Machine application").is_none(), "the guide gives way");
    // Regression: the separator that parts the guide from the form stayed above the check mark.
    let stage = widget.scope().query_selector(".spsc-stage").unwrap().unwrap();
    let style = web_sys::window().unwrap().get_computed_style(&stage).unwrap().unwrap();
    assert_eq!(style.get_property_value("border-top-style").unwrap(), "none", "no line above the confirmation");
    until("focus on the confirmation", || {
        focused().is_some_and(|e| e.text_content().unwrap_or_default() == "SPS Commerce account connected")
    })
    .await;
    assert!(widget.scope().query_selector("input[type=password]").unwrap().is_none());

    widget.click("Done");
    settle().await;
    assert!(widget.dialog().is_none());
    assert!(is(&focused(), &widget.opener));
}

#[wasm_bindgen_test]
async fn each_backend_error_gets_its_own_actionable_message() {
    let cases = [
        (400, "invalid_request", false, "was not accepted", "Edit credentials"),
        (401, "invalid_client", false, "did not accept these credentials", "Edit credentials"),
        (403, "unauthorized_client", false, "may not use client credentials", "Edit credentials"),
        (403, "access_denied", false, "not authorized for the requested SPS services", "Edit credentials"),
        (429, "rate_limited", true, "Too many attempts", "Try again"),
        (502, "provider_unavailable", true, "SPS Commerce is not responding", "Try again"),
    ];
    for (status, code, retryable, message, action) in cases {
        let widget = Widget::open("{}").await;
        answer_json(
            status,
            &format!(r#"{{"error":"{code}","message":"Backend says {code}.","retryable":{retryable}}}"#),
        );
        widget.connect_with_valid_credentials().await;
        until(code, || widget.find_by_role("alert", "").is_some()).await;
        let alert = widget.find_by_role("alert", "").unwrap().text_content().unwrap();
        assert!(alert.contains(message), "{code}: {alert}");
        let shows_backend = alert.contains(&format!("Backend says {code}."));
        assert_eq!(
            shows_backend,
            code == "invalid_request",
            "{code}: the backend's words only where they add: {alert}"
        );
        widget.by_role("button", action);
    }
}

#[wasm_bindgen_test]
async fn answers_outside_the_contract_become_clear_generic_errors() {
    let cases = [
        (0, "", "", "could not be reached"),
        (500, "", "", "could not be reached"),
        (502, "<html><body>Bad Gateway</body></html>", "text/html", "could not be reached"),
        (500, "<!doctype html><h1>Internal Server Error</h1>", "text/html", "unexpected answer (HTTP 500)"),
        (200, "", "application/json", "unexpected answer (HTTP 200)"),
        (404, "Not Found", "text/plain", "unexpected answer (HTTP 404)"),
    ];
    for (status, body, content_type, message) in cases {
        let widget = Widget::open("{}").await;
        answer_with(status, body, content_type, 5);
        widget.connect_with_valid_credentials().await;
        until(message, || widget.find_by_role("alert", "").is_some()).await;
        let alert = widget.find_by_role("alert", "").unwrap().text_content().unwrap();
        assert!(alert.contains(message), "{status}: {alert}");
        assert!(!alert.contains("<h1>") && !alert.contains("Bad Gateway"), "{status}: {alert}");
        widget.by_role("button", "Try again");
    }
}

#[wasm_bindgen_test]
async fn a_backend_that_never_answers_times_out() {
    let widget = Widget::open(r#"{"timeoutMs":1000}"#).await;
    answer_with(201, CONNECTED, "application/json", 60_000);
    widget.connect_with_valid_credentials().await;
    until_long("the timeout", || widget.find_by_role("alert", "").is_some()).await;
    let alert = widget.find_by_role("alert", "").unwrap().text_content().unwrap();
    assert!(alert.contains("took too long"), "{alert}");
    assert_eq!(aborted(), 1);
}

#[wasm_bindgen_test]
async fn retry_keeps_the_client_id_but_never_shows_the_secret_again() {
    let widget = Widget::open("{}").await;
    answer_json(401, r#"{"error":"invalid_client","message":"","retryable":false}"#);
    widget.connect_with_valid_credentials().await;
    until("the failure", || widget.find_by_role("alert", "").is_some()).await;
    until("focus on the way back", || focused().is_some_and(|e| e.text_content().unwrap() == "Edit credentials")).await;
    widget.click("Edit credentials");
    settle().await;
    assert_eq!(widget.input("Client ID").value(), CLIENT_ID);
    assert_eq!(widget.input("Client Secret").value(), "");
    until("focus on the secret", || is(&focused(), &widget.input("Client Secret").unchecked_into())).await;
}

#[wasm_bindgen_test]
async fn connect_cannot_be_submitted_twice() {
    let widget = Widget::open("{}").await;
    answer_by_hand();
    widget.connect_with_valid_credentials().await;
    let button = widget.by_role("button", "Connecting…");
    assert_eq!(button.get_attribute("aria-disabled").as_deref(), Some("true"));
    assert!(widget.text().contains("Connecting to SPS Commerce…"));
    button.click();
    widget.input("Client Secret").form().unwrap().request_submit().unwrap();
    settle().await;
    assert_eq!(pending(), 1, "the second and third submits sent nothing");
    deliver(0, 201, CONNECTED);
    until("the confirmation", || widget.find_by_role("heading", "SPS Commerce account connected").is_some()).await;
    assert_eq!(requests().len(), 1);
}

#[wasm_bindgen_test]
async fn escape_closes_and_returns_focus_to_the_opener() {
    let widget = Widget::open("{}").await;
    until("focus in the dialog", || focused().is_some_and(|e| widget.dialog().unwrap().contains(Some(&e)))).await;
    widget.type_into("Client Secret", CLIENT_SECRET);
    widget.input("Client Secret").focus().unwrap();
    assert!(widget.press("Escape", false), "the widget handled the key");
    settle().await;
    assert!(widget.dialog().is_none());
    assert!(is(&focused(), &widget.opener));
    widget.handle.open().unwrap();
    settle().await;
    assert_eq!(widget.input("Client Secret").value(), "", "the secret is forgotten on close");
}

// Regression: Escape pressed while the stage changed (the focused button gone,
// focus not yet moved) reached the page, not the dialog, which stayed open.
#[wasm_bindgen_test]
async fn escape_closes_the_dialog_even_while_focus_is_between_stages() {
    let widget = Widget::open("{}").await;
    answer_json(401, r#"{"error":"invalid_client","message":"no","retryable":false}"#);
    widget.connect_with_valid_credentials().await;
    until("the failure", || widget.find_by_role("alert", "").is_some()).await;
    widget.click("Edit credentials");
    if let Some(active) = focused() {
        active.unchecked_into::<web_sys::HtmlElement>().blur().unwrap();
    }
    let body = web_sys::window().unwrap().document().unwrap().body().unwrap();
    assert!(press_key_on(&body, "Escape"), "the widget handled the key");
    settle().await;
    assert!(widget.dialog().is_none());
    assert!(is(&focused(), &widget.opener));
}

// Regression: the fake used to drop its answer on abort, so no late answer ever reached the widget.
#[wasm_bindgen_test]
async fn an_answer_that_arrives_after_close_is_ignored() {
    let widget = Widget::open("{}").await;
    answer_by_hand();
    widget.connect_with_valid_credentials().await;
    until("the request", || pending() == 1).await;
    widget.click("Close");
    settle().await;
    assert!(widget.dialog().is_none());
    assert_eq!(aborted(), 1);
    deliver(0, 201, CONNECTED);
    settle().await;
    widget.handle.open().unwrap();
    settle().await;
    widget.by_role("button", "Connect");
    assert!(widget.find_by_role("heading", "SPS Commerce account connected").is_none());
}

#[wasm_bindgen_test]
async fn an_answer_to_an_older_attempt_is_never_taken_for_the_current_one() {
    let widget = Widget::open("{}").await;
    answer_by_hand();
    widget.connect_with_valid_credentials().await;
    until("the first request", || pending() == 1).await;
    widget.click("Close");
    widget.handle.open().unwrap();
    settle().await;
    widget.connect_with_valid_credentials().await;
    until("the second request", || pending() == 2).await;
    deliver(0, 201, CONNECTED);
    settle().await;
    assert!(widget.find_by_role("heading", "SPS Commerce account connected").is_none(), "the first answer was stale");
    widget.by_role("button", "Connecting…");
    deliver(1, 401, r#"{"error":"invalid_client","message":"","retryable":false}"#);
    until("the second answer", || widget.find_by_role("alert", "").is_some()).await;
}

#[wasm_bindgen_test]
async fn try_again_after_a_passing_fault_sends_the_same_request_without_retyping() {
    let widget = Widget::open("{}").await;
    answer_by_hand();
    widget.connect_with_valid_credentials().await;
    until("the request", || pending() == 1).await;
    deliver(0, 503, r#"{"error":"provider_unavailable","message":"SPS is down.","retryable":true}"#);
    until("the failure", || widget.find_by_role("alert", "").is_some()).await;
    widget.click("Try again");
    until("a second request", || pending() == 2).await;
    let bodies: Vec<String> = requests().iter().map(|r| field(r, &["body"]).as_string().unwrap()).collect();
    assert_eq!(bodies[0], bodies[1], "the same request again");
    assert!(bodies[1].contains(CLIENT_SECRET));
    deliver(1, 201, CONNECTED);
    until("the confirmation", || widget.find_by_role("heading", "SPS Commerce account connected").is_some()).await;
    widget.click("Done");
    widget.handle.open().unwrap();
    settle().await;
    assert_eq!(widget.input("Client Secret").value(), "", "the secret is gone after success");
}

#[wasm_bindgen_test]
async fn a_secret_kept_for_try_again_is_forgotten_on_close() {
    let widget = Widget::open("{}").await;
    answer_with(0, "", "", 5);
    widget.connect_with_valid_credentials().await;
    until("the failure", || widget.find_by_role("alert", "").is_some()).await;
    widget.click("Close");
    widget.handle.open().unwrap();
    settle().await;
    assert_eq!(widget.input("Client Secret").value(), "");
    assert_eq!(widget.input("Client ID").value(), CLIENT_ID);
}

#[wasm_bindgen_test]
async fn destroy_while_a_request_is_in_flight_aborts_it_and_ignores_its_answer() {
    let (on_success, successes) = recorder();
    let options = js_sys::JSON::parse("{}").unwrap();
    js_sys::Reflect::set(&options, &"onSuccess".into(), &on_success).unwrap();
    let mut widget = Widget::mount_with(options).unwrap();
    widget.handle.open().unwrap();
    settle().await;
    answer_by_hand();
    widget.connect_with_valid_credentials().await;
    until("the request", || pending() == 1).await;
    widget.handle.destroy();
    assert_eq!(aborted(), 1);
    deliver(0, 201, CONNECTED);
    settle().await;
    assert_eq!(successes.length(), 0, "no success from a destroyed widget");
    assert_eq!(widget.root.child_element_count(), 0);
    assert!(widget.handle.open().is_err());
}

#[wasm_bindgen_test]
async fn focus_starts_on_the_title_and_tab_stays_inside_the_dialog() {
    let widget = Widget::open("{}").await;
    until("focus on the title", || focused().is_some_and(|e| e.text_content().unwrap() == "Connect SPS Commerce"))
        .await;
    let close = widget.by_role("button", "Close");
    let connect = widget.by_role("button", "Connect");
    connect.focus().unwrap();
    assert!(widget.press("Tab", false));
    assert!(is(&focused(), &close));
    assert!(widget.press("Tab", true));
    assert!(is(&focused(), &connect));
    widget.input("Client ID").focus().unwrap();
    assert!(!widget.press("Tab", false), "Tab between inner fields is left to the browser");
}

#[wasm_bindgen_test]
async fn secret_input_is_masked_private_and_can_be_revealed() {
    let widget = Widget::open("{}").await;
    let secret = widget.input("Client Secret");
    assert_eq!(secret.type_(), "password");
    assert_eq!(secret.get_attribute("autocomplete").as_deref(), Some("off"));
    assert_eq!(secret.get_attribute("spellcheck").as_deref(), Some("false"));
    widget.type_into("Client Secret", CLIENT_SECRET);
    widget.click("Show secret");
    settle().await;
    assert_eq!(widget.input("Client Secret").type_(), "text");
    assert_eq!(widget.input("Client Secret").value(), CLIENT_SECRET);
    widget.click("Hide secret");
    settle().await;
    assert_eq!(widget.input("Client Secret").type_(), "password");
}

#[wasm_bindgen_test]
async fn environment_choice_is_sent_with_the_request() {
    let widget = Widget::open("{}").await;
    answer_json(201, CONNECTED);
    let production = widget.input("Production");
    assert!(widget.input("Sandbox").checked());
    production.click();
    widget.connect_with_valid_credentials().await;
    until("the request", || !requests().is_empty()).await;
    let body = field(&requests()[0], &["body"]).as_string().unwrap();
    assert!(body.contains(r#""environment":"production""#), "{body}");
}

#[wasm_bindgen_test]
async fn host_page_hears_success_and_close_as_bubbling_composed_events() {
    let widget = Widget::open("{}").await;
    let seen = events_on(
        &web_sys::window().unwrap().document().unwrap().body().unwrap(),
        &["sps-connect:success", "sps-connect:close"],
    );
    answer_json(201, CONNECTED);
    widget.connect_with_valid_credentials().await;
    until("the success event", || seen.length() == 1).await;
    let success = seen.get(0);
    assert_eq!(field(success.unchecked_ref(), &["type"]).as_string().unwrap(), "sps-connect:success");
    assert_eq!(field(success.unchecked_ref(), &["detail", "account", "id"]).as_string().unwrap(), "acc_42");
    assert!(field(success.unchecked_ref(), &["bubbles"]).is_truthy());
    assert!(field(success.unchecked_ref(), &["composed"]).is_truthy());
    let payload = js_sys::JSON::stringify(&field(success.unchecked_ref(), &["detail"])).unwrap().as_string().unwrap();
    assert!(!payload.contains(CLIENT_SECRET), "{payload}");
    widget.click("Done");
    settle().await;
    assert_eq!(seen.length(), 2);
    assert_eq!(field(seen.get(1).unchecked_ref(), &["type"]).as_string().unwrap(), "sps-connect:close");
}
