//! Runs the host backend. `--demo` runs it as the demo portal, against the
//! local token server, with keys it generates and keeps in `.demo/`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use secrecy::ExposeSecret;
use sps_connect_host::config::Database;
use sps_connect_host::config::{is_inside, loggable, variables, Config};
use sps_connect_host::domain::crypto::SecretBox;
use sps_connect_host::domain::links::{HostedLinks, LinkError, LinkRequest, MintedLink};
use sps_connect_host::http::demo::{DEMO_USER, DEMO_USER_NAME};
use sps_connect_host::http::traces::Exporter;
use sps_connect_host::store::blocking;
use sps_connect_host::store::{copy_store as copy_store_rows, AccountStore, PostgresStore, SqliteStore};
use std::collections::HashMap;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

const DEMO_DIR: &str = ".demo";

fn help() -> String {
    let mut text = String::from(
        "sps-connect-host: reference host backend of SPS Commerce Connect\n\n\
         Usage: sps-connect-host [--demo] [rewrap | copy-store SQLITE_FILE | openapi]\n\n\
         --demo   serve the demo portal at / against the local token server, with keys\n         \
         generated in .demo/ (any variable below still wins)\n\
         rewrap   re-seal every stored secret under SPS_CONNECT_ENCRYPTION_KEY, so that the keys in\n         \
         SPS_CONNECT_PREVIOUS_ENCRYPTION_KEYS can be removed; safe to interrupt and run again\n\
         copy-store SQLITE_FILE\n         \
         copy every account, hosted link and queued event of an SQLite store into the PostgreSQL\n         \
         database of SPS_CONNECT_DATABASE; rows already there are kept, so it can be run again\n\
         openapi  print the API's OpenAPI 3.1 document (what GET /api/sps/openapi.json serves); needs\n         \
         no variable\n\nEnvironment:\n",
    );
    for variable in variables() {
        let (name, default, meaning) = (variable.name, variable.default.shown(), variable.meaning);
        text.push_str(&format!("  {name:<30} {meaning}\n  {:<30} default: {default}\n", ""));
    }
    text
}

/// The demo key in `.demo/{name}`, made on first use; the folder and the
/// file are (made) readable by their owner only, even if they already were not.
fn demo_key(name: &str) -> std::io::Result<String> {
    use std::os::unix::fs::PermissionsExt;
    let path = Path::new(DEMO_DIR).join(name);
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(DEMO_DIR)?;
    std::fs::set_permissions(DEMO_DIR, std::fs::Permissions::from_mode(0o700))?;
    if path.exists() {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
        return Ok(std::fs::read_to_string(&path)?.trim().to_owned());
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
    let key = STANDARD.encode(bytes);
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path)?;
    file.write_all(key.as_bytes())?;
    Ok(key)
}

fn demo_defaults() -> std::io::Result<HashMap<&'static str, String>> {
    let address = std::env::var("SPS_CONNECT_ADDR").unwrap_or_else(|_| "127.0.0.1:8787".to_owned());
    Ok(HashMap::from([
        ("SPS_CONNECT_WEBHOOK_URL", format!("http://{address}/demo/webhooks")),
        ("SPS_CONNECT_WEBHOOK_SECRET", demo_key("webhook.key")?),
        ("SPS_CONNECT_CHECK_INTERVAL_SECS", "300".to_owned()),
        ("SPS_CONNECT_DOCUMENTS_INTERVAL_SECS", "30".to_owned()),
        ("SPS_CONNECT_DEMO", "1".to_owned()),
        ("SPS_TOKEN_URL", "http://127.0.0.1:8788/oauth/token".to_owned()),
        ("SPS_API_URL", "http://127.0.0.1:8788".to_owned()),
        ("SPS_SERVICES", "transaction,shipping_label,packing_slip".to_owned()),
        ("SPS_CONNECT_DATABASE", format!("{DEMO_DIR}/accounts.sqlite")),
        ("SPS_CONNECT_STATIC_DIR", "dist".to_owned()),
        ("SPS_CONNECT_ENCRYPTION_KEY", demo_key("encryption.key")?),
        ("SPS_CONNECT_SESSION_KEY", demo_key("session.key")?),
        ("SPS_CONNECT_ADMIN_KEY", demo_key("admin.key")?),
        ("SPS_CONNECT_APP_NAME", "Northwind Supply Portal".to_owned()),
        ("SPS_CONNECT_RETURN_ORIGINS", format!("http://{address}")),
    ]))
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("sps-connect-host: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        print!("{}", help());
        return Ok(());
    }
    if args == ["openapi"] {
        print!("{}", sps_connect_host::http::api::openapi_document());
        return Ok(());
    }
    let copy_from = match args.iter().position(|a| a == "copy-store") {
        Some(at) => Some(args.get(at + 1).ok_or("copy-store needs the SQLite file to copy from; see --help")?),
        None => None,
    };
    let known = |a: &&String| *a == "--demo" || *a == "rewrap" || *a == "copy-store" || Some(*a) == copy_from;
    if let Some(unknown) = args.iter().find(|a| !known(a)) {
        return Err(format!("unknown argument {unknown}; see --help").into());
    }
    let demo = args.iter().any(|a| a == "--demo");
    let defaults = if demo { demo_defaults()? } else { HashMap::new() };
    let config = Config::from_vars(|name| std::env::var(name).ok().or_else(|| defaults.get(name).cloned()))?;
    if demo && config.static_dir.as_deref().is_some_and(|dir| is_inside(dir, Path::new(DEMO_DIR))) {
        return Err(format!("SPS_CONNECT_STATIC_DIR contains {DEMO_DIR}, which holds the demo's keys").into());
    }
    if let Some(from) = copy_from {
        return copy_store(Path::new(from), config.database.clone()).await;
    }
    let store = config.database.open().await?;
    if args.iter().any(|a| a == "rewrap") {
        let secret_box = SecretBox::new(config.encryption_key.clone(), config.previous_encryption_keys.clone());
        let key_id = config.encryption_key.id();
        return Ok(rewrap(store.as_ref(), &secret_box, &key_id).await?);
    }
    let exporter = init_logs_and_traces(&config)?;
    let app = sps_connect_host::app(&config, Arc::clone(&store))?;
    if let Some(address) = config.metrics {
        let bound = sps_connect_host::http::metrics::serve(address, store).await?;
        println!("Prometheus metrics on http://{bound}/metrics");
    }
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let address = listener.local_addr()?;
    tracing::info!(
        token_url = %loggable(&config.exchange.token_url),
        api_url = %loggable(&config.api.base),
        database = %config.database.describe(),
        "host backend ready"
    );
    if config.demo {
        println!("SPS Commerce Connect demo portal: http://{address}/");
        let link = demo_link(&config, &app.links).await?;
        println!("Hosted connect link for {DEMO_USER}, valid 7 days: {}", config.hosted.link_url(&link.token));
    } else {
        println!("SPS Commerce Connect host backend listening on http://{address}{}", config.endpoint);
    }
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    sps_connect_host::http::server::serve(listener, app.router, config.server, shutdown).await?;
    if let Some(exporter) = exporter {
        tokio::task::spawn_blocking(move || exporter.shutdown()).await?;
    }
    Ok(())
}

