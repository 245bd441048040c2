//! Configuration from environment variables. Each layer reads its own
//! section next to the code it configures ([`ExchangeConfig::read`],
//! [`ApiConfig::read`], [`ServerLimits::read`], [`HostedConfig::read`],
//! [`WebhookConfig::read`]) through the typed helpers of
//! [`crate::util::vars`]; this module reads the rest (the address, the
//! store, the keys, sessions, the demo) and checks what spans sections.

mod database;
mod keys;

pub use crate::util::net::{is_loopback, loggable};
pub use crate::util::vars::{ConfigError, Fallback, Variable, Vars, MIN_KEY_BYTES};
pub use database::Database;

use crate::domain::crypto::EncryptionKey;
use crate::domain::limits::Limits;
use crate::domain::webhooks::WebhookConfig;
use crate::domain::worker::WorkerConfig;
use crate::http::hosted::HostedConfig;
use crate::http::server::ServerLimits;
use crate::http::traces::TraceConfig;
use crate::sps::api::ApiConfig;
use crate::sps::exchange::ExchangeConfig;
use secrecy::{SecretSlice, SecretString};
use sps_connect_wire::{Service, DEFAULT_ENDPOINT};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

const ADDR: Variable = Variable::new("SPS_CONNECT_ADDR", Fallback::Value("127.0.0.1:8787"), "address to listen on");
const ENDPOINT: Variable =
    Variable::new("SPS_CONNECT_ENDPOINT", Fallback::Value(DEFAULT_ENDPOINT), "path of the connect endpoint");
const SERVICES: Variable = Variable::new(
    "SPS_SERVICES",
    Fallback::Value("transaction"),
    "comma-separated SPS services the integration requests",
);
const DATABASE: Variable = Variable::new(
    "SPS_CONNECT_DATABASE",
    Fallback::Value("sps-connect.sqlite"),
    "the store: an SQLite file (created on first run), or a postgres:// URL shared by every instance",
);
const POOL_SIZE: Variable = Variable::new(
    "SPS_CONNECT_DATABASE_POOL_SIZE",
    Fallback::Value("16"),
    "most PostgreSQL connections one instance opens",
);
const CA_FILE: Variable = Variable::new(
    "SPS_CONNECT_DATABASE_CA_FILE",
    Fallback::Unset("(public web roots)"),
    "PEM certificates that PostgreSQL's certificate must chain to, instead of the public web roots",
);
const ENCRYPTION_KEY: Variable = Variable::new(
    "SPS_CONNECT_ENCRYPTION_KEY",
    Fallback::Required,
    "base64 of 32 random bytes: encrypts client secrets at rest",
);
const PREVIOUS_KEYS: Variable = Variable::new(
    "SPS_CONNECT_PREVIOUS_ENCRYPTION_KEYS",
    Fallback::Unset("(none)"),
    "comma-separated earlier encryption keys: still read, never used to seal (see rewrap)",
);
const SESSION_KEY: Variable = Variable::new(
    "SPS_CONNECT_SESSION_KEY",
    Fallback::Required,
    "base64 of at least 32 random bytes: signs session tokens",
);
const ADMIN_KEY: Variable = Variable::new(
    "SPS_CONNECT_ADMIN_KEY",
    Fallback::Unset("(none)"),
    "base64 of at least 32 random bytes: the portal server's bearer key; unset disables its endpoints",
);
const SESSION_TTL: Variable = Variable::new(
    "SPS_CONNECT_SESSION_TTL_SECS",
    Fallback::Value("900"),
    "lifetime of a session token, in seconds (60 to 3600)",
);
const OUTBOUND_PROXY: Variable = Variable::new(
    "SPS_OUTBOUND_PROXY",
    Fallback::Unset("(none)"),
    "proxy URL for calls to SPS; proxy variables such as HTTPS_PROXY are ignored",
);
const STATIC_DIR: Variable =
    Variable::new("SPS_CONNECT_STATIC_DIR", Fallback::Unset("(none)"), "directory of the built widget to serve at /");
