//! Moving the keyboard focus: into the dialog when it opens, to what a phase
//! asks of the user, and back to the opener when it closes.

use leptos::prelude::*;
use std::time::Duration;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement};

/// Marks the element a phase wants focused when it appears.
pub const AUTOFOCUS_ATTR: &str = "data-spsc-autofocus";

/// The element that has focus, looking inside open shadow roots.
pub fn deep_active_element(document: &Document) -> Option<Element> {
    let mut active = document.active_element()?;
    while let Some(inner) = active.shadow_root().and_then(|root| root.active_element()) {
        active = inner;
    }
    Some(active)
}

/// Focuses the first element matching `selector` inside `dialog` once the
/// view has rendered. The timer's closure is freed when it runs.
pub(super) fn focus_later(dialog: NodeRef<leptos::html::Div>, selector: String) {
    set_timeout(
        move || {
            let target = dialog
                .try_get_untracked()
                .flatten()
                .and_then(|dialog| dialog.query_selector(&selector).ok().flatten())
                .and_then(|element| element.dyn_into::<HtmlElement>().ok());
            if let Some(target) = target {
                let _ = target.focus();
            }
        },
        Duration::ZERO,
    );
}

/// What had focus before the dialog opened.
#[derive(Clone, Copy)]
pub(super) struct Opener(StoredValue<Option<HtmlElement>, LocalStorage>);

impl Opener {
    pub(super) fn new() -> Self {
        Self(StoredValue::new_local(None))
    }

    /// Remembers the element that has focus now.
    pub(super) fn capture(&self) {
        let active = deep_active_element(&document()).and_then(|e| e.dyn_into::<HtmlElement>().ok());
        self.0.set_value(active);
    }

    /// Gives focus back to it, if it is still on the page.
    pub(super) fn restore(&self) {
        if let Some(opener) = self.0.try_update_value(Option::take).flatten() {
            if opener.is_connected() {
                let _ = opener.focus();
            }
        }
    }
}
