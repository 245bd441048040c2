//! SPS Commerce Connect: an embeddable dialog that links an SPS Commerce
//! account to a host portal with OAuth 2.0 Client Credentials.
//!
//! The pure model ([`flow`], [`validation`], [`guide`], [`failure`],
//! [`options`], [`rich_text`], [`i18n`]) has no browser dependency and is
//! tested natively; [`components`] renders it with Leptos and [`mount()`]
//! exposes it to the host page.

pub mod attributes;
pub mod events;
pub mod failure;
pub mod flow;
pub mod guide;
pub mod i18n;
pub mod options;
pub mod rich_text;
pub mod validation;

pub mod api;
pub mod components;
pub mod controller;
pub mod element;
mod mount;

pub use element::define_element;
pub use mount::{mount, ConnectHandle};

/// Registers `<sps-connect>` when the bundle starts.
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    define_element();
}
