//! Configuration from environment variables.

mod database;
mod keys;
mod urls;

pub use crate::util::net::{is_loopback, loggable};
pub use database::Database;
pub use keys::MIN_KEY_BYTES;

use crate::domain::crypto::EncryptionKey;
use crate::domain::limits::Limits;
use crate::domain::webhooks::WebhookConfig;
use crate::http::hosted::HostedConfig;
use crate::http::server::ServerLimits;
use crate::sps::api::ApiConfig;
use crate::sps::exchange::{ClientAuth, ExchangeConfig};
use secrecy::{SecretSlice, SecretString};
use sps_connect_wire::{Service, DEFAULT_ENDPOINT};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// SPS Commerce's token endpoint, the default target of the exchange.
pub const SPS_TOKEN_URL: &str = "https://auth.spscommerce.com/oauth/token";
/// The audience SPS requires of every application since 2026-07-01.
pub const SPS_AUDIENCE: &str = "https://spscommerce.com";
/// The SPS API, the default target of verifications and proxied calls.
pub const SPS_API_URL: &str = "https://api.spscommerce.com";

/// Every variable, its default and meaning, for `--help` and `docs/operating.md`.
pub const VARIABLES: &[(&str, &str, &str)] = &[
    ("SPS_CONNECT_ADDR", "127.0.0.1:8787", "address to listen on"),
    ("SPS_CONNECT_ENDPOINT", DEFAULT_ENDPOINT, "path of the connect endpoint"),
    ("SPS_TOKEN_URL", SPS_TOKEN_URL, "OAuth 2.0 token endpoint of SPS Commerce"),
    ("SPS_AUDIENCE", SPS_AUDIENCE, "audience requested with the token (the legacy one is api://api.spscommerce.com/)"),
    ("SPS_API_URL", SPS_API_URL, "SPS API base URL: auth-check after each exchange, and the proxy's target"),
    ("SPS_API_TIMEOUT_MS", "15000", "timeout of each call to the SPS API (auth-check, proxied call), in milliseconds"),
    ("SPS_PROXY_MAX_REQUEST_BYTES", "5242880", "largest request body the proxy forwards to the SPS API"),
    ("SPS_PROXY_MAX_RESPONSE_BYTES", "20971520", "largest SPS API answer the proxy passes back"),
    ("SPS_CLIENT_AUTH", "body", "how credentials are sent to the token endpoint: body or basic"),
    ("SPS_SERVICES", "transaction", "comma-separated SPS services the integration requests"),
    ("SPS_TOKEN_TIMEOUT_MS", "10000", "timeout of the token exchange, in milliseconds"),
    ("SPS_MAX_CONCURRENT_EXCHANGES", "16", "most token exchanges in flight at once; more wait for a turn"),
    (
        "SPS_CONNECT_DATABASE",
        "sps-connect.sqlite",
        "the store: an SQLite file (created on first run), or a postgres:// URL shared by every instance",
    ),
    ("SPS_CONNECT_DATABASE_POOL_SIZE", "16", "most PostgreSQL connections one instance opens"),
    (
        "SPS_CONNECT_DATABASE_CA_FILE",
        "(public web roots)",
        "PEM certificates that PostgreSQL's certificate must chain to, instead of the public web roots",
    ),
    ("SPS_CONNECT_ENCRYPTION_KEY", "(required)", "base64 of 32 random bytes: encrypts client secrets at rest"),
    (
        "SPS_CONNECT_PREVIOUS_ENCRYPTION_KEYS",
        "(none)",
        "comma-separated earlier encryption keys: still read, never used to seal (see rewrap)",
    ),
    ("SPS_CONNECT_SESSION_KEY", "(required)", "base64 of at least 32 random bytes: signs session tokens"),
    (
        "SPS_CONNECT_ADMIN_KEY",
        "(none)",
        "base64 of at least 32 random bytes: the portal server's bearer key; unset disables its endpoints",
    ),
    ("SPS_CONNECT_SESSION_TTL_SECS", "900", "lifetime of a session token, in seconds (60 to 3600)"),
    ("SPS_OUTBOUND_PROXY", "(none)", "proxy URL for calls to SPS; proxy variables such as HTTPS_PROXY are ignored"),
    ("SPS_CONNECT_STATIC_DIR", "(none)", "directory of the built widget to serve at /"),
    (
        "SPS_CONNECT_CLIENT_IP_HEADER",
        "(none)",
        "header in which a trusted reverse proxy puts the client's address (its last entry counts)",
    ),
    (
        "SPS_CONNECT_PUBLIC_URL",
        "(http://SPS_CONNECT_ADDR)",
        "the host's public base URL, for the hosted links it hands out",
    ),
    (
        "SPS_CONNECT_LINKS_ANONYMOUS",
        "false",
        "true lets the portal mint hosted links without saying whom they are for (`for`)",
    ),
    (
        "SPS_CONNECT_RETURN_ORIGINS",
        "(none)",
        "comma-separated origins a hosted link's return_url may lead to, such as https://portal.example",
    ),
    ("SPS_CONNECT_APP_NAME", "SPS Commerce Connect", "the portal's name on the hosted connect page"),
    ("SPS_CONNECT_BRAND_COLOR", "(none)", "the hosted page's brand colour, such as #0b5cad"),
    ("SPS_CONNECT_LOGO_URL", "(none)", "an https URL of the portal's logo for the hosted page"),
    ("SPS_CONNECT_THEME", "light", "the hosted page's colour scheme: light or dark"),
    ("SPS_CONNECT_LOCALE", "en", "the hosted page's language when the link does not set one"),
    ("SPS_CONNECT_WEBHOOK_URL", "(none)", "the portal server's webhook receiver (https, or http on loopback)"),
    ("SPS_CONNECT_WEBHOOK_SECRET", "(none)", "base64 of at least 32 random bytes: signs webhook events"),
    ("SPS_CONNECT_WEBHOOK_RETRY_BASE_MS", "2000", "wait after a failed delivery, doubled after each further one"),
    ("SPS_CONNECT_WEBHOOK_MAX_ATTEMPTS", "10", "deliveries tried before an event is given up"),
    (
        "SPS_CONNECT_RETENTION_DAYS",
        "30",
        "days delivered or given-up webhook events and used, revoked or expired hosted links are kept",
    ),
    ("SPS_CONNECT_MAX_CONNECTIONS", "1024", "connections open at once; more wait in the listen queue"),
    ("SPS_CONNECT_HEADER_TIMEOUT_MS", "10000", "time a client has to send a request's headers"),
    ("SPS_CONNECT_BODY_TIMEOUT_MS", "30000", "time a client has to send a request's body"),
    ("SPS_CONNECT_REQUEST_TIMEOUT_MS", "60000", "time from a request's headers to its answer (then 408)"),
    (
        "SPS_CONNECT_SEND_TIMEOUT_MS",
        "30000",
        "time the client may take no part of an answer being sent; then the connection is closed",
    ),
    ("SPS_CONNECT_DEMO", "0", "1 serves the demo portal at / with its own session and documents for user demo-user"),
];

