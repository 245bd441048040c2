//! `POST {endpoint}`: the widget's connect request.

use super::links::usable_link;
use super::{authenticate, parse, read_json_body, summary, ApiError, AppState, ClientIp, NO_STORE};
use crate::accounts::{blocking, AccessError};
use crate::failure::SpsFailure;
use crate::limits::Subject;
use crate::store::{Saved, StoreError};
use crate::webhooks::EventType;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use axum::Json;
use sps_connect_wire::{
    check_client_id, check_client_secret, client_id_hint, is_valid_account_id, ConnectRequest, ConnectResponse,
    ConnectStatus, ErrorCode, FieldProblem, ACCOUNT_ID_MAX_LEN,
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

/// Whether SPS's answer counts as a failed attempt: it refused the
/// credentials or the request, rather than failing itself.
fn counts_as_failure(failure: &SpsFailure) -> bool {
    failure.needs_attention() || failure.code == ErrorCode::InvalidRequest
}

/// `POST {endpoint}`: confirms the credentials with SPS (token, then
/// auth-check) and saves the link.
pub async fn connect(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let session = authenticate(&state, &headers)?;
    let user_id = session.user_id.clone();
    let body = read_json_body(&headers, body)?;
    let request: ConnectRequest = parse(&body)?;
    check_request(&request)?;
    if let Some(link_id) = &session.link_id {
        let link = usable_link(&state, link_id).await?;
        if link.account_id.is_some() && request.account_id != link.account_id {
            return Err(ApiError::invalid("This link updates one account: `account_id` must be that account."));
        }
        if link.environment.is_some_and(|environment| environment != request.environment) {
            return Err(ApiError::invalid("This link is for the other environment's keys."));
        }
    }
    let subjects = [Subject::User(user_id.clone()), Subject::Address(ip), Subject::ClientId(request.client_id.clone())];
    if let Err(seconds) = state.limiter.check(&subjects) {
        tracing::warn!(address = %ip, client_id = %client_id_hint(&request.client_id), "connect refused: too many failures");
        let message =
            format!("Too many failed attempts to link an account; wait {seconds} seconds before trying again.");
        return Err(ApiError::rate_limited(message, seconds));
    }
    if let Some(account_id) = &request.account_id {
        state.accounts.find(account_id, Some(&user_id)).await.map_err(|_| StoreError::UnknownAccount)?;
    }
    let linked = state.accounts.link(user_id, request).await;
    if let Err(AccessError::Sps(failure)) = &linked {
        if counts_as_failure(failure) {
            let counted = if failure.code == ErrorCode::InvalidClient { &subjects[..] } else { &subjects[..2] };
            state.limiter.record(counted);
        }
    }
    let (account, saved) = linked?;
    if let Some(link_id) = &session.link_id {
        let store = std::sync::Arc::clone(&state.links);
        let (id, now) = (link_id.clone(), crate::times::unix_now());
        let event = state.accounts.event(EventType::LinkUsed, &account, serde_json::json!({ "link_id": link_id }));
        if blocking(move || store.use_link(&id, now, event.as_ref())).await? {
            tracing::info!(link = %link_id, account = %account.id, "hosted link used");
            state.accounts.webhooks().wake();
        }
    }
    let status = if saved == Saved::Created { StatusCode::CREATED } else { StatusCode::OK };
    let response = ConnectResponse { status: ConnectStatus::Connected, account: summary(account) };
    Ok((status, NO_STORE, Json(response)).into_response())
}
