//! What went wrong when the host talked to SPS Commerce.

use sps_connect_wire::ErrorCode;

/// Where a call to SPS failed; with the code, what the HTTP layer words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// The token endpoint refused, throttled or failed (or the breaker spoke for it).
    Token,
    /// The token was issued, but the SPS API refused it.
    TokenRefusedByApi,
    /// The SPS API could not be reached or answered garbage.
    Api,
    /// The SPS API's answer was larger than the proxy passes on.
    AnswerTooLarge,
    /// The account's stored secret did not open.
    StoredSecret,
}

/// A call to SPS failed: the contract's code and where, never SPS's own words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpsFailure {
    /// The contract's code.
    pub code: ErrorCode,
    /// Where it failed.
    pub stage: Stage,
    /// What happened, for the log. Never holds a credential.
    pub reason: String,
    /// Seconds the caller should wait before trying again, when known.
    pub retry_after: Option<u64>,
}

impl SpsFailure {
    /// A failure of the token endpoint.
    pub fn exchange(code: ErrorCode, reason: impl Into<String>) -> Self {
        Self::at(Stage::Token, code, reason)
    }

    /// A failure at `stage`.
    pub fn at(stage: Stage, code: ErrorCode, reason: impl Into<String>) -> Self {
        Self { code, stage, reason: reason.into(), retry_after: None }
    }

    /// The same failure, telling the caller to wait `seconds`.
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// Whether SPS refused the stored credentials themselves, so the account
    /// cannot work until the user reconnects it (as opposed to a passing fault).
    pub fn needs_attention(&self) -> bool {
        matches!(self.code, ErrorCode::InvalidClient | ErrorCode::UnauthorizedClient | ErrorCode::AccessDenied)
    }
}

/// A call's outcome as a metric label: `ok`, or the contract code of its failure.
pub fn outcome<T>(result: &Result<T, SpsFailure>) -> &'static str {
    result.as_ref().map_or_else(|failure| failure.code.as_str(), |_| "ok")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_refusals_of_the_credentials_need_the_users_attention() {
        for code in [ErrorCode::InvalidClient, ErrorCode::UnauthorizedClient, ErrorCode::AccessDenied] {
            assert!(SpsFailure::exchange(code, "").needs_attention(), "{code:?}");
        }
        for code in [ErrorCode::RateLimited, ErrorCode::ProviderUnavailable, ErrorCode::InternalError] {
            assert!(!SpsFailure::exchange(code, "").needs_attention(), "{code:?}");
        }
    }
}
