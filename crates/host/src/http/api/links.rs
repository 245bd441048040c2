//! The hosted link API: the portal's server mints, lists and revokes links;
//! the hosted page trades an open link for a connect session.

use super::{ApiError, AppState, ContractJson, PortalServer, NO_STORE};
use crate::domain::accounts::AccessError;
use crate::domain::links::{
    self, LinkError, LinkRequest, LinkRule, LinkState, OutOfScope, FOR_MAX_CHARS, MAX_LIFETIME, MIN_LIFETIME,
};
use crate::http::hosted::{self, PageKind};
use crate::store::LinkRecord;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use sps_connect_wire::{Environment, ErrorBody, ErrorCode, Service};
use utoipa::ToSchema;

use crate::util::times::{rfc3339, unix_now as now};

/// A link as the portal's server sees it; never its token.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct LinkView {
    /// The link's id, `lnk_…`.
    id: String,
    /// The portal user it connects for.
    user_id: String,
    /// The account it reconnects, if it is a reconnect link.
    account_id: Option<String>,
    /// The environment it is locked to, if any.
    environment: Option<Environment>,
    /// The page's language, if set.
    locale: Option<String>,
    /// Where the page's "Return to …" button leads, if set.
    return_url: Option<String>,
    /// Whom it is for, as the portal named them.
    #[serde(rename = "for")]
    for_whom: Option<String>,
    /// When it was minted, RFC 3339.
    created_at: String,
    /// When it stops working, RFC 3339.
    expires_at: String,
}

/// Body of `201` from `POST /api/sps/links`: the link to hand to the user.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct MintedLinkBody {
    /// The link's id, `lnk_…`, to list or revoke it.
    id: String,
    /// The URL to send to the user; the only place its token appears.
    url: String,
    /// When it stops working, RFC 3339.
    expires_at: String,
}

/// Body of `GET /api/sps/links`.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct LinksBody {
    /// The user's open links, newest first.
    links: Vec<LinkView>,
}

/// Body of `201` from `POST /api/sps/links/session`: what the hosted page needs.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct LinkSessionBody {
    /// A connect session limited to the link's connect.
    session_token: String,
    /// When the session ends (with the link, at the latest), RFC 3339.
    expires_at: String,
    /// The connect endpoint's path.
    endpoint: String,
    /// The SPS services the host links.
    services: Vec<Service>,
    /// The account a reconnect link updates.
    account_id: Option<String>,
    /// That account's Client ID, which the page fills in (not a secret).
    client_id: Option<String>,
    /// The environment the link is locked to.
    environment: Option<Environment>,
    /// Where the page's "Return to …" button leads.
    return_url: Option<String>,
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

fn rule_words(rule: LinkRule) -> String {
    match rule {
        LinkRule::UserId => super::user_id_rule(),
        LinkRule::ForRequired => "`for` is required: the name or e-mail of the user the link is for, shown on its \
                                  page (SPS_CONNECT_LINKS_ANONYMOUS=true makes it optional)."
            .into(),
        LinkRule::For => format!("`for` must be 1 to {FOR_MAX_CHARS} characters: the user's name or e-mail."),
        LinkRule::ExpiresIn => {
            format!("`expires_in` must be {} to {} seconds.", MIN_LIFETIME.as_secs(), MAX_LIFETIME.as_secs())
        }
        LinkRule::Locale => "`locale` must be a language tag such as `en` or `de-CH`.".into(),
        LinkRule::AccountId => "`account_id` must be 1 to 128 letters, digits, `_` or `-`.".into(),
        LinkRule::ReturnUrlNotUrl => "`return_url` is not a URL.".into(),
        LinkRule::ReturnUrlNotHttps => "`return_url` must be an https URL without credentials.".into(),
        LinkRule::ReturnUrlOrigin(origin) => {
            format!("`return_url` must lead to an allowed origin (SPS_CONNECT_RETURN_ORIGINS); {origin} is not one.")
        }
    }
}

impl From<LinkError> for ApiError {
    fn from(error: LinkError) -> Self {
        match error {
            LinkError::Rule(rule) => ApiError::invalid(rule_words(rule)),
            LinkError::UnknownAccount => ApiError::invalid("`account_id` names no account of this user."),
            LinkError::NotFound => ApiError::new(ErrorCode::NotFound, "No link has this id."),
            LinkError::AlreadyUsed => ApiError::invalid("This link was already used; disconnect the account instead."),
            LinkError::Unusable(None) => ApiError::auth("This link is not valid."),
            LinkError::Unusable(Some(LinkState::Expired)) => {
                ApiError::auth("This link has expired. Ask the portal for a new link.")
            }
            LinkError::Unusable(Some(LinkState::Used)) => {
                ApiError::auth("This link has already been used. Ask the portal for a new link.")
            }
            LinkError::Unusable(Some(_)) => {
                ApiError::auth("This link is no longer valid. Ask the portal for a new link.")
            }
            LinkError::OutOfScope(OutOfScope::OtherAccount) => {
                ApiError::forbidden("This link reconnects one account: `account_id` must be that account.")
            }
            LinkError::OutOfScope(OutOfScope::NewAccountOnly) => {
                ApiError::forbidden("This link connects a new account: it cannot update another (`account_id`).")
            }
            LinkError::OutOfScope(OutOfScope::OtherEnvironment) => {
                ApiError::forbidden("This link is for the other environment's keys.")
            }
            LinkError::InUse => {
                ApiError::forbidden("Another connect is using this link right now; wait for it to finish.")
            }
            LinkError::Access(error) => error.into(),
            LinkError::Store(error) => error.into(),
        }
    }
}

