//! SPS Commerce Connect: an embeddable dialog that links an SPS Commerce
//! account to a host portal with OAuth 2.0 Client Credentials.
//!
//! The pure model ([`flow`], [`validation`], [`guide`], [`failure`],
//! [`options`], [`rich_text`], [`i18n`]) has no browser dependency and is
//! tested natively; [`components`] renders it with Leptos and [`mount()`]
//! exposes it to the host page.

#![warn(missing_docs)]

pub mod attributes;
pub mod events;
pub mod failure;
pub mod flow;
pub mod guide;
pub mod i18n;
pub mod options;
pub mod rich_text;
pub mod validation;

#[cfg(test)]
mod pure_model {
    /// The pure model, which must build and run without a browser.
    const SOURCES: [(&str, &str); 11] = [
        ("attributes.rs", include_str!("attributes.rs")),
        ("events.rs", include_str!("events.rs")),
        ("failure.rs", include_str!("failure.rs")),
        ("flow.rs", include_str!("flow.rs")),
        ("guide.rs", include_str!("guide.rs")),
        ("options.rs", include_str!("options.rs")),
        ("rich_text.rs", include_str!("rich_text.rs")),
        ("validation.rs", include_str!("validation.rs")),
        ("i18n/mod.rs", include_str!("i18n/mod.rs")),
        ("i18n/en.rs", include_str!("i18n/en.rs")),
        ("i18n/de.rs", include_str!("i18n/de.rs")),
    ];

    #[test]
    fn the_pure_model_imports_no_browser_or_view_crate() {
        for (file, source) in SOURCES {
            for crate_name in ["web_sys", "js_sys", "wasm_bindgen", "leptos", "gloo"] {
                assert!(!source.contains(&format!("{crate_name}::")), "{file} uses {crate_name}");
            }
        }
    }
}

#[cfg(test)]
mod test_fixtures {
    use sps_connect_wire::{Environment, LinkedAccount, Provider, Service};

    /// A linked Production account, as the backend reports it.
    pub(crate) fn account() -> LinkedAccount {
        LinkedAccount {
            id: "acc_1".into(),
            provider: Provider::SpsCommerce,
            environment: Environment::Production,
            client_id_hint: "…9f3a".into(),
            services: vec![Service::Transaction],
            connected_at: "2026-11-29T10:00:00Z".into(),
            status: Default::default(),
            status_reason: None,
            last_verified_at: None,
        }
    }
}

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
