//! The accounts list in a real browser, with the host's answers scripted:
//! what it shows, what each action sends, where the focus goes, what the page hears.
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

const EXPIRED: &str = r#"{"error":"session_invalid","message":"The connect session has expired.","retryable":false}"#;

fn account(id: &str, environment: &str, hint: &str, status: &str, reason: &str) -> String {
    let tail = hint.trim_start_matches('…');
    format!(
        r#"{{"id":"{id}","provider":"sps_commerce","environment":"{environment}","client_id_hint":"{hint}",
        "client_id":"spsDemoClient{tail}","services":["transaction","packing_slip"],"connected_at":"2026-11-29T10:15:00Z",
        "status":"{status}","status_reason":{reason},"last_verified_at":"2026-11-29T10:15:00Z",
        "last_checked_at":null,"next_check_at":"2026-11-29T16:15:00Z","watch_documents":false}}"#
    )
}

fn production() -> String {
    account("acc_1", "production", "…nt01", "active", "null")
}

fn sandbox() -> String {
    account("acc_2", "sandbox", "…ox02", "active", "null")
}

fn two_accounts() -> String {
    format!(r#"{{"accounts":[{},{}]}}"#, production(), sandbox())
}

/// Options with a session token, `extra` fields, and the given callbacks.
fn options(extra: &str, callbacks: &[(&str, &js_sys::Function)]) -> JsValue {
    let options = js_sys::JSON::parse(&format!(r#"{{"sessionToken":"tok.first"{extra}}}"#)).unwrap();
    for (name, function) in callbacks {
        js_sys::Reflect::set(&options, &(*name).into(), function).unwrap();
    }
    options
}

/// Mounts the list and answers its first read with `body`.
async fn listed(body: &str, extra: &str, callbacks: &[(&str, &js_sys::Function)]) -> List {
    answer_by_hand();
    let list = List::mount_with(options(extra, callbacks)).unwrap();
    until("the list asks for the accounts", || pending() == 1).await;
    deliver(0, 200, body);
    until("the rows show", || list.find_by_role("button", "Verify Production account …nt01").is_some()).await;
    list
}

fn detail_of(calls: &js_sys::Array, index: u32) -> serde_json::Value {
    serde_wasm_bindgen::from_value(calls.get(index)).unwrap()
}

#[wasm_bindgen_test]
async fn the_list_shows_each_account_with_its_status_and_actions() {
    let (on_change, changes) = recorder();
    let list = listed(&two_accounts(), "", &[("onChange", &on_change)]).await;
    let request = &requests()[0];
    assert_eq!(field(request, &["method"]), "GET");
    assert!(field(request, &["url"]).as_string().unwrap().ends_with("/api/sps/accounts"));
    assert_eq!(field(request, &["headers", "x-connect-session"]), "tok.first");

    let caption = list.scope().query_selector("table caption").unwrap().unwrap();
    assert_eq!(caption.text_content().unwrap(), "Linked SPS Commerce accounts");
    assert_eq!(list.all_by_role("row", "").len(), 3, "a header row and one row per account");
    let text = list.text();
    assert!(text.contains("…nt01") && text.contains("…ox02"), "{text}");
    assert!(text.contains("Transaction API, Packing Slip API"), "{text}");
    assert!(text.contains("Active") && text.contains("Last: never"), "{text}");
    for action in ["Verify", "Reconnect", "Disconnect"] {
        list.by_role("button", &format!("{action} Sandbox account …ox02"));
    }
    assert_eq!(detail_of(&changes, 0)["change"], "loaded");
    assert_eq!(detail_of(&changes, 0)["accounts"].as_array().unwrap().len(), 2);
}

#[wasm_bindgen_test]
async fn allowed_actions_limit_the_buttons() {
    let list = listed(&two_accounts(), r#","allowActions":["verify"]"#, &[]).await;
    assert_eq!(list.all_by_role("button", "").len(), 2, "one Verify per row and nothing else");
    assert!(list.find_by_role("button", "Disconnect Production account …nt01").is_none());
}

// Regression: a verdict re-rendered the row, and the keyboard focus fell back to the page.
#[wasm_bindgen_test]
async fn a_verify_shows_the_verdict_in_the_row_and_keeps_the_focus() {
    let (on_change, changes) = recorder();
    let list = listed(&two_accounts(), "", &[("onChange", &on_change)]).await;
    let verify = list.by_role("button", "Verify Production account …nt01");
    verify.focus().unwrap();
    verify.click();
    settle().await;
    assert_eq!(verify.get_attribute("aria-disabled").as_deref(), Some("true"), "busy while SPS answers");
    let request = &requests()[1];
    assert_eq!(field(request, &["method"]), "POST");
    assert!(field(request, &["url"]).as_string().unwrap().ends_with("/api/sps/accounts/acc_1/verify"));
    let refused = account("acc_1", "production", "…nt01", "needs_attention", r#""invalid_client""#);
    deliver(1, 200, &format!(r#"{{"account":{refused}}}"#));
    until("the row shows the verdict", || list.text().contains("Needs attention")).await;
    assert!(list.text().contains("rotated or revoked"));
    let status = list.scope().query_selector("[role='status']").unwrap().unwrap();
    assert!(status.text_content().unwrap().starts_with("The Production account …nt01 needs attention"));
    assert_eq!(focused().as_ref(), Some(verify.unchecked_ref()), "the focus stays on the row's Verify button");
    assert_eq!(verify.get_attribute("aria-disabled"), None);
    assert_eq!(detail_of(&changes, 1)["change"], "verified");
    assert_eq!(detail_of(&changes, 1)["account_id"], "acc_1");
}

#[wasm_bindgen_test]
async fn a_verify_that_fails_says_why_and_changes_nothing() {
    let (on_error, errors) = recorder();
    let list = listed(&two_accounts(), "", &[("onError", &on_error)]).await;
    list.click("Verify Sandbox account …ox02");
    settle().await;
    deliver(1, 502, r#"{"error":"provider_unavailable","message":"SPS is down","retryable":true}"#);
    let status = list.scope().query_selector("[role='status']").unwrap().unwrap();
    until("the failure is said", || status.text_content().unwrap().contains("could not be verified")).await;
    assert!(list.text().contains("Active") && !list.text().contains("Needs attention"));
    assert_eq!(detail_of(&errors, 0)["code"], "provider_unavailable");
}

#[wasm_bindgen_test]
async fn a_disconnect_is_confirmed_and_the_focus_moves_to_the_next_row() {
    let (on_change, changes) = recorder();
    let list = listed(&two_accounts(), "", &[("onChange", &on_change)]).await;
    let disconnect = list.by_role("button", "Disconnect Production account …nt01");
    disconnect.focus().unwrap();
    disconnect.click();
    settle().await;
    let confirmation = list.by_role("alertdialog", "Disconnect this account?");
    assert!(confirmation.text_content().unwrap().contains("Production account …nt01 will be unlinked"));
    assert_eq!(focused().unwrap().text_content().unwrap(), "Cancel", "Enter keeps the account");
    assert!(list.press("Escape", false));
    settle().await;
    assert!(list.find_by_role("alertdialog", "Disconnect this account?").is_none());
    assert_eq!(focused().as_ref(), Some(disconnect.unchecked_ref()), "cancelling returns to the row");
    assert_eq!(requests().len(), 1, "nothing was sent");

    disconnect.click();
    settle().await;
    list.by_role("alertdialog", "Disconnect this account?");
    let confirm: Vec<_> = list.all_by_role("button", "Disconnect");
    confirm[0].unchecked_ref::<HtmlElement>().click();
    settle().await;
    let request = &requests()[1];
    assert_eq!(field(request, &["method"]), "DELETE");
    assert!(field(request, &["url"]).as_string().unwrap().ends_with("/api/sps/accounts/acc_1"));
    deliver(1, 204, "");
    until("the row leaves", || list.find_by_role("button", "Verify Production account …nt01").is_none()).await;
    let next = list.by_role("button", "Disconnect Sandbox account …ox02");
    until("the focus moves to the next row", || focused().as_ref() == Some(next.unchecked_ref())).await;
    let status = list.scope().query_selector("[role='status']").unwrap().unwrap();
    assert_eq!(status.text_content().unwrap(), "The Production account …nt01 is disconnected.");
    let detail = detail_of(&changes, 1);
    assert_eq!((detail["change"].as_str(), detail["accounts"].as_array().unwrap().len()), (Some("disconnected"), 1));
}

#[wasm_bindgen_test]
async fn the_last_disconnect_leaves_the_empty_list_focused() {
    let list = listed(&format!(r#"{{"accounts":[{}]}}"#, production()), "", &[]).await;
    list.click("Disconnect Production account …nt01");
    settle().await;
    list.all_by_role("button", "Disconnect")[0].unchecked_ref::<HtmlElement>().click();
    settle().await;
    deliver(1, 204, "");
    until("the empty list is said", || list.text().contains("No SPS Commerce account is linked yet.")).await;
    let container = list.scope().query_selector(".spsc-accounts").unwrap().unwrap();
    until("the list itself has the focus", || focused().as_ref() == Some(&container)).await;
}

#[wasm_bindgen_test]
async fn reconnect_opens_the_dialog_with_the_client_id_and_updates_the_row() {
    let (on_change, changes) = recorder();
    let list = listed(&two_accounts(), "", &[("onChange", &on_change)]).await;
    let reconnect = list.by_role("button", "Reconnect Production account …nt01");
    reconnect.focus().unwrap();
    reconnect.click();
    settle().await;
    let dialog = list.reconnect_dialog();
    dialog.by_role("dialog", "Connect SPS Commerce");
    assert_eq!(dialog.input("Client ID").value(), "spsDemoClientnt01");
    assert_eq!(dialog.input("Client Secret").value(), "");
    assert!(dialog.input("Production").checked());
    dialog.type_into("Client Secret", CLIENT_SECRET);
    dialog.click("Connect");
    settle().await;
    let request = &requests()[1];
    let sent: serde_json::Value = serde_json::from_str(&field(request, &["body"]).as_string().unwrap()).unwrap();
    assert_eq!((sent["account_id"].as_str(), sent["environment"].as_str()), (Some("acc_1"), Some("production")));
    assert_eq!(field(request, &["headers", "x-connect-session"]), "tok.first");
    deliver(1, 200, &format!(r#"{{"status":"connected","account":{}}}"#, production()));
    until("the dialog confirms", || dialog.text().contains("SPS Commerce account connected")).await;
    until("the list is read again", || pending() == 3).await;
    deliver(2, 200, &two_accounts());
    until("the page hears of it", || changes.length() == 2).await;
    assert_eq!(detail_of(&changes, 1)["change"], "reconnected");
    assert_eq!(detail_of(&changes, 1)["account_id"], "acc_1");
    let status = list.scope().query_selector("[role='status']").unwrap().unwrap();
    assert_eq!(status.text_content().unwrap(), "The Production account …nt01 is reconnected and active.");
    dialog.click("Done");
    until("the dialog is gone", || list.root.children().length() == 1).await;
    assert_eq!(focused().as_ref(), Some(reconnect.unchecked_ref()), "the focus returns to the row");
}

#[wasm_bindgen_test]
async fn a_list_that_cannot_be_read_says_so_and_tries_again() {
    let (on_error, errors) = recorder();
    answer_by_hand();
    let list = List::mount_with(options("", &[("onError", &on_error)])).unwrap();
    until("the list asks", || pending() == 1).await;
    deliver(0, 500, r#"{"error":"internal_error","message":"boom","retryable":true}"#);
    until("the failure shows", || list.find_by_role("alert", "").is_some()).await;
    assert!(list.text().starts_with("The accounts could not be loaded"), "{}", list.text());
    assert_eq!(detail_of(&errors, 0)["code"], "internal_error");
    list.click("Try again");
    until("it asks again", || pending() == 2).await;
    deliver(1, 200, &two_accounts());
    until("the rows show", || list.find_by_role("button", "Verify Production account …nt01").is_some()).await;
    assert!(list.find_by_role("alert", "").is_none());
}

#[wasm_bindgen_test]
async fn an_expired_session_is_renewed_by_the_page_once() {
    let (fetch, calls) = token_source(&["tok.second"]);
    answer_by_hand();
    let list = List::mount_with(options("", &[("fetchSessionToken", &fetch)])).unwrap();
    until("the list asks", || pending() == 1).await;
    deliver(0, 401, EXPIRED);
    until("it asks again with the new session", || pending() == 2).await;
    assert_eq!(calls(), 1);
    assert_eq!(field(&requests()[1], &["headers", "x-connect-session"]), "tok.second");
    deliver(1, 200, &two_accounts());
    until("the rows show", || list.find_by_role("button", "Verify Production account …nt01").is_some()).await;
}

#[wasm_bindgen_test]
async fn refresh_reads_the_list_again_in_place() {
    let list = listed(&format!(r#"{{"accounts":[{}]}}"#, production()), "", &[]).await;
    let verify = list.by_role("button", "Verify Production account …nt01");
    verify.focus().unwrap();
    list.handle.refresh().unwrap();
    until("it asks again", || pending() == 2).await;
    deliver(1, 200, &format!(r#"{{"accounts":[{},{}]}}"#, sandbox(), production()));
    until("the new account shows", || list.find_by_role("button", "Verify Sandbox account …ox02").is_some()).await;
    assert_eq!(focused().as_ref(), Some(verify.unchecked_ref()), "the focused row stayed");
}

#[wasm_bindgen_test]
fn bad_options_name_the_option_and_mount_nothing() {
    for (options, named) in [
        (r#"{"mode":"inline"}"#, "`mode`"),
        (r#"{"allowActions":["remove"]}"#, "`allowActions`"),
        (r#"{"accountsUrl":"//evil.example/a"}"#, "`accountsUrl`"),
    ] {
        let error = List::mount_with(js_sys::JSON::parse(options).unwrap()).err().expect(options);
        let message = js_sys::Reflect::get(&error, &"message".into()).unwrap().as_string().unwrap();
        assert!(message.contains(named), "{options}: {message}");
    }
}

#[wasm_bindgen_test]
async fn the_element_reads_its_attributes_and_reports_bad_ones() {
    sps_connect::define_accounts_element();
    answer_by_hand();
    let document = web_sys::window().unwrap().document().unwrap();
    let element: HtmlElement = document.create_element("sps-accounts").unwrap().unchecked_into();
    element.set_attribute("session-token", "tok.element").unwrap();
    element.set_attribute("allow-actions", "verify disconnect").unwrap();
    element.set_attribute("locale", "de").unwrap();
    document.body().unwrap().append_child(&element).unwrap();
    until("the element asks for the accounts", || pending() == 1).await;
    assert_eq!(field(&requests()[0], &["headers", "x-connect-session"]), "tok.element");
    deliver(0, 200, &two_accounts());
    let view = View { root: element.clone(), shell: 0 };
    until("the German rows show", || view.find_by_role("button", "Konto …nt01 (Produktion) prüfen").is_some()).await;
    assert!(view.find_by_role("button", "Konto …nt01 (Produktion) neu verbinden").is_none());
    let errors = events_on(&element, &["sps-accounts:error"]);
    element.set_attribute("allow-actions", "verify archive").unwrap();
    until("the bad attribute is reported", || errors.length() == 1).await;
    let detail = js_sys::Reflect::get(&errors.get(0), &"detail".into()).unwrap();
    let message = js_sys::Reflect::get(&detail, &"message".into()).unwrap().as_string().unwrap();
    assert!(message.contains("`allow-actions`"), "{message}");
    element.remove();
    stop_scripting_fetch();
}
