use super::connect_dialog::keep_focus_inside;
use crate::accounts::AccountWords;
use crate::list::AccountsList;
use leptos::ev::KeyboardEvent;
use leptos::prelude::*;

/// Asks before an account is disconnected: a modal alert dialog whose Cancel
/// has the focus, so that Enter keeps the account. Escape cancels.
#[component]
pub fn DisconnectConfirmation(
    /// The list's state and commands.
    list: AccountsList,
) -> impl IntoView {
    let messages = list.messages;
    let text = messages.accounts();
    let dialog = NodeRef::<leptos::html::Div>::new();
    let cancel = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(button) = cancel.get() {
            let _ = button.focus();
        }
    });
    let on_keydown = move |ev: KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            ev.stop_propagation();
            list.cancel_disconnect();
        }
        "Tab" => {
            if let Some(dialog) = dialog.get_untracked() {
                keep_focus_inside(&dialog, &ev);
            }
        }
        _ => {}
    };
    move || {
        list.confirming().get().map(|account| {
            let body = AccountWords::new(messages, &account).say(text.confirm_body, &[]);
            view! {
                <div class="spsc-backdrop">
                    <div
                        class="spsc-dialog spsc-confirm"
                        role="alertdialog"
                        aria-modal="true"
                        aria-labelledby="spsc-confirm-title"
                        aria-describedby="spsc-confirm-body"
                        node_ref=dialog
                        on:keydown=on_keydown
                    >
                        <h2 id="spsc-confirm-title" class="spsc-title">{text.confirm_title}</h2>
                        <p id="spsc-confirm-body">{body}</p>
                        <div class="spsc-confirm-actions">
                            <button
                                type="button"
                                class="spsc-button"
                                node_ref=cancel
                                on:click=move |_| list.cancel_disconnect()
                            >
                                {text.cancel}
                            </button>
                            <button type="button" class="spsc-button spsc-danger" on:click=move |_| list.disconnect()>
                                {text.disconnect}
                            </button>
                        </div>
                    </div>
                </div>
            }
        })
    }
}
