//! A local SPS-like OAuth 2.0 token server and SPS API stand-in.
//!
//! It answers `POST /oauth/token` the way SPS Commerce's authorization server
//! does for the client credentials grant: a JSON or form body with
//! `grant_type`, `client_id`, `client_secret` and `audience` (credentials may
//! also come as HTTP Basic), `{access_token, token_type, expires_in}` on
//! success, `401 access_denied` for bad credentials and `403` for an audience
//! or grant the client may not use. On the same port it stands in for the SPS
//! API: `GET /auth-check` and a read-only Transaction API with a few sample
//! documents, both accepting only the tokens it issued and that have not
//! expired. `/control/…` lets tests rotate a client's secret or revoke every
//! token. It knows the demo clients in [`DEMO_CLIENTS`] and never talks to
//! anything else.

#![warn(missing_docs)]

mod control;
mod sps_api;
mod token;

use axum::routing::{get, post};
use axum::Router;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The audience SPS is moving away from.
pub const LEGACY_AUDIENCE: &str = "api://api.spscommerce.com/";
/// The audience SPS requires since 2026-07-01.
pub const AUDIENCE: &str = "https://spscommerce.com";
/// Lifetime of the tokens it issues unless configured, in seconds.
pub const EXPIRES_IN: u64 = 3600;

/// A client the server knows.
#[derive(Clone, Copy, Debug)]
pub struct DemoClient {
    /// What the client is for, as documented in the README.
    pub purpose: &'static str,
    /// Client ID.
    pub client_id: &'static str,
    /// Client Secret.
    pub client_secret: &'static str,
    /// Audiences the client may request.
    pub audiences: &'static [&'static str],
    /// Whether the client may use the client credentials grant.
    pub machine_to_machine: bool,
    /// Whether the SPS API accepts the client's tokens.
    pub api_access: bool,
}

/// The documented demo credentials.
pub const DEMO_CLIENTS: &[DemoClient] = &[
    DemoClient {
        purpose: "Sandbox Keys of a working Machine-to-Machine application",
        client_id: "spsDemoSandboxClient01",
        client_secret: "sandbox-demo-secret-0123456789",
        audiences: &[LEGACY_AUDIENCE, AUDIENCE],
        machine_to_machine: true,
        api_access: true,
    },
    DemoClient {
        purpose: "Production Keys of a working Machine-to-Machine application",
        client_id: "spsDemoProductionClient01",
        client_secret: "production-demo-secret-0123456789",
        audiences: &[LEGACY_AUDIENCE, AUDIENCE],
        machine_to_machine: true,
        api_access: true,
    },
    DemoClient {
        purpose: "an application not authorized for the SPS API audience (403 access_denied)",
        client_id: "spsDemoNoAudienceClient01",
        client_secret: "no-audience-demo-secret-0123456789",
        audiences: &[],
        machine_to_machine: true,
        api_access: false,
    },
    DemoClient {
        purpose: "an application that is not Machine-to-Machine (403 unauthorized_client)",
        client_id: "spsDemoSpaClient01",
        client_secret: "spa-demo-secret-0123456789",
        audiences: &[LEGACY_AUDIENCE, AUDIENCE],
        machine_to_machine: false,
        api_access: true,
    },
    DemoClient {
        purpose: "an application that gets tokens but may not call the SPS API (auth-check 403)",
        client_id: "spsDemoNoApiClient01",
        client_secret: "no-api-demo-secret-0123456789",
        audiences: &[LEGACY_AUDIENCE, AUDIENCE],
        machine_to_machine: true,
        api_access: false,
    },
];

/// A client as the server holds it: its secret can be rotated.
#[derive(Clone, Debug)]
struct Client {
    profile: DemoClient,
    secret: String,
}

/// A token the server issued.
#[derive(Clone, Debug)]
pub(crate) struct Issued {
    client_id: String,
    api_access: bool,
    expires_at: Instant,
}

#[derive(Debug)]
struct Shared {
    clients: Mutex<Vec<Client>>,
    tokens: Mutex<HashMap<String, Issued>>,
    issued: AtomicU64,
    requests: AtomicU64,
    lifetime: Duration,
    throttle: Mutex<Option<u64>>,
    delay_next: Mutex<Option<Duration>>,
    documents: Mutex<HashMap<String, Vec<(String, String)>>>,
}

/// The server's state: its clients, the tokens it issued, how long they live.
/// Clones share the state.
#[derive(Clone, Debug)]
pub struct TokenServer {
    shared: Arc<Shared>,
}

