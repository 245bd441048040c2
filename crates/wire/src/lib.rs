//! The wire contract between the SPS Connect widget and the host backend.
//!
//! Both sides depend on this crate, so the JSON they exchange cannot drift:
//! the widget serializes [`ConnectRequest`] and deserializes [`ConnectResponse`]
//! or [`ErrorBody`]; the backend does the reverse.

#![warn(missing_docs)]

mod credentials;
mod error;
mod service;

use serde::{Deserialize, Serialize};
use std::fmt;

pub use credentials::{check_client_id, check_client_secret, FieldProblem, CLIENT_ID_LEN, CLIENT_SECRET_LEN};
pub use error::{ErrorBody, ErrorCode};
pub use service::Service;

/// Path of the connect endpoint when the host does not configure another.
pub const DEFAULT_ENDPOINT: &str = "/api/sps/connect";

/// Header that carries the short-lived session token the host minted for the user.
pub const SESSION_HEADER: &str = "X-Connect-Session";

/// Longest account id the contract accepts.
pub const ACCOUNT_ID_MAX_LEN: usize = 128;

/// Whether `account_id` has the shape the contract allows: 1 to
/// [`ACCOUNT_ID_MAX_LEN`] letters, digits, `_` or `-`.
pub fn is_valid_account_id(account_id: &str) -> bool {
    !account_id.is_empty()
        && account_id.len() <= ACCOUNT_ID_MAX_LEN
        && account_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Whether `tag` has the shape of a BCP 47 language tag, such as `en` or `de-CH`.
pub fn is_language_tag(tag: &str) -> bool {
    !tag.is_empty()
        && tag.len() <= 35
        && tag.split('-').all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Which set of SPS application keys the credentials belong to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// Sandbox Keys, for testing.
    #[default]
    Sandbox,
    /// Production Keys, for live data.
    Production,
}

impl Environment {
    /// Every environment, in the order a picker lists them.
    pub const ALL: [Environment; 2] = [Environment::Sandbox, Environment::Production];

    /// The identifier used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Sandbox => "sandbox",
            Environment::Production => "production",
        }
    }
}

/// Body of `POST {endpoint}`.
///
/// `Debug` never prints the client secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConnectRequest {
    /// Which keys the credentials are.
    pub environment: Environment,
    /// The application's Client ID.
    pub client_id: String,
    /// The application's Client Secret.
    pub client_secret: String,
    /// Set to update an existing link instead of creating one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
}

impl fmt::Debug for ConnectRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectRequest")
            .field("environment", &self.environment)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("account_id", &self.account_id)
            .finish()
    }
}

/// The only `status` a successful connect reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConnectStatus {
    /// The credentials were exchanged for a token and the account is linked.
    Connected,
}

impl ConnectStatus {
    /// The identifier used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectStatus::Connected => "connected",
        }
    }
}

/// The provider an account belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// SPS Commerce.
    SpsCommerce,
}

impl Provider {
    /// The identifier used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::SpsCommerce => "sps_commerce",
        }
    }
}

/// Body of a successful connect: 201 for a new link, 200 for an update.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectResponse {
    /// Always [`ConnectStatus::Connected`].
    pub status: ConnectStatus,
    /// The linked account, without any secret.
    pub account: LinkedAccount,
}

/// Summary of a linked account, safe to show and to hand to the host page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkedAccount {
    /// The host's identifier for the link.
    pub id: String,
    /// Always [`Provider::SpsCommerce`].
    pub provider: Provider,
    /// Which keys were linked.
    pub environment: Environment,
    /// A recognisable fragment of the Client ID, such as its last four characters.
    pub client_id_hint: String,
    /// The whole Client ID (not a secret), shown only to the account's own
    /// session and the portal's server, so that a reconnect can fill it in.
    #[serde(default)]
    pub client_id: String,
    /// The SPS services the link is authorized for.
    pub services: Vec<Service>,
    /// When the link was made or last updated, RFC 3339.
    pub connected_at: String,
    /// Whether the link works, as of its last check.
    #[serde(default)]
    pub status: AccountStatus,
    /// Why the account needs attention: the contract code of the failure that
    /// caused it; `null` while the account is active.
    #[serde(default)]
    pub status_reason: Option<ErrorCode>,
    /// When SPS last accepted the credentials and a token for them, RFC 3339.
    #[serde(default)]
    pub last_verified_at: Option<String>,
    /// When the host's worker last checked the credentials, RFC 3339.
    #[serde(default)]
    pub last_checked_at: Option<String>,
    /// When the host's worker checks them next, RFC 3339.
    #[serde(default)]
    pub next_check_at: Option<String>,
    /// Whether the host announces the documents waiting for this account.
    #[serde(default)]
    pub watch_documents: bool,
}

/// Whether a linked account works.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// SPS accepted the credentials at the last check.
    #[default]
    Active,
    /// SPS refused the stored credentials (rotated, revoked or no longer
    /// authorized): the user must reconnect.
    NeedsAttention,
}

impl AccountStatus {
    /// The identifier used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::NeedsAttention => "needs_attention",
        }
    }
}

/// Body of `GET /api/sps/accounts`: the portal user's linked accounts, without secrets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountList {
    /// The accounts, most recently connected first.
    pub accounts: Vec<LinkedAccount>,
}

