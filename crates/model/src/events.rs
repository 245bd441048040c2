//! What the host page is told, and with which payload. Payloads are built
//! from the flow's events, which never hold the secret.

use crate::failure::Failure;
use crate::flow::{Event, Phase};
use crate::i18n::Messages;
use crate::validation::Field;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use sps_connect_wire::{Environment, LinkedAccount};

/// One notification for the host page.
#[derive(Clone, Debug, PartialEq)]
pub enum HostEvent {
    /// The dialog opened.
    Opened,
    /// The user picked another environment.
    EnvironmentChanged(Environment),
    /// The form passed validation and was sent.
    Submitted(Environment),
    /// The form was refused before sending; the fields at fault.
    ValidationFailed(Vec<Field>),
    /// The attempt failed.
    Failed {
        /// Stable code, as in [`Failure::code`].
        code: &'static str,
        /// What the user was told.
        message: String,
        /// Whether retrying may help.
        retryable: bool,
    },
    /// The account is linked.
    Connected(LinkedAccount),
    /// The page gave the widget a fresh session, which it now sends.
    SessionRenewed,
    /// The dialog closed.
    Closed,
}

/// The summary notifications, each with its DOM event and callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Summary {
    /// `sps-connect:success` and `onSuccess`.
    Success,
    /// `sps-connect:error` and `onError`.
    Error,
    /// `sps-connect:close` and `onClose`.
    Close,
}

impl Summary {
    /// The DOM event's name after the `sps-connect:` prefix.
    pub fn name(self) -> &'static str {
        match self {
            Summary::Success => "success",
            Summary::Error => "error",
            Summary::Close => "close",
        }
    }
}

/// The account summary as hosts receive it, in camelCase.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountSummary<'a> {
    /// The host's identifier for the link.
    pub id: &'a str,
    /// Always `sps_commerce`.
    pub provider: &'static str,
    /// `sandbox` or `production`.
    pub environment: &'static str,
    /// A recognisable fragment of the Client ID.
    pub client_id_hint: &'a str,
    /// The services the link is authorized for.
    pub services: Vec<&'static str>,
    /// When the link was made or last updated, RFC 3339.
    pub connected_at: &'a str,
}

impl<'a> From<&'a LinkedAccount> for AccountSummary<'a> {
    fn from(account: &'a LinkedAccount) -> Self {
        AccountSummary {
            id: &account.id,
            provider: account.provider.as_str(),
            environment: account.environment.as_str(),
            client_id_hint: &account.client_id_hint,
            services: account.services.iter().map(|s| s.as_str()).collect(),
            connected_at: &account.connected_at,
        }
    }
}

/// What failed, as every error event carries it: `{code, message}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorDetail<'a> {
    /// Stable code, such as [`Failure::code`] or `invalid_options`.
    pub code: &'a str,
    /// What the user was told, or what is wrong.
    pub message: &'a str,
}

/// The detail of a summary notification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum SummaryDetail<'a> {
    /// `sps-connect:success`: the linked account.
    Success {
        /// The account's summary.
        account: AccountSummary<'a>,
    },
    /// `sps-connect:error`: what failed.
    Error(ErrorDetail<'a>),
    /// `sps-connect:close`: nothing more.
    Close {},
}

impl HostEvent {
    /// The event a flow transition into `next` announces, if any.
    pub fn for_transition(
        event: &Event,
        next: &Phase,
        environment: Environment,
        messages: &Messages,
    ) -> Option<HostEvent> {
        Some(match event {
            Event::Open => HostEvent::Opened,
            Event::Submit => HostEvent::Submitted(environment),
            Event::Retry if *next == Phase::Submitting => HostEvent::Submitted(environment),
            Event::Succeeded(account) => HostEvent::Connected(account.clone()),
            Event::Failed(failure) => HostEvent::failed(failure, environment, messages),
            Event::Close => HostEvent::Closed,
            Event::Retry => return None,
        })
    }

    fn failed(failure: &Failure, environment: Environment, messages: &Messages) -> HostEvent {
        HostEvent::Failed {
            code: failure.code(),
            message: failure.message(messages, environment),
            retryable: failure.is_retryable(),
        }
    }

