//! Escape closes a modal dialog even when nothing has focus: between two
//! stages the focused button is replaced and focus follows a moment later,
//! and a key pressed then reaches the page, not the dialog. One listener on
//! the window per mounted modal widget, removed when it is destroyed.

use super::deep_active_element;
use super::Controller;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::{Element, KeyboardEvent};

/// The window's keydown listener of one modal widget; dropping it removes it.
pub struct EscapeWhenFocusIsLost {
    listener: Closure<dyn Fn(KeyboardEvent)>,
}

/// Whether nothing on the page has focus.
fn focus_is_lost() -> bool {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else { return false };
    let body: Option<Element> = document.body().map(Into::into);
    deep_active_element(&document).is_none_or(|active| Some(&active) == body.as_ref())
}

impl EscapeWhenFocusIsLost {
    /// Listens for `controller`'s dialog.
    pub fn new(controller: Controller) -> Option<Self> {
        let listener = Closure::<dyn Fn(KeyboardEvent)>::new(move |event: KeyboardEvent| {
            let open = controller.visible().try_get_untracked().unwrap_or(false);
            if event.key() == "Escape" && open && !event.default_prevented() && focus_is_lost() {
                event.prevent_default();
                controller.close();
            }
        });
        let window = web_sys::window()?;
        window.add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref()).ok()?;
        Some(Self { listener })
    }
}

impl Drop for EscapeWhenFocusIsLost {
    fn drop(&mut self) {
        if let Some(window) = web_sys::window() {
            let _ = window.remove_event_listener_with_callback("keydown", self.listener.as_ref().unchecked_ref());
        }
    }
}
