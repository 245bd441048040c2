use crate::controller::Controller;
use crate::flow::Phase;
use crate::validation::Field;
use leptos::prelude::*;

/// A labelled credential input with its validation message; the secret gets a reveal toggle.
#[component]
pub fn CredentialField(
    /// The dialog's controller.
    controller: Controller,
    /// Which credential this field edits.
    kind: Field,
) -> impl IntoView {
    let messages = controller.messages;
    let is_secret = kind == Field::ClientSecret;
    let label = if is_secret { messages.client_secret } else { messages.client_id };
    let input_id = controller.id(kind.slug());
    let error_id = controller.id(&format!("{}-error", kind.slug()));
    let issue = Memo::new(move |_| controller.errors().with(|errors| errors.and_then(|errors| errors.of(kind))));
    let value =
        move || controller.draft().with(|d| if is_secret { d.client_secret.clone() } else { d.client_id.clone() });
    let submitting = move || controller.phase().with(|phase| *phase == Phase::Submitting);
    let input_type = move || if is_secret && !controller.secret_revealed().get() { "password" } else { "text" };
    let updating = controller.with_options(|options| options.account_id.is_some());
    let placeholder = (is_secret && updating).then_some(messages.new_secret_placeholder);
    let reveal = is_secret.then(|| {
        view! {
            <button
                type="button"
                class="spsc-reveal"
                aria-controls=input_id.clone()
                on:click=move |_| controller.toggle_secret()
            >
                {move || if controller.secret_revealed().get() { messages.hide_secret } else { messages.show_secret }}
            </button>
        }
    });
    view! {
        <div class="spsc-field" class:spsc-field-invalid=move || issue.get().is_some()>
            <label for=input_id.clone() class="spsc-label">{label}</label>
            <div class="spsc-input-row">
                <input
                    id=input_id.clone()
                    name=kind.slug()
                    class="spsc-input"
                    type=input_type
                    autocomplete="off"
                    autocapitalize="off"
                    spellcheck="false"
                    aria-required="true"
                    aria-invalid=move || if issue.get().is_some() { "true" } else { "false" }
                    aria-describedby={
                        let error_id = error_id.clone();
                        move || issue.get().map(|_| error_id.clone())
                    }
                    readonly=submitting
                    placeholder=placeholder
                    data-spsc-autofocus=is_secret.then_some("")
                    prop:value=value
                    on:input:target=move |ev| {
                        let typed = ev.target().value();
                        controller.edit(|draft| if is_secret { draft.client_secret = typed } else { draft.client_id = typed });
                    }
                />
                {reveal}
            </div>
            {move || {
                issue
                    .get()
                    .map(|issue| {
                        view! {
                            <p id=error_id.clone() class="spsc-field-error">
                                {issue.message(messages, label)}
                            </p>
                        }
                    })
            }}
        </div>
    }
}