impl Default for TokenServer {
    fn default() -> Self {
        Self::with_token_lifetime(Duration::from_secs(EXPIRES_IN))
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl TokenServer {
    /// A server with the demo clients whose tokens live for `lifetime` (at least a second).
    pub fn with_token_lifetime(lifetime: Duration) -> Self {
        let clients =
            DEMO_CLIENTS.iter().map(|profile| Client { profile: *profile, secret: profile.client_secret.into() });
        Self {
            shared: Arc::new(Shared {
                clients: Mutex::new(clients.collect()),
                tokens: Mutex::new(HashMap::new()),
                issued: AtomicU64::new(0),
                requests: AtomicU64::new(0),
                lifetime: lifetime.max(Duration::from_secs(1)),
                throttle: Mutex::new(None),
                delay_next: Mutex::new(None),
                documents: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The routes: the token endpoint, the SPS API stand-in and the controls.
    pub fn router(self) -> Router {
        Router::new()
            .route("/oauth/token", post(token::token))
            .route("/auth-check", get(sps_api::auth_check))
            .route("/transactions/v5/data/out/", get(sps_api::list_documents))
            .route("/transactions/v5/data/out/{name}", get(sps_api::document))
            .route("/control/clients/{client_id}/rotate", post(control::rotate))
            .route("/control/clients/{client_id}/secret", axum::routing::put(control::set_secret))
            .route("/control/clients/{client_id}/documents", post(control::add_document))
            .route("/control/clients/{client_id}/documents/{name}", axum::routing::delete(control::delete_document))
            .route("/control/throttle", post(control::throttle).delete(control::stop_throttling))
            .route("/control/tokens/revoke", post(control::revoke))
            .with_state(self)
    }

    /// How many tokens it has issued since it started.
    pub fn tokens_issued(&self) -> u64 {
        self.shared.issued.load(Ordering::SeqCst)
    }

    /// How many requests its token endpoint has answered, issued or refused.
    pub fn token_requests(&self) -> u64 {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// Gives the client a new secret, returned, and revokes its tokens, as
    /// when an application's keys are regenerated. `None` for an unknown client.
    pub fn rotate_secret(&self, client_id: &str) -> Option<String> {
        let mut clients = lock(&self.shared.clients);
        let client = clients.iter_mut().find(|c| c.profile.client_id == client_id)?;
        client.secret = format!("rotated-{}", random_token());
        let secret = client.secret.clone();
        drop(clients);
        lock(&self.shared.tokens).retain(|_, issued| issued.client_id != client_id);
        Some(secret)
    }

    /// Gives the client `secret` back (as when an earlier key is restored);
    /// its tokens stay. Whether the client exists.
    pub fn set_secret(&self, client_id: &str, secret: &str) -> bool {
        let mut clients = lock(&self.shared.clients);
        let Some(client) = clients.iter_mut().find(|c| c.profile.client_id == client_id) else { return false };
        client.secret = secret.to_owned();
        true
    }

    /// Answers every token request `429` with `Retry-After: {retry_after}`
    /// until [`TokenServer::stop_throttling`].
    pub fn throttle(&self, retry_after: u64) {
        *lock(&self.shared.throttle) = Some(retry_after);
    }

    /// Answers token requests normally again.
    pub fn stop_throttling(&self) {
        *lock(&self.shared.throttle) = None;
    }

    /// Holds the next token request this long before answering it.
    pub fn delay_next_token(&self, delay: Duration) {
        *lock(&self.shared.delay_next) = Some(delay);
    }

    /// The documents waiting in the client's `out/` folder: the samples until changed.
    pub fn documents(&self, client_id: &str) -> Vec<(String, String)> {
        lock(&self.shared.documents).get(client_id).cloned().unwrap_or_else(sps_api::sample_documents)
    }

    /// Puts a document in the client's `out/` folder, replacing one of the same name.
    pub fn add_document(&self, client_id: &str, name: &str, content: &str) {
        let mut folders = lock(&self.shared.documents);
        let folder = folders.entry(client_id.to_owned()).or_insert_with(sps_api::sample_documents);
        folder.retain(|(existing, _)| existing != name);
        folder.push((name.to_owned(), content.to_owned()));
    }

    /// Removes a document from the client's `out/` folder; whether it was there.
    pub fn delete_document(&self, client_id: &str, name: &str) -> bool {
        let mut folders = lock(&self.shared.documents);
        let folder = folders.entry(client_id.to_owned()).or_insert_with(sps_api::sample_documents);
        let before = folder.len();
        folder.retain(|(existing, _)| existing != name);
        folder.len() < before
    }

    fn throttled(&self) -> Option<u64> {
        *lock(&self.shared.throttle)
    }

    fn take_delay(&self) -> Option<Duration> {
        lock(&self.shared.delay_next).take()
    }

    /// Revokes every token issued so far; clients keep their secrets.
    pub fn revoke_tokens(&self) {
        lock(&self.shared.tokens).clear();
    }

    fn count_request(&self) {
        self.shared.requests.fetch_add(1, Ordering::SeqCst);
    }

    fn authenticate(&self, client_id: &str, client_secret: &str) -> Option<DemoClient> {
        lock(&self.shared.clients)
            .iter()
            .find(|c| c.profile.client_id == client_id && c.secret == client_secret)
            .map(|c| c.profile)
    }

    fn issue(&self, client: &DemoClient) -> String {
        let token = random_token();
        let issued = Issued {
            client_id: client.client_id.to_owned(),
            api_access: client.api_access,
            expires_at: Instant::now() + self.shared.lifetime,
        };
        lock(&self.shared.tokens).insert(token.clone(), issued);
        self.shared.issued.fetch_add(1, Ordering::SeqCst);
        token
    }

    fn token_lifetime(&self) -> Duration {
        self.shared.lifetime
    }

    fn lookup(&self, token: &str) -> Option<Issued> {
        lock(&self.shared.tokens).get(token).filter(|issued| issued.expires_at > Instant::now()).cloned()
    }
}

fn random_token() -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the system random source works");
    URL_SAFE_NO_PAD.encode(bytes)
}