    /// The `type` of the granular event stream.
    pub fn kind(&self) -> &'static str {
        match self {
            HostEvent::Opened => "opened",
            HostEvent::EnvironmentChanged(_) => "environment_changed",
            HostEvent::Submitted(_) => "submitted",
            HostEvent::ValidationFailed(_) => "validation_failed",
            HostEvent::Failed { .. } => "failed",
            HostEvent::Connected(_) => "connected",
            HostEvent::SessionRenewed => "session_renewed",
            HostEvent::Closed => "closed",
        }
    }

    /// The summary notification it also raises, with its detail.
    pub fn summary(&self) -> Option<(Summary, SummaryDetail<'_>)> {
        match self {
            HostEvent::Connected(account) => {
                Some((Summary::Success, SummaryDetail::Success { account: AccountSummary::from(account) }))
            }
            HostEvent::Failed { code, message, .. } => {
                Some((Summary::Error, SummaryDetail::Error(ErrorDetail { code, message })))
            }
            HostEvent::Closed => Some((Summary::Close, SummaryDetail::Close {})),
            _ => None,
        }
    }
}

impl Serialize for HostEvent {
    /// The detail of the `event` stream entry: `{type, ...}`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut entry = serializer.serialize_map(None)?;
        entry.serialize_entry("type", self.kind())?;
        match self {
            HostEvent::Opened | HostEvent::Closed | HostEvent::SessionRenewed => {}
            HostEvent::EnvironmentChanged(environment) | HostEvent::Submitted(environment) => {
                entry.serialize_entry("environment", environment.as_str())?;
            }
            HostEvent::ValidationFailed(fields) => {
                let names: Vec<_> = fields.iter().map(|field| field.name()).collect();
                entry.serialize_entry("fields", &names)?;
            }
            HostEvent::Failed { code, message, retryable } => {
                entry.serialize_entry("code", code)?;
                entry.serialize_entry("message", message)?;
                entry.serialize_entry("retryable", retryable)?;
            }
            HostEvent::Connected(account) => entry.serialize_entry("account", &AccountSummary::from(account))?,
        }
        entry.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::EN;
    use crate::test_fixtures::account;
    use serde_json::{json, Value};

    fn payload(event: &HostEvent) -> Value {
        serde_json::to_value(event).unwrap()
    }

    fn detail(event: &HostEvent) -> (Summary, Value) {
        let (summary, detail) = event.summary().unwrap();
        (summary, serde_json::to_value(detail).unwrap())
    }

    #[test]
    fn each_transition_announces_its_event() {
        let kinds: Vec<_> =
            [Event::Open, Event::Submit, Event::Succeeded(account()), Event::Failed(Failure::TimedOut), Event::Close]
                .iter()
                .map(|e| HostEvent::for_transition(e, &Phase::Editing, Environment::Sandbox, &EN).unwrap().kind())
                .collect();
        assert_eq!(kinds, ["opened", "submitted", "connected", "failed", "closed"]);
        assert_eq!(HostEvent::for_transition(&Event::Retry, &Phase::Editing, Environment::Sandbox, &EN), None);
        let resent = HostEvent::for_transition(&Event::Retry, &Phase::Submitting, Environment::Production, &EN);
        assert_eq!(resent, Some(HostEvent::Submitted(Environment::Production)), "try again is a new submission");
    }

    #[test]
    fn connected_carries_the_camel_case_summary_and_raises_success() {
        let event = HostEvent::Connected(account());
        let payload = payload(&event);
        assert_eq!(payload["type"], "connected");
        assert_eq!(payload["account"]["clientIdHint"], "…9f3a");
        assert_eq!(payload["account"]["environment"], "production");
        let (name, detail) = detail(&event);
        assert_eq!(name, Summary::Success);
        assert_eq!(detail["account"]["id"], "acc_1");
    }

    #[test]
    fn failures_raise_error_with_code_and_message() {
        let failed = Event::Failed(Failure::Unreachable);
        let event = HostEvent::for_transition(&failed, &Phase::Failed(Failure::Unreachable), Environment::Sandbox, &EN)
            .unwrap();
        assert_eq!(payload(&event)["retryable"], true);
        let (name, detail) = detail(&event);
        assert_eq!((name, detail["code"].as_str()), (Summary::Error, Some("network_error")));
        assert!(detail["message"].as_str().unwrap().contains("could not be reached"));
    }

    #[test]
    fn stream_only_events_raise_no_summary() {
        assert_eq!(HostEvent::Opened.summary(), None);
        assert_eq!(
            payload(&HostEvent::ValidationFailed(vec![Field::ClientId])),
            json!({"type": "validation_failed", "fields": ["client_id"]})
        );
        assert_eq!(detail(&HostEvent::Closed), (Summary::Close, json!({})));
    }
}
