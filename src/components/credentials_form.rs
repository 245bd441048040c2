use super::{CredentialField, EnvironmentPicker};
use crate::controller::Controller;
use crate::flow::Phase;
use crate::validation::Field;
use leptos::prelude::*;

/// The environment choice, both credentials and the Connect button.
#[component]
pub fn CredentialsForm(
    /// The dialog's controller.
    controller: Controller,
) -> impl IntoView {
    let messages = controller.messages;
    let updating = controller.with_options(|options| options.account_id.is_some());
    let submitting = Memo::new(move |_| controller.phase().with(|phase| *phase == Phase::Submitting));
    let status = move || {
        if submitting.get() {
            return messages.connecting_status.to_owned();
        }
        match controller.errors().get().map(|errors| errors.count()).filter(|&count| count > 0) {
            Some(count) => messages.count(&messages.fields_need_attention, count),
            None => String::new(),
        }
    };
    view! {
        <form
            class="spsc-form"
            aria-label=messages.form_label
            novalidate
            on:submit=move |ev| {
                ev.prevent_default();
                controller.submit();
            }
        >
            {updating.then(|| view! { <p class="spsc-info" role="note">{messages.reconnect_notice}</p> })}
            <EnvironmentPicker controller />
            <CredentialField controller kind=Field::ClientId />
            <CredentialField controller kind=Field::ClientSecret />
            <p class="spsc-visually-hidden" role="status" aria-live="polite">
                {status}
            </p>
            <button
                type="submit"
                class="spsc-button spsc-primary"
                aria-disabled=move || if submitting.get() { "true" } else { "false" }
                aria-busy=move || if submitting.get() { "true" } else { "false" }
            >
                <span class="spsc-spinner" aria-hidden="true" class:spsc-hidden=move || !submitting.get()></span>
                {move || if submitting.get() { messages.connecting } else { messages.connect }}
            </button>
        </form>
    }
}
