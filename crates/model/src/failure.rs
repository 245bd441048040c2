//! Turns whatever the backend answered into an account or a failure a person can act on.

use crate::i18n::{fill, Messages};
use serde::{Deserialize, Deserializer};
use sps_connect_wire::{ConnectResponse, Environment, ErrorBody, ErrorCode, LinkedAccount};

/// Longest backend explanation shown to the user; the rest is cut.
const DETAIL_MAX_CHARS: usize = 300;

/// Why a connect attempt did not link the account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The backend answered with a contract error.
    Rejected {
        /// The contract's code.
        code: ErrorCode,
        /// The backend's own explanation, when it gave one.
        detail: Option<String>,
        /// Whether the backend says the same request may succeed later.
        retryable: bool,
    },
    /// The backend could not be reached: network failure, CORS, or a proxy with nothing behind it.
    Unreachable,
    /// The backend did not answer within the timeout.
    TimedOut,
    /// The backend answered outside the contract, such as an HTML error page.
    Unexpected {
        /// The HTTP status of that answer.
        status: u16,
    },
}

/// An answer's body, as the caller's JSON parser read it: the browser's own
/// in the widget, so that no JSON parser ships in the bundle.
pub enum Body<D> {
    /// A JSON document, as a deserializer over it.
    Json(D),
    /// Text that is not JSON, such as a proxy's HTML error page.
    NotJson,
    /// No body, or only whitespace.
    Empty,
}

impl<D> Body<D> {
    /// The body `text`, read by `parse` (the caller's JSON parser) unless it is blank.
    pub fn read(text: &str, parse: impl FnOnce(&str) -> Option<D>) -> Self {
        if text.trim().is_empty() {
            return Body::Empty;
        }
        parse(text).map_or(Body::NotJson, Body::Json)
    }
}

/// Reads an HTTP answer of the connect endpoint.
pub fn classify<'de, D: Deserializer<'de>>(status: u16, body: Body<D>) -> Result<LinkedAccount, Failure> {
    classify_as::<ConnectResponse, D>(status, body).map(|response| response.account)
}

/// Reads an HTTP answer of any endpoint of the host's API: a success as `T`,
/// a refusal as the contract's error body.
pub fn classify_as<'de, T: Deserialize<'de>, D: Deserializer<'de>>(status: u16, body: Body<D>) -> Result<T, Failure> {
    if (200..300).contains(&status) {
        let Body::Json(json) = body else {
            return Err(Failure::Unexpected { status });
        };
        return T::deserialize(json).map_err(|_| Failure::Unexpected { status });
    }
    // Gateways and dev proxies with nothing behind them answer 502-504, or a
    // bare 5xx with no body; the backend itself always sends a contract body.
    let nothing_behind = matches!(status, 502..=504) || matches!((status, &body), (500..=599, Body::Empty));
    if let Body::Json(json) = body {
        if let Ok(error) = ErrorBody::deserialize(json) {
            let detail = Some(error.message.trim()).filter(|m| !m.is_empty()).map(shorten);
            return Err(Failure::Rejected { code: error.error, detail, retryable: error.retryable });
        }
    }
    if nothing_behind {
        return Err(Failure::Unreachable);
    }
    Err(Failure::Unexpected { status })
}

fn shorten(message: &str) -> String {
    match message.char_indices().nth(DETAIL_MAX_CHARS) {
        Some((cut, _)) => format!("{}…", &message[..cut]),
        None => message.to_owned(),
    }
}

impl Failure {
    /// Whether sending the same credentials again may succeed. A session
    /// that expired is renewed before they are sent again, so that is one.
    pub fn is_retryable(&self) -> bool {
        match self {
            Failure::Rejected { code: ErrorCode::SessionInvalid, .. } => true,
            Failure::Rejected { retryable, .. } => *retryable,
            Failure::Unreachable | Failure::TimedOut | Failure::Unexpected { .. } => true,
        }
    }

