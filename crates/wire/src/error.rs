use serde::{Deserialize, Serialize};

/// Machine-readable reason a connect failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request was malformed (400).
    InvalidRequest,
    /// The session token is missing, forged or expired (401).
    SessionInvalid,
    /// SPS rejected the Client ID or Client Secret (401).
    InvalidClient,
    /// The application may not use the client credentials grant (403).
    UnauthorizedClient,
    /// The application may not use the requested audience or services (403).
    AccessDenied,
    /// Too many attempts; wait before retrying (429).
    RateLimited,
    /// SPS is down, timed out or answered with garbage (502, 503, 504).
    ProviderUnavailable,
    /// The host backend failed on its own side (500).
    InternalError,
    /// The account does not exist, or is not the caller's (404).
    NotFound,
    /// The caller is who it says, but may not do this: a hosted link's
    /// session outside what its link is for (403).
    Forbidden,
    /// A code this version of the contract does not know.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The HTTP status the backend answers with for this code.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::InvalidRequest => 400,
            ErrorCode::SessionInvalid | ErrorCode::InvalidClient => 401,
            ErrorCode::UnauthorizedClient | ErrorCode::AccessDenied | ErrorCode::Forbidden => 403,
            ErrorCode::RateLimited => 429,
            ErrorCode::ProviderUnavailable => 502,
            ErrorCode::NotFound => 404,
            ErrorCode::InternalError | ErrorCode::Unknown => 500,
        }
    }

    /// The identifier used on the wire; `unknown_error` for a code this version does not know.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::SessionInvalid => "session_invalid",
            ErrorCode::InvalidClient => "invalid_client",
            ErrorCode::UnauthorizedClient => "unauthorized_client",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::ProviderUnavailable => "provider_unavailable",
            ErrorCode::InternalError => "internal_error",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::Unknown => "unknown_error",
        }
    }

    /// The code named by `value`, as [`ErrorCode::as_str`] spells it; [`ErrorCode::Unknown`] otherwise.
    pub fn from_name(value: &str) -> Self {
        Self::KNOWN.into_iter().find(|code| code.as_str() == value).unwrap_or(ErrorCode::Unknown)
    }

    const KNOWN: [ErrorCode; 10] = [
        ErrorCode::InvalidRequest,
        ErrorCode::SessionInvalid,
        ErrorCode::InvalidClient,
        ErrorCode::UnauthorizedClient,
        ErrorCode::AccessDenied,
        ErrorCode::RateLimited,
        ErrorCode::ProviderUnavailable,
        ErrorCode::InternalError,
        ErrorCode::NotFound,
        ErrorCode::Forbidden,
    ];

    /// Whether sending the same request again may succeed.
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorCode::RateLimited | ErrorCode::ProviderUnavailable | ErrorCode::InternalError)
    }
}

/// Body of every failed connect (4xx and 5xx).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// What went wrong, for programs.
    pub error: ErrorCode,
    /// What went wrong, for people. Never contains a secret.
    pub message: String,
    /// Whether the same request may succeed later.
    pub retryable: bool,
}

impl ErrorBody {
    /// An error body whose `retryable` flag follows the code.
    pub fn new(error: ErrorCode, message: impl Into<String>) -> Self {
        Self { error, message: message.into(), retryable: error.is_retryable() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_use_snake_case_and_unknown_ones_are_tolerated() {
        let body: ErrorBody =
            serde_json::from_str(r#"{"error":"invalid_client","message":"no","retryable":false}"#).unwrap();
        assert_eq!(body.error, ErrorCode::InvalidClient);
        let body: ErrorBody =
            serde_json::from_str(r#"{"error":"quota_exceeded","message":"no","retryable":true}"#).unwrap();
        assert_eq!(body.error, ErrorCode::Unknown);
    }

    #[test]
    fn statuses_follow_the_contract() {
        assert_eq!(ErrorCode::InvalidRequest.http_status(), 400);
        assert_eq!(ErrorCode::InvalidClient.http_status(), 401);
        assert_eq!(ErrorCode::AccessDenied.http_status(), 403);
        assert_eq!(ErrorCode::RateLimited.http_status(), 429);
        assert_eq!(ErrorCode::ProviderUnavailable.http_status(), 502);
        assert_eq!(ErrorCode::NotFound.http_status(), 404);
        assert_eq!(ErrorCode::Forbidden.http_status(), 403);
    }

    #[test]
    fn names_match_the_serialized_codes_and_parse_back() {
        for code in ErrorCode::KNOWN {
            assert_eq!(serde_json::to_string(&code).unwrap(), format!("\"{}\"", code.as_str()));
            assert_eq!(ErrorCode::from_name(code.as_str()), code);
        }
        assert_eq!(ErrorCode::from_name("quota_exceeded"), ErrorCode::Unknown);
    }

    #[test]
    fn new_derives_retryable_from_the_code() {
        assert!(ErrorBody::new(ErrorCode::ProviderUnavailable, "down").retryable);
        assert!(!ErrorBody::new(ErrorCode::InvalidClient, "wrong").retryable);
    }
}
