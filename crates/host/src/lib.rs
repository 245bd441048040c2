//! The reference host backend of SPS Commerce Connect.
//!
//! It mints short-lived connect sessions for portal users, receives the
//! widget's credentials, confirms them with SPS Commerce's token endpoint
//! (OAuth 2.0 client credentials), and keeps the linked accounts with their
//! secrets encrypted. Tokens and secrets never leave it.

#![warn(missing_docs)]

pub mod api;
pub mod config;
pub mod crypto;
mod demo;
pub mod exchange;
pub mod session;
pub mod store;

use api::{AppState, BODY_LIMIT};
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use config::Config;
use crypto::SecretBox;
use exchange::TokenExchange;
use session::Sessions;
use std::sync::Arc;
use store::AccountStore;
use tower_http::services::ServeDir;

/// Builds the backend's routes over `store`.
pub fn router(config: &Config, store: Arc<dyn AccountStore>) -> Result<Router, String> {
    let sessions = Sessions::new(config.session_key.clone(), config.session_lifetime);
    let state = AppState {
        sessions: sessions.clone(),
        exchange: TokenExchange::new(config.exchange.clone())?,
        store,
        secret_box: SecretBox::new(&config.encryption_key),
        services: config.services.clone(),
        admin_key: config.admin_key.clone(),
    };
    let mut router = Router::new()
        .route(&config.endpoint, post(api::connect))
        .route("/api/sps/accounts", get(api::accounts))
        .route("/api/sps/sessions", post(api::mint_session));
    if config.demo {
        router = router.merge(demo::routes(config));
    }
    let mut router = router.layer(DefaultBodyLimit::max(BODY_LIMIT)).with_state(state);
    if let Some(dir) = &config.static_dir {
        router = router.fallback_service(ServeDir::new(dir));
    }
    Ok(router)
}