const CLIENT_IP_HEADER: Variable = Variable::new(
    "SPS_CONNECT_CLIENT_IP_HEADER",
    Fallback::Unset("(none)"),
    "header in which a trusted reverse proxy puts the client's address (its last entry counts)",
);
const RETENTION_DAYS: Variable = Variable::new(
    "SPS_CONNECT_RETENTION_DAYS",
    Fallback::Value("30"),
    "days delivered or given-up webhook events and used, revoked or expired hosted links are kept",
);
const METRICS_ADDR: Variable = Variable::new(
    "SPS_CONNECT_METRICS_ADDR",
    Fallback::Unset("(off)"),
    "address of a separate listener serving Prometheus metrics at /metrics",
);
const DEMO: Variable = Variable::new(
    "SPS_CONNECT_DEMO",
    Fallback::Value("0"),
    "1 serves the demo portal at / with its own session and documents for user demo-user",
);

const GENERAL: &[Variable] = &[
    ADDR,
    ENDPOINT,
    SERVICES,
    DATABASE,
    POOL_SIZE,
    CA_FILE,
    ENCRYPTION_KEY,
    PREVIOUS_KEYS,
    SESSION_KEY,
    ADMIN_KEY,
    SESSION_TTL,
    OUTBOUND_PROXY,
    STATIC_DIR,
    CLIENT_IP_HEADER,
    RETENTION_DAYS,
    METRICS_ADDR,
    DEMO,
];

/// Every variable, with its default and meaning, for `--help` and `docs/operating.md`.
pub fn variables() -> impl Iterator<Item = &'static Variable> {
    [GENERAL, ExchangeConfig::VARIABLES, ApiConfig::VARIABLES, ServerLimits::VARIABLES]
        .into_iter()
        .chain([HostedConfig::VARIABLES, WebhookConfig::VARIABLES, WorkerConfig::VARIABLES, TraceConfig::VARIABLES])
        .flatten()
}

/// Bounds of `SPS_CONNECT_SESSION_TTL_SECS`.
pub const SESSION_LIFETIME_SECS: std::ops::RangeInclusive<u64> = 60..=3600;

/// Paths the host serves itself, which the connect endpoint may not take.
const RESERVED_PATHS: &[&str] = &[
    "/api/sps/accounts",
    "/api/sps/sessions",
    "/api/sps/links",
    "/api/sps/webhooks",
    "/connect",
    "/connect-page.js",
    "/healthz",
    "/readyz",
    "/demo",
    "/white-label",
];

/// The backend's configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Path of the connect endpoint.
    pub endpoint: String,
    /// The token exchange.
    pub exchange: ExchangeConfig,
    /// The SPS API.
    pub api: ApiConfig,
    /// Services the integration requests.
    pub services: Vec<Service>,
    /// Where accounts, hosted links and queued events are kept.
    pub database: Database,
    /// Key that encrypts secrets at rest.
    pub encryption_key: EncryptionKey,
    /// Earlier encryption keys, which still open what they sealed.
    pub previous_encryption_keys: Vec<EncryptionKey>,
    /// Key that signs session tokens.
    pub session_key: SecretSlice<u8>,
    /// The portal server's key, if any.
    pub admin_key: Option<SecretString>,
    /// Proxy for calls to SPS, if any.
    pub outbound_proxy: Option<reqwest::Url>,
    /// Lifetime of a session token.
    pub session_lifetime: Duration,
    /// Built widget to serve.
    pub static_dir: Option<PathBuf>,
    /// Whether to serve the demo portal.
    pub demo: bool,
    /// Timeouts and the connection cap of the HTTP server.
    pub server: ServerLimits,
    /// Failure limits for connects and authentications.
    pub limits: Limits,
    /// Header with the client's address, set by a trusted reverse proxy.
    pub client_ip_header: Option<axum::http::HeaderName>,
    /// The hosted connect page and its links.
    pub hosted: HostedConfig,
    /// Where events go, if anywhere.
    pub webhook: Option<WebhookConfig>,
    /// How long finished webhook events and hosted links are kept.
    pub retention: Duration,
    /// The worker: scheduled checks and document listings.
    pub worker: WorkerConfig,
    /// Where Prometheus metrics are served, if anywhere.
    pub metrics: Option<SocketAddr>,
    /// Where traces go (`OTEL_EXPORTER_OTLP_ENDPOINT`); `None` while off.
    pub traces: Option<TraceConfig>,
}

