//! The `<sps-connect>` custom element, for hosts without a JS framework.
//!
//! The element mounts the widget once when it joins the document (an element
//! upgraded from HTML, whose attributes all arrive at once, mounts once),
//! remounts it once per task after any number of attribute changes (reopening
//! a dialog that was open), and destroys it when it leaves. A new
//! `session-token` alone is taken in place: the dialog and what the user
//! typed stay, and a renewal waiting for it goes on. It has `open()`
//! and `close()` methods; an invalid attribute raises `sps-connect:error`
//! with code `invalid_options`, once per remount.

use crate::attributes::{observed, options_from_attributes, AttributeError, OPEN_ATTRIBUTE};
use crate::controller::{dispatch_widget_event, Callbacks};
use crate::events::ErrorDetail;
use crate::js_data::{to_js, JsData};
use crate::mount::{mount_parsed, MountError};
use crate::options::{ConnectOptions, Mode};
use wasm_bindgen::prelude::*;
use web_sys::HtmlElement;

/// The element's tag name.
pub const TAG: &str = "sps-connect";

#[wasm_bindgen(module = "/src/elements.js")]
extern "C" {
    fn define_sps_connect(tag: &str, observed: Vec<String>, mount_element: &js_sys::Function);
}

/// Registers `<sps-connect>` once; the bundle does it when it starts.
#[wasm_bindgen(js_name = defineElement)]
pub fn define_element() {
    let mount = Closure::<dyn Fn(HtmlElement) -> JsValue>::new(mount_element);
    define_sps_connect(TAG, observed().into_iter().map(str::to_owned).collect(), mount.as_ref().unchecked_ref());
    mount.forget();
}

fn read_options(element: &HtmlElement) -> Result<ConnectOptions, AttributeError> {
    let tree = options_from_attributes(|name| element.get_attribute(name))?;
    Ok(ConnectOptions::read_tracked(JsData::from(to_js(&tree)))?)
}

fn mount_element(element: HtmlElement) -> JsValue {
    let mounted = read_options(&element).map_err(|e| e.to_string()).and_then(|options| {
        mount_parsed(element.clone(), options, Callbacks::default()).map_err(|error| match error {
            MountError::Option(error) => AttributeError::from(error).to_string(),
            page => page.to_string(),
        })
    });
    match mounted {
        Ok(handle) => {
            let opens = element.has_attribute(OPEN_ATTRIBUTE) && handle.mode() == Mode::Modal;
            if opens {
                let _ = handle.open();
            }
            handle.into()
        }
        Err(message) => {
            web_sys::console::error_1(&format!("<{TAG}>: {message}").into());
            let detail = to_js(&ErrorDetail { code: "invalid_options", message: &message });
            dispatch_widget_event(&element, "error", &detail);
            JsValue::NULL
        }
    }
}
