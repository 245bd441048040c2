use crate::controller::Controller;
use crate::flow::Phase;
use leptos::prelude::*;
use sps_connect_wire::Environment;

/// Radio group choosing between the Sandbox and Production keys.
#[component]
pub fn EnvironmentPicker(
    /// The dialog's controller.
    controller: Controller,
) -> impl IntoView {
    let messages = controller.messages;
    let group = controller.id("environment");
    let locked = controller.with_options(|options| options.lock_environment);
    let unavailable = move || locked || controller.phase().with(|phase| *phase == Phase::Submitting);
    let choices = Environment::ALL
        .into_iter()
        .map(|environment| {
            let (name, hint) = match environment {
                Environment::Sandbox => (messages.sandbox, messages.sandbox_hint),
                Environment::Production => (messages.production, messages.production_hint),
            };
            let id = controller.id(&format!("environment-{}", environment.as_str()));
            let hint_id = format!("{id}-hint");
            view! {
                <div class="spsc-choice">
                    <input
                        type="radio"
                        id=id.clone()
                        name=group.clone()
                        value=environment.as_str()
                        aria-describedby=hint_id.clone()
                        disabled=unavailable
                        prop:checked=move || controller.draft().with(|d| d.environment == environment)
                        on:change=move |_| controller.choose_environment(environment)
                    />
                    <label for=id>
                        <span class="spsc-choice-name">{name}</span>
                        <span class="spsc-choice-hint" id=hint_id>{hint}</span>
                    </label>
                </div>
            }
        })
        .collect_view();
    view! {
        <fieldset class="spsc-environments">
            <legend class="spsc-label">{messages.environment}</legend>
            {choices}
        </fieldset>
    }
}