    /// What the user is told, in the catalog's words.
    pub fn message(&self, messages: &Messages, environment: Environment) -> String {
        let code = match self {
            Failure::Unreachable => return messages.error_unreachable.to_owned(),
            Failure::TimedOut => return messages.error_timed_out.to_owned(),
            Failure::Unexpected { status } => {
                return fill(messages.error_unexpected, &[("status", &status.to_string())])
            }
            Failure::Rejected { code, .. } => *code,
        };
        let environment = messages.environment_name(environment);
        let template = match code {
            ErrorCode::InvalidRequest => messages.error_invalid_request,
            ErrorCode::SessionInvalid => messages.error_session_invalid,
            ErrorCode::InvalidClient => messages.error_invalid_client,
            ErrorCode::UnauthorizedClient => messages.error_unauthorized_client,
            ErrorCode::AccessDenied => messages.error_access_denied,
            ErrorCode::RateLimited => messages.error_rate_limited,
            ErrorCode::ProviderUnavailable => messages.error_provider_unavailable,
            ErrorCode::InternalError | ErrorCode::NotFound | ErrorCode::Forbidden | ErrorCode::Unknown => {
                messages.error_internal
            }
        };
        fill(template, &[("environment", environment)])
    }

    /// The backend's own words, where they add to the catalog's message: for
    /// a malformed request (which field) and for errors the catalog can only
    /// call generic. They are English, so only an English dialog shows them.
    pub fn detail(&self, messages: &Messages) -> Option<&str> {
        let Failure::Rejected { code, detail, .. } = self else { return None };
        let adds_something = matches!(
            code,
            ErrorCode::InvalidRequest
                | ErrorCode::InternalError
                | ErrorCode::NotFound
                | ErrorCode::Forbidden
                | ErrorCode::Unknown
        );
        detail.as_deref().filter(|_| adds_something && messages.lang == "en")
    }

