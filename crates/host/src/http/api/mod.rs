//! The HTTP API: connect, sessions, accounts and their history, tokens,
//! the SPS API proxy, hosted links, webhooks and the probes.

mod accounts;
mod activity;
mod connect;
mod embed;
mod extract;
mod guard;
mod health;
mod links;
mod openapi;
mod paging;
mod proxy;
mod sessions;
mod webhooks;

pub use crate::domain::accounts::summary;
use accounts::find;
pub use accounts::{account, accounts, change_account, delete_account, token, verify, AccountBody};
pub use activity::{activity, ActivityEntry, ActivityPage};
pub use connect::connect;
pub use embed::{embed_frame_script, embed_loader, embed_page};
pub(crate) use extract::read_body;
pub use extract::{Caller, ConnectSession, ContractJson, PortalServer};
pub use guard::{guard, ClientIp};
pub use health::{healthz, readyz};
pub use links::{link_session, list_links, mint_link, page, page_script, revoke_link};
pub use openapi::{document as openapi_document, openapi_json, ApiDoc};
pub use proxy::proxy;
pub(crate) use proxy::relay;
pub use sessions::{grant, mint_session, SessionGrant};
pub use webhooks::{deliveries, redeliver, send_test};

use crate::domain::accounts::{AccessError, LinkedAccounts};
use crate::domain::limits::Limiter;
use crate::domain::session::Sessions;
use crate::sps::failure::{SpsFailure, Stage};
use crate::store::StoreError;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use sps_connect_wire::{ErrorBody, ErrorCode};
use std::sync::Arc;

/// Largest request body the API reads, but for the proxy's.
pub const BODY_LIMIT: usize = 8 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// Session minting and checking.
    pub sessions: Sessions,
    /// The linked accounts.
    pub accounts: LinkedAccounts,
    /// Key of the portal's server.
    pub admin_key: Option<secrecy::SecretString>,
    /// Attempt counts for connects, verifies and authentications.
    pub limiter: Arc<Limiter>,
    /// Header that carries the client's address when a trusted proxy sets it.
    pub client_ip_header: Option<header::HeaderName>,
    /// Hosted links.
    pub links: crate::domain::links::HostedLinks,
    /// The hosted page's look and the links' base URL.
    pub hosted: Arc<crate::http::hosted::HostedConfig>,
    /// Path of the connect endpoint, for the hosted page's widget.
    pub endpoint: String,
    /// Services the integration requests.
    pub services: Vec<sps_connect_wire::Service>,
    /// The store, for the readiness check.
    pub store: Arc<dyn crate::store::Store>,
}

/// A contract error with its HTTP status.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
    retry_after: Option<u64>,
    auth_refused: bool,
}

/// Marks an answer that refused an admin key or a session, for [`guard`].
#[derive(Clone, Copy, Debug)]
pub struct AuthRefused;

impl ApiError {
    /// An error with the contract's status for `code`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        let status = StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Self { status, body: ErrorBody::new(code, message), retry_after: None, auth_refused: false }
    }

    /// `429 rate_limited` with `Retry-After: seconds`.
    pub fn rate_limited(message: impl Into<String>, seconds: u64) -> Self {
        Self { retry_after: Some(seconds), ..Self::new(ErrorCode::RateLimited, message) }
    }

    fn auth(message: &str) -> Self {
        Self { auth_refused: true, ..Self::new(ErrorCode::SessionInvalid, message) }
    }

    fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, message)
    }

    fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, NO_STORE, Json(self.body)).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, seconds.into());
        }
        if self.auth_refused {
            response.extensions_mut().insert(AuthRefused);
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::UnknownAccount => ApiError::invalid("No linked account of this user has that `account_id`."),
            StoreError::Conflict => ApiError::invalid("Another linked account already uses these credentials."),
            StoreError::LinkUnusable => ApiError::new(
                ErrorCode::SessionInvalid,
                "This link was used, revoked or expired while connecting; nothing was linked. Ask the portal for a new link.",
            ),
            failed => {
                tracing::error!(error = %failed, "account store failed");
                ApiError::new(ErrorCode::InternalError, "The account store failed.")
            }
        }
    }
}

/// What the caller reads of a failed call to SPS: never SPS's own words.
fn sps_words(failure: &SpsFailure) -> &'static str {
    match (failure.stage, failure.code) {
        (Stage::TokenRefusedByApi, _) => {
            "SPS Commerce issued a token, but the SPS API refused it: the application is not authorized for the SPS API."
        }
        (Stage::Api, _) => "The SPS Commerce API could not be reached or sent an unusable answer.",
        (Stage::AnswerTooLarge, _) => {
            "The SPS Commerce API answer is larger than the host passes on (SPS_PROXY_MAX_RESPONSE_BYTES)."
        }
        (Stage::StoredSecret, _) => "The stored secret of this account could not be opened.",
        (Stage::Token, ErrorCode::InvalidClient) => "SPS Commerce rejected the Client ID or Client Secret.",
        (Stage::Token, ErrorCode::UnauthorizedClient) => "The application may not use the client credentials grant.",
        (Stage::Token, ErrorCode::AccessDenied) => {
            "The application is not authorized for the SPS Commerce API audience or services."
        }
        (Stage::Token, ErrorCode::RateLimited) => "SPS Commerce is limiting requests; wait before trying again.",
        (Stage::Token, ErrorCode::InvalidRequest) => "SPS Commerce did not accept the token request.",
        (Stage::Token, _) => "SPS Commerce could not be reached or sent an unusable answer.",
    }
}

impl From<AccessError> for ApiError {
    fn from(error: AccessError) -> Self {
        match error {
            AccessError::NotFound => ApiError::new(ErrorCode::NotFound, "No linked account has this id."),
            AccessError::Sps(failure) => {
                ApiError { retry_after: failure.retry_after, ..ApiError::new(failure.code, sps_words(&failure)) }
            }
            AccessError::Store(error) => error.into(),
        }
    }
}

/// What a portal user id must be.
fn user_id_rule() -> String {
    format!("`user_id` must be 1 to {} characters.", crate::domain::session::USER_ID_MAX_LEN)
}

/// Headers of every answer that carries account data or tokens.
pub(crate) const NO_STORE: [(header::HeaderName, &str); 2] =
    [(header::CACHE_CONTROL, "no-store"), (header::PRAGMA, "no-cache")];
