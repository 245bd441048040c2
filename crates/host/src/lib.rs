//! The reference host backend of SPS Commerce Connect.
//!
//! It mints short-lived connect sessions for portal users, receives the
//! widget's credentials, confirms them with SPS Commerce's token endpoint
//! (OAuth 2.0 client credentials), and keeps the linked accounts with their
//! secrets encrypted. Tokens and secrets never leave it.

#![warn(missing_docs)]

pub mod config;
pub mod domain;
pub mod http;
pub mod sps;
pub mod store;
pub mod util;

use axum::extract::DefaultBodyLimit;
use axum::routing::{any, get, post};
use axum::Router;
use config::Config;
use domain::accounts::{AccountsStore, LinkedAccounts};
use domain::activity::ActivityLog;
use domain::crypto::SecretBox;
use domain::limits::Limiter;
use domain::links::{HostedLinks, LinkSettings};
use domain::retention;
use domain::session::Sessions;
use domain::shared_tokens::SharedTokens;
use domain::webhooks::Webhooks;
use domain::worker::Worker;
use http::api::{self, AppState, BODY_LIMIT};
use http::{demo, headers, hosted};
use sps::api::SpsApi;
use sps::exchange::TokenExchange;
use std::sync::Arc;
use store::{AccountStore, ActivityStore, EventOutbox, LinkStore, Store, WorkStore};
use tower_http::services::ServeDir;

/// The running backend: its routes, and the hosted links service (for
/// links the binary makes itself, as the demo's).
pub struct App {
    /// Every route, with its layers.
    pub router: Router,
    /// Hosted links.
    pub links: HostedLinks,
}

/// Builds the backend's routes over `store`, and starts delivering its
/// webhook events.
pub fn router(config: &Config, store: Arc<dyn Store>) -> Result<Router, String> {
    Ok(app(config, store)?.router)
}

/// Builds the backend over `store`, and starts delivering its webhook
/// events and its worker (scheduled checks, document listings).
pub fn app(config: &Config, store: Arc<dyn Store>) -> Result<App, String> {
    let sessions = Sessions::new(config.session_key.clone(), config.session_lifetime);
    let proxy = config.outbound_proxy.as_ref();
    let webhooks = Webhooks::new(config.webhook.clone(), Arc::clone(&store) as Arc<dyn EventOutbox>, proxy)?;
    webhooks.spawn_deliverer();
    retention::spawn_janitor(Arc::clone(&store), config.retention);
    let secret_box = SecretBox::new(config.encryption_key.clone(), config.previous_encryption_keys.clone());
    let instance = util::ids::random_id("ins", 10);
    let work = Arc::clone(&store) as Arc<dyn WorkStore>;
    let token_lease = config.exchange.timeout + std::time::Duration::from_secs(5);
    let kept = AccountsStore {
        accounts: Arc::clone(&store) as Arc<dyn AccountStore>,
        shared: SharedTokens::new(Arc::clone(&work), secret_box.clone(), instance.clone(), token_lease),
        work,
        check_interval: config.worker.check_interval,
        activity: ActivityLog::new(Arc::clone(&store) as Arc<dyn ActivityStore>),
    };
    let accounts = LinkedAccounts::new(
        kept,
        TokenExchange::new(config.exchange.clone(), proxy)?,
        SpsApi::new(config.api.clone(), proxy)?,
        secret_box,
        config.services.clone(),
        webhooks,
    );
    let task_lease = token_lease * 2 + config.api.timeout * 2 + std::time::Duration::from_secs(10);
    Worker::new(accounts.clone(), config.worker.clone(), instance, task_lease).spawn();
    let settings = LinkSettings {
        return_origins: config.hosted.return_origins.clone(),
        anonymous: config.hosted.links_anonymous,
        claim: config.exchange.timeout * 2 + config.api.timeout + std::time::Duration::from_secs(5),
    };
    let links = HostedLinks::new(Arc::clone(&store) as Arc<dyn LinkStore>, accounts.clone(), settings);
    let state = AppState {
        sessions,
        accounts,
        admin_key: config.admin_key.clone(),
        limiter: Arc::new(Limiter::new(config.limits)),
        client_ip_header: config.client_ip_header.clone(),
        links: links.clone(),
        hosted: Arc::new(config.hosted.clone()),
        endpoint: config.endpoint.clone(),
        services: config.services.clone(),
        store,
    };
    let proxied = any(api::proxy).layer(DefaultBodyLimit::max(config.api.max_request_bytes));
    let router = Router::new()
        .route(&config.endpoint, post(api::connect))
        .route("/api/sps/accounts", get(api::accounts))
        .route("/api/sps/accounts/{id}", get(api::account).patch(api::change_account).delete(api::delete_account))
        .route("/api/sps/accounts/{id}/verify", post(api::verify))
        .route("/api/sps/accounts/{id}/token", post(api::token))
        .route("/api/sps/accounts/{id}/activity", get(api::activity))
        .route("/api/sps/openapi.json", get(api::openapi_json))
        .route("/api/sps/accounts/{id}/proxy/{*path}", proxied)
        .route("/api/sps/sessions", post(api::mint_session))
        .route("/api/sps/webhooks/test", post(api::send_test))
        .route("/api/sps/webhooks/deliveries", get(api::deliveries))
        .route("/api/sps/webhooks/deliveries/{id}/redeliver", post(api::redeliver))
        .route("/api/sps/links", post(api::mint_link).get(api::list_links))
        .route("/api/sps/links/session", post(api::link_session))
        .route("/api/sps/links/{id}", axum::routing::delete(api::revoke_link))
        .route("/connect/{token}", get(api::page))
        .route(hosted::SCRIPT_PATH, get(api::page_script))
        .route("/embed.js", get(api::embed_loader))
        .route("/embed/connect", get(api::embed_page))
        .route("/embed/frame.js", get(api::embed_frame_script));
    let mut router = headers::api_layers(router);
    if config.demo {
        let receiver = config.webhook.as_ref().map(|webhook| demo::receiver::Receiver::new(webhook.secret.clone()));
        router = router.merge(demo::routes(&config.services, &config.endpoint, receiver));
    }
    if let Some(dir) = &config.static_dir {
        router = router.fallback_service(headers::static_layers(Router::new().fallback_service(ServeDir::new(dir))));
    }
    let probes = Router::new().route("/healthz", get(api::healthz)).route("/readyz", get(api::readyz));
    let router = router
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(state.clone(), api::guard))
        .merge(headers::api_layers(probes));
    let router = if config.demo { router.layer(axum::middleware::from_fn(demo::loopback_only)) } else { router };
    let router = match config.traces {
        Some(_) => router.layer(axum::middleware::from_fn(http::traces::span)),
        None => router,
    };
    let router = if config.metrics.is_some() {
        http::metrics::handle();
        router.layer(axum::middleware::from_fn(http::metrics::track))
    } else {
        router
    };
    Ok(App { router: headers::global_layers(router).with_state(state), links })
}

