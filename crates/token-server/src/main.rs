//! Runs the local SPS-like token server and SPS API stand-in.

use sps_token_server::{TokenServer, DEMO_CLIENTS, EXPIRES_IN};
use std::time::Duration;

const HELP: &str = r#"sps-token-server: a local stand-in for SPS Commerce's OAuth 2.0 token endpoint and API

Environment:
  SPS_TOKEN_SERVER_ADDR         address to listen on (default 127.0.0.1:8788)
  SPS_TOKEN_SERVER_EXPIRES_IN   lifetime of issued tokens in seconds (default 3600)
  RUST_LOG                      log filter (default info)

Endpoints:
  POST /oauth/token                          client_credentials; JSON or form body, or HTTP Basic
  GET  /auth-check                           204 for a token it issued that has not expired
  GET  /transactions/v5/data/out/?limit=&cursor=   the client's out/ folder (Bearer token)
  GET  /transactions/v5/data/out/{name}      one document of it (Bearer token)
  POST /control/clients/{client_id}/rotate   new secret for a client, its tokens revoked
  PUT  /control/clients/{client_id}/secret   {"client_secret": …}: a secret set back
  POST /control/clients/{client_id}/documents   {"name": "PO_1.xml", "content": "<Order/>"}: a document in its out/ folder
  DELETE /control/clients/{client_id}/documents/{name}   a document taken out
  POST /control/throttle                     {"retry_after": 30}: token requests answered 429 until DELETE
  POST /control/tokens/revoke                revokes every token"#;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::args().any(|arg| arg == "--help" || arg == "-h") {
        println!("{HELP}\n\nDemo clients:");
        for client in DEMO_CLIENTS {
            println!("  {} / {}  ({})", client.client_id, client.client_secret, client.purpose);
        }
        return Ok(());
    }
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let address = std::env::var("SPS_TOKEN_SERVER_ADDR").unwrap_or_else(|_| "127.0.0.1:8788".into());
    let lifetime = match std::env::var("SPS_TOKEN_SERVER_EXPIRES_IN") {
        Ok(value) => value.trim().parse().map_err(|_| "SPS_TOKEN_SERVER_EXPIRES_IN must be a whole number")?,
        Err(_) => EXPIRES_IN,
    };
    let listener = tokio::net::TcpListener::bind(&address).await?;
    tracing::info!("token server listening on http://{}/oauth/token", listener.local_addr()?);
    let server = TokenServer::with_token_lifetime(Duration::from_secs(lifetime));
    axum::serve(listener, server.router()).await?;
    Ok(())
}
