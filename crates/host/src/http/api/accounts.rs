//! The accounts endpoints: list, show, verify, disconnect, and tokens for the
//! portal's server.

use super::{summary, ApiError, AppState, Caller, ClientIp, ContractJson, PortalServer, NO_STORE};
use crate::domain::accounts::{AccessError, Recent};
use crate::domain::limits::Subject;
use crate::sps::tokens::Reuse;
use crate::store::{SealedAccount, StoredAccount};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use sps_connect_wire::{is_valid_account_id, AccountList, ErrorBody, LinkedAccount};

/// Body of the answers about one account.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AccountBody {
    /// The account, without any secret.
    pub account: LinkedAccount,
}

/// Body of `POST /api/sps/accounts/{id}/token`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenBody {
    /// The account's SPS access token: for the portal's server only, never a browser.
    access_token: String,
    /// Always `Bearer`.
    token_type: &'static str,
    /// When SPS says it expires, RFC 3339.
    expires_at: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    user_id: Option<String>,
}

pub(super) async fn find(state: &AppState, caller: &Caller, account_id: &str) -> Result<SealedAccount, ApiError> {
    if !is_valid_account_id(account_id) {
        return Err(AccessError::NotFound.into());
    }
    Ok(state.accounts.find(account_id, caller.owner()).await?)
}

/// `GET /api/sps/accounts`: a user's accounts; the portal's server names the user with `?user_id=`.
#[utoipa::path(
    get,
    path = "/api/sps/accounts",
    tag = "accounts",
    security(("adminKey" = []), ("connectSession" = [])),
    params(("user_id" = Option<String>, Query, description = "The user, for the portal's server (required there; refused with a session)")),
    responses(
        (status = 200, description = "The user's accounts, newest first", body = AccountList),
        (status = 400, description = "`user_id` missing for the server, or given with a session", body = ErrorBody),
        (status = 401, description = "No valid admin key or session", body = ErrorBody),
    )
)]
pub async fn accounts(
    caller: Caller,
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|_| ApiError::invalid("The only query parameter is `user_id`."))?;
    let user_id = match (caller, query.user_id) {
        (Caller::Portal, Some(user_id)) if !user_id.trim().is_empty() => user_id,
        (Caller::Portal, _) => return Err(ApiError::invalid("The portal's server must name the user: `?user_id=`.")),
        (Caller::User { .. }, Some(_)) => return Err(ApiError::invalid("`user_id` is for the portal's server only.")),
        (Caller::User { user_id, .. }, None) => user_id,
    };
    let accounts = state.accounts.list(user_id).await?;
    let body = AccountList { accounts: accounts.into_iter().map(summary).collect() };
    Ok((NO_STORE, Json(body)).into_response())
}

fn account_answer(account: StoredAccount) -> Response {
    (NO_STORE, Json(AccountBody { account: summary(account) })).into_response()
}

/// `GET /api/sps/accounts/{id}`: one account.
#[utoipa::path(
    get,
    path = "/api/sps/accounts/{id}",
    tag = "accounts",
    security(("adminKey" = []), ("connectSession" = [])),
    params(("id" = String, Path, description = "The account's id, `acc_…`")),
    responses(
        (status = 200, description = "The account", body = AccountBody),
        (status = 401, description = "No valid admin key or session", body = ErrorBody),
        (status = 404, description = "No such account, or another user's", body = ErrorBody),
    )
)]
pub async fn account(
    caller: Caller,
    State(state): State<AppState>,
    Path(account_id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(account_answer(find(&state, &caller, &account_id).await?.account))
}

/// Body of `PATCH /api/sps/accounts/{id}`: the account's settings the portal may change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountChange {
    /// Whether the host announces the documents waiting for the account.
    watch_documents: bool,
}

/// `PATCH /api/sps/accounts/{id}` `{"watch_documents": true}`, for the
/// portal's server only: turns document watching on or off; the account after.
#[utoipa::path(
    patch,
    path = "/api/sps/accounts/{id}",
    tag = "accounts",
    security(("adminKey" = [])),
    params(("id" = String, Path, description = "The account's id, `acc_…`")),
    request_body = AccountChange,
    responses(
        (status = 200, description = "The account after the change", body = AccountBody),
        (status = 400, description = "An unknown field or a wrong type", body = ErrorBody),
        (status = 401, description = "No valid admin key, or a session", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
    )
)]
pub async fn change_account(
    _: PortalServer,
    State(state): State<AppState>,
    Path(account_id): Path<String>,
    ContractJson(change): ContractJson<AccountChange>,
) -> Result<Response, ApiError> {
    let account = find(&state, &Caller::Portal, &account_id).await?.account;
    Ok(account_answer(state.accounts.watch_documents(&account.id, change.watch_documents).await?))
}

