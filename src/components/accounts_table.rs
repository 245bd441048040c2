use super::{AccountRow, DisconnectConfirmation};
use crate::list::{AccountsList, Load};
use leptos::prelude::*;

/// The session user's linked accounts as a table, with its live region and
/// the disconnect confirmation.
#[component]
pub fn AccountsTable(
    /// The list's state and commands.
    list: AccountsList,
) -> impl IntoView {
    let text = list.messages.accounts();
    let messages = list.messages;
    let accounts = list.accounts();
    let ready = move || list.load().with(|load| *load == Load::Ready);
    let empty = move || ready() && accounts.with(Vec::is_empty);
    let has_actions = list.has_actions();
    view! {
        <div class="spsc-accounts" lang=messages.lang tabindex="-1" node_ref=list.root()>
            {move || match list.load().get() {
                Load::Loading => view! { <p class="spsc-muted">{text.loading}</p> }.into_any(),
                Load::Failed(said) => view! {
                    <div class="spsc-alert" role="alert">
                        <p>{said}</p>
                        <button type="button" class="spsc-button" on:click=move |_| list.refresh()>
                            {messages.try_again}
                        </button>
                    </div>
                }
                .into_any(),
                Load::Ready => ().into_any(),
            }}
            <p class="spsc-muted" hidden=move || !empty()>{text.empty}</p>
            <div class="spsc-table-scroll" hidden=move || !ready() || empty()>
                <table class="spsc-table">
                    <caption>{text.caption}</caption>
                    <thead>
                        <tr>
                            <th scope="col">{text.column_environment}</th>
                            <th scope="col">{text.column_client_id}</th>
                            <th scope="col">{text.column_services}</th>
                            <th scope="col">{text.column_status}</th>
                            <th scope="col">{text.column_verified}</th>
                            <th scope="col">{text.column_checks}</th>
                            {has_actions.then(|| view! { <th scope="col">{text.column_actions}</th> })}
                        </tr>
                    </thead>
                    <tbody>
                        <For each=move || accounts.get() key=|account| account.id.clone() let:account>
                            <AccountRow list id=account.id />
                        </For>
                    </tbody>
                </table>
            </div>
            <p class="spsc-visually-hidden" role="status" aria-live="polite">{move || list.announcement().get()}</p>
            <DisconnectConfirmation list />
        </div>
    }
}
