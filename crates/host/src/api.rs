//! The HTTP API: connect, list accounts, mint sessions.

use crate::crypto::SecretBox;
use crate::exchange::TokenExchange;
use crate::session::{SessionError, Sessions, USER_ID_MAX_LEN};
use crate::store::{AccountStore, NewLink, Saved, StoreError, StoredAccount};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use sps_connect_wire::{
    check_client_id, check_client_secret, client_id_hint, is_valid_account_id, AccountList, ConnectRequest,
    ConnectResponse, ConnectStatus, ErrorBody, ErrorCode, FieldProblem, LinkedAccount, Provider, Service,
    ACCOUNT_ID_MAX_LEN, SESSION_HEADER,
};
use std::sync::Arc;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Largest request body the API reads.
pub const BODY_LIMIT: usize = 8 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// Session minting and checking.
    pub sessions: Sessions,
    /// The token exchange.
    pub exchange: TokenExchange,
    /// The account store.
    pub store: Arc<dyn AccountStore>,
    /// Encryption of secrets at rest.
    pub secret_box: SecretBox,
    /// Services the integration requests.
    pub services: Vec<Service>,
    /// Key that allows minting sessions.
    pub admin_key: Option<String>,
}

/// A contract error with its HTTP status.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
}

impl ApiError {
    /// An error with the contract's status for `code`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        let status = StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Self { status, body: ErrorBody::new(code, message) }
    }

    fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, message)
    }

    fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, [(header::CACHE_CONTROL, "no-store")], Json(self.body)).into_response()
    }
}

fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<String, ApiError> {
    let token = headers.get(SESSION_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if token.is_empty() {
        return Err(ApiError::new(ErrorCode::SessionInvalid, "The X-Connect-Session header is missing."));
    }
    state.sessions.verify(token).map_err(|error| {
        let message = match error {
            SessionError::Expired => "The connect session has expired.",
            SessionError::Invalid => "The connect session is not valid.",
        };
        ApiError::new(ErrorCode::SessionInvalid, message)
    })
}

fn read_json_body(headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let is_json =
        content_type.split(';').next().is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(ApiError::invalid("The request must be JSON (Content-Type: application/json)")
            .with_status(StatusCode::UNSUPPORTED_MEDIA_TYPE));
    }
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::invalid(format!("The request body is larger than {BODY_LIMIT} bytes."))
                .with_status(StatusCode::PAYLOAD_TOO_LARGE)
        } else {
            ApiError::invalid("The request body could not be read.")
        }
    })
}

/// Parses a body without ever echoing a value from it.
fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, ApiError> {
    let deserializer = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let inner = error.inner().to_string();
        let message = if inner.starts_with("unknown field") || inner.starts_with("missing field") {
            inner.split(" at line").next().unwrap_or_default().to_owned()
        } else if error.inner().is_syntax() || error.inner().is_eof() {
            "The request body is not valid JSON.".to_owned()
        } else {
            format!("Field `{}` has an invalid value.", error.path())
        };
        ApiError::invalid(message)
    })
}

fn describe(field: &str, problem: FieldProblem) -> String {
    match problem {
        FieldProblem::Missing => format!("`{field}` is required."),
        FieldProblem::TooShort { min } => format!("`{field}` must have at least {min} characters."),
        FieldProblem::TooLong { max } => format!("`{field}` must have at most {max} characters."),
        FieldProblem::ContainsWhitespace => format!("`{field}` must not contain whitespace."),
        FieldProblem::InvalidCharacter => format!("`{field}` contains characters that are not allowed."),
    }
}

fn check_request(request: &ConnectRequest) -> Result<(), ApiError> {
    check_client_id(&request.client_id).map_err(|p| ApiError::invalid(describe("client_id", p)))?;
    check_client_secret(&request.client_secret).map_err(|p| ApiError::invalid(describe("client_secret", p)))?;
    if request.account_id.as_deref().is_some_and(|id| !is_valid_account_id(id)) {
        return Err(ApiError::invalid(format!(
            "`account_id` must be 1 to {ACCOUNT_ID_MAX_LEN} letters, digits, `_` or `-`."
        )));
    }
    Ok(())
}

fn summary(account: StoredAccount) -> LinkedAccount {
    LinkedAccount {
        id: account.id,
        provider: Provider::SpsCommerce,
        environment: account.environment,
        client_id_hint: client_id_hint(&account.client_id),
        services: account.services,
        connected_at: account.connected_at,
    }
}

