//! What the host page is told, and with which payload. Payloads are built
//! from the flow's events, which never hold the secret.

use crate::failure::Failure;
use crate::flow::{Event, Phase};
use crate::i18n::Messages;
use crate::validation::Field;
use serde_json::{json, Value};
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
pub fn account_payload(account: &LinkedAccount) -> Value {
    json!({
        "id": account.id,
        "provider": account.provider.as_str(),
        "environment": account.environment.as_str(),
        "clientIdHint": account.client_id_hint,
        "services": account.services.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "connectedAt": account.connected_at,
    })
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

    /// The detail of the `event` stream entry: `{type, ...}`.
    pub fn payload(&self) -> Value {
        let mut payload = match self {
            HostEvent::Opened | HostEvent::Closed | HostEvent::SessionRenewed => json!({}),
            HostEvent::EnvironmentChanged(environment) | HostEvent::Submitted(environment) => {
                json!({ "environment": environment.as_str() })
            }
            HostEvent::ValidationFailed(fields) => {
                json!({ "fields": fields.iter().map(|field| field.name()).collect::<Vec<_>>() })
            }
            HostEvent::Failed { code, message, retryable } => {
                json!({ "code": code, "message": message, "retryable": retryable })
            }
            HostEvent::Connected(account) => json!({ "account": account_payload(account) }),
        };
        payload["type"] = json!(self.kind());
        payload
    }

    /// The summary notification it also raises, with its detail.
    pub fn summary(&self) -> Option<(Summary, Value)> {
        match self {
            HostEvent::Connected(account) => Some((Summary::Success, json!({ "account": account_payload(account) }))),
            HostEvent::Failed { code, message, .. } => {
                Some((Summary::Error, json!({ "code": code, "message": message })))
            }
            HostEvent::Closed => Some((Summary::Close, json!({}))),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::EN;
    use crate::test_fixtures::account;

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
        let payload = event.payload();
        assert_eq!(payload["type"], "connected");
        assert_eq!(payload["account"]["clientIdHint"], "…9f3a");
        assert_eq!(payload["account"]["environment"], "production");
        let (name, detail) = event.summary().unwrap();
        assert_eq!(name, Summary::Success);
        assert_eq!(detail["account"]["id"], "acc_1");
    }

    #[test]
    fn failures_raise_error_with_code_and_message() {
        let failed = Event::Failed(Failure::Unreachable);
        let event = HostEvent::for_transition(&failed, &Phase::Failed(Failure::Unreachable), Environment::Sandbox, &EN)
            .unwrap();
        assert_eq!(event.payload()["retryable"], true);
        let (name, detail) = event.summary().unwrap();
        assert_eq!((name, detail["code"].as_str()), (Summary::Error, Some("network_error")));
        assert!(detail["message"].as_str().unwrap().contains("could not be reached"));
    }

    #[test]
    fn stream_only_events_raise_no_summary() {
        assert_eq!(HostEvent::Opened.summary(), None);
        assert_eq!(
            HostEvent::ValidationFailed(vec![Field::ClientId]).payload(),
            json!({"type": "validation_failed", "fields": ["client_id"]})
        );
        assert_eq!(HostEvent::Closed.summary().unwrap().0, Summary::Close);
    }
}
