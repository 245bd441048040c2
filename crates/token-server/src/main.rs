//! Runs the local SPS-like token server.

use sps_token_server::{TokenServer, DEMO_CLIENTS};

const HELP: &str = "sps-token-server: a local stand-in for SPS Commerce's OAuth 2.0 token endpoint

Environment:
  SPS_TOKEN_SERVER_ADDR   address to listen on (default 127.0.0.1:8788)
  RUST_LOG                log filter (default info)

Endpoint: POST /oauth/token (client_credentials; JSON or form body, or HTTP Basic)";

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
    let listener = tokio::net::TcpListener::bind(&address).await?;
    tracing::info!("token server listening on http://{}/oauth/token", listener.local_addr()?);
    axum::serve(listener, TokenServer::default().router()).await?;
    Ok(())
}