fn exchange_message(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::InvalidClient => "SPS Commerce rejected the Client ID or Client Secret.",
        ErrorCode::UnauthorizedClient => "The application may not use the client credentials grant.",
        ErrorCode::AccessDenied => "The application is not authorized for the SPS Commerce API audience or services.",
        ErrorCode::RateLimited => "SPS Commerce is limiting requests; wait before trying again.",
        _ => "SPS Commerce could not be reached or sent an unusable answer.",
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|e| Err(StoreError::Database(e.to_string())))
}

fn store_error(error: StoreError) -> ApiError {
    match error {
        StoreError::UnknownAccount => ApiError::invalid("No linked account of this user has that `account_id`."),
        StoreError::Conflict => ApiError::invalid("Another linked account already uses these credentials."),
        StoreError::Database(reason) => {
            tracing::error!(%reason, "account store failed");
            ApiError::new(ErrorCode::InternalError, "The account could not be saved.")
        }
    }
}

/// `POST {endpoint}`: exchanges the credentials for a token and saves the link.
pub async fn connect(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, [(header::HeaderName, &'static str); 1], Json<ConnectResponse>), ApiError> {
    let user_id = authenticate(&state, &headers)?;
    let body = read_json_body(&headers, body)?;
    let request: ConnectRequest = parse(&body)?;
    check_request(&request)?;
    let hint = client_id_hint(&request.client_id);
    if let Err(failure) = state.exchange.confirm(&request.client_id, &request.client_secret).await {
        tracing::warn!(client_id = %hint, code = ?failure.code, reason = %failure.reason, "token exchange failed");
        return Err(ApiError::new(failure.code, exchange_message(failure.code)));
    }
    let context = format!("{user_id}\n{}\n{}", request.environment.as_str(), request.client_id);
    let link = NewLink {
        sealed_secret: state.secret_box.seal(&request.client_secret, &context),
        user_id,
        account_id: request.account_id,
        environment: request.environment,
        client_id: request.client_id,
        services: state.services.clone(),
        connected_at: OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_default(),
    };
    let store = Arc::clone(&state.store);
    let (account, saved) = blocking(move || store.save(link)).await.map_err(store_error)?;
    tracing::info!(account = %account.id, client_id = %hint, environment = account.environment.as_str(), ?saved, "account linked");
    let status = if saved == Saved::Created { StatusCode::CREATED } else { StatusCode::OK };
    let response = ConnectResponse { status: ConnectStatus::Connected, account: summary(account) };
    Ok((status, [(header::CACHE_CONTROL, "no-store")], Json(response)))
}

/// `GET /api/sps/accounts`: the session user's linked accounts.
pub async fn accounts(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<AccountList>, ApiError> {
    let user_id = authenticate(&state, &headers)?;
    let store = Arc::clone(&state.store);
    let accounts = blocking(move || store.list(&user_id)).await.map_err(store_error)?;
    Ok(Json(AccountList { accounts: accounts.into_iter().map(summary).collect() }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionRequest {
    user_id: String,
}

/// A minted session token.
#[derive(Debug, Serialize, Deserialize)]
pub struct SessionGrant {
    /// The token to pass to the widget as `sessionToken`.
    pub session_token: String,
    /// When it expires, RFC 3339.
    pub expires_at: String,
}

/// Mints a session for `user_id`.
pub fn grant(sessions: &Sessions, user_id: &str) -> SessionGrant {
    let (session_token, expires) = sessions.mint(user_id);
    let expires_at = OffsetDateTime::from_unix_timestamp(expires as i64)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default();
    SessionGrant { session_token, expires_at }
}

fn same_key(provided: &str, expected: &str, sessions: &Sessions) -> bool {
    let (a, b) = (sessions.fingerprint(provided), sessions.fingerprint(expected));
    a.len() == b.len() && a.iter().zip(&b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `POST /api/sps/sessions`: server to server, with the admin key as a bearer token.
pub async fn mint_session(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<SessionGrant>), ApiError> {
    let provided = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let authorized = state.admin_key.as_deref().is_some_and(|key| same_key(provided, key, &state.sessions));
    if !authorized {
        return Err(ApiError::new(ErrorCode::SessionInvalid, "A valid admin key is required."));
    }
    let body = read_json_body(&headers, body)?;
    let request: SessionRequest = parse(&body)?;
    let user_id = request.user_id.trim();
    if user_id.is_empty() || user_id.len() > USER_ID_MAX_LEN || user_id.chars().any(char::is_control) {
        return Err(ApiError::invalid(format!("`user_id` must be 1 to {USER_ID_MAX_LEN} characters.")));
    }
    Ok((StatusCode::CREATED, Json(grant(&state.sessions, user_id))))
}
