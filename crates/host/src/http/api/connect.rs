//! `POST {endpoint}`: the widget's connect request.

use super::{summary, ApiError, AppState, Caller, ClientIp, ConnectSession, ContractJson, NO_STORE};
use crate::domain::accounts::AccessError;
use crate::domain::limits::{Reservation, Subject};
use crate::sps::failure::SpsFailure;
use crate::store::{Saved, StoreError, StoredAccount};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use axum::Json;
use sps_connect_wire::{
    check_client_id, check_client_secret, client_id_hint, is_valid_account_id, ConnectRequest, ConnectResponse,
    ConnectStatus, ErrorBody, ErrorCode, FieldProblem, ACCOUNT_ID_MAX_LEN,
};
use std::net::IpAddr;

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

/// Whether SPS's answer counts as a failed attempt: it refused the
/// credentials or the request, rather than failing itself.
fn counts_as_failure(failure: &SpsFailure) -> bool {
    failure.needs_attention() || failure.code == ErrorCode::InvalidRequest
}

/// A connect attempt's places in the limits: reserved against the user's
/// calls and failures and the Client ID's failures (with this user, and with
/// anyone) before SPS is called; the address is checked, and counted only
/// for a refusal.
struct Attempt {
    address: Option<Subject>,
    reservation: Reservation,
}

impl Attempt {
    fn reserve(state: &AppState, ip: Option<IpAddr>, user_id: &str, client_id: &str) -> Result<Self, ApiError> {
        let address = ip.map(Subject::address);
        let subjects = [
            Subject::UserCalls(user_id.to_owned()),
            Subject::User(user_id.to_owned()),
            Subject::ClientOfUser { client_id: client_id.to_owned(), user_id: user_id.to_owned() },
            Subject::ClientId(client_id.to_owned()),
        ];
        let reserved = state.limiter.check(address.as_slice()).and_then(|()| state.limiter.reserve(&subjects));
        let reservation = reserved.map_err(|seconds| {
            tracing::warn!(address = ?ip, client_id = %client_id_hint(client_id), "connect refused: too many attempts");
            let message = format!("Too many attempts to link an account; wait {seconds} seconds before trying again.");
            ApiError::rate_limited(message, seconds)
        })?;
        Ok(Self { address, reservation })
    }

    /// A refusal counts against everything but, unless SPS called the
    /// Client ID invalid, the Client ID; anything else only against the user's calls.
    fn settle(self, state: &AppState, outcome: &Result<(StoredAccount, Saved), AccessError>) {
        match outcome {
            Err(AccessError::Sps(failure)) if counts_as_failure(failure) => {
                state.limiter.record(self.address.as_slice());
                let client_too = failure.code == ErrorCode::InvalidClient;
                let client = |s: &Subject| matches!(s, Subject::ClientOfUser { .. } | Subject::ClientId(_));
                self.reservation.settle(|s| client_too || !client(s))
            }
            _ => self.reservation.settle(|s| matches!(s, Subject::UserCalls(_))),
        }
    }
}

/// That `account_id` is one of the user's accounts (a store failure stays one).
async fn owned(state: &AppState, account_id: &str, user_id: &str) -> Result<(), ApiError> {
    match state.accounts.find(account_id, Some(user_id)).await {
        Ok(_) => Ok(()),
        Err(AccessError::NotFound) => Err(StoreError::UnknownAccount.into()),
        Err(other) => Err(other.into()),
    }
}

/// `POST {endpoint}`: confirms the credentials with SPS (token, then
/// auth-check) and saves the account.
#[utoipa::path(
    post,
    path = "/api/sps/connect",
    tag = "connect",
    security(("connectSession" = [])),
    request_body = ConnectRequest,
    responses(
        (status = 201, description = "A new account linked", body = ConnectResponse),
        (status = 200, description = "The user's account with this Client ID (or `account_id`) updated", body = ConnectResponse),
        (status = 400, description = "The body breaks the contract, or `account_id` is not the user's", body = ErrorBody),
        (status = 401, description = "No valid session, or SPS refused the Client ID or Secret (`invalid_client`)", body = ErrorBody),
        (status = 403, description = "SPS refused the grant or the audience, or a link session outside its link", body = ErrorBody),
        (status = 408, description = "The body came too slowly", body = ErrorBody),
        (status = 413, description = "The body is over 8 KiB", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 429, description = "Too many attempts, or SPS is throttling; see `Retry-After`", body = ErrorBody),
        (status = 502, description = "SPS is down or answered garbage", body = ErrorBody),
    )
)]
pub async fn connect(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    ConnectSession(session): ConnectSession,
    ContractJson(request): ContractJson<ConnectRequest>,
) -> Result<Response, ApiError> {
    check_request(&request)?;
    if let Some(account_id) = &request.account_id {
        owned(&state, account_id, &session.user_id).await?;
    }
    let through = match &session.link_id {
        Some(link_id) => Some(state.links.hold_for(link_id, &request).await?),
        None => None,
    };
    let attempt = match Attempt::reserve(&state, ip, &session.user_id, &request.client_id) {
        Ok(attempt) => attempt,
        Err(refusal) => {
            state.links.release(through).await;
            return Err(refusal);
        }
    };
    let actor = Caller::from(session.clone()).actor(ip);
    let connected = state.accounts.connect(session.user_id, request, through.clone(), &actor).await;
    attempt.settle(&state, &connected);
    if connected.is_err() {
        state.links.release(through).await;
    }
    let (account, saved) = connected?;
    let status = if saved == Saved::Created { StatusCode::CREATED } else { StatusCode::OK };
    let response = ConnectResponse { status: ConnectStatus::Connected, account: summary(account) };
    Ok((status, NO_STORE, Json(response)).into_response())
}
