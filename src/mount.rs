//! The JavaScript entry point: `mount(element, options)` and its handle.

use crate::components::ConnectDialog;
use crate::controller::Controller;
use crate::options::ConnectOptions;
use leptos::prelude::*;
use std::any::Any;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use web_sys::HtmlElement;

/// A mounted dialog, returned by [`mount`].
#[wasm_bindgen]
pub struct ConnectHandle {
    controller: Controller,
    mounted: Option<Box<dyn Any>>,
}

#[wasm_bindgen]
impl ConnectHandle {
    /// Shows the dialog and moves focus into it.
    pub fn open(&self) -> Result<(), JsError> {
        self.live()?.open();
        Ok(())
    }

    /// Hides the dialog, aborting a request in flight and returning focus to the opener.
    pub fn close(&self) -> Result<(), JsError> {
        self.live()?.close();
        Ok(())
    }

    /// Closes the dialog and removes everything the widget added to the page.
    pub fn destroy(&mut self) {
        if self.mounted.is_some() {
            self.controller.close();
        }
        self.mounted = None;
    }

    fn live(&self) -> Result<&Controller, JsError> {
        match self.mounted {
            Some(_) => Ok(&self.controller),
            None => Err(JsError::new("this SPS Connect widget was destroyed; mount it again")),
        }
    }
}

/// Mounts the dialog, closed, inside `element`.
///
/// `options` is a plain object with the camelCase fields of [`ConnectOptions`];
/// `undefined` takes every default. An unknown field or a bad value fails with
/// an error that names the option, and nothing is mounted.
#[wasm_bindgen]
pub fn mount(element: HtmlElement, options: JsValue) -> Result<ConnectHandle, JsError> {
    let options = parse_options(options)?;
    let slot = Rc::new(Cell::new(None));
    let exported = Rc::clone(&slot);
    let host = element.clone();
    let mounted = leptos::mount::mount_to(element, move || {
        let controller = Controller::new(options, host);
        exported.set(Some(controller));
        view! { <ConnectDialog controller /> }
    });
    let controller = slot.take().ok_or_else(|| JsError::new("the dialog failed to mount"))?;
    Ok(ConnectHandle { controller, mounted: Some(Box::new(mounted)) })
}

fn parse_options(options: JsValue) -> Result<ConnectOptions, JsError> {
    let options: ConnectOptions = if options.is_undefined() || options.is_null() {
        ConnectOptions::default()
    } else {
        let tree: serde_json::Value = serde_wasm_bindgen::from_value(options)
            .map_err(|e| JsError::new(&format!("invalid SPS Connect options: {e}")))?;
        ConnectOptions::from_json(tree).map_err(|e| JsError::new(&e.to_string()))?
    };
    options.validate().map_err(|e| JsError::new(&e.to_string()))
}