    /// A stable code for hosts and logs.
    pub fn code(&self) -> &'static str {
        match self {
            Failure::Rejected { code, .. } => code.as_str(),
            Failure::Unreachable => "network_error",
            Failure::TimedOut => "timeout",
            Failure::Unexpected { .. } => "unexpected_response",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::DE;
    use crate::i18n::EN;
    use crate::test_fixtures::body;
    use std::collections::HashSet;

    const ACCOUNT: &str = r#"{"status":"connected","account":{"id":"acc_1","provider":"sps_commerce","environment":"sandbox",
        "client_id_hint":"…9f3a","services":["transaction"],"connected_at":"2026-11-29T10:00:00Z"}}"#;

    fn rejected(code: &str, retryable: bool) -> String {
        format!(r#"{{"error":"{code}","message":"from backend","retryable":{retryable}}}"#)
    }

    #[test]
    fn created_and_updated_answers_give_the_account() {
        assert_eq!(classify(201, body(ACCOUNT)).unwrap().id, "acc_1");
        assert_eq!(classify(200, body(ACCOUNT)).unwrap().client_id_hint, "…9f3a");
    }

    #[test]
    fn success_status_with_a_bad_body_is_unexpected() {
        assert_eq!(classify(200, body("")), Err(Failure::Unexpected { status: 200 }));
        assert_eq!(classify(201, body("<html>ok</html>")), Err(Failure::Unexpected { status: 201 }));
    }

    #[test]
    fn contract_errors_keep_code_detail_and_retryable() {
        let failure = classify(401, body(&rejected("invalid_client", false))).unwrap_err();
        assert_eq!(
            failure,
            Failure::Rejected { code: ErrorCode::InvalidClient, detail: Some("from backend".into()), retryable: false }
        );
        assert!(!failure.is_retryable());
        assert!(classify(429, body(&rejected("rate_limited", true))).unwrap_err().is_retryable());
    }

    #[test]
    fn gateway_errors_without_a_contract_body_mean_the_backend_is_unreachable() {
        assert_eq!(classify(502, body("")), Err(Failure::Unreachable));
        assert_eq!(classify(504, body("<html>Gateway Timeout</html>")), Err(Failure::Unreachable));
        assert_eq!(classify(500, body("")), Err(Failure::Unreachable));
    }

    #[test]
    fn other_answers_outside_the_contract_are_unexpected() {
        assert_eq!(
            classify(500, body("<!doctype html><h1>Internal Server Error</h1>")),
            Err(Failure::Unexpected { status: 500 })
        );
        assert_eq!(classify(404, body("")), Err(Failure::Unexpected { status: 404 }));
        assert_eq!(classify(400, body("{\"oops\":1}")), Err(Failure::Unexpected { status: 400 }));
    }

    // Regression: an expired session cleared the secret and told the user to reload the page.
    #[test]
    fn an_expired_session_keeps_the_credentials_and_never_says_reload() {
        let failure = classify(401, body(&rejected("session_invalid", false))).unwrap_err();
        assert!(failure.is_retryable(), "the secret is kept and Try again sends it with a renewed session");
        for messages in [&EN, &DE] {
            let message = failure.message(messages, Environment::Sandbox).to_lowercase();
            assert!(!message.contains("reload") && !message.contains("neu, um"), "{message}");
        }
    }

    #[test]
    fn a_forbidden_request_reads_as_a_generic_failure_with_the_backends_reason() {
        let forbidden = r#"{"error":"forbidden","message":"This link connects a new account.","retryable":false}"#;
        let failure = classify(403, body(forbidden)).unwrap_err();
        assert_eq!(failure.code(), "forbidden");
        assert!(!failure.is_retryable());
        assert_eq!(failure.message(&EN, Environment::Sandbox), EN.error_internal);
        assert_eq!(failure.detail(&EN), Some("This link connects a new account."));
        assert_eq!(failure.detail(&DE), None, "backends write English");
    }

    #[test]
    fn long_details_are_cut() {
        let long = format!(r#"{{"error":"invalid_request","message":"{}","retryable":false}}"#, "x".repeat(1000));
        let detail = classify(400, body(&long)).unwrap_err().detail(&EN).unwrap().to_owned();
        assert_eq!(detail.chars().count(), DETAIL_MAX_CHARS + 1);
    }

    #[test]
    fn every_failure_has_its_own_message() {
        let codes = [
            "invalid_request",
            "session_invalid",
            "invalid_client",
            "unauthorized_client",
            "access_denied",
            "rate_limited",
            "provider_unavailable",
            "internal_error",
        ];
        let mut failures: Vec<Failure> =
            codes.iter().map(|code| classify(400, body(&rejected(code, false))).unwrap_err()).collect();
        failures.extend([Failure::Unreachable, Failure::TimedOut, Failure::Unexpected { status: 500 }]);
        let messages: HashSet<String> = failures.iter().map(|f| f.message(&EN, Environment::Sandbox)).collect();
        assert_eq!(messages.len(), failures.len());
        let codes: HashSet<&str> = failures.iter().map(Failure::code).collect();
        assert_eq!(codes.len(), failures.len());
    }

    #[test]
    fn invalid_client_names_the_chosen_environment() {
        let failure = classify(401, body(&rejected("invalid_client", false))).unwrap_err();
        assert!(failure.message(&EN, Environment::Production).contains("Production keys"));
    }

    #[test]
    fn the_backends_words_show_only_where_they_add_something_and_only_in_english() {
        let rejected =
            |code| Failure::Rejected { code, detail: Some("`client_id` is required.".into()), retryable: false };
        assert_eq!(rejected(ErrorCode::InvalidRequest).detail(&EN), Some("`client_id` is required."));
        assert_eq!(rejected(ErrorCode::InternalError).detail(&EN), Some("`client_id` is required."));
        assert_eq!(rejected(ErrorCode::InvalidRequest).detail(&DE), None, "no English inside a German dialog");
        for code in
            [ErrorCode::InvalidClient, ErrorCode::AccessDenied, ErrorCode::RateLimited, ErrorCode::ProviderUnavailable]
        {
            assert_eq!(rejected(code).detail(&EN), None, "{code:?}: the catalog's message says it all");
        }
    }
}