/// Whether `path` is `dir` or lies below it, symbolic links resolved as far as they exist.
pub fn is_inside(dir: &std::path::Path, path: &std::path::Path) -> bool {
    fn resolved(path: &std::path::Path) -> PathBuf {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let mut existing = absolute.as_path();
        let mut rest = Vec::new();
        while !existing.exists() {
            let (Some(parent), Some(name)) = (existing.parent(), existing.file_name()) else { break };
            rest.push(name.to_owned());
            existing = parent;
        }
        let mut resolved = existing.canonicalize().unwrap_or_else(|_| existing.to_path_buf());
        resolved.extend(rest.iter().rev());
        resolved
    }
    resolved(path).starts_with(resolved(dir))
}

impl Config {
    /// Reads the configuration through `lookup`, normally `std::env::var`.
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let vars = Vars::new(&lookup);
        let listen: SocketAddr = vars
            .text(&ADDR)
            .unwrap_or_default()
            .parse()
            .map_err(|_| ConfigError("SPS_CONNECT_ADDR must be an address such as 127.0.0.1:8787".into()))?;
        let endpoint = checked_endpoint(vars.text(&ENDPOINT).unwrap_or_default())?;
        let services = vars
            .text(&SERVICES)
            .unwrap_or_default()
            .split(',')
            .map(|s| s.trim().parse::<Service>().map_err(|e| ConfigError(format!("SPS_SERVICES: {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let exchange = ExchangeConfig::read(&vars)?;
        let api = ApiConfig::read(&vars)?;
        let (encryption_key, previous_encryption_keys) =
            keys::key_ring(vars.set(&ENCRYPTION_KEY), vars.set(&PREVIOUS_KEYS))?;
        let what = format!("base64 of {MIN_KEY_BYTES} random bytes");
        let session_key =
            crate::util::vars::key_bytes(SESSION_KEY.name, &vars.required(&SESSION_KEY, &what)?, MIN_KEY_BYTES)?;
        let admin_key = match vars.key(&ADMIN_KEY, MIN_KEY_BYTES)? {
            Some(_) => vars.set(&ADMIN_KEY).map(SecretString::from),
            None => None,
        };
        let client_ip_header = match vars.set(&CLIENT_IP_HEADER) {
            Some(name) => Some(axum::http::HeaderName::try_from(name.to_ascii_lowercase()).map_err(|_| {
                ConfigError("SPS_CONNECT_CLIENT_IP_HEADER must be a header name such as X-Forwarded-For".into())
            })?),
            None => None,
        };
        let outbound_proxy = match vars.set(&OUTBOUND_PROXY) {
            Some(proxy) => Some(reqwest::Url::parse(&proxy).map_err(|_| {
                ConfigError("SPS_OUTBOUND_PROXY must be a URL such as http://proxy.internal:3128".into())
            })?),
            None => None,
        };
        let demo = vars.flag(&DEMO)?;
        let static_dir = vars.set(&STATIC_DIR).map(PathBuf::from);
        let database = Database::parse(
            &vars.text(&DATABASE).unwrap_or_default(),
            vars.number(&POOL_SIZE, 0..=u64::MAX)?,
            vars.set(&CA_FILE).map(PathBuf::from),
        )?;
        check_static_dir(static_dir.as_deref(), &database)?;
        if demo {
            check_demo_is_local(listen, &exchange, &api)?;
        }
        Ok(Self {
            listen,
            endpoint,
            exchange,
            api,
            services,
            database,
            encryption_key,
            previous_encryption_keys,
            session_key: SecretSlice::from(session_key),
            admin_key,
            outbound_proxy,
            session_lifetime: Duration::from_secs(vars.number(&SESSION_TTL, SESSION_LIFETIME_SECS)?),
            static_dir,
            demo,
            server: ServerLimits::read(&vars)?,
            limits: Limits::default(),
            retention: Duration::from_secs(vars.number(&RETENTION_DAYS, 1..=3650)? * 24 * 3600),
            client_ip_header,
            hosted: HostedConfig::read(&vars, listen)?,
            webhook: WebhookConfig::read(&vars)?,
            worker: WorkerConfig::read(&vars)?,
            traces: TraceConfig::read(&vars)?,
            metrics: match vars.set(&METRICS_ADDR) {
                Some(address) => Some(address.parse().map_err(|_| {
                    ConfigError("SPS_CONNECT_METRICS_ADDR must be an address such as 127.0.0.1:9464".into())
                })?),
                None => None,
            },
        })
    }
}

fn checked_endpoint(endpoint: String) -> Result<String, ConfigError> {
    if !endpoint.starts_with('/') {
        return Err(ConfigError("SPS_CONNECT_ENDPOINT must start with /".into()));
    }
    if RESERVED_PATHS.iter().any(|reserved| endpoint == *reserved || endpoint.starts_with(&format!("{reserved}/"))) {
        return Err(ConfigError(format!("SPS_CONNECT_ENDPOINT may not be {endpoint}: the host uses that path itself")));
    }
    Ok(endpoint)
}

fn check_static_dir(static_dir: Option<&std::path::Path>, database: &Database) -> Result<(), ConfigError> {
    if let (Some(dir), Database::Sqlite(file)) = (static_dir, database) {
        if is_inside(dir, file) {
            return Err(ConfigError(
                "SPS_CONNECT_STATIC_DIR contains SPS_CONNECT_DATABASE: the host would serve its own database".into(),
            ));
        }
    }
    Ok(())
}

/// Demo mode hands a session to anyone who asks, so it runs only on loopback.
fn check_demo_is_local(listen: SocketAddr, exchange: &ExchangeConfig, api: &ApiConfig) -> Result<(), ConfigError> {
    let remote = [
        ("SPS_CONNECT_ADDR", listen.ip().is_loopback()),
        ("SPS_TOKEN_URL", is_loopback(&exchange.token_url)),
        ("SPS_API_URL", is_loopback(&api.base)),
    ];
    match remote.iter().find(|(_, loopback)| !loopback) {
        Some((name, _)) => Err(ConfigError(format!(
            "demo mode hands a session to anyone, so it runs only on loopback: {name} is not a loopback address"
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sps::exchange::ClientAuth;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut vars: HashMap<String, String> = HashMap::from([
            ("SPS_CONNECT_ENCRYPTION_KEY".into(), STANDARD.encode([1u8; 32])),
            ("SPS_CONNECT_SESSION_KEY".into(), STANDARD.encode([2u8; 32])),
        ]);
        vars.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Config::from_vars(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_point_at_sps_production() {
        let config = config(&[]).unwrap();
        assert_eq!(config.exchange.token_url.as_str(), "https://auth.spscommerce.com/oauth/token");
        assert_eq!(config.exchange.audience, "https://spscommerce.com");
        assert_eq!(config.api.base.as_str(), "https://api.spscommerce.com/");
        assert_eq!(config.api.timeout, Duration::from_millis(15_000));
        assert_eq!(config.exchange.client_auth, ClientAuth::RequestBody);
        assert_eq!(config.endpoint, "/api/sps/connect");
        assert_eq!(config.services, vec![Service::Transaction]);
        assert_eq!(config.listen.to_string(), "127.0.0.1:8787");
        assert!(!config.demo);
    }

    #[test]
    fn each_setting_can_be_changed() {
        let config = config(&[
            ("SPS_TOKEN_URL", "http://127.0.0.1:9/oauth/token"),
            ("SPS_AUDIENCE", "api://api.spscommerce.com/"),
            ("SPS_API_URL", "http://127.0.0.1:9/sps/"),
            ("SPS_CLIENT_AUTH", "basic"),
            ("SPS_SERVICES", "transaction, shipping_label"),
            ("SPS_TOKEN_TIMEOUT_MS", "2500"),
        ])
        .unwrap();
        assert_eq!(config.exchange.token_url.as_str(), "http://127.0.0.1:9/oauth/token");
        assert_eq!(config.exchange.audience, "api://api.spscommerce.com/");
        assert_eq!(config.api.base.as_str(), "http://127.0.0.1:9/sps");
        assert_eq!(config.exchange.client_auth, ClientAuth::Basic);
        assert_eq!(config.services, vec![Service::Transaction, Service::ShippingLabel]);
        assert_eq!(config.exchange.timeout, Duration::from_millis(2500));
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (name, value) in [
            ("SPS_CLIENT_AUTH", "header"),
            ("SPS_SERVICES", "labels"),
            ("SPS_TOKEN_TIMEOUT_MS", "soon"),
            ("SPS_CONNECT_ADDR", "nowhere"),
            ("SPS_API_URL", "ftp://api.example"),
            ("SPS_API_URL", "https://api.example/?x=1"),
            ("SPS_API_TIMEOUT_MS", "0"),
            ("SPS_PROXY_MAX_RESPONSE_BYTES", "12"),
            ("SPS_CONNECT_ENCRYPTION_KEY", "c2hvcnQ="),
            ("SPS_CONNECT_SESSION_KEY", "not base64!"),
        ] {
            let error = config(&[(name, value)]).unwrap_err();
            assert!(error.0.contains(name), "{name}: {error}");
        }
    }

    #[test]
    fn the_connect_endpoint_cannot_take_a_path_of_the_host() {
        for endpoint in ["/api/sps/accounts", "/api/sps/accounts/x/verify", "/api/sps/sessions", "/demo/session"] {
            let error = config(&[("SPS_CONNECT_ENDPOINT", endpoint)]).unwrap_err();
            assert!(error.0.contains("SPS_CONNECT_ENDPOINT"), "{endpoint}: {error}");
        }
        assert_eq!(config(&[("SPS_CONNECT_ENDPOINT", "/api/sps/link")]).unwrap().endpoint, "/api/sps/link");
    }

    #[test]
    fn every_variable_is_documented_in_the_operating_guide() {
        let guide = include_str!("../../../../docs/operating.md");
        for name in variables().map(|variable| variable.name) {
            assert!(guide.contains(&format!("| `{name}` |")), "{name} is missing from docs/operating.md's table");
        }
    }

    #[test]
    fn a_weak_admin_key_stops_the_host_and_names_the_variable() {
        for weak in ["letmein", "c2hvcnQ=", "not base64 at all!"] {
            let error = config(&[("SPS_CONNECT_ADMIN_KEY", weak)]).unwrap_err();
            assert!(error.0.starts_with("SPS_CONNECT_ADMIN_KEY"), "{weak}: {error}");
        }
        let strong = STANDARD.encode([9u8; 32]);
        assert!(config(&[("SPS_CONNECT_ADMIN_KEY", &strong)]).unwrap().admin_key.is_some());
    }

    #[test]
    fn session_lifetimes_are_bounded() {
        for bad in ["0", "59", "3601", "18446744073709551615"] {
            let error = config(&[("SPS_CONNECT_SESSION_TTL_SECS", bad)]).unwrap_err();
            assert!(error.0.contains("SPS_CONNECT_SESSION_TTL_SECS"), "{bad}: {error}");
        }
        assert_eq!(config(&[("SPS_CONNECT_SESSION_TTL_SECS", "3600")]).unwrap().session_lifetime.as_secs(), 3600);
    }

    #[test]
    fn sps_urls_must_be_https_unless_on_loopback() {
        for name in ["SPS_TOKEN_URL", "SPS_API_URL"] {
            let error = config(&[(name, "http://auth.example.com/x")]).unwrap_err();
            assert!(error.0.starts_with(name) && error.0.contains("https"), "{error}");
            assert!(config(&[(name, "http://127.0.0.1:9/x")]).is_ok());
        }
    }

    #[test]
    fn debug_output_holds_no_key() {
        let admin = STANDARD.encode([9u8; 32]);
        let config = config(&[("SPS_CONNECT_ADMIN_KEY", &admin)]).unwrap();
        let printed = format!("{config:?}");
        for secret in [admin, STANDARD.encode([1u8; 32]), STANDARD.encode([2u8; 32])] {
            assert!(!printed.contains(&secret), "{printed}");
        }
        assert!(!printed.contains("1, 1, 1, 1") && !printed.contains("2, 2, 2, 2"), "{printed}");
        assert!(printed.contains("REDACTED"));
    }

    #[test]
    fn demo_mode_runs_only_on_loopback() {
        let demo = |pair: (&str, &str)| {
            config(&[
                ("SPS_CONNECT_DEMO", "1"),
                ("SPS_TOKEN_URL", "http://127.0.0.1:9/t"),
                ("SPS_API_URL", "http://127.0.0.1:9"),
                pair,
            ])
        };
        assert!(demo(("SPS_CONNECT_ADDR", "127.0.0.1:8787")).is_ok());
        for (name, value) in [
            ("SPS_CONNECT_ADDR", "0.0.0.0:8787"),
            ("SPS_TOKEN_URL", "https://auth.spscommerce.com/oauth/token"),
            ("SPS_API_URL", "https://api.spscommerce.com"),
        ] {
            let error = demo((name, value)).unwrap_err();
            assert!(error.0.contains(name) && error.0.contains("loopback"), "{error}");
        }
    }

    #[test]
    fn the_public_url_is_https_unless_it_is_loopback() {
        for url in ["https://connect.portal.example", "http://127.0.0.1:8787", "http://localhost:8787"] {
            assert!(config(&[("SPS_CONNECT_PUBLIC_URL", url)]).is_ok(), "{url}");
        }
        for url in ["http://connect.portal.example", "http://10.0.0.5:8787"] {
            let error = config(&[("SPS_CONNECT_PUBLIC_URL", url)]).unwrap_err();
            assert!(error.0.contains("SPS_CONNECT_PUBLIC_URL must be the host's https URL"), "{error}");
        }
        let error = config(&[("SPS_CONNECT_ADDR", "0.0.0.0:8787")]).unwrap_err();
        assert!(error.0.contains("SPS_CONNECT_PUBLIC_URL"), "unset, it is made of an address that is not loopback");
        let behind_tls = [("SPS_CONNECT_ADDR", "0.0.0.0:8787"), ("SPS_CONNECT_PUBLIC_URL", "https://c.example")];
        assert!(config(&behind_tls).is_ok());
    }

    #[test]
    fn the_static_directory_may_not_hold_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let static_dir = dir.path().join("dist");
        std::fs::create_dir(&static_dir).unwrap();
        let inside = static_dir.join("nested/../accounts.sqlite");
        let error = config(&[
            ("SPS_CONNECT_STATIC_DIR", static_dir.to_str().unwrap()),
            ("SPS_CONNECT_DATABASE", inside.to_str().unwrap()),
        ])
        .unwrap_err();
        assert!(error.0.contains("SPS_CONNECT_STATIC_DIR"), "{error}");
        let beside = dir.path().join("accounts.sqlite");
        assert!(config(&[
            ("SPS_CONNECT_STATIC_DIR", static_dir.to_str().unwrap()),
            ("SPS_CONNECT_DATABASE", beside.to_str().unwrap()),
        ])
        .is_ok());
    }

    #[test]
    fn keys_are_required() {
        let error = Config::from_vars(|_| None).unwrap_err();
        assert!(error.0.contains("SPS_CONNECT_ENCRYPTION_KEY is required"), "{error}");
    }
}
