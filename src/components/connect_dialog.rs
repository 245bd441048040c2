use super::{CredentialsForm, FailureView, GuideView, SuccessView};
use crate::controller::{deep_active_element, Controller};
use crate::flow::Phase;
use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

const FOCUSABLE: &str = "a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), \
                         textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Form,
    Connected,
    Failed,
}

/// The modal dialog: header, guide, and the form or its outcome.
///
/// Follows the WAI-ARIA dialog pattern: focus moves in on open, Tab cycles
/// inside, Escape closes, and focus returns to the opener.
#[component]
pub fn ConnectDialog(
    /// The dialog's controller.
    controller: Controller,
) -> impl IntoView {
    let messages = controller.messages;
    let on_keydown = move |ev: KeyboardEvent| match ev.key().as_str() {
        _ if controller.is_inline() => {}
        "Escape" => {
            ev.prevent_default();
            ev.stop_propagation();
            controller.close();
        }
        "Tab" => {
            if let Some(dialog) = controller.dialog().get_untracked() {
                keep_focus_inside(&dialog, &ev);
            }
        }
        _ => {}
    };
    let title_id = controller.id("title");
    let description_id = controller.id("description");
    let inline = controller.is_inline();
    let attribution =
        (!controller.with_options(|options| options.white_label.hide_attribution)).then_some(messages.attribution);
    let panel = move || {
        let stage = Memo::new(move |_| {
            controller.phase().with(|phase| match phase {
                Phase::Connected(_) => Stage::Connected,
                Phase::Failed(_) => Stage::Failed,
                _ => Stage::Form,
            })
        });
        view! {
            <div
                class="spsc-dialog"
                class:spsc-inline=inline
                role=if inline { "region" } else { "dialog" }
                aria-modal=(!inline).then_some("true")
                aria-labelledby=title_id.clone()
                aria-describedby=description_id.clone()
                lang=messages.lang
                node_ref=controller.dialog()
                on:keydown=on_keydown
            >
                <div class="spsc-header">
                    <h2 id=title_id.clone() class="spsc-title" tabindex="-1">
                        {messages.dialog_title}
                    </h2>
                    <p id=description_id.clone() class="spsc-description">
                        {messages.dialog_description}
                    </p>
                    {(!inline).then(|| view! {
                        <button
                            type="button"
                            class="spsc-close"
                            aria-label=messages.close
                            on:click=move |_| controller.close()
                        >
                            <span aria-hidden="true">"×"</span>
                        </button>
                    })}
                </div>
                <div class="spsc-body">
                    <Show when=move || stage.get() != Stage::Connected>
                        <GuideView controller />
                    </Show>
                    <div class="spsc-stage">
                        {move || match stage.get() {
                            Stage::Form => view! { <CredentialsForm controller /> }.into_any(),
                            Stage::Connected => view! { <SuccessView controller /> }.into_any(),
                            Stage::Failed => view! { <FailureView controller /> }.into_any(),
                        }}
                    </div>
                </div>
                {attribution.map(|text| view! { <p class="spsc-attribution">{text}</p> })}
            </div>
        }
    };
    view! {
        <Show when=move || controller.visible().get()>
            {if inline {
                panel().into_any()
            } else {
                view! {
                    <div
                        class="spsc-backdrop"
                        on:mousedown=|ev| {
                            if ev.target() == ev.current_target() {
                                ev.prevent_default();
                            }
                        }
                    >
                        {panel()}
                    </div>
                }
                .into_any()
            }}
        </Show>
    }
}

/// Keeps Tab and Shift+Tab cycling inside `dialog`, as a modal dialog must.
pub(super) fn keep_focus_inside(dialog: &Element, ev: &KeyboardEvent) {
    let Ok(nodes) = dialog.query_selector_all(FOCUSABLE) else {
        return;
    };
    let focusable: Vec<HtmlElement> = (0..nodes.length())
        .filter_map(|i| nodes.item(i))
        .filter_map(|node| node.dyn_into::<HtmlElement>().ok())
        .filter(|element| element.get_client_rects().length() > 0)
        .collect();
    let (Some(first), Some(last)) = (focusable.first(), focusable.last()) else {
        ev.prevent_default();
        return;
    };
    let active = deep_active_element(&document());
    let active_is = |element: &HtmlElement| active.as_ref().is_some_and(|a| a == element.as_ref() as &Element);
    let inside = focusable.iter().any(active_is);
    let wrap_to = if ev.shift_key() && (active_is(first) || !inside) {
        Some(last)
    } else if !ev.shift_key() && (active_is(last) || !inside) {
        Some(first)
    } else {
        None
    };
    if let Some(target) = wrap_to {
        ev.prevent_default();
        let _ = target.focus();
    }
}
