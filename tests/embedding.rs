//! Embedding in a portal: the JS API, the custom element, events and
//! callbacks, style isolation both ways, themes, locales and reconnect.
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let object = js_sys::Object::new();
    for (key, value) in pairs {
        js_sys::Reflect::set(&object, &(*key).into(), value).unwrap();
    }
    object.into()
}

fn types(events: &js_sys::Array) -> Vec<String> {
    events.iter().map(|e| field(e.unchecked_ref(), &["type"]).as_string().unwrap()).collect()
}

fn json(value: &JsValue) -> String {
    js_sys::JSON::stringify(value).unwrap().as_string().unwrap()
}

fn rect(element: &Element) -> (f64, f64, f64, f64) {
    let r = element.get_bounding_client_rect();
    (r.x().round(), r.y().round(), r.width().round(), r.height().round())
}

fn computed(element: &Element, property: &str) -> String {
    web_sys::window().unwrap().get_computed_style(element).unwrap().unwrap().get_property_value(property).unwrap()
}

#[wasm_bindgen_test]
async fn destroy_removes_every_node_and_stops_every_notification() {
    let (on_event, calls) = recorder();
    let mut widget = Widget::mount_with(object(&[("onEvent", on_event.into())])).unwrap();
    widget.handle.open().unwrap();
    settle().await;
    assert_eq!(widget.root.child_element_count(), 1);
    widget.handle.destroy();
    settle().await;
    assert_eq!(widget.root.child_element_count(), 0, "nodes left behind");
    assert!(widget.root.query_selector("[data-sps-connect]").unwrap().is_none());
    assert_eq!(types(&calls), ["opened", "closed"]);
    let escape = web_sys::KeyboardEvent::new("keydown").unwrap();
    document().dispatch_event(&escape).unwrap();
    settle().await;
    assert_eq!(calls.length(), 2, "a listener outlived destroy()");
    let error = widget.handle.open().unwrap_err();
    assert!(js_sys::Error::from(JsValue::from(error)).message().as_string().unwrap().contains("destroyed"));
    widget.handle.destroy();
}

