//! SPS Commerce Connect: an embeddable dialog that links an SPS Commerce
//! account to a host portal with OAuth 2.0 Client Credentials.
//!
//! The pure model lives in its own crate, `sps-connect-model` (re-exported
//! here: [`flow`], [`validation`], [`guide`], [`failure`], [`options`],
//! [`attributes`], [`events`], [`rich_text`], [`i18n`]), which depends on no
//! browser or view crate; [`controller`] binds it to the browser,
//! [`components`] renders it with Leptos and [`mount()`] exposes it to the
//! host page. With the `accounts` feature (on by default; off in the first
//! dialog's bundle), [`list`] adds the accounts list, `mountAccounts()` and
//! `<sps-accounts>`.

#![warn(missing_docs)]

pub use sps_connect_model::{
    accounts, attributes, events, failure, flow, guide, i18n, options, rich_text, session, validation,
};

pub mod api;
pub mod components;
pub mod controller;
pub mod element;
pub mod js_data;
#[cfg(feature = "accounts")]
pub mod list;
mod mount;
mod stylesheet;

pub use element::define_element;
#[cfg(feature = "accounts")]
pub use list::element::define_accounts_element;
#[cfg(feature = "accounts")]
pub use list::mount::{mount_accounts, AccountsHandle};
pub use mount::{mount, ConnectHandle};

/// Registers `<sps-connect>` when the bundle starts, and `<sps-accounts>` in
/// the accounts bundle (the `accounts` feature).
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    define_element();
    #[cfg(feature = "accounts")]
    define_accounts_element();
}
