use super::success_view::local_time;
use crate::accounts::{AccountWords, Action};
use crate::i18n::{fill, Messages};
use crate::list::AccountsList;
use leptos::prelude::*;
use sps_connect_wire::{AccountStatus, LinkedAccount};

/// One account's row. It stays in place while its account changes, so a
/// button keeps the keyboard focus across a verify or a reconnect.
#[component]
pub fn AccountRow(
    /// The list's state and commands.
    list: AccountsList,
    /// The account's id.
    id: String,
) -> impl IntoView {
    let messages = list.messages;
    let text = messages.accounts();
    let account = {
        let id = id.clone();
        Memo::new(move |_| list.accounts().with(|accounts| accounts.iter().find(|a| a.id == id).cloned()))
    };
    let show = move |render: fn(&LinkedAccount, &'static Messages) -> String| {
        move || account.with(|account| account.as_ref().map(|account| render(account, messages)).unwrap_or_default())
    };
    let needs_attention =
        move || account.with(|a| a.as_ref().is_some_and(|a| a.status == AccountStatus::NeedsAttention));
    let advice = move || account.with(|a| a.as_ref().and_then(|a| AccountWords::new(messages, a).advice()));
    let button = move |action: Action, label: &'static str| {
        let id = id.clone();
        list.allows(action).then(|| {
            let name =
                move || account.with(|a| a.as_ref().map(|a| AccountWords::new(messages, a).action_label(action)));
            let row = id.clone();
            let busy = move || list.busy().with(|busy| busy.as_ref().is_some_and(|(busy_id, _)| *busy_id == row));
            let run = move |_| {
                let Some(account) = account.get_untracked() else { return };
                match action {
                    Action::Verify => list.verify(account),
                    Action::Reconnect => list.reconnect(account),
                    Action::Disconnect => list.ask_to_disconnect(account),
                }
            };
            view! {
                <button
                    type="button"
                    class="spsc-button spsc-small"
                    class:spsc-danger=action == Action::Disconnect
                    data-account=id.clone()
                    data-action=action.as_str()
                    aria-label=name
                    aria-disabled=move || busy().then_some("true")
                    on:click=run
                >
                    {label}
                </button>
            }
        })
    };
    let actions = list.has_actions().then(|| {
        view! {
            <td class="spsc-row-actions">
                {button(Action::Verify, text.verify)}
                {button(Action::Reconnect, text.reconnect)}
                {button(Action::Disconnect, text.disconnect)}
            </td>
        }
    });
    view! {
        <tr>
            <th scope="row">{show(|a, m| m.environment_name(a.environment).to_owned())}</th>
            <td class="spsc-mono">{show(|a, _| a.client_id_hint.clone())}</td>
            <td>{show(|a, _| a.services.iter().map(|s| s.product_name()).collect::<Vec<_>>().join(", "))}</td>
            <td>
                <span class="spsc-badge" class:spsc-attention=needs_attention>
                    {show(|a, m| AccountWords::new(m, a).status().to_owned())}
                </span>
                {move || advice().map(|advice| view! { <p class="spsc-advice">{advice}</p> })}
            </td>
            <td>{show(|a, m| time_or_never(&a.last_verified_at, m))}</td>
            <td>
                {show(|a, m| fill(m.accounts().last_check, &[("time", &time_or_never(&a.last_checked_at, m))]))}
                <br />
                {show(|a, m| {
                    let next = a.next_check_at.as_deref().map_or(m.accounts().not_scheduled.to_owned(), |at| local_time(at, m));
                    fill(m.accounts().next_check, &[("time", &next)])
                })}
            </td>
            {actions}
        </tr>
    }
}

fn time_or_never(at: &Option<String>, messages: &Messages) -> String {
    at.as_deref().map_or_else(|| messages.accounts().never.to_owned(), |at| local_time(at, messages))
}
