//! `POST {endpoint}`: the widget's connect request.

use super::{authenticate, parse, read_json_body, summary, ApiError, AppState, NO_STORE};
use crate::store::Saved;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use sps_connect_wire::{
    check_client_id, check_client_secret, is_valid_account_id, ConnectRequest, ConnectResponse, ConnectStatus,
    FieldProblem, ACCOUNT_ID_MAX_LEN,
};

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

/// `POST {endpoint}`: confirms the credentials with SPS (token, then
/// auth-check) and saves the link.
pub async fn connect(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let user_id = authenticate(&state, &headers)?;
    let body = read_json_body(&headers, body)?;
    let request: ConnectRequest = parse(&body)?;
    check_request(&request)?;
    let (account, saved) = state.accounts.link(user_id, request).await?;
    let status = if saved == Saved::Created { StatusCode::CREATED } else { StatusCode::OK };
    let response = ConnectResponse { status: ConnectStatus::Connected, account: summary(account) };
    Ok((status, NO_STORE, Json(response)).into_response())
}
