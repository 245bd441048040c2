//! The JavaScript entry point: `mount(element, options)` and its handle.
//!
//! The widget lives in a shadow root of its own, with its stylesheet inside,
//! so the host's CSS cannot reach it and its CSS cannot reach the host.

use crate::components::ConnectDialog;
use crate::controller::{Callbacks, Controller, EscapeWhenFocusIsLost};
use crate::i18n::catalog;
use crate::js_data::JsData;
use crate::options::{ConnectOptions, Mode, OptionError, Scheme, Theme};
use leptos::prelude::*;
use std::any::Any;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, ShadowRootInit, ShadowRootMode};

/// What `setSessionToken` throws for a token that cannot be sent.
pub(crate) const INVALID_SESSION_TOKEN: &str =
    "invalid SPS Connect session token: must be 1 to 4096 visible ASCII characters";

const CALLBACKS: [&str; 5] = ["onSuccess", "onClose", "onError", "onEvent", "fetchSessionToken"];

/// Why the widget could not mount.
#[derive(Debug)]
pub enum MountError {
    /// An option has a value the widget cannot use.
    Option(OptionError),
    /// The page refused a DOM operation.
    Page(String),
}

impl std::fmt::Display for MountError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MountError::Option(error) => error.fmt(f),
            MountError::Page(reason) => write!(f, "SPS Connect could not mount: {reason}"),
        }
    }
}

/// A mounted widget, returned by [`mount`].
#[wasm_bindgen]
pub struct ConnectHandle {
    controller: Controller,
    shell: HtmlElement,
    mounted: Option<Box<dyn Any>>,
    escape: Option<EscapeWhenFocusIsLost>,
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

    /// Takes a new session token in place (after `sps-connect:session-expired`,
    /// or ahead of the old one's expiry): the dialog, its form and what the
    /// user typed stay as they are, and a request waiting for a renewal goes on.
    #[wasm_bindgen(js_name = setSessionToken)]
    pub fn set_session_token(&self, token: Option<String>) -> Result<(), JsError> {
        if self.live()?.set_session_token(token) {
            return Ok(());
        }
        Err(JsError::new(INVALID_SESSION_TOKEN))
    }

    /// Whether the widget is showing.
    #[wasm_bindgen(getter = isOpen)]
    pub fn is_open(&self) -> bool {
        self.mounted.is_some() && self.controller.phase().with_untracked(|phase| phase.is_open())
    }

    /// Closes the dialog and removes every node and listener the widget added.
    pub fn destroy(&mut self) {
        if self.mounted.is_none() {
            return;
        }
        self.controller.close();
        self.escape = None;
        self.mounted = None;
        self.shell.remove();
    }

    pub(crate) fn mode(&self) -> Mode {
        self.controller.with_options(|options| options.mode)
    }

    fn live(&self) -> Result<&Controller, JsError> {
        match self.mounted {
            Some(_) => Ok(&self.controller),
            None => Err(JsError::new("this SPS Connect widget was destroyed; mount it again")),
        }
    }
}

/// Mounts the widget inside `element`: closed in modal mode, shown in inline mode.
///
/// `options` is a plain object with the camelCase fields of [`ConnectOptions`]
/// plus the callbacks `onSuccess`, `onClose`, `onError` and `onEvent`, and
/// `fetchSessionToken`, an (async) function that returns a fresh session
/// token when the widget needs one;
/// `undefined` takes every default. An unknown field or a bad value fails with
/// an error that names the option, and nothing is mounted.
#[wasm_bindgen]
pub fn mount(element: HtmlElement, options: JsValue) -> Result<ConnectHandle, JsError> {
    let (options, callbacks) = parse_options(options)?;
    mount_parsed(element, options, callbacks).map_err(|error| JsError::new(&error.to_string()))
}

/// Mounts with options already read; the error says what is wrong.
pub(crate) fn mount_parsed(
    element: HtmlElement,
    options: ConnectOptions,
    callbacks: Callbacks,
) -> Result<ConnectHandle, MountError> {
    check_in_browser(&options)?;
    let (shell, root) = isolated_root(&element, &options.theme, "data-sps-connect")?;
    let inline = options.mode == Mode::Inline;
    let slot = Rc::new(Cell::new(None));
    let exported = Rc::clone(&slot);
    let host = element.clone();
    let mounted = leptos::mount::mount_to(root, move || {
        let controller = Controller::new(options, host, callbacks);
        exported.set(Some(controller));
        view! { <ConnectDialog controller /> }
    });
    let controller = slot.take().ok_or_else(|| MountError::Page("the view did not render".into()))?;
    if inline {
        controller.open();
    }
    let escape = if inline { None } else { EscapeWhenFocusIsLost::new(controller) };
    Ok(ConnectHandle { controller, shell, mounted: Some(Box::new(mounted)), escape })
}

