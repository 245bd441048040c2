//! The widget's stylesheet in its shadow root, as a constructable stylesheet
//! adopted by the root, so that a page whose Content-Security-Policy has no
//! `style-src 'unsafe-inline'` still styles it; a `<style>` element only in
//! browsers without constructable stylesheets.

use wasm_bindgen::prelude::*;
use web_sys::{CssStyleSheet, Document, ShadowRoot};

/// The widget's stylesheet, carried in the bundle.
const STYLES: &str = include_str!("../style/connect.css");

/// Gives `shadow` the widget's styles.
pub(crate) fn adopt(document: &Document, shadow: &ShadowRoot) -> Result<(), JsValue> {
    let constructable = js_sys::Reflect::has(shadow, &"adoptedStyleSheets".into()).unwrap_or(false);
    if constructable {
        if let Ok(sheet) = CssStyleSheet::new() {
            sheet.replace_sync(STYLES)?;
            shadow.set_adopted_style_sheets(&js_sys::Array::of1(&sheet));
            return Ok(());
        }
    }
    let style = document.create_element("style")?;
    style.set_text_content(Some(STYLES));
    shadow.append_child(&style)?;
    Ok(())
}
