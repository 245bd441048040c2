//! The pure model of the SPS Connect widget: the connect flow as a state
//! machine ([`flow`]), form validation ([`validation`]), the reading of the
//! backend's answers ([`failure`]), the connect session ([`session`]), the
//! provider guide as data ([`guide`]),
//! the host's options and the element's attributes ([`options`],
//! [`attributes`]), what the host page hears ([`events`]), light markup
//! ([`rich_text`]) and the message catalogs ([`i18n`]).
//!
//! It depends on no browser or view crate, so it builds and is tested
//! natively in a moment; the widget crate renders it.

#![warn(missing_docs)]

pub mod accounts;
pub mod attributes;
pub mod events;
pub mod failure;
pub mod flow;
pub mod guide;
pub mod i18n;
pub mod options;
pub mod rich_text;
pub mod session;
pub mod validation;

#[cfg(test)]
mod test_fixtures {
    use crate::failure::Body;
    use sps_connect_wire::{Environment, LinkedAccount, Provider, Service};

    /// `text` read as the widget reads an answer's body.
    pub(crate) fn body(text: &str) -> Body<serde_json::Value> {
        Body::read(text, |text| serde_json::from_str(text).ok())
    }

    /// A linked Production account, as the backend reports it.
    pub(crate) fn account() -> LinkedAccount {
        LinkedAccount {
            id: "acc_1".into(),
            provider: Provider::SpsCommerce,
            environment: Environment::Production,
            client_id_hint: "…9f3a".into(),
            client_id: "abc123def4569f3a".into(),
            services: vec![Service::Transaction],
            connected_at: "2026-11-29T10:00:00Z".into(),
            status: Default::default(),
            status_reason: None,
            last_verified_at: None,
            last_checked_at: None,
            next_check_at: None,
            watch_documents: false,
        }
    }
}
