//! The API described: an OpenAPI 3.1 document generated from the handlers'
//! own annotations and types, served at `GET /api/sps/openapi.json` and
//! written to `docs/openapi.json` by `sps-connect-host openapi`.

use super::NO_STORE;
use axum::response::{IntoResponse, Response};
use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The API's OpenAPI description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "SPS Commerce Connect host API",
        description = "Links a portal user's SPS Commerce account with OAuth 2.0 client credentials, keeps it \
                       checked, hands out its tokens and proxies its SPS API calls. The HTTP API guide \
                       (docs/http-api.md) has every rule in words.",
        license(name = "MIT OR Apache-2.0", identifier = "MIT OR Apache-2.0")
    ),
    paths(
        super::sessions::mint_session,
        super::connect::connect,
        super::accounts::accounts,
        super::accounts::account,
        super::accounts::change_account,
        super::accounts::delete_account,
        super::accounts::verify,
        super::accounts::token,
        super::activity::activity,
        super::proxy::proxy,
        super::webhooks::send_test,
        super::webhooks::deliveries,
        super::webhooks::redeliver,
        super::links::mint_link,
        super::links::list_links,
        super::links::revoke_link,
        super::links::link_session,
        super::links::page,
        super::links::page_script,
        super::embed::embed_loader,
        super::embed::embed_page,
        super::embed::embed_frame_script,
        super::health::healthz,
        super::health::readyz,
        openapi_json,
    ),
    modifiers(&Credentials, &ProxyOperations),
    tags(
        (name = "sessions", description = "Connect sessions the portal's server mints for its users"),
        (name = "connect", description = "The wire contract between the widget and the host"),
        (name = "accounts", description = "Linked accounts: status, verification, tokens, history, the SPS API proxy"),
        (name = "links", description = "Hosted connect links and their page"),
        (name = "webhooks", description = "Test events and the deliveries of webhook events"),
        (name = "embed", description = "Frame mode: the page's loader and the page the dialog runs in"),
        (name = "probes", description = "Liveness and readiness, without credentials"),
        (name = "meta", description = "This document"),
    )
)]
pub struct ApiDoc;

/// The two credentials: the admin key and a connect session.
struct Credentials;

impl Modify for Credentials {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let admin = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("The portal's server: `SPS_CONNECT_ADMIN_KEY` as a Bearer token. Never in a browser."))
            .build();
        components.add_security_scheme("adminKey", SecurityScheme::Http(admin));
        let session = ApiKeyValue::with_description(
            sps_connect_wire::SESSION_HEADER,
            "A connect session minted by `POST /api/sps/sessions`, or traded for a hosted link.",
        );
        components.add_security_scheme("connectSession", SecurityScheme::ApiKey(ApiKey::Header(session)));
    }
}

/// The proxy's methods as operations of their own: one handler serves them
/// all, but each operation needs its own id (`proxy_get`, `proxy_post`, …).
struct ProxyOperations;

impl Modify for ProxyOperations {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let Some(item) = openapi.paths.paths.get_mut("/api/sps/accounts/{id}/proxy/{path}") else {
            return;
        };
        let methods = [
            ("get", &mut item.get),
            ("head", &mut item.head),
            ("post", &mut item.post),
            ("put", &mut item.put),
            ("patch", &mut item.patch),
            ("delete", &mut item.delete),
        ];
        for (method, operation) in methods {
            if let Some(operation) = operation {
                operation.operation_id = Some(format!("proxy_{method}"));
                if matches!(method, "get" | "head") {
                    operation.request_body = None;
                }
            }
        }
    }
}

/// The document, as JSON text with a trailing newline.
pub fn document() -> String {
    let mut text = ApiDoc::openapi().to_pretty_json().expect("the document serializes");
    text.push('\n');
    text
}

/// `GET /api/sps/openapi.json`: this document.
#[utoipa::path(
    get,
    path = "/api/sps/openapi.json",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json"))
)]
pub async fn openapi_json() -> Response {
    (NO_STORE, Json(ApiDoc::openapi())).into_response()
}