/// A shell appended to `element`, marked with `marker`, whose open shadow root
/// holds the stylesheet and a themed root to render into: `(shell, root)`.
pub(crate) fn isolated_root(
    element: &HtmlElement,
    theme: &Theme,
    marker: &str,
) -> Result<(HtmlElement, HtmlElement), MountError> {
    let document = element.owner_document().ok_or_else(|| MountError::Page("the element has no document".into()))?;
    let shell: HtmlElement = document.create_element("div").map_err(js_error)?.unchecked_into();
    shell.set_attribute(marker, "").map_err(js_error)?;
    let shadow = shell.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open)).map_err(js_error)?;
    let root: HtmlElement = document.create_element("div").map_err(js_error)?.unchecked_into();
    let scheme = if theme.scheme == Scheme::Dark { " spsc-dark" } else { "" };
    root.set_class_name(&format!("spsc-root{scheme}"));
    for (property, value) in theme.tokens() {
        root.style().set_property(property, value).map_err(js_error)?;
    }
    crate::stylesheet::adopt(&document, &shadow).map_err(js_error)?;
    shadow.append_child(&root).map_err(js_error)?;
    element.append_child(&shell).map_err(js_error)?;
    Ok((shell, root))
}

impl Drop for ConnectHandle {
    /// A page that lets go of its handle (the garbage collector frees it) still
    /// shows the widget, as it still shows any element it appended: only
    /// `destroy()` removes it.
    fn drop(&mut self) {
        if let Some(mounted) = self.mounted.take() {
            std::mem::forget(mounted);
            std::mem::forget(self.escape.take());
        }
    }
}

fn js_error(error: JsValue) -> MountError {
    MountError::Page(format!("{error:?}"))
}

/// A copy of `options` without the functions named in `names`, and those functions.
pub(crate) fn take_functions<const N: usize>(
    options: &JsValue,
    names: [&str; N],
) -> Result<(JsValue, [Option<js_sys::Function>; N]), JsError> {
    let plain = js_sys::Object::assign(&js_sys::Object::new(), options.unchecked_ref());
    let mut found: [Option<js_sys::Function>; N] = std::array::from_fn(|_| None);
    for (slot, name) in found.iter_mut().zip(names) {
        let value = js_sys::Reflect::get(&plain, &name.into()).unwrap_or(JsValue::UNDEFINED);
        if value.is_undefined() || value.is_null() {
            continue;
        }
        *slot =
            Some(value.dyn_into().map_err(|_| JsError::new(&format!("invalid option `{name}`: must be a function")))?);
        let _ = js_sys::Reflect::delete_property(&plain, &name.into());
    }
    Ok((plain.into(), found))
}

/// Whether `options` is an object a host may pass (not an array or a primitive).
pub(crate) fn is_options_object(options: &JsValue) -> bool {
    options.is_object() && !js_sys::Array::is_array(options)
}

fn parse_options(options: JsValue) -> Result<(ConnectOptions, Callbacks), JsError> {
    if options.is_undefined() || options.is_null() {
        return Ok((ConnectOptions::default(), Callbacks::default()));
    }
    if !is_options_object(&options) {
        return Err(JsError::new("invalid SPS Connect options: expected an object"));
    }
    let (plain, [on_success, on_close, on_error, on_event, fetch_session_token]) = take_functions(&options, CALLBACKS)?;
    let source = JsData::from(plain);
    let options = ConnectOptions::read_tracked(source).map_err(|e| JsError::new(&e.to_string()))?;
    Ok((options, Callbacks { on_success, on_close, on_error, on_event, fetch_session_token }))
}

/// Checks what only the browser can: that each theme value is valid CSS; and
/// warns of a locale no catalog speaks.
pub(crate) fn check_in_browser(options: &ConnectOptions) -> Result<(), MountError> {
    check_theme_in_browser(options).map_err(MountError::Option)?;
    if let Some(locale) = options.locale.as_deref().filter(|locale| catalog(locale).is_none()) {
        web_sys::console::warn_1(&format!("SPS Connect: no translation for locale `{locale}`; using English").into());
    }
    Ok(())
}

fn check_theme_in_browser(options: &ConnectOptions) -> Result<(), OptionError> {
    for (token, value) in options.theme.values() {
        if !web_sys::css::supports_with_value(token.css_property, value).unwrap_or(false) {
            return Err(OptionError {
                option: format!("theme.{}", token.key),
                problem: format!("`{value}` is not a valid CSS {}", token.css_property),
            });
        }
    }
    Ok(())
}
