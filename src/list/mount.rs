//! The JavaScript entry point of the list: `mountAccounts(element, options)` and its handle.

use super::{AccountsCallbacks, AccountsList};
use crate::accounts::AccountsOptions;
use crate::components::AccountsTable;
use crate::js_data::JsData;
use crate::mount::{
    check_in_browser, is_options_object, isolated_root, take_functions, MountError, INVALID_SESSION_TOKEN,
};
use leptos::prelude::*;
use std::any::Any;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use web_sys::HtmlElement;

const CALLBACKS: [&str; 3] = ["onChange", "onError", "fetchSessionToken"];

/// A mounted accounts list, returned by [`mount_accounts`].
#[wasm_bindgen]
pub struct AccountsHandle {
    list: AccountsList,
    shell: HtmlElement,
    mounted: Option<Box<dyn Any>>,
}

#[wasm_bindgen]
impl AccountsHandle {
    /// Reads the accounts again, such as after the page linked a new one; the
    /// rows, and the keyboard focus on them, stay where they are.
    pub fn refresh(&self) -> Result<(), JsError> {
        self.live()?.refresh();
        Ok(())
    }

    /// Takes a new session token for the list's next calls (and its Reconnect dialog).
    #[wasm_bindgen(js_name = setSessionToken)]
    pub fn set_session_token(&self, token: Option<String>) -> Result<(), JsError> {
        if self.live()?.set_session_token(token) {
            return Ok(());
        }
        Err(JsError::new(INVALID_SESSION_TOKEN))
    }

    /// Removes the list, its Reconnect dialog and every listener they added.
    pub fn destroy(&mut self) {
        if self.mounted.is_none() {
            return;
        }
        self.list.destroy();
        self.mounted = None;
        self.shell.remove();
    }

    fn live(&self) -> Result<&AccountsList, JsError> {
        match self.mounted {
            Some(_) => Ok(&self.list),
            None => Err(JsError::new("this SPS Connect accounts list was destroyed; mount it again")),
        }
    }
}

impl Drop for AccountsHandle {
    /// A page that lets go of its handle still shows the list: only `destroy()` removes it.
    fn drop(&mut self) {
        if let Some(mounted) = self.mounted.take() {
            std::mem::forget(mounted);
        }
    }
}

/// Mounts the session user's accounts list inside `element` and reads it.
///
/// `options` is a plain object with `accountsUrl`, `allowActions` and the
/// connect options of the Reconnect dialog (every option of `mount` but
/// `mode`, `accountId` and `clientId`), plus the callbacks `onChange`,
/// `onError` and `fetchSessionToken`; `undefined` takes every default. An
/// unknown field or a bad value fails with an error that names the option,
/// and nothing is mounted.
#[wasm_bindgen(js_name = mountAccounts)]
pub fn mount_accounts(element: HtmlElement, options: JsValue) -> Result<AccountsHandle, JsError> {
    let (options, callbacks) = parse_options(options)?;
    mount_list(element, options, callbacks).map_err(|error| JsError::new(&error.to_string()))
}

/// Mounts with options already read; the error says what is wrong.
pub(crate) fn mount_list(
    element: HtmlElement,
    options: AccountsOptions,
    callbacks: AccountsCallbacks,
) -> Result<AccountsHandle, MountError> {
    check_in_browser(&options.connect)?;
    let (shell, root) = isolated_root(&element, &options.connect.theme, "data-sps-accounts")?;
    let slot = Rc::new(Cell::new(None));
    let exported = Rc::clone(&slot);
    let mounted = leptos::mount::mount_to(root, move || {
        let list = AccountsList::new(options, element, callbacks);
        exported.set(Some(list));
        view! { <AccountsTable list /> }
    });
    let list = slot.take().ok_or_else(|| MountError::Page("the view did not render".into()))?;
    Ok(AccountsHandle { list, shell, mounted: Some(Box::new(mounted)) })
}

fn parse_options(options: JsValue) -> Result<(AccountsOptions, AccountsCallbacks), JsError> {
    if options.is_undefined() || options.is_null() {
        return Ok((AccountsOptions::default(), AccountsCallbacks::default()));
    }
    if !is_options_object(&options) {
        return Err(JsError::new("invalid SPS Connect accounts options: expected an object"));
    }
    let (plain, [on_change, on_error, fetch_session_token]) = take_functions(&options, CALLBACKS)?;
    let source = JsData::from(plain);
    let options = AccountsOptions::read_tracked(source).map_err(|e| JsError::new(&e.to_string()))?;
    Ok((options, AccountsCallbacks { on_change, on_error, fetch_session_token }))
}
