//! What went wrong when the host talked to SPS Commerce.

use sps_connect_wire::ErrorCode;

/// A call to SPS failed; `code` and `message` are what callers are told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpsFailure {
    /// The contract's code.
    pub code: ErrorCode,
    /// What the caller reads. Never holds a credential or SPS's own words.
    pub message: &'static str,
    /// What happened, for the log. Never holds a credential.
    pub reason: String,
    /// Seconds the caller should wait before trying again, when known.
    pub retry_after: Option<u64>,
}

impl SpsFailure {
    /// A failure of the token endpoint, with the message for its code.
    pub fn exchange(code: ErrorCode, reason: impl Into<String>) -> Self {
        let message = match code {
            ErrorCode::InvalidClient => "SPS Commerce rejected the Client ID or Client Secret.",
            ErrorCode::UnauthorizedClient => "The application may not use the client credentials grant.",
            ErrorCode::AccessDenied => {
                "The application is not authorized for the SPS Commerce API audience or services."
            }
            ErrorCode::RateLimited => "SPS Commerce is limiting requests; wait before trying again.",
            ErrorCode::InvalidRequest => "SPS Commerce did not accept the token request.",
            _ => "SPS Commerce could not be reached or sent an unusable answer.",
        };
        Self { code, message, reason: reason.into(), retry_after: None }
    }

    /// A failure of the SPS API itself.
    pub fn api(code: ErrorCode, message: &'static str, reason: impl Into<String>) -> Self {
        Self { code, message, reason: reason.into(), retry_after: None }
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