/// `POST /api/sps/accounts/{id}/verify`: a fresh exchange and auth-check; the account's new status.
/// A user's verifies count against them, everyone's against the account, and
/// a user who verifies again within seconds gets the verdict they just had.
#[utoipa::path(
    post,
    path = "/api/sps/accounts/{id}/verify",
    tag = "accounts",
    security(("adminKey" = []), ("connectSession" = [])),
    params(("id" = String, Path, description = "The account's id, `acc_…`")),
    responses(
        (status = 200, description = "The verdict: the account with its new status", body = AccountBody),
        (status = 401, description = "No valid admin key or session", body = ErrorBody),
        (status = 404, description = "No such account, or another user's", body = ErrorBody),
        (status = 429, description = "Too many verifications, or SPS is throttling; see `Retry-After`", body = ErrorBody),
        (status = 502, description = "SPS is down: the status is left as it was", body = ErrorBody),
    )
)]
pub async fn verify(
    caller: Caller,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    State(state): State<AppState>,
    Path(account_id): Path<String>,
) -> Result<Response, ApiError> {
    let sealed = find(&state, &caller, &account_id).await?;
    let mut subjects = vec![Subject::AccountVerifies(sealed.account.id.clone())];
    let recent = match &caller {
        Caller::User { user_id, .. } => {
            subjects.push(Subject::UserCalls(user_id.clone()));
            Recent::Reuse
        }
        Caller::Portal => Recent::Ignore,
    };
    let reservation = state.limiter.reserve(&subjects).map_err(|seconds| {
        let message = format!("Too many verifications in a short time; wait {seconds} seconds before trying again.");
        ApiError::rate_limited(message, seconds)
    })?;
    let verified = state.accounts.verify(&sealed, recent, &caller.actor(ip)).await;
    reservation.settle(|_| true);
    Ok(account_answer(verified?))
}

/// `DELETE /api/sps/accounts/{id}`: disconnects the account.
#[utoipa::path(
    delete,
    path = "/api/sps/accounts/{id}",
    tag = "accounts",
    security(("adminKey" = []), ("connectSession" = [])),
    params(("id" = String, Path, description = "The account's id, `acc_…`")),
    responses(
        (status = 204, description = "Disconnected: the account and its secret are deleted; its history stays"),
        (status = 401, description = "No valid admin key or session", body = ErrorBody),
        (status = 404, description = "No such account, or another user's", body = ErrorBody),
    )
)]
pub async fn delete_account(
    caller: Caller,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    State(state): State<AppState>,
    Path(account_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let sealed = find(&state, &caller, &account_id).await?;
    if !state.accounts.disconnect(&sealed.account, &caller.actor(ip)).await? {
        return Err(AccessError::NotFound.into());
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenQuery {
    #[serde(default)]
    force_refresh: bool,
}

/// `POST /api/sps/accounts/{id}/token[?force_refresh=true]`: the account's
/// access token, for the portal's server only. `force_refresh` skips the
/// cached token (after SPS refused it); callers that ask at once share one exchange.
#[utoipa::path(
    post,
    path = "/api/sps/accounts/{id}/token",
    tag = "accounts",
    security(("adminKey" = [])),
    params(
        ("id" = String, Path, description = "The account's id, `acc_…`"),
        ("force_refresh" = Option<bool>, Query, description = "Skip the cached token (after SPS refused it)"),
    ),
    responses(
        (status = 200, description = "The account's access token", body = TokenBody),
        (status = 400, description = "A query parameter other than `force_refresh`", body = ErrorBody),
        (status = 401, description = "No valid admin key, a session, or SPS refused the stored credentials (`invalid_client`)", body = ErrorBody),
        (status = 403, description = "SPS refused the grant or the audience", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
        (status = 429, description = "SPS is throttling; see `Retry-After`", body = ErrorBody),
        (status = 502, description = "SPS is down", body = ErrorBody),
    )
)]
pub async fn token(
    _: PortalServer,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    State(state): State<AppState>,
    Path(account_id): Path<String>,
    query: Result<Query<TokenQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) =
        query.map_err(|_| ApiError::invalid("The only query parameter is `force_refresh` (true or false)."))?;
    let sealed = find(&state, &Caller::Portal, &account_id).await?;
    let reuse = if query.force_refresh { Reuse::Fresh } else { Reuse::Any };
    let token = state.accounts.token(&sealed, reuse, &Caller::Portal.actor(ip)).await?;
    let body = TokenBody {
        access_token: token.access_token.secret().clone(),
        token_type: "Bearer",
        expires_at: crate::util::times::rfc3339(
            token.expires_at.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64),
        ),
    };
    Ok((NO_STORE, Json(body)).into_response())
}