/// A recognisable, harmless fragment of a Client ID: an ellipsis and its last four characters.
pub fn client_id_hint(client_id: &str) -> String {
    let count = client_id.chars().count();
    let tail: String = client_id.chars().skip(count.saturating_sub(4)).collect();
    format!("…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_round_trips_with_snake_case_fields() {
        let json = r#"{"environment":"production","client_id":"abc","client_secret":"s3cret","account_id":"acc_1"}"#;
        let request: ConnectRequest = serde_json::from_str(json).unwrap();
        assert_eq!(request.environment, Environment::Production);
        assert_eq!(request.account_id.as_deref(), Some("acc_1"));
        assert_eq!(serde_json::to_string(&request).unwrap(), json);
    }

    #[test]
    fn request_without_account_id_omits_it() {
        let request = ConnectRequest {
            environment: Environment::Sandbox,
            client_id: "abc".into(),
            client_secret: "s3cret".into(),
            account_id: None,
        };
        let json = serde_json::to_string(&request).unwrap();
        assert!(!json.contains("account_id"), "{json}");
    }

    #[test]
    fn account_ids_are_short_plain_identifiers() {
        assert!(is_valid_account_id("acc_0f3a-9"));
        assert!(is_valid_account_id(&"a".repeat(ACCOUNT_ID_MAX_LEN)));
        assert!(!is_valid_account_id(""));
        assert!(!is_valid_account_id("acc 1"));
        assert!(!is_valid_account_id("acc/1"));
        assert!(!is_valid_account_id(&"a".repeat(ACCOUNT_ID_MAX_LEN + 1)));
    }

    #[test]
    fn every_enum_names_itself_as_it_is_serialized() {
        let named = |value: serde_json::Value, name: &str| assert_eq!(value, serde_json::json!(name));
        named(serde_json::to_value(Provider::SpsCommerce).unwrap(), Provider::SpsCommerce.as_str());
        named(serde_json::to_value(ConnectStatus::Connected).unwrap(), ConnectStatus::Connected.as_str());
        for status in [AccountStatus::Active, AccountStatus::NeedsAttention] {
            named(serde_json::to_value(status).unwrap(), status.as_str());
        }
        for environment in Environment::ALL {
            named(serde_json::to_value(environment).unwrap(), environment.as_str());
        }
        for service in Service::ALL {
            named(serde_json::to_value(service).unwrap(), service.as_str());
        }
    }

    #[test]
    fn language_tags_are_letters_and_digits_between_hyphens() {
        assert!(is_language_tag("en") && is_language_tag("de-CH") && is_language_tag("zh-Hant-TW"));
        for bad in ["", "de CH", "de-", "-de", "en_US", &"a".repeat(36)] {
            assert!(!is_language_tag(bad), "{bad:?}");
        }
    }

    #[test]
    fn hint_shows_only_the_last_four_characters() {
        assert_eq!(client_id_hint("spsDemoSandboxClient01"), "…nt01");
        assert_eq!(client_id_hint("abc"), "…abc");
    }

    #[test]
    fn request_rejects_unknown_fields() {
        let json = r#"{"environment":"sandbox","client_id":"a","client_secret":"b","scope":"x"}"#;
        assert!(serde_json::from_str::<ConnectRequest>(json).is_err());
    }

    #[test]
    fn request_rejects_unknown_environment() {
        let json = r#"{"environment":"staging","client_id":"a","client_secret":"b"}"#;
        assert!(serde_json::from_str::<ConnectRequest>(json).is_err());
    }

    #[test]
    fn request_debug_redacts_the_secret() {
        let request = ConnectRequest {
            environment: Environment::Sandbox,
            client_id: "abc".into(),
            client_secret: "hunter2-secret".into(),
            account_id: None,
        };
        let printed = format!("{request:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("[redacted]"));
    }

    #[test]
    fn response_parses_the_documented_shape() {
        let json = r#"{"status":"connected","account":{"id":"acc_1","provider":"sps_commerce",
            "environment":"sandbox","client_id_hint":"…9f3a","services":["transaction","packing_slip"],
            "connected_at":"2026-11-29T10:00:00Z"}}"#;
        let response: ConnectResponse = serde_json::from_str(json).unwrap();
        assert_eq!(response.account.services, vec![Service::Transaction, Service::PackingSlip]);
        assert_eq!(response.account.provider, Provider::SpsCommerce);
        assert_eq!(response.account.status, AccountStatus::Active, "a backend without statuses means active");
        assert_eq!(response.account.last_verified_at, None);
    }

    #[test]
    fn an_account_that_needs_attention_names_its_cause() {
        let json = r#"{"id":"acc_1","provider":"sps_commerce","environment":"production","client_id_hint":"…9f3a",
            "services":[],"connected_at":"2026-11-29T10:00:00Z","status":"needs_attention",
            "status_reason":"invalid_client","last_verified_at":"2026-11-29T11:00:00Z"}"#;
        let account: LinkedAccount = serde_json::from_str(json).unwrap();
        assert_eq!(account.status, AccountStatus::NeedsAttention);
        assert_eq!(account.status_reason, Some(ErrorCode::InvalidClient));
        let printed = serde_json::to_value(&account).unwrap();
        assert_eq!(printed["status"], "needs_attention");
        assert_eq!(printed["status_reason"], "invalid_client");
    }
}
