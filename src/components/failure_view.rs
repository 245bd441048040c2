use crate::controller::Controller;
use crate::flow::Phase;
use leptos::prelude::*;

/// Explains why the attempt failed and leads back to the form.
#[component]
pub fn FailureView(
    /// The dialog's controller.
    controller: Controller,
) -> impl IntoView {
    let messages = controller.messages;
    let Phase::Failed(failure) = controller.phase().get_untracked() else {
        return ().into_any();
    };
    let environment = controller.draft().with_untracked(|draft| draft.environment);
    let action = if failure.is_retryable() { messages.try_again } else { messages.edit_credentials };
    view! {
        <div class="spsc-failure" data-error-code=failure.code()>
            <div class="spsc-alert" role="alert">
                <h3 class="spsc-alert-title">{messages.failure_title}</h3>
                <p>{failure.message(messages, environment)}</p>
                {failure.detail(messages).map(|detail| {
                    view! { <p class="spsc-detail">{messages.failure_details} " " {detail.to_owned()}</p> }
                })}
            </div>
            <button
                type="button"
                class="spsc-button spsc-primary"
                data-spsc-autofocus=""
                on:click=move |_| controller.retry()
            >
                {action}
            </button>
        </div>
    }
    .into_any()
}
