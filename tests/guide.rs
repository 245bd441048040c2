//! The guide and the dialog's structure, rendered in a real browser.
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn dialog_is_a_labelled_and_described_modal() {
    let widget = Widget::open("{}").await;
    let dialog = widget.dialog().expect("the dialog is shown after open()");
    assert_eq!(dialog.get_attribute("aria-modal").as_deref(), Some("true"));
    assert_eq!(support::accessible_name(&dialog), "Connect SPS Commerce");
    let described_by = dialog.get_attribute("aria-describedby").unwrap();
    let description = widget.scope().get_element_by_id(&described_by).unwrap();
    assert!(description.text_content().unwrap().contains("Client ID and Client Secret"));
}

#[wasm_bindgen_test]
async fn mounting_does_not_show_the_dialog_until_opened() {
    let widget = Widget::mount("{}").unwrap();
    settle().await;
    assert!(widget.dialog().is_none());
}

#[wasm_bindgen_test]
async fn guide_shows_the_notice_and_the_three_setup_steps() {
    let widget = Widget::open("{}").await;
    let text = widget.text();
    assert!(text.contains("Dev Center account with a Machine-to-Machine application"), "{text}");
    widget.by_role("heading", "Create a Machine-to-Machine application");
    widget.by_role("heading", "Sign in to the SPS Dev Center");
    widget.by_role("heading", "Configure the application");
    widget.by_role("heading", "Find your credentials");
    for name in [
        "Applications",
        "Create New Application",
        "Machine-to-Machine",
        "Sandbox Keys",
        "Production Keys",
        "Application Keys",
    ] {
        assert!(text.contains(name), "missing {name}");
    }
}

#[wasm_bindgen_test]
async fn dev_center_link_opens_in_a_new_tab_without_opener() {
    let widget = Widget::open("{}").await;
    let link = widget.by_role("link", "SPS Dev Center (opens in a new tab)");
    assert_eq!(link.get_attribute("href").as_deref(), Some("https://developercenter.spscommerce.com/"));
    assert_eq!(link.get_attribute("target").as_deref(), Some("_blank"));
    assert_eq!(link.get_attribute("rel").as_deref(), Some("noopener noreferrer"));
}

#[wasm_bindgen_test]
async fn services_list_shows_exactly_the_requested_services() {
    let widget = Widget::open(r#"{"services":["packing_slip","transaction"]}"#).await;
    let list = widget.by_role("list", "Services to authorize");
    let items: Vec<String> =
        (0..list.children().length()).map(|i| list.children().item(i).unwrap().text_content().unwrap()).collect();
    assert_eq!(items, ["Transaction API", "Packing Slip API"]);
}

#[wasm_bindgen_test]
async fn scoped_step_appears_only_for_its_services() {
    let transactions = Widget::open(r#"{"services":["transaction"]}"#).await;
    assert!(transactions.find_by_role("heading", "If a service is not offered").is_none());
    drop(transactions);
    let labels = Widget::open(r#"{"services":["shipping_label"]}"#).await;
    labels.by_role("heading", "If a service is not offered");
}

#[wasm_bindgen_test]
async fn hub_host_sees_the_linking_section_and_the_default_app_name() {
    let widget = Widget::open("{}").await;
    widget.by_role("heading", "Linking the account");
    assert!(widget.text().contains("for example StackOne Integration"));
}

#[wasm_bindgen_test]
async fn white_label_hides_the_linking_section_and_uses_the_portal_name() {
    let widget = Widget::open(r#"{"whiteLabel":{"enabled":true,"appName":"Acme *Portal*"}}"#).await;
    assert!(widget.find_by_role("heading", "Linking the account").is_none());
    assert!(!widget.text().contains("StackOne"));
    assert!(widget.text().contains("for example Acme *Portal*"), "{}", widget.text());
}

#[wasm_bindgen_test]
fn invalid_options_fail_mount_with_the_option_name_and_mount_nothing() {
    let document = web_sys::window().unwrap().document().unwrap();
    let container: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&container).unwrap();
    for (options, named) in [
        (r#"{"endpont":"/api"}"#, "`endpont`"),
        (r#"{"services":["transaction","labels"]}"#, "`services[1]`: unknown variant `labels`"),
        (r#"{"endpoint":"ftp://example.com"}"#, "endpoint"),
        (r#"{"endpoint":"/\\evil.example/x"}"#, "endpoint"),
        (r#"{"endpoint":"https://portal.example@evil.example/x"}"#, "endpoint"),
        (r#"{"theme":{"brand":"red;x"}}"#, "`theme.brand`"),
        (r#"{"theme":{"radius":"notaradius"}}"#, "`theme.radius`"),
        (r#"{"whiteLabel":{"appName":""}}"#, "whiteLabel.appName"),
        (r#"{"timeoutMs":"fast"}"#, "`timeoutMs`: invalid type: string \"fast\", expected"),
        (r#"{"timeoutMs":1500.5}"#, "`timeoutMs`: invalid type: a number with a fraction"),
        (r#"{"whiteLabel":{"appName":5}}"#, "`whiteLabel.appName`: invalid type: integer `5`, expected a string"),
        (r#"{"whiteLabel":{"enabled":true,"hideAttributon":true}}"#, "`whiteLabel.hideAttributon`"),
    ] {
        let options = js_sys::JSON::parse(options).unwrap();
        let Err(error) = sps_connect::mount(container.clone(), options) else {
            panic!("{named}: mount accepted invalid options");
        };
        let message = js_sys::Error::from(wasm_bindgen::JsValue::from(error)).message().as_string().unwrap();
        assert!(message.contains(named), "{named}: {message}");
        assert_eq!(container.child_element_count(), 0, "{named}: something was mounted");
    }
    container.remove();
}

// Regression: the options are read key by key from the page's own object, so `undefined` counts as
// not set and a function where data belongs is refused by name, not read as an empty object.
#[wasm_bindgen_test]
fn options_are_read_from_the_pages_own_object() {
    let document = web_sys::window().unwrap().document().unwrap();
    let container: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&container).unwrap();
    let set = |object: &js_sys::Object, key: &str, value: wasm_bindgen::JsValue| {
        js_sys::Reflect::set(object, &key.into(), &value).unwrap();
    };
    let options = js_sys::Object::new();
    set(&options, "locale", wasm_bindgen::JsValue::UNDEFINED);
    set(&options, "mode", "inline".into());
    let mut handle = sps_connect::mount(container.clone(), options.into()).expect("undefined is not set");
    assert!(handle.is_open(), "inline mode was read");
    handle.destroy();

    let options = js_sys::Object::new();
    set(&options, "whiteLabel", js_sys::Function::new_no_args("return 1").into());
    let Err(error) = sps_connect::mount(container.clone(), options.into()) else {
        panic!("a function was taken for the white-label settings");
    };
    let message = js_sys::Error::from(wasm_bindgen::JsValue::from(error)).message().as_string().unwrap();
    assert!(message.contains("`whiteLabel`: invalid type: a function"), "{message}");
    container.remove();
}
