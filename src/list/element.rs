//! The `<sps-accounts>` custom element: the session user's linked accounts.
//!
//! It mounts the list when it joins the document, remounts it once per task
//! after attribute changes, and destroys it when it leaves. A new
//! `session-token` alone is taken in place, so the rows and the focus stay.
//! It has a `refresh()` method; an invalid attribute raises
//! `sps-accounts:error` with code `invalid_options`.

use super::mount::mount_list;
use super::{AccountsCallbacks, EVENT_PREFIX};
use crate::accounts::AccountsOptions;
use crate::attributes::{accounts_attributes, options_from, AttributeError};
use crate::controller::dispatch_event;
use crate::events::ErrorDetail;
use crate::js_data::{to_js, JsData};
use crate::mount::MountError;
use wasm_bindgen::prelude::*;
use web_sys::HtmlElement;

/// The element's tag name.
pub const TAG: &str = "sps-accounts";

#[wasm_bindgen(module = "/src/elements.js")]
extern "C" {
    fn define_sps_accounts(tag: &str, observed: Vec<String>, mount_element: &js_sys::Function);
}

/// Registers `<sps-accounts>` once; the bundle does it when it starts.
pub fn define_accounts_element() {
    let mount = Closure::<dyn Fn(HtmlElement) -> JsValue>::new(mount_element);
    let observed = accounts_attributes().into_iter().map(|(name, _)| name.to_owned()).collect();
    define_sps_accounts(TAG, observed, mount.as_ref().unchecked_ref());
    mount.forget();
}

fn read_options(element: &HtmlElement) -> Result<AccountsOptions, AttributeError> {
    let table = accounts_attributes();
    let tree = options_from(&table, |name| element.get_attribute(name))?;
    AccountsOptions::read_tracked(JsData::from(to_js(&tree))).map_err(|error| AttributeError::naming(error, &table))
}

fn mount_element(element: HtmlElement) -> JsValue {
    let mounted = read_options(&element).map_err(|e| e.to_string()).and_then(|options| {
        mount_list(element.clone(), options, AccountsCallbacks::default()).map_err(|error| match error {
            MountError::Option(error) => AttributeError::naming(error, &accounts_attributes()).to_string(),
            page => page.to_string(),
        })
    });
    match mounted {
        Ok(handle) => handle.into(),
        Err(message) => {
            web_sys::console::error_1(&format!("<{TAG}>: {message}").into());
            let detail = to_js(&ErrorDetail { code: "invalid_options", message: &message });
            dispatch_event(&element, &format!("{EVENT_PREFIX}error"), &detail);
            JsValue::NULL
        }
    }
}