/// Copies the SQLite store at `from` into the PostgreSQL database `to`.
async fn copy_store(from: &Path, to: Database) -> Result<(), Box<dyn std::error::Error>> {
    let Database::Postgres { url, pool_size, ca_file } = to else {
        return Err("copy-store copies into PostgreSQL: set SPS_CONNECT_DATABASE to its postgres:// URL".into());
    };
    if !from.is_file() {
        return Err(format!("{} is not an SQLite store file", from.display()).into());
    }
    let from = from.to_owned();
    let source = blocking(move || SqliteStore::open(&from)).await?;
    let target = PostgresStore::connect(url.expose_secret(), pool_size, ca_file.as_deref()).await?;
    let report = copy_store_rows(&source, &target).await?;
    for (what, (copied, present)) in [
        ("accounts", report.accounts),
        ("hosted links", report.links),
        ("webhook events", report.events),
        ("announced documents", report.documents),
        ("history entries", report.activity),
    ] {
        println!("{what}: {copied} copied, {present} already there");
    }
    Ok(())
}

/// Logs to the standard error, and, with `OTEL_EXPORTER_OTLP_ENDPOINT`, spans
/// exported over OTLP; the exporter, to flush at the end. Log events stay
/// out of the traces: they name accounts, which spans never do.
fn init_logs_and_traces(config: &Config) -> Result<Option<Exporter>, Box<dyn std::error::Error>> {
    use tracing_subscriber::filter::filter_fn;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::Layer;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let (traces, exporter) = match &config.traces {
        Some(traces) => {
            let (layer, exporter) = sps_connect_host::http::traces::layer(traces)?;
            let spans_only = filter_fn(|meta| meta.is_span() && *meta.level() <= tracing::Level::INFO);
            (Some(layer.with_filter(spans_only)), Some(exporter))
        }
        None => (None, None),
    };
    let logs = tracing_subscriber::fmt::layer().with_filter(filter);
    tracing_subscriber::registry().with(logs).with(traces).init();
    Ok(exporter)
}

/// Mints a hosted link for the demo user that leads back to the demo portal
/// (when `SPS_CONNECT_RETURN_ORIGINS` allows it).
async fn demo_link(config: &Config, links: &HostedLinks) -> Result<MintedLink, Box<dyn std::error::Error>> {
    let request = |return_url: Option<String>| LinkRequest {
        user_id: DEMO_USER.to_owned(),
        expires_in: None,
        return_url,
        account_id: None,
        environment: None,
        locale: None,
        for_whom: Some(DEMO_USER_NAME.to_owned()),
    };
    let back = format!("{}/", config.hosted.public_url.as_str().trim_end_matches('/'));
    match links.create(request(Some(back))).await {
        Err(LinkError::Rule(_)) => Ok(links.create(request(None)).await?),
        minted => Ok(minted?),
    }
}

async fn rewrap(store: &dyn AccountStore, secret_box: &SecretBox, key_id: &str) -> Result<(), String> {
    let report = sps_connect_host::domain::rewrap::rewrap(store, secret_box).await.map_err(|e| e.to_string())?;
    println!("re-sealed {} account(s) under key {key_id}; {} already were", report.rewrapped, report.current);
    if !report.unreadable.is_empty() {
        return Err(format!(
            "no configured key opens the secret of {} account(s): {}",
            report.unreadable.len(),
            report.unreadable.join(", ")
        ));
    }
    Ok(())
}
