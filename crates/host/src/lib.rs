//! The reference host backend of SPS Commerce Connect.
//!
//! It mints short-lived connect sessions for portal users, receives the
//! widget's credentials, confirms them with SPS Commerce's token endpoint
//! (OAuth 2.0 client credentials), and keeps the linked accounts with their
//! secrets encrypted. Tokens and secrets never leave it.

#![warn(missing_docs)]

pub mod accounts;
pub mod api;
pub mod breaker;
pub mod config;
pub mod crypto;
mod demo;
pub mod exchange;
pub mod failure;
pub mod headers;
pub mod limits;
pub mod outbound;
pub mod rewrap;
pub mod server;
pub mod session;
pub mod sps_api;
pub mod store;
pub mod tokens;

use accounts::LinkedAccounts;
use api::{AppState, BODY_LIMIT};
use axum::extract::DefaultBodyLimit;
use axum::routing::{any, get, post};
use axum::Router;
use config::Config;
use crypto::SecretBox;
use exchange::TokenExchange;
use limits::FailureLimiter;
use session::Sessions;
use sps_api::SpsApi;
use std::sync::Arc;
use store::AccountStore;
use tower_http::services::ServeDir;

/// Builds the backend's routes over `store`.
pub fn router(config: &Config, store: Arc<dyn AccountStore>) -> Result<Router, String> {
    let sessions = Sessions::new(config.session_key.clone(), config.session_lifetime);
    let proxy = config.outbound_proxy.as_ref();
    let accounts = LinkedAccounts::new(
        store,
        TokenExchange::new(config.exchange.clone(), proxy)?,
        SpsApi::new(config.api.clone(), proxy)?,
        SecretBox::new(config.encryption_key.clone(), config.previous_encryption_keys.clone()),
        config.services.clone(),
    );
    let state = AppState {
        sessions,
        accounts,
        admin_key: config.admin_key.clone(),
        limiter: Arc::new(FailureLimiter::new(config.limits)),
        client_ip_header: config.client_ip_header.clone(),
    };
    let proxied = any(api::proxy).layer(DefaultBodyLimit::max(config.api.max_request_bytes));
    let router = Router::new()
        .route(&config.endpoint, post(api::connect))
        .route("/api/sps/accounts", get(api::accounts))
        .route("/api/sps/accounts/{id}", get(api::account).delete(api::delete_account))
        .route("/api/sps/accounts/{id}/verify", post(api::verify))
        .route("/api/sps/accounts/{id}/token", post(api::token))
        .route("/api/sps/accounts/{id}/proxy/{*path}", proxied)
        .route("/api/sps/sessions", post(api::mint_session));
    let mut router = headers::api_layers(router);
    if config.demo {
        router = router.merge(demo::routes(config));
    }
    if let Some(dir) = &config.static_dir {
        router = router.fallback_service(headers::static_layers(Router::new().fallback_service(ServeDir::new(dir))));
    }
    let router = router
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(state.clone(), api::guard));
    let router = if config.demo { router.layer(axum::middleware::from_fn(demo::loopback_only)) } else { router };
    Ok(headers::global_layers(router).with_state(state))
}