#[wasm_bindgen_test]
async fn every_event_fires_once_in_order_with_payloads_and_never_the_secret() {
    let (on_event, stream) = recorder();
    let (on_success, successes) = recorder();
    let (on_error, errors) = recorder();
    let (on_close, closes) = recorder();
    let options = object(&[
        ("onEvent", on_event.into()),
        ("onSuccess", on_success.into()),
        ("onError", on_error.into()),
        ("onClose", on_close.into()),
    ]);
    let widget = Widget::mount_with(options).unwrap();
    let dom = events_on(
        &widget.root,
        &["sps-connect:event", "sps-connect:success", "sps-connect:error", "sps-connect:close"],
    );
    widget.handle.open().unwrap();
    settle().await;
    widget.click("Connect");
    settle().await;
    widget.input("Production").click();
    settle().await;
    answer_json(401, r#"{"error":"invalid_client","message":"no","retryable":false}"#);
    widget.connect_with_valid_credentials().await;
    until("the failure", || widget.find_by_role("alert", "").is_some()).await;
    widget.click("Edit credentials");
    settle().await;
    answer_json(201, CONNECTED);
    widget.type_into("Client Secret", CLIENT_SECRET);
    widget.click("Connect");
    until("the confirmation", || widget.find_by_role("heading", "SPS Commerce account connected").is_some()).await;
    widget.click("Done");
    settle().await;

    assert_eq!(
        types(&stream),
        [
            "opened",
            "validation_failed",
            "environment_changed",
            "submitted",
            "failed",
            "submitted",
            "connected",
            "closed"
        ]
    );
    let payloads: Vec<String> = stream.iter().map(|p| json(&p)).collect();
    assert!(payloads[1].contains(r#""fields":["client_id","client_secret"]"#), "{}", payloads[1]);
    assert!(payloads[2].contains(r#""environment":"production""#), "{}", payloads[2]);
    assert!(
        payloads[4].contains(r#""code":"invalid_client""#) && payloads[4].contains("Production keys"),
        "{}",
        payloads[4]
    );
    assert!(payloads[6].contains(r#""clientIdHint":"…X1yZ""#), "{}", payloads[6]);
    assert_eq!((successes.length(), errors.length(), closes.length()), (1, 1, 1));
    assert_eq!(field(successes.get(0).unchecked_ref(), &["account", "id"]).as_string().unwrap(), "acc_42");
    assert_eq!(field(errors.get(0).unchecked_ref(), &["code"]).as_string().unwrap(), "invalid_client");
    let dom_types: Vec<String> = dom
        .iter()
        .map(|e| field(e.unchecked_ref(), &["type"]).as_string().unwrap())
        .filter(|t| t != "sps-connect:event")
        .collect();
    assert_eq!(dom_types, ["sps-connect:error", "sps-connect:success", "sps-connect:close"]);
    assert_eq!(
        dom.iter().filter(|e| field(e.unchecked_ref(), &["type"]).as_string().unwrap() == "sps-connect:event").count(),
        8
    );
    assert!(dom
        .iter()
        .all(|e| field(e.unchecked_ref(), &["bubbles"]).is_truthy()
            && field(e.unchecked_ref(), &["composed"]).is_truthy()));
    let everything = format!("{}{}{}{}", json(&stream), json(&successes), json(&errors), json(&dom));
    assert!(!everything.contains(CLIENT_SECRET), "the secret reached the host");
}

#[wasm_bindgen_test]
fn invalid_callbacks_and_theme_values_name_the_option() {
    let container: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&container).unwrap();
    let cases = [
        (object(&[("onSuccess", "not a function".into())]), "`onSuccess`"),
        (js_sys::JSON::parse(r#"{"theme":{"brand":"notacolor"}}"#).unwrap(), "`theme.brand`"),
        (js_sys::JSON::parse(r#"{"theme":{"radius":"round"}}"#).unwrap(), "`theme.radius`"),
        (js_sys::JSON::parse(r#"{"mode":"popup"}"#).unwrap(), "`mode`"),
        (js_sys::JSON::parse(r#"[1,2]"#).unwrap(), "expected an object"),
    ];
    for (options, named) in cases {
        let Err(error) = sps_connect::mount(container.clone(), options) else { panic!("{named} was accepted") };
        let message = js_sys::Error::from(JsValue::from(error)).message().as_string().unwrap();
        assert!(message.contains(named), "{named}: {message}");
        assert_eq!(container.child_element_count(), 0, "{named}: something was mounted");
    }
    container.remove();
}

#[wasm_bindgen_test]
async fn the_custom_element_mounts_follows_its_attributes_and_cleans_up() {
    sps_connect::define_element();
    let element: HtmlElement = document().create_element("sps-connect").unwrap().unchecked_into();
    element.set_attribute("locale", "de").unwrap();
    element.set_attribute("services", "transaction packing_slip").unwrap();
    let seen = events_on(&element, &["sps-connect:close", "sps-connect:error"]);
    document().body().unwrap().append_child(&element).unwrap();
    let shadow = || shadow_of(&element).expect("the element renders into a shadow root");
    let call = |name: &str| {
        let method: js_sys::Function = js_sys::Reflect::get(&element, &name.into()).unwrap().unchecked_into();
        method.call0(&element).unwrap();
    };
    call("open");
    settle().await;
    let title = || shadow().query_selector("h2").unwrap().map(|h| h.text_content().unwrap());
    assert_eq!(title().as_deref(), Some("SPS Commerce verbinden"));

    element.set_attribute("locale", "en").unwrap();
    settle().await;
    assert_eq!(title().as_deref(), Some("Connect SPS Commerce"), "an attribute change remounts, still open");
    assert_eq!(element.child_element_count(), 1, "the old widget was removed");

    element.set_attribute("environment", "staging").unwrap();
    settle().await;
    let error =
        seen.iter().find(|e| field(e.unchecked_ref(), &["type"]).as_string().unwrap() == "sps-connect:error").unwrap();
    assert_eq!(field(error.unchecked_ref(), &["detail", "code"]).as_string().unwrap(), "invalid_options");
    assert!(field(error.unchecked_ref(), &["detail", "message"])
        .as_string()
        .unwrap()
        .contains("attribute `environment`"));
    assert_eq!(element.child_element_count(), 0, "an invalid attribute mounts nothing");

    element.set_attribute("environment", "production").unwrap();
    element.set_attribute("mode", "inline").unwrap();
    settle().await;
    assert!(shadow().query_selector("[role='region']").unwrap().is_some(), "inline shows at once");
    element.remove();
    settle().await;
    assert_eq!(element.child_element_count(), 0, "leaving the document destroys the widget");
}

/// Places `html` in a new container on the page the way an element written
/// in HTML meets the widget: parsed into an inert template first (where
/// `<sps-connect>` is not yet the widget), then adopted into the page, which
/// upgrades it with all its attributes already set.
fn parse_into_page(html: &str) -> HtmlElement {
    sps_connect::define_element();
    let container: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&container).unwrap();
    let template: web_sys::HtmlTemplateElement = document().create_element("template").unwrap().unchecked_into();
    template.set_inner_html(html);
    let parsed = document().import_node_with_deep(&template.content(), true).unwrap();
    container.append_child(&parsed).unwrap();
    container
}

// Regression: an element written in HTML mounted once per attribute (eleven shadow roots for one element).
#[wasm_bindgen_test]
async fn an_element_written_in_html_mounts_once_and_batches_attribute_changes() {
    let (shadow_roots, stop) = shadow_root_counter();
    let container = parse_into_page(
        r##"<sps-connect white-label app-name="Acme Freight" hide-attribution theme="dark" brand-color="#f59e0b"
            brand-contrast="#111827" radius="4px" font="Georgia, serif" locale="de" services="transaction"></sps-connect>"##,
    );
    let element = container.first_element_child().unwrap();
    settle().await;
    assert_eq!(shadow_roots(), 1, "one element, one shadow root");
    for (name, value) in
        [("locale", "en"), ("theme", "light"), ("radius", "2px"), ("app-name", "Acme"), ("font", "serif")]
    {
        element.set_attribute(name, value).unwrap();
    }
    settle().await;
    assert_eq!(shadow_roots(), 2, "five attribute changes in one task, one remount");
    assert_eq!(element.child_element_count(), 1);
    stop.call0(&JsValue::NULL).unwrap();
    container.remove();
}

#[wasm_bindgen_test]
async fn invalid_attributes_raise_one_error_per_change() {
    let container = parse_into_page("<div></div>");
    let seen = events_on(&container, &["sps-connect:error"]);
    container.set_inner_html(r#"<sps-connect environment="staging" theme="sepia" timeout-ms="soon"></sps-connect>"#);
    settle().await;
    assert_eq!(seen.length(), 1, "three bad attributes, one error");
    let element = container.first_element_child().unwrap();
    element.set_attribute("mode", "sideways").unwrap();
    element.set_attribute("locale", "x y").unwrap();
    settle().await;
    assert_eq!(seen.length(), 2, "two more bad attributes in one task, one more error");
    for name in ["mode", "locale", "environment", "theme", "timeout-ms"] {
        element.remove_attribute(name).unwrap();
    }
    element.set_attribute("brand-color", "red;x").unwrap();
    settle().await;
    let message = field(&seen.get(2).unchecked_into(), &["detail", "message"]).as_string().unwrap();
    assert!(message.contains("attribute `brand-color`"), "{message}");
    container.remove();
}

#[wasm_bindgen_test]
async fn the_open_attribute_opens_the_dialog_once_mounted() {
    let container = parse_into_page(r#"<sps-connect open></sps-connect>"#);
    let element = container.first_element_child().unwrap();
    settle().await;
    let shadow = shadow_of(&element).expect("mounted");
    assert!(shadow.query_selector("[role='dialog']").unwrap().is_some(), "the dialog is open");
    container.remove();
}

#[wasm_bindgen_test]
async fn open_right_after_an_attribute_change_opens_the_remounted_dialog() {
    let container = parse_into_page(r#"<sps-connect locale="de"></sps-connect>"#);
    let element: HtmlElement = container.first_element_child().unwrap().unchecked_into();
    settle().await;
    element.set_attribute("locale", "en").unwrap();
    let open: js_sys::Function = js_sys::Reflect::get(&element, &"open".into()).unwrap().unchecked_into();
    open.call0(&element).unwrap();
    settle().await;
    let shadow = shadow_of(&element).unwrap();
    let title = shadow.query_selector("[role='dialog'] h2").unwrap().map(|h| h.text_content().unwrap());
    assert_eq!(title.as_deref(), Some("Connect SPS Commerce"));
    container.remove();
}

#[wasm_bindgen_test]
async fn a_hostile_host_stylesheet_leaves_the_widget_intact() {
    let widget = Widget::open(r#"{"mode":"inline"}"#).await;
    let parts = || {
        let origin = rect(&widget.dialog_or_region());
        ["h2".to_owned(), "#".to_owned() + &widget.input("Client ID").id(), "button[type='submit']".to_owned()]
            .iter()
            .map(|selector| {
                let (x, y, w, h) = rect(&widget.scope().query_selector(selector).unwrap().unwrap());
                (x - origin.0, y - origin.1, w, h)
            })
            .chain([(0.0, 0.0, origin.2, origin.3)])
            .collect::<Vec<_>>()
    };
    let before = parts();
    let title_size = computed(&widget.scope().query_selector("h2").unwrap().unwrap(), "font-size");
    let hostile = document().create_element("style").unwrap();
    hostile.set_text_content(Some(
        "* { font: italic 31px/4 serif !important; letter-spacing: 3px !important; color: red !important; \
           text-transform: uppercase !important; box-sizing: content-box !important; }
         button { display: none !important; } input { width: 3px !important; border: 9px solid red !important; }
         h2, p, label { margin: 40px !important; padding: 25px !important; }",
    ));
    document().head().unwrap().append_child(&hostile).unwrap();
    settle().await;
    let after = parts();
    hostile.remove();
    assert_eq!(before, after, "the host's CSS moved the widget");
    assert_eq!(computed(&widget.scope().query_selector("h2").unwrap().unwrap(), "font-size"), title_size);
}

#[wasm_bindgen_test]
async fn the_widget_styles_never_touch_the_host_page() {
    let page = document().create_element("section").unwrap();
    page.set_inner_html(
        "<h2>Portal</h2><p>Text</p><button>Save</button><input value='x'><div class='spsc-dialog'>x</div>",
    );
    document().body().unwrap().append_child(&page).unwrap();
    let properties = [
        "font-family",
        "font-size",
        "color",
        "background-color",
        "margin-top",
        "padding-top",
        "box-sizing",
        "border-top-width",
        "display",
        "position",
    ];
    let snapshot = || {
        let nodes = page.query_selector_all("*").unwrap();
        (0..nodes.length())
            .flat_map(|i| {
                let element: Element = nodes.item(i).unwrap().unchecked_into();
                properties.map(|p| computed(&element, p))
            })
            .collect::<Vec<_>>()
    };
    let sheets = document().style_sheets().length();
    let before = snapshot();
    let widget = Widget::open(r#"{"theme":{"scheme":"dark","font":"monospace"}}"#).await;
    widget.click("Connect");
    settle().await;
    assert_eq!(snapshot(), before, "the widget restyled the host page");
    assert_eq!(document().style_sheets().length(), sheets, "the widget added a stylesheet to the page");
    page.remove();
}

#[wasm_bindgen_test]
async fn theme_tokens_and_schemes_style_the_widget() {
    let widget = Widget::open(r#"{"theme":{"scheme":"dark","brand":"rgb(124, 58, 237)","radius":"2px"}}"#).await;
    let connect = widget.by_role("button", "Connect");
    assert_eq!(computed(&connect, "background-color"), "rgb(124, 58, 237)");
    assert_eq!(computed(&connect, "border-top-left-radius"), "2px");
    assert_eq!(computed(&widget.dialog().unwrap(), "background-color"), "rgb(22, 27, 38)");
    drop(widget);

    let widget = Widget::mount("{}").unwrap();
    widget.root.style().set_property("--spsc-brand", "rgb(200, 16, 46)").unwrap();
    widget.handle.open().unwrap();
    settle().await;
    assert_eq!(
        computed(&widget.by_role("button", "Connect"), "background-color"),
        "rgb(200, 16, 46)",
        "host CSS variables reach in"
    );
    assert_eq!(computed(&widget.dialog().unwrap(), "background-color"), "rgb(255, 255, 255)");
}

#[wasm_bindgen_test]
async fn the_locale_switches_all_text_and_unknown_ones_fall_back_to_english() {
    let widget = Widget::open(r#"{"locale":"de-CH"}"#).await;
    widget.by_role("heading", "SPS Commerce verbinden");
    widget.by_role("heading", "Eine Machine-to-Machine-Anwendung anlegen");
    widget.by_role("button", "Verbinden");
    widget.by_role("button", "Secret anzeigen");
    assert_eq!(widget.dialog().unwrap().get_attribute("lang").as_deref(), Some("de"));
    widget.click("Verbinden");
    settle().await;
    assert_eq!(widget.field_error("Client ID").as_deref(), Some("Client ID fehlt. Bitte ausfüllen."));
    answer_json(502, r#"{"error":"provider_unavailable","message":"","retryable":true}"#);
    widget.connect_with_valid_credentials_labelled("Verbinden").await;
    until("the German failure", || widget.find_by_role("alert", "").is_some()).await;
    assert!(widget.text().contains("SPS Commerce antwortet gerade nicht"), "{}", widget.text());
    for english in ["Try again", "Sign in", "Enter the", "Details:", "Show secret"] {
        assert!(!widget.text().contains(english), "English left: {english}");
    }
    drop(widget);

    let (warnings, restore) = watch_warnings();
    let widget = Widget::open(r#"{"locale":"pt-BR"}"#).await;
    restore.call0(&JsValue::NULL).unwrap();
    widget.by_role("heading", "Connect SPS Commerce");
    assert_eq!(warnings.length(), 1);
    assert!(warnings.get(0).as_string().unwrap().contains("`pt-BR`"));
}

#[wasm_bindgen_test]
async fn reconnect_updates_the_link_without_showing_the_stored_secret() {
    let widget = Widget::open(r#"{"accountId":"acc_42"}"#).await;
    assert!(widget.text().contains("updating an existing SPS Commerce link"), "{}", widget.text());
    let secret = widget.input("Client Secret");
    assert_eq!(secret.value(), "");
    assert_eq!(secret.placeholder(), "Enter a new Client Secret");
    answer_json(200, CONNECTED);
    widget.connect_with_valid_credentials().await;
    until("the request", || !requests().is_empty()).await;
    let body = field(&requests()[0], &["body"]).as_string().unwrap();
    assert!(body.contains(r#""account_id":"acc_42""#), "{body}");
}

// Regression: a reconnect asked again for the Client ID the portal already knew.
#[wasm_bindgen_test]
async fn reconnect_fills_in_the_client_id_and_asks_only_for_the_new_secret() {
    let widget = Widget::open(&format!(r#"{{"accountId":"acc_42","clientId":"{CLIENT_ID}"}}"#)).await;
    assert_eq!(widget.input("Client ID").value(), CLIENT_ID);
    assert_eq!(widget.input("Client Secret").value(), "");
    answer_json(200, CONNECTED);
    widget.type_into("Client Secret", CLIENT_SECRET);
    widget.click("Connect");
    until("the request", || !requests().is_empty()).await;
    let body = field(&requests()[0], &["body"]).as_string().unwrap();
    assert!(
        body.contains(&format!(r#""client_id":"{CLIENT_ID}""#)) && body.contains(r#""account_id":"acc_42""#),
        "{body}"
    );
}

// Regression: the test clicked a disabled radio, which tests the browser, not the lock.
#[wasm_bindgen_test]
async fn a_locked_environment_cannot_be_changed() {
    let (on_event, stream) = recorder();
    let options = js_sys::JSON::parse(r#"{"environment":"production","lockEnvironment":true}"#).unwrap();
    js_sys::Reflect::set(&options, &"onEvent".into(), &on_event).unwrap();
    let widget = Widget::mount_with(options).unwrap();
    widget.handle.open().unwrap();
    settle().await;
    assert!(widget.input("Production").checked() && widget.input("Production").disabled());
    let sandbox = widget.input("Sandbox");
    assert!(sandbox.disabled());
    sandbox.remove_attribute("disabled").unwrap();
    sandbox.click();
    settle().await;
    assert!(widget.input("Production").checked(), "the lock holds even when the radio is enabled by hand");
    answer_json(201, CONNECTED);
    widget.connect_with_valid_credentials().await;
    until("the request", || !requests().is_empty()).await;
    let body = field(&requests()[0], &["body"]).as_string().unwrap();
    assert!(body.contains(r#""environment":"production""#), "{body}");
    assert!(!types(&stream).contains(&"environment_changed".to_owned()), "{:?}", types(&stream));
}

#[wasm_bindgen_test]
async fn a_german_dialog_shows_german_text_and_never_the_backends_english() {
    let widget = Widget::open(r#"{"locale":"de"}"#).await;
    answer_json(
        400,
        r#"{"error":"invalid_request","message":"Backend says client_id is required.","retryable":false}"#,
    );
    widget.connect_with_valid_credentials_labelled("Verbinden").await;
    until("the failure", || widget.find_by_role("alert", "").is_some()).await;
    let alert = widget.find_by_role("alert", "").unwrap().text_content().unwrap();
    assert!(alert.contains("Die Verbindungsanfrage wurde nicht angenommen"), "{alert}");
    assert!(!alert.contains("Backend says"), "{alert}");
}

#[wasm_bindgen_test]
async fn a_host_callback_that_throws_does_not_stop_the_widget() {
    let thrower = js_sys::Function::new_no_args("throw new Error('the host broke')");
    let options = js_sys::JSON::parse("{}").unwrap();
    for name in ["onEvent", "onSuccess", "onClose"] {
        js_sys::Reflect::set(&options, &name.into(), &thrower).unwrap();
    }
    let widget = Widget::mount_with(options).unwrap();
    let seen = events_on(&widget.root, &["sps-connect:success", "sps-connect:close"]);
    widget.handle.open().unwrap();
    settle().await;
    answer_json(201, CONNECTED);
    widget.connect_with_valid_credentials().await;
    until("the confirmation", || widget.find_by_role("heading", "SPS Commerce account connected").is_some()).await;
    widget.click("Done");
    settle().await;
    assert!(widget.dialog().is_none(), "the dialog still closes");
    assert_eq!(seen.length(), 2, "the DOM events still fire");
    widget.handle.open().unwrap();
    settle().await;
    assert!(widget.dialog().is_some(), "and it opens again");
}

#[wasm_bindgen_test]
async fn inline_mode_is_a_region_in_the_page() {
    let widget = Widget::mount(r#"{"mode":"inline"}"#).unwrap();
    settle().await;
    let region = widget.by_role("region", "Connect SPS Commerce");
    assert!(region.get_attribute("aria-modal").is_none());
    assert!(widget.scope().query_selector(".spsc-backdrop").unwrap().is_none());
    assert!(widget.find_by_role("button", "Close").is_none());
    widget.input("Client ID").focus().unwrap();
    assert!(!widget.press("Escape", false));
    settle().await;
    assert!(widget.find_by_role("region", "Connect SPS Commerce").is_some(), "Escape does not close an inline widget");
}

#[wasm_bindgen_test]
async fn attribution_shows_unless_white_label_hides_it() {
    let branded = Widget::open("{}").await;
    assert!(branded.text().contains("Powered by SPS Connect"));
    drop(branded);
    let white_label = Widget::open(r#"{"whiteLabel":{"enabled":true,"hideAttribution":true,"appName":"Acme"}}"#).await;
    assert!(!white_label.text().contains("SPS Connect"));
}

// Regression: without a `locale` the widget spoke English to every reader.
#[wasm_bindgen_test]
async fn without_a_locale_the_browsers_languages_choose_the_catalog() {
    let navigator = web_sys::window().unwrap().navigator();
    let speak = |tags: &[&str]| {
        let languages: js_sys::Array = tags.iter().map(|t| JsValue::from_str(t)).collect();
        let descriptor = js_sys::Object::new();
        let get = Closure::<dyn Fn() -> JsValue>::new(move || languages.clone().into()).into_js_value();
        js_sys::Reflect::set(&descriptor, &"get".into(), &get).unwrap();
        js_sys::Reflect::set(&descriptor, &"configurable".into(), &true.into()).unwrap();
        let target: &js_sys::Object = navigator.unchecked_ref();
        js_sys::Object::define_property(target, &"languages".into(), &descriptor);
    };
    let expectations = [
        (&["pt-BR", "fr-CA", "en"][..], r#"{"mode":"inline"}"#, "Connecter SPS Commerce"),
        (&["es-MX"][..], r#"{"mode":"inline"}"#, "Conectar SPS Commerce"),
        (&["ja"][..], r#"{"mode":"inline"}"#, "Connect SPS Commerce"),
        (&["fr"][..], r#"{"mode":"inline","locale":"de"}"#, "SPS Commerce verbinden"),
    ];
    for (languages, options, title) in expectations {
        speak(languages);
        let widget = Widget::open(options).await;
        assert!(widget.text().contains(title), "{languages:?} {options}: {}", widget.text());
        let lang = widget.dialog_or_region().closest("[lang]").unwrap().map(|e| e.get_attribute("lang").unwrap());
        assert_eq!(lang.as_deref(), Some(&title_lang(title)[..]), "the text says which language it is in");
    }
    let target: &js_sys::Object = navigator.unchecked_ref();
    js_sys::Reflect::delete_property(target, &"languages".into()).unwrap();
}

fn title_lang(title: &str) -> String {
    match title {
        "Connecter SPS Commerce" => "fr",
        "Conectar SPS Commerce" => "es",
        "SPS Commerce verbinden" => "de",
        _ => "en",
    }
    .to_owned()
}

// Regression: a page that did not keep mount()'s handle lost its inline widget when the garbage collector freed it.
#[wasm_bindgen_test]
async fn a_handle_the_page_lets_go_of_leaves_the_widget_showing() {
    let root: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&root).unwrap();
    let handle = sps_connect::mount(root.clone(), js_sys::JSON::parse(r#"{"mode":"inline"}"#).unwrap()).unwrap();
    drop(handle);
    settle().await;
    let view = View { root: root.clone(), shell: 0 };
    view.by_role("region", "Connect SPS Commerce");
    view.type_into("Client ID", CLIENT_ID);
    settle().await;
    assert_eq!(view.input("Client ID").value(), CLIENT_ID, "the widget still answers");

    let list_root: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&list_root).unwrap();
    answer_json(200, r#"{"accounts":[]}"#);
    let list = sps_connect::mount_accounts(list_root.clone(), JsValue::UNDEFINED).unwrap();
    drop(list);
    let list_view = View { root: list_root.clone(), shell: 0 };
    until("the list still reads its accounts", || list_view.text().contains("No SPS Commerce account")).await;
    root.remove();
    list_root.remove();
    stop_scripting_fetch();
}
