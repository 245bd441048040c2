//! axe-core, run in the browser against every state of the dialog.
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const AXE: &str = include_str!("../node_modules/axe-core/axe.min.js");

/// Runs axe-core on the widget and fails with every violation it reports.
async fn assert_no_violations(widget: &Widget, state: &str) {
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