/// `POST /api/sps/links`: a new hosted link.
#[utoipa::path(
    post,
    path = "/api/sps/links",
    tag = "links",
    security(("adminKey" = [])),
    request_body = LinkRequest,
    responses(
        (status = 201, description = "The link, whose URL goes to the user", body = MintedLinkBody),
        (status = 400, description = "A field breaks its rule, named", body = ErrorBody),
        (status = 401, description = "No valid admin key, or a session", body = ErrorBody),
        (status = 403, description = "A link session", body = ErrorBody),
    )
)]
pub async fn mint_link(
    _: PortalServer,
    State(state): State<AppState>,
    ContractJson(request): ContractJson<LinkRequest>,
) -> Result<Response, ApiError> {
    let minted = state.links.create(request).await?;
    let body = MintedLinkBody {
        id: minted.id,
        url: state.hosted.link_url(&minted.token),
        expires_at: rfc3339(minted.expires_at),
    };
    Ok((StatusCode::CREATED, NO_STORE, Json(body)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinksQuery {
    user_id: String,
}

/// `GET /api/sps/links?user_id=`: the user's links that can still be used.
#[utoipa::path(
    get,
    path = "/api/sps/links",
    tag = "links",
    security(("adminKey" = [])),
    params(("user_id" = String, Query, description = "The user whose open links to list")),
    responses(
        (status = 200, description = "The user's open links", body = LinksBody),
        (status = 400, description = "No `user_id`", body = ErrorBody),
        (status = 401, description = "No valid admin key, or a session", body = ErrorBody),
    )
)]
pub async fn list_links(
    _: PortalServer,
    State(state): State<AppState>,
    query: Result<Query<LinksQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|_| ApiError::invalid("Name the user: `?user_id=`."))?;
    let links: Vec<LinkView> = state.links.open_for(query.user_id).await?.into_iter().map(LinkView::from).collect();
    Ok((NO_STORE, Json(LinksBody { links })).into_response())
}

/// `DELETE /api/sps/links/{id}`: revokes a link.
#[utoipa::path(
    delete,
    path = "/api/sps/links/{id}",
    tag = "links",
    security(("adminKey" = [])),
    params(("id" = String, Path, description = "The link's id, `lnk_…`")),
    responses(
        (status = 204, description = "Revoked: its page and session stop working"),
        (status = 400, description = "The link was already used", body = ErrorBody),
        (status = 401, description = "No valid admin key, or a session", body = ErrorBody),
        (status = 404, description = "No link has this id", body = ErrorBody),
    )
)]
pub async fn revoke_link(
    _: PortalServer,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.links.revoke(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Body of `POST /api/sps/links/session`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionForLink {
    /// The token at the end of the link's URL.
    link: String,
}

/// `POST /api/sps/links/session`: the hosted page trades an open link for a connect session.
#[utoipa::path(
    post,
    path = "/api/sps/links/session",
    tag = "links",
    request_body = SessionForLink,
    responses(
        (status = 201, description = "A link session, limited to the link's connect", body = LinkSessionBody),
        (status = 400, description = "The body breaks the contract", body = ErrorBody),
        (status = 401, description = "The link is unknown, expired, used or revoked", body = ErrorBody),
        (status = 429, description = "Too many refused attempts from this address", body = ErrorBody),
    )
)]
pub async fn link_session(
    State(state): State<AppState>,
    ContractJson(request): ContractJson<SessionForLink>,
) -> Result<Response, ApiError> {
    let link = state.links.usable_by_token(&request.link).await?;
    let (session_token, expires) = state.sessions.mint_for_link(&link.user_id, &link.id, link.expires_at as u64);
    let client_id = match &link.account_id {
        Some(account_id) => match state.accounts.find(account_id, Some(&link.user_id)).await {
            Ok(sealed) => Some(sealed.account.client_id),
            Err(AccessError::NotFound) => None,
            Err(error) => return Err(error.into()),
        },
        None => None,
    };
    let body = LinkSessionBody {
        session_token,
        expires_at: rfc3339(expires as i64),
        endpoint: state.endpoint.clone(),
        services: state.services.clone(),
        account_id: link.account_id,
        client_id,
        environment: link.environment,
        return_url: link.return_url,
    };
    Ok((StatusCode::CREATED, NO_STORE, Json(body)).into_response())
}

/// `GET /connect/{link}`: the hosted page.
#[utoipa::path(
    get,
    path = "/connect/{token}",
    tag = "links",
    params(("token" = String, Path, description = "The link's token, from its URL")),
    responses(
        (status = 200, description = "The hosted connect page", content_type = "text/html"),
        (status = 404, description = "A page saying the link is not valid", content_type = "text/html"),
        (status = 410, description = "A page saying the link expired, was used or was revoked", content_type = "text/html"),
    )
)]
pub async fn page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    let config = &state.hosted;
    let browser = headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .and_then(hosted::preferred)
        .map(|texts| texts.lang);
    let fallback = browser.unwrap_or(&config.locale);
    let Some(link) = state.links.by_token(&token).await? else {
        return Ok(hosted::render(config, fallback, PageKind::Unknown));
    };
    let locale = link.locale.as_deref().unwrap_or(fallback);
    let kind = match links::state(&link, now()) {
        LinkState::Open => {
            PageKind::Connect { return_url: link.return_url.as_deref(), for_whom: link.for_whom.as_deref() }
        }
        other => PageKind::Unusable(other),
    };
    Ok(hosted::render(config, locale, kind))
}

/// `GET /connect-page.js`: the hosted page's script.
#[utoipa::path(
    get,
    path = "/connect-page.js",
    tag = "links",
    responses((status = 200, description = "The hosted page's script", content_type = "text/javascript"))
)]
pub async fn page_script() -> Response {
    ([(axum::http::header::CONTENT_TYPE, "text/javascript; charset=utf-8")], hosted::SCRIPT).into_response()
}