#[cfg(test)]
mod tests {
    /// The methods each route of `router` answers, as written in its source;
    /// every method for a route served by `any`.
    fn routed_methods() -> Vec<(String, Vec<&'static str>)> {
        let source = include_str!("lib.rs");
        let router = &source[source.find("pub fn app").expect("app is here")..source.find("#[cfg(test)]").unwrap()];
        let proxied = source.contains("let proxied = any(api::proxy)");
        router
            .split(".route(")
            .skip(1)
            .filter_map(|rest| {
                let (path, expression) = rest.split_once(", ")?;
                let path = match path {
                    "&config.endpoint" => sps_connect_wire::DEFAULT_ENDPOINT.to_owned(),
                    "hosted::SCRIPT_PATH" => crate::http::hosted::SCRIPT_PATH.to_owned(),
                    quoted => quoted.trim_matches('"').replace("{*path}", "{path}"),
                };
                let expression = expression.split(')').next().unwrap_or_default();
                let methods = if expression.starts_with("proxied") && proxied {
                    vec!["get", "head", "post", "put", "patch", "delete"]
                } else {
                    let whole = &rest[..rest.find("))").map_or(rest.len(), |end| end + 2)];
                    ["get", "post", "put", "patch", "delete"]
                        .into_iter()
                        .filter(|m| whole.contains(&format!("{m}(api::")) || whole.contains(&format!(".{m}(")))
                        .collect()
                };
                Some((path, methods))
            })
            .collect()
    }

    // Regression: a route added to the router and forgotten in the OpenAPI document.
    #[test]
    fn every_route_and_method_is_in_the_openapi_document() {
        let document: serde_json::Value = serde_json::from_str(&crate::http::api::openapi_document()).unwrap();
        let routes = routed_methods();
        assert!(routes.len() >= 19, "{routes:?}");
        for (path, methods) in routes {
            let described = &document["paths"][&path];
            assert!(described.is_object(), "{path} is missing from the OpenAPI document");
            assert!(!methods.is_empty(), "no method read for {path}");
            for method in methods {
                assert!(described[method].is_object(), "{method} {path} is missing from the OpenAPI document");
            }
        }
    }

    #[test]
    fn the_committed_openapi_document_is_current() {
        let committed = include_str!("../../../docs/openapi.json");
        assert!(
            committed == crate::http::api::openapi_document(),
            "docs/openapi.json is stale: run `cargo run -p sps-connect-host -- openapi > docs/openapi.json`"
        );
    }

    #[test]
    fn every_route_is_documented_in_the_http_api_guide() {
        let guide = include_str!("../../../docs/http-api.md");
        let routes = routed_methods();
        assert!(routes.len() >= 19, "{routes:?}");
        for (path, _) in routes {
            assert!(
                guide.contains(&format!("`{path}")) || guide.contains(&format!(" {path}`")),
                "{path} is missing from docs/http-api.md"
            );
        }
        assert!(guide.contains(&format!("`GET {}`", crate::http::hosted::SCRIPT_PATH)), "the hosted page's script");
    }
}
