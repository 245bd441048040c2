use crate::controller::Controller;
use crate::flow::Phase;
use crate::i18n::Messages;
use leptos::prelude::*;
use wasm_bindgen::JsValue;

/// The confirmation: what was linked, and a Done button.
#[component]
pub fn SuccessView(
    /// The dialog's controller.
    controller: Controller,
) -> impl IntoView {
    let messages = controller.messages;
    let Phase::Connected(account) = controller.phase().get_untracked() else {
        return ().into_any();
    };
    let environment = messages.environment_name(account.environment);
    let services = account.services.iter().map(|s| view! { <li>{s.product_name()}</li> }).collect_view();
    let connected_at = local_time(&account.connected_at, messages);
    view! {
        <div class="spsc-success">
            <div class="spsc-success-mark" aria-hidden="true">"✓"</div>
            <h3 class="spsc-success-title" tabindex="-1" data-spsc-autofocus="">{messages.success_title}</h3>
            <p>{messages.success_lead}</p>
            <dl class="spsc-summary">
                <dt>{messages.environment}</dt>
                <dd>{environment}</dd>
                <dt>{messages.summary_client_id}</dt>
                <dd class="spsc-mono">{account.client_id_hint.clone()}</dd>
                <dt>{messages.summary_services}</dt>
                <dd>
                    <ul class="spsc-services">{services}</ul>
                </dd>
                <dt>{messages.summary_connected_at}</dt>
                <dd>
                    <time datetime=account.connected_at.clone()>{connected_at}</time>
                </dd>
            </dl>
            {(!controller.is_inline()).then(|| view! {
                <button type="button" class="spsc-button spsc-primary" on:click=move |_| controller.close()>
                    {messages.done}
                </button>
            })}
        </div>
    }
    .into_any()
}

/// An RFC 3339 time as the reader's locale writes a date and time.
pub(super) fn local_time(rfc3339: &str, messages: &Messages) -> String {
    let date = js_sys::Date::new(&JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return rfc3339.to_owned();
    }
    let format = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&format, &"dateStyle".into(), &"medium".into());
    let _ = js_sys::Reflect::set(&format, &"timeStyle".into(), &"short".into());
    date.to_locale_string(messages.lang, &format).into()
}
