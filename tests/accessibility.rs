//! axe-core, run in the browser against every state of the dialog and the accounts list.
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const AXE: &str = include_str!("../node_modules/axe-core/axe.min.js");

/// Runs axe-core on the widget and fails with every violation it reports.
async fn assert_no_violations(widget: &View, state: &str) {
    if js_sys::Reflect::get(&js_sys::global(), &"axe".into()).unwrap().is_undefined() {
        js_sys::eval(AXE).unwrap();
    }
    let axe = js_sys::Reflect::get(&js_sys::global(), &"axe".into()).unwrap();
    let run: js_sys::Function = js_sys::Reflect::get(&axe, &"run".into()).unwrap().unchecked_into();
    let promise: js_sys::Promise = run.call1(&axe, &widget.root).unwrap().unchecked_into();
    let results = JsFuture::from(promise).await.unwrap();
    let violations: js_sys::Array = js_sys::Reflect::get(&results, &"violations".into()).unwrap().unchecked_into();
    let report: Vec<String> = violations
        .iter()
        .map(|v| {
            let id = js_sys::Reflect::get(&v, &"id".into()).unwrap().as_string().unwrap();
            let nodes: js_sys::Array = js_sys::Reflect::get(&v, &"nodes".into()).unwrap().unchecked_into();
            let html: Vec<String> =
                nodes.iter().map(|n| js_sys::Reflect::get(&n, &"html".into()).unwrap().as_string().unwrap()).collect();
            format!("{id}: {}", html.join(" | "))
        })
        .collect();
    let passes: js_sys::Array = js_sys::Reflect::get(&results, &"passes".into()).unwrap().unchecked_into();
    assert!(passes.length() > 10, "axe checked too little in {state}");
    assert!(report.is_empty(), "axe violations in {state}:\n{}", report.join("\n"));
}

#[wasm_bindgen_test]
async fn the_form_with_validation_errors_has_no_axe_violations() {
    let widget = Widget::open(r#"{"services":["transaction","shipping_label"]}"#).await;
    assert_no_violations(&widget, "the empty form").await;
    widget.click("Connect");
    settle().await;
    assert_no_violations(&widget, "the form with errors").await;
}

#[wasm_bindgen_test]
async fn the_failure_and_confirmation_have_no_axe_violations() {
    let widget = Widget::open("{}").await;
    answer_json(401, r#"{"error":"invalid_client","message":"SPS rejected the credentials.","retryable":false}"#);
    widget.connect_with_valid_credentials().await;
    until("the failure", || widget.find_by_role("alert", "").is_some()).await;
    assert_no_violations(&widget, "the failure").await;

    widget.click("Edit credentials");
    settle().await;
    answer_json(201, CONNECTED);
    widget.connect_with_valid_credentials().await;
    until("the confirmation", || widget.find_by_role("heading", "SPS Commerce account connected").is_some()).await;
    assert_no_violations(&widget, "the confirmation").await;
}

#[wasm_bindgen_test]
async fn the_dark_inline_german_widget_has_no_axe_violations() {
    let widget = Widget::open(r#"{"mode":"inline","locale":"de","theme":"dark","accountId":"acc_1"}"#).await;
    assert_no_violations(&widget, "the dark inline German form").await;
    widget.click("Verbinden");
    settle().await;
    assert_no_violations(&widget, "the dark form with errors").await;
}

const LISTED: &str = r#"{"accounts":[{"id":"acc_1","provider":"sps_commerce","environment":"production",
  "client_id_hint":"…nt01","client_id":"spsDemoProductionClient01","services":["transaction"],
  "connected_at":"2026-11-29T10:15:00Z","status":"needs_attention","status_reason":"invalid_client",
  "last_verified_at":"2026-11-29T10:15:00Z","last_checked_at":"2026-11-29T16:15:00Z","next_check_at":null,
  "watch_documents":false},{"id":"acc_2","provider":"sps_commerce","environment":"sandbox","client_id_hint":"…ox02",
  "client_id":"spsDemoSandboxClient02","services":["transaction","shipping_label"],"connected_at":"2026-11-29T10:15:00Z",
  "status":"active","status_reason":null,"last_verified_at":null,"last_checked_at":null,"next_check_at":null,
  "watch_documents":false}]}"#;

fn list_options(theme: &str) -> JsValue {
    js_sys::JSON::parse(&format!(r#"{{"sessionToken":"tok.a11y","theme":"{theme}"}}"#)).unwrap()
}

#[wasm_bindgen_test]
async fn the_accounts_list_has_no_axe_violations_in_any_state() {
    for theme in ["light", "dark"] {
        answer_by_hand();
        let list = List::mount_with(list_options(theme)).unwrap();
        until("the list asks", || pending() == 1).await;
        assert_no_violations(&list, &format!("the {theme} list while it loads")).await;
        deliver(0, 200, LISTED);
        until("the rows show", || list.text().contains("Needs attention")).await;
        assert_no_violations(&list, &format!("the {theme} list with an account that needs attention")).await;
        list.click("Disconnect Sandbox account …ox02");
        settle().await;
        list.by_role("alertdialog", "Disconnect this account?");
        assert_no_violations(&list, &format!("the {theme} disconnect confirmation")).await;
    }
    answer_by_hand();
    let empty = List::mount_with(list_options("light")).unwrap();
    until("the list asks", || pending() == 1).await;
    deliver(0, 200, r#"{"accounts":[]}"#);
    until("the empty list shows", || empty.text().contains("No SPS Commerce account")).await;
    assert_no_violations(&empty, "the empty list").await;
    drop(empty);
    answer_by_hand();
    let failed = List::mount_with(list_options("light")).unwrap();
    until("the list asks", || pending() == 1).await;
    deliver(0, 503, "");
    until("the failure shows", || failed.text().contains("could not be loaded")).await;
    assert_no_violations(&failed, "the list that could not be loaded").await;
}