/// Paths the host serves itself, which the connect endpoint may not take.
const RESERVED_PATHS: &[&str] = &[
    "/api/sps/accounts",
    "/api/sps/sessions",
    "/api/sps/links",
    "/connect",
    "/connect-page.js",
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
}

fn hosted_config(
    var: &impl Fn(&str) -> Option<String>,
    get: &impl Fn(&str) -> String,
    listen: SocketAddr,
) -> Result<HostedConfig, ConfigError> {
    let set = |name: &str| var(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let public_url = match set("SPS_CONNECT_PUBLIC_URL") {
        Some(url) => reqwest::Url::parse(url.trim_end_matches('/'))
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host() && u.query().is_none())
            .ok_or_else(|| ConfigError("SPS_CONNECT_PUBLIC_URL must be an https URL without query".into()))?,
        None => reqwest::Url::parse(&format!("http://{listen}")).expect("an address makes a URL"),
    };
    if public_url.scheme() != "https" && !is_loopback(&public_url) {
        return Err(ConfigError(format!(
            "SPS_CONNECT_PUBLIC_URL must be the host's https URL (hosted links carry a token), unless it is \
             loopback; it is {}",
            loggable(&public_url)
        )));
    }
    let links_anonymous = match get("SPS_CONNECT_LINKS_ANONYMOUS").as_str() {
        "true" | "1" => true,
        "false" | "0" => false,
        other => return Err(ConfigError(format!("SPS_CONNECT_LINKS_ANONYMOUS must be true or false, not {other}"))),
    };
    let return_origins = set("SPS_CONNECT_RETURN_ORIGINS")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|origin| {
            reqwest::Url::parse(origin)
                .ok()
                .filter(|u| u.path() == "/" && u.has_host())
                .map(|u| u.origin().ascii_serialization())
                .ok_or_else(|| ConfigError(format!("SPS_CONNECT_RETURN_ORIGINS: `{origin}` is not an origin")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let brand_color = set("SPS_CONNECT_BRAND_COLOR");
    if brand_color.as_deref().is_some_and(|c| !c.chars().all(|c| c.is_ascii_alphanumeric() || c == '#') || c.len() > 30)
    {
        return Err(ConfigError("SPS_CONNECT_BRAND_COLOR must be a colour such as #0b5cad or teal".into()));
    }
    let logo_url = match set("SPS_CONNECT_LOGO_URL") {
        Some(url) => Some(urls::outbound_url("SPS_CONNECT_LOGO_URL", &url)?),
        None => None,
    };
    let dark = match get("SPS_CONNECT_THEME").as_str() {
        "light" => false,
        "dark" => true,
        other => return Err(ConfigError(format!("SPS_CONNECT_THEME must be light or dark, not {other}"))),
    };
    let app_name = get("SPS_CONNECT_APP_NAME");
    if app_name.chars().count() > 60 || app_name.chars().any(char::is_control) {
        return Err(ConfigError("SPS_CONNECT_APP_NAME must be 1 to 60 characters".into()));
    }
    Ok(HostedConfig {
        public_url,
        links_anonymous,
        return_origins,
        app_name,
        brand_color,
        logo_url,
        dark,
        locale: get("SPS_CONNECT_LOCALE"),
    })
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

/// A variable with an unusable value.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

fn default_of(name: &str) -> &'static str {
    VARIABLES.iter().find(|(n, _, _)| *n == name).map(|(_, d, _)| *d).unwrap_or_default()
}

/// Bounds of `SPS_CONNECT_SESSION_TTL_SECS`.
pub const SESSION_LIFETIME_SECS: std::ops::RangeInclusive<u64> = 60..=3600;

impl Config {
    /// Reads the configuration through `var`, normally `std::env::var`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get =
            |name: &str| var(name).filter(|v| !v.trim().is_empty()).unwrap_or_else(|| default_of(name).to_owned());
        let number = |name: &str| -> Result<u64, ConfigError> {
            get(name).trim().parse().map_err(|_| ConfigError(format!("{name} must be a whole number")))
        };
        let listen: SocketAddr = get("SPS_CONNECT_ADDR")
            .parse()
            .map_err(|_| ConfigError("SPS_CONNECT_ADDR must be an address such as 127.0.0.1:8787".into()))?;
        let endpoint = get("SPS_CONNECT_ENDPOINT");
        if !endpoint.starts_with('/') {
            return Err(ConfigError("SPS_CONNECT_ENDPOINT must start with /".into()));
        }
        if RESERVED_PATHS.iter().any(|reserved| endpoint == *reserved || endpoint.starts_with(&format!("{reserved}/")))
        {
            return Err(ConfigError(format!(
                "SPS_CONNECT_ENDPOINT may not be {endpoint}: the host uses that path itself"
            )));
        }
        let client_auth = match get("SPS_CLIENT_AUTH").as_str() {
            "body" => ClientAuth::RequestBody,
            "basic" => ClientAuth::Basic,
            other => return Err(ConfigError(format!("SPS_CLIENT_AUTH must be body or basic, not {other}"))),
        };
        let services = get("SPS_SERVICES")
            .split(',')
            .map(|s| s.trim().parse::<Service>().map_err(|e| ConfigError(format!("SPS_SERVICES: {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let max_concurrent = number("SPS_MAX_CONCURRENT_EXCHANGES")?;
        if !(1..=1024).contains(&max_concurrent) {
            return Err(ConfigError("SPS_MAX_CONCURRENT_EXCHANGES must be between 1 and 1024".into()));
        }
        let max_concurrent = max_concurrent as usize;
        let timeout_ms = number("SPS_TOKEN_TIMEOUT_MS")?;
        if !(100..=120_000).contains(&timeout_ms) {
            return Err(ConfigError("SPS_TOKEN_TIMEOUT_MS must be between 100 and 120000".into()));
        }
        let token_url = urls::outbound_url("SPS_TOKEN_URL", &get("SPS_TOKEN_URL"))?;
        let api_base = urls::outbound_url("SPS_API_URL", get("SPS_API_URL").trim_end_matches('/'))?;
        if api_base.query().is_some() {
            return Err(ConfigError("SPS_API_URL must not have a query".into()));
        }
        let api_timeout_ms = number("SPS_API_TIMEOUT_MS")?;
        if !(100..=300_000).contains(&api_timeout_ms) {
            return Err(ConfigError("SPS_API_TIMEOUT_MS must be between 100 and 300000".into()));
        }
        let size = |name: &str| -> Result<usize, ConfigError> {
            let bytes = number(name)?;
            if !(1024..=1 << 30).contains(&bytes) {
                return Err(ConfigError(format!("{name} must be between 1024 and 1073741824")));
            }
            Ok(bytes as usize)
        };
        let api = ApiConfig {
            base: api_base,
            timeout: Duration::from_millis(api_timeout_ms),
            max_request_bytes: size("SPS_PROXY_MAX_REQUEST_BYTES")?,
            max_response_bytes: size("SPS_PROXY_MAX_RESPONSE_BYTES")?,
        };
        let (encryption_key, previous_encryption_keys) =
            keys::key_ring(var("SPS_CONNECT_ENCRYPTION_KEY"), var("SPS_CONNECT_PREVIOUS_ENCRYPTION_KEYS"))?;
        let session_key = keys::key_bytes("SPS_CONNECT_SESSION_KEY", var("SPS_CONNECT_SESSION_KEY"), MIN_KEY_BYTES)?;
        let admin_key = match var("SPS_CONNECT_ADMIN_KEY").filter(|k| !k.trim().is_empty()) {
            Some(key) => {
                keys::key_bytes("SPS_CONNECT_ADMIN_KEY", Some(key.clone()), MIN_KEY_BYTES)?;
                Some(SecretString::from(key.trim().to_owned()))
            }
            None => None,
        };
        let session_secs = number("SPS_CONNECT_SESSION_TTL_SECS")?;
        if !SESSION_LIFETIME_SECS.contains(&session_secs) {
            return Err(ConfigError("SPS_CONNECT_SESSION_TTL_SECS must be between 60 and 3600".into()));
        }
        let millis = |name: &str| -> Result<Duration, ConfigError> {
            let value = number(name)?;
            if !(100..=600_000).contains(&value) {
                return Err(ConfigError(format!("{name} must be between 100 and 600000")));
            }
            Ok(Duration::from_millis(value))
        };
        let max_connections = number("SPS_CONNECT_MAX_CONNECTIONS")?;
        if !(1..=100_000).contains(&max_connections) {
            return Err(ConfigError("SPS_CONNECT_MAX_CONNECTIONS must be between 1 and 100000".into()));
        }
        let server = ServerLimits {
            header_read_timeout: millis("SPS_CONNECT_HEADER_TIMEOUT_MS")?,
            body_read_timeout: millis("SPS_CONNECT_BODY_TIMEOUT_MS")?,
            request_timeout: millis("SPS_CONNECT_REQUEST_TIMEOUT_MS")?,
            send_timeout: millis("SPS_CONNECT_SEND_TIMEOUT_MS")?,
            max_connections: max_connections as usize,
        };
        let client_ip_header = match var("SPS_CONNECT_CLIENT_IP_HEADER").filter(|h| !h.trim().is_empty()) {
            Some(name) => Some(axum::http::HeaderName::try_from(name.trim().to_ascii_lowercase()).map_err(|_| {
                ConfigError("SPS_CONNECT_CLIENT_IP_HEADER must be a header name such as X-Forwarded-For".into())
            })?),
            None => None,
        };
        let webhook = match var("SPS_CONNECT_WEBHOOK_URL").filter(|u| !u.trim().is_empty()) {
            Some(url) => Some(WebhookConfig {
                url: urls::outbound_url("SPS_CONNECT_WEBHOOK_URL", &url)?,
                secret: SecretSlice::from(keys::key_bytes(
                    "SPS_CONNECT_WEBHOOK_SECRET",
                    var("SPS_CONNECT_WEBHOOK_SECRET"),
                    MIN_KEY_BYTES,
                )?),
                retry_base: millis("SPS_CONNECT_WEBHOOK_RETRY_BASE_MS")?,
                max_attempts: match number("SPS_CONNECT_WEBHOOK_MAX_ATTEMPTS")? {
                    attempts @ 1..=100 => attempts as u32,
                    _ => return Err(ConfigError("SPS_CONNECT_WEBHOOK_MAX_ATTEMPTS must be between 1 and 100".into())),
                },
            }),
            None => None,
        };
        let outbound_proxy = match var("SPS_OUTBOUND_PROXY").filter(|p| !p.trim().is_empty()) {
            Some(proxy) => Some(reqwest::Url::parse(proxy.trim()).map_err(|_| {
                ConfigError("SPS_OUTBOUND_PROXY must be a URL such as http://proxy.internal:3128".into())
            })?),
            None => None,
        };
        let demo = match get("SPS_CONNECT_DEMO").as_str() {
            "1" | "true" => true,
            "0" | "false" => false,
            other => return Err(ConfigError(format!("SPS_CONNECT_DEMO must be 0 or 1, not {other}"))),
        };
        let retention_days = number("SPS_CONNECT_RETENTION_DAYS")?;
        if !(1..=3650).contains(&retention_days) {
            return Err(ConfigError("SPS_CONNECT_RETENTION_DAYS must be between 1 and 3650".into()));
        }
        let static_dir = var("SPS_CONNECT_STATIC_DIR").filter(|d| !d.is_empty()).map(PathBuf::from);
        let database = Database::parse(
            get("SPS_CONNECT_DATABASE").trim(),
            number("SPS_CONNECT_DATABASE_POOL_SIZE")?,
            var("SPS_CONNECT_DATABASE_CA_FILE").filter(|f| !f.trim().is_empty()).map(PathBuf::from),
        )?;
        if let (Some(dir), Database::Sqlite(file)) = (&static_dir, &database) {
            if is_inside(dir, file) {
                return Err(ConfigError(
                    "SPS_CONNECT_STATIC_DIR contains SPS_CONNECT_DATABASE: the host would serve its own database"
                        .into(),
                ));
            }
        }
        if demo {
            let remote = [
                ("SPS_CONNECT_ADDR", listen.ip().is_loopback()),
                ("SPS_TOKEN_URL", is_loopback(&token_url)),
                ("SPS_API_URL", is_loopback(&api.base)),
            ];
            if let Some((name, _)) = remote.iter().find(|(_, loopback)| !loopback) {
                return Err(ConfigError(format!(
                    "demo mode hands a session to anyone, so it runs only on loopback: {name} is not a loopback address"
                )));
            }
        }
        let hosted = hosted_config(&var, &get, listen)?;
        Ok(Self {
            listen,
            endpoint,
            exchange: ExchangeConfig {
                token_url,
                audience: get("SPS_AUDIENCE"),
                client_auth,
                timeout: Duration::from_millis(timeout_ms),
                max_concurrent,
            },
            api,
            services,
            database,
            encryption_key,
            previous_encryption_keys,
            session_key: SecretSlice::from(session_key),
            admin_key,
            outbound_proxy,
            session_lifetime: Duration::from_secs(session_secs),
            static_dir,
            demo,
            server,
            limits: Limits::default(),
            retention: Duration::from_secs(retention_days * 24 * 3600),
            client_ip_header,
            hosted,
            webhook,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        for (name, _, _) in VARIABLES {
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
