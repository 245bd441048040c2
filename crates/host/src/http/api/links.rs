//! The hosted link API: the portal's server mints, lists and revokes links;
//! the hosted page trades an open link for a connect session.

use super::{ApiError, AppState, ContractJson, PortalServer, NO_STORE};
use crate::domain::accounts::AccessError;
use crate::domain::links::{self, LinkRequest, LinkState};
use crate::http::hosted::{self, PageKind};
use crate::store::blocking;
use crate::store::LinkRecord;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sps_connect_wire::{Environment, ErrorCode};
use std::sync::Arc;

use crate::util::times::{rfc3339, unix_now as now};

/// A link as the portal's server sees it; never its token.
#[derive(Serialize)]
struct LinkView {
    id: String,
    user_id: String,
    account_id: Option<String>,
    environment: Option<Environment>,
    locale: Option<String>,
    return_url: Option<String>,
    #[serde(rename = "for")]
    for_whom: Option<String>,
    created_at: String,
    expires_at: String,
}

impl From<LinkRecord> for LinkView {
    fn from(link: LinkRecord) -> Self {
        LinkView {
            id: link.id,
            user_id: link.user_id,
            account_id: link.account_id,
            environment: link.environment,
            locale: link.locale,
            return_url: link.return_url,
            for_whom: link.for_whom,
            created_at: rfc3339(link.created_at),
            expires_at: rfc3339(link.expires_at),
        }
    }
}

/// Checks and saves a link for the portal's server; its id, URL and expiry.
pub async fn create_link(state: &AppState, request: LinkRequest) -> Result<(String, String, String), ApiError> {
    let now = now();
    let (token, record) = links::new_link(&request, now, state.hosted.links_anonymous).map_err(ApiError::invalid)?;
    if let Some(return_url) = &record.return_url {
        links::check_return_url(return_url, &state.hosted.return_origins).map_err(ApiError::invalid)?;
    }
    if let Some(account_id) = &record.account_id {
        state.accounts.find(account_id, Some(&record.user_id)).await.map_err(|error| match error {
            AccessError::NotFound => ApiError::invalid("`account_id` names no account of this user."),
            other => other.into(),
        })?;
    }
    let (id, expires_at) = (record.id.clone(), rfc3339(record.expires_at));
    let store = Arc::clone(&state.links);
    blocking(move || store.create_link(record)).await?;
    tracing::info!(link = %id, "hosted link created");
    Ok((id, state.hosted.link_url(&token), expires_at))
}

/// `POST /api/sps/links`: a new hosted link.
pub async fn mint_link(
    _: PortalServer,
    State(state): State<AppState>,
    ContractJson(request): ContractJson<LinkRequest>,
) -> Result<Response, ApiError> {
    let (id, url, expires_at) = create_link(&state, request).await?;
    Ok((StatusCode::CREATED, NO_STORE, Json(json!({ "id": id, "url": url, "expires_at": expires_at }))).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinksQuery {
    user_id: String,
}

/// `GET /api/sps/links?user_id=`: the user's links that can still be used.
pub async fn list_links(
    _: PortalServer,
    State(state): State<AppState>,
    query: Result<Query<LinksQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|_| ApiError::invalid("Name the user: `?user_id=`."))?;
    let store = Arc::clone(&state.links);
    let open = blocking(move || store.open_links(&query.user_id, now())).await?;
    let links: Vec<LinkView> = open.into_iter().map(LinkView::from).collect();
    Ok((NO_STORE, Json(json!({ "links": links }))).into_response())
}

/// `DELETE /api/sps/links/{id}`: revokes a link.
pub async fn revoke_link(
    _: PortalServer,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let store = Arc::clone(&state.links);
    let lookup = id.clone();
    let Some(link) = blocking(move || store.link(&lookup)).await? else {
        return Err(ApiError::new(ErrorCode::NotFound, "No link has this id."));
    };
    if link.used_at.is_some() {
        return Err(ApiError::invalid("This link was already used; disconnect the account instead."));
    }
    let store = Arc::clone(&state.links);
    blocking(move || store.revoke_link(&id, now())).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn link_by_token(state: &AppState, token: &str) -> Result<Option<LinkRecord>, ApiError> {
    let store = Arc::clone(&state.links);
    let hash = links::token_hash(token);
    Ok(blocking(move || store.link_by_token(&hash)).await?)
}

fn unusable_message(state: LinkState) -> &'static str {
    match state {
        LinkState::Expired => "This link has expired. Ask the portal for a new link.",
        LinkState::Used => "This link has already been used. Ask the portal for a new link.",
        _ => "This link is no longer valid. Ask the portal for a new link.",
    }
}

/// Whether the session's link can still connect; the link, for the connect to check and use up.
pub(crate) async fn usable_link(state: &AppState, link_id: &str) -> Result<LinkRecord, ApiError> {
    let store = Arc::clone(&state.links);
    let id = link_id.to_owned();
    open(blocking(move || store.link(&id)).await?)
}

/// The link, if there is one and it can still be used; else the refusal for a page or session.
fn open(link: Option<LinkRecord>) -> Result<LinkRecord, ApiError> {
    let link = link.ok_or_else(|| ApiError::auth("This link is not valid."))?;
    match links::state(&link, now()) {
        LinkState::Open => Ok(link),
        other => Err(ApiError::auth(unusable_message(other))),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionForLink {
    link: String,
}

/// `POST /api/sps/links/session`: the hosted page trades an open link for a connect session.
pub async fn link_session(
    State(state): State<AppState>,
    ContractJson(request): ContractJson<SessionForLink>,
) -> Result<Response, ApiError> {
    let link = open(link_by_token(&state, &request.link).await?)?;
    let (session_token, expires) = state.sessions.mint_for_link(&link.user_id, &link.id, link.expires_at as u64);
    let body = json!({
        "session_token": session_token,
        "expires_at": rfc3339(expires as i64),
        "endpoint": state.endpoint,
        "services": state.services.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "account_id": link.account_id,
        "environment": link.environment,
        "return_url": link.return_url,
    });
    Ok((StatusCode::CREATED, NO_STORE, Json(body)).into_response())
}

/// `GET /connect/{link}`: the hosted page.
pub async fn page(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response, ApiError> {
    let config = &state.hosted;
    let Some(link) = link_by_token(&state, &token).await? else {
        return Ok(hosted::render(config, &config.locale, PageKind::Unknown));
    };
    let locale = link.locale.as_deref().unwrap_or(&config.locale);
    let kind = match links::state(&link, now()) {
        LinkState::Open => {
            PageKind::Connect { return_url: link.return_url.as_deref(), for_whom: link.for_whom.as_deref() }
        }
        other => PageKind::Unusable(other),
    };
    Ok(hosted::render(config, locale, kind))
}

/// `GET /connect-page.js`: the hosted page's script.
pub async fn page_script() -> Response {
    ([(axum::http::header::CONTENT_TYPE, "text/javascript; charset=utf-8")], hosted::SCRIPT).into_response()
}
