//! Signed notifications to the portal's server. Each event is queued in the
//! store, then POSTed as JSON signed by the Standard Webhooks specification
//! (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`, one
//! signature per secret while secrets rotate) and with the host's own
//! `SPS-Connect-Signature`, and redelivered with exponential backoff until a
//! 2xx or the last attempt. Events never hold a secret or a token.

use crate::store::{DeliveryRecord, DeliveryState, EventOutbox, QueuedEvent, StoreError};
use crate::util::net::outbound_url;
use crate::util::vars::{key_bytes, ConfigError, Fallback, Variable, Vars, MIN_KEY_BYTES};
use hmac::{Hmac, Mac};
use reqwest::Url;
use secrecy::{ExposeSecret, SecretSlice};
use serde_json::{json, Value};
use sha2::Sha256;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::Notify;

/// The header with the signature: `t=<unix seconds>,v1=<hex HMAC-SHA256>`.
pub const SIGNATURE_HEADER: &str = "SPS-Connect-Signature";
/// The header with the event's id, the same on every delivery of it.
pub const EVENT_ID_HEADER: &str = "SPS-Connect-Event-Id";
/// Standard Webhooks: the event's id, the same on every delivery.
pub const STANDARD_ID_HEADER: &str = "webhook-id";
/// Standard Webhooks: when the delivery was signed, unix seconds.
pub const STANDARD_TIMESTAMP_HEADER: &str = "webhook-timestamp";
/// Standard Webhooks: `v1,<base64 HMAC-SHA256>`, space-separated, one per secret.
pub const STANDARD_SIGNATURE_HEADER: &str = "webhook-signature";
/// The prefix of a secret written the Standard Webhooks way.
pub const SECRET_PREFIX: &str = "whsec_";
/// The longest wait between two deliveries of one event.
pub const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// Events one deliverer takes at a time.
const BATCH: usize = 16;
/// How long a deliverer holds the events it took: a batch's deliveries, each
/// at most 10 s, end well before; if the host stops first, they are sent again.
const LEASE: Duration = Duration::from_secs(300);

/// What the portal is told about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    /// A new account was linked.
    AccountCreated,
    /// An account was linked again with new credentials.
    AccountUpdated,
    /// An account was disconnected.
    AccountDeleted,
    /// SPS refused an account's stored credentials.
    AccountNeedsAttention,
    /// An account that needed attention passed a check again.
    AccountRecovered,
    /// A hosted link was used up by a connect.
    LinkUsed,
    /// Documents arrived in a watching account's `out/` folder.
    DocumentsAvailable,
    /// The portal asked for a test event.
    WebhookTest,
}

impl EventType {
    /// The event's `type`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::AccountCreated => "account.created",
            EventType::AccountUpdated => "account.updated",
            EventType::AccountDeleted => "account.deleted",
            EventType::AccountNeedsAttention => "account.needs_attention",
            EventType::AccountRecovered => "account.recovered",
            EventType::LinkUsed => "link.used",
            EventType::DocumentsAvailable => "documents.available",
            EventType::WebhookTest => "webhook.test",
        }
    }
}

/// Where and how to deliver. `Debug` redacts the signing secret.
#[derive(Clone, Debug)]
pub struct WebhookConfig {
    /// The portal's receiver.
    pub url: Url,
    /// The signing secret.
    pub secret: SecretSlice<u8>,
    /// Earlier secrets, which still sign every delivery while receivers switch.
    pub previous_secrets: Vec<SecretSlice<u8>>,
    /// The wait after the first failure; doubled after each further one.
    pub retry_base: Duration,
    /// Deliveries tried before giving up.
    pub max_attempts: u32,
}

const URL: Variable = Variable::new(
    "SPS_CONNECT_WEBHOOK_URL",
    Fallback::Unset("(none)"),
    "the portal server's webhook receiver (https, or http on loopback)",
);
const SECRET: Variable = Variable::new(
    "SPS_CONNECT_WEBHOOK_SECRET",
    Fallback::Unset("(none)"),
    "whsec_ and base64 of at least 32 random bytes (or the base64 alone): signs webhook events",
);
const PREVIOUS_SECRETS: Variable = Variable::new(
    "SPS_CONNECT_WEBHOOK_PREVIOUS_SECRETS",
    Fallback::Unset("(none)"),
    "comma-separated earlier webhook secrets: each delivery carries a signature by each, while receivers switch",
);
const RETRY_BASE: Variable = Variable::new(
    "SPS_CONNECT_WEBHOOK_RETRY_BASE_MS",
    Fallback::Value("2000"),
    "wait after a failed delivery, doubled after each further one",
);
const MAX_ATTEMPTS: Variable = Variable::new(
    "SPS_CONNECT_WEBHOOK_MAX_ATTEMPTS",
    Fallback::Value("10"),
    "deliveries tried before an event is given up",
);

impl WebhookConfig {
    /// The variables of [`WebhookConfig::read`].
    pub const VARIABLES: &'static [Variable] = &[URL, SECRET, PREVIOUS_SECRETS, RETRY_BASE, MAX_ATTEMPTS];

    /// Where the variables send events, if anywhere: a URL needs its secret.
    pub fn read(vars: &Vars) -> Result<Option<Self>, ConfigError> {
        let Some(url) = vars.set(&URL) else { return Ok(None) };
        let what = format!("whsec_ and base64 of {MIN_KEY_BYTES} random bytes, with {}", URL.name);
        let secret = webhook_secret(SECRET.name, &vars.required(&SECRET, &what)?)?;
        let previous = vars.set(&PREVIOUS_SECRETS).unwrap_or_default();
        let previous_secrets = previous
            .split(',')
            .filter(|value| !value.trim().is_empty())
            .map(|value| webhook_secret(PREVIOUS_SECRETS.name, value).map(SecretSlice::from))
            .collect::<Result<_, _>>()?;
        Ok(Some(Self {
            url: outbound_url(URL.name, &url)?,
            secret: SecretSlice::from(secret),
            previous_secrets,
            retry_base: vars.millis(&RETRY_BASE, 100..=600_000)?,
            max_attempts: vars.number(&MAX_ATTEMPTS, 1..=100)? as u32,
        }))
    }
}

/// A webhook secret's bytes: `whsec_<base64>` or the base64 alone, at least 32 bytes.
fn webhook_secret(name: &str, value: &str) -> Result<Vec<u8>, ConfigError> {
    let value = value.trim();
    key_bytes(name, value.strip_prefix(SECRET_PREFIX).unwrap_or(value), MIN_KEY_BYTES)
}

/// One Standard Webhooks signature: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`.
pub fn standard_signature(secret: &[u8], id: &str, timestamp: u64, body: &str) -> String {
    use base64::Engine;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
}

/// The `webhook-signature` value: one signature by the current secret, then one by each earlier one.
pub fn standard_signatures(config: &WebhookConfig, id: &str, timestamp: u64, body: &str) -> String {
    std::iter::once(&config.secret)
        .chain(&config.previous_secrets)
        .map(|secret| standard_signature(secret.expose_secret(), id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `t=<timestamp>,v1=<hex HMAC-SHA256 of "{timestamp}.{body}">`.
pub fn signature(secret: &[u8], timestamp: u64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!("t={timestamp},v1={}", crate::util::ids::hex(&mac.finalize().into_bytes()))
}

/// Whether `header` (an [`SIGNATURE_HEADER`] value) signs `body` with
/// `secret`, made within `tolerance` seconds of `now` (unix seconds): what a
/// receiver checks before trusting a delivery.
pub fn signature_holds(secret: &[u8], header: &str, body: &str, now: u64, tolerance: u64) -> bool {
    let Some(timestamp) =
        header.split(',').next().and_then(|t| t.strip_prefix("t=")).and_then(|t| t.parse::<u64>().ok())
    else {
        return false;
    };
    if timestamp.abs_diff(now) > tolerance {
        return false;
    }
    let expected = signature(secret, timestamp, body);
    expected.len() == header.len() && expected.bytes().zip(header.bytes()).fold(0u8, |diff, (a, b)| diff | (a ^ b)) == 0
}

/// How long to wait after the `attempts`th failed delivery.
pub fn backoff(base: Duration, attempts: u32) -> Duration {
    base.saturating_mul(2u32.saturating_pow(attempts.saturating_sub(1))).min(MAX_BACKOFF)
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
}

/// The queue and its deliverer. Without a configured URL, events are dropped.
#[derive(Clone)]
pub struct Webhooks {
    config: Option<WebhookConfig>,
    outbox: Arc<dyn EventOutbox>,
    wake: Arc<Notify>,
    http: reqwest::Client,
}

impl Webhooks {
    /// Webhooks over `outbox`, sent through `proxy` if given.
    pub fn new(
        config: Option<WebhookConfig>,
        outbox: Arc<dyn EventOutbox>,
        proxy: Option<&Url>,
    ) -> Result<Self, String> {
        let http = crate::sps::outbound::client(Duration::from_secs(10), proxy)?;
        Ok(Self { config, outbox, wake: Arc::new(Notify::new()), http })
    }

    /// The event of `kind` with `data`, ready to be queued with the change
    /// it reports; `None` when no webhook is configured.
    pub fn draft(&self, kind: EventType, data: Value) -> Option<QueuedEvent> {
        self.config.as_ref()?;
        let id = crate::util::ids::random_id("evt", 12);
        let created_at = crate::util::times::now();
        let body = json!({ "id": id, "type": kind.as_str(), "created_at": created_at, "data": data }).to_string();
        Some(QueuedEvent { id, body, created_at_ms: now_ms() })
    }

    /// Queues a `webhook.test` event; `None` when no webhook is configured.
    pub async fn send_test(&self) -> Result<Option<QueuedEvent>, StoreError> {
        let message = "A test event, sent because the portal's server asked for one.";
        let Some(event) = self.draft(EventType::WebhookTest, json!({ "message": message })) else { return Ok(None) };
        self.outbox.queue(&event).await?;
        self.wake();
        Ok(Some(event))
    }

    /// Up to `limit` events in `state` (or any), newest first, queued before the one at `before`.
    pub async fn deliveries(
        &self,
        state: Option<DeliveryState>,
        limit: usize,
        before: Option<i64>,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        self.outbox.deliveries(state, limit, before).await
    }

    /// Sends the event `id` again, with the same id; `None` if there is no such event.
    pub async fn redeliver(&self, id: &str) -> Result<Option<DeliveryRecord>, StoreError> {
        let record = self.outbox.redeliver(id, now_ms()).await?;
        self.wake();
        Ok(record)
    }

    /// Whether events are sent at all.
    pub fn enabled(&self) -> bool {
        self.config.is_some()
    }

    /// Tells the deliverer that an event was queued.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Starts delivering, now and after every restart, until the process ends.
    pub fn spawn_deliverer(&self) {
        let Some(config) = self.config.clone() else { return };
        let this = self.clone();
        tokio::spawn(async move {
            loop {
                let delivered_any = this.deliver_due(&config).await;
                if !delivered_any {
                    let _ = tokio::time::timeout(Duration::from_millis(250), this.wake.notified()).await;
                }
            }
        });
    }

    async fn deliver_due(&self, config: &WebhookConfig) -> bool {
        let due = match self.outbox.claim_due_events(now_ms(), BATCH, now_ms() + LEASE.as_millis() as i64).await {
            Ok(due) => due,
            Err(error) => {
                tracing::error!(?error, "the webhook queue could not be read");
                return false;
            }
        };
        for event in &due {
            let timestamp = now_ms() as u64 / 1000;
            let sent = self
                .http
                .post(config.url.clone())
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(SIGNATURE_HEADER, signature(config.secret.expose_secret(), timestamp, &event.body))
                .header(EVENT_ID_HEADER, &event.id)
                .header(STANDARD_ID_HEADER, &event.id)
                .header(STANDARD_TIMESTAMP_HEADER, timestamp.to_string())
                .header(STANDARD_SIGNATURE_HEADER, standard_signatures(config, &event.id, timestamp, &event.body))
                .body(event.body.clone())
                .send()
                .await;
            let attempts = event.attempts + 1;
            let status = sent.as_ref().ok().map(|response| response.status().as_u16());
            let id = &event.id;
            let recorded = match status {
                Some(status) if (200..300).contains(&status) => {
                    tracing::info!(event = %id, attempts, "webhook delivered");
                    metrics::counter!("sps_connect_webhook_deliveries_total", "outcome" => "delivered").increment(1);
                    self.outbox.event_delivered(id, status, now_ms()).await
                }
                _ => {
                    let reason = status.map_or("the receiver could not be reached".to_owned(), |s| format!("HTTP {s}"));
                    let next = (attempts < config.max_attempts)
                        .then(|| now_ms() + backoff(config.retry_base, attempts).as_millis() as i64);
                    tracing::warn!(event = %id, attempts, %reason, gave_up = next.is_none(), "webhook not delivered");
                    let outcome = if next.is_some() { "failed" } else { "given_up" };
                    metrics::counter!("sps_connect_webhook_deliveries_total", "outcome" => outcome).increment(1);
                    self.outbox.event_failed(id, status, next, now_ms()).await
                }
            };
            if let Err(error) = recorded {
                tracing::error!(?error, "a webhook delivery could not be recorded");
            }
        }
        !due.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD as STANDARD_B64;
    use base64::Engine as _;

    #[test]
    fn the_signature_is_an_hmac_of_the_timestamp_and_the_body() {
        let signed = signature(b"secret", 1_700_000_000, r#"{"id":"evt_1"}"#);
        let mut mac = Hmac::<Sha256>::new_from_slice(b"secret").unwrap();
        mac.update(br#"1700000000.{"id":"evt_1"}"#);
        let expected = crate::util::ids::hex(&mac.finalize().into_bytes());
        assert_eq!(signed, format!("t=1700000000,v1={expected}"));
        assert_ne!(signature(b"other", 1_700_000_000, r#"{"id":"evt_1"}"#), signed);
    }

    #[test]
    fn a_receiver_trusts_only_a_fresh_signature_of_the_same_body() {
        let body = r#"{"id":"evt_1"}"#;
        let signed = signature(b"secret", 1_700_000_000, body);
        assert!(signature_holds(b"secret", &signed, body, 1_700_000_100, 300));
        assert!(!signature_holds(b"secret", &signed, r#"{"id":"evt_2"}"#, 1_700_000_100, 300), "another body");
        assert!(!signature_holds(b"other", &signed, body, 1_700_000_100, 300), "another secret");
        assert!(!signature_holds(b"secret", &signed, body, 1_700_000_301, 300), "too old");
        assert!(!signature_holds(b"secret", "v1=00", body, 1_700_000_000, 300), "no timestamp");
    }

    // The Standard Webhooks specification's own example: its secret, id, timestamp, body and signature.
    #[test]
    fn the_standard_signature_matches_the_specifications_example() {
        use base64::Engine;
        let secret = base64::engine::general_purpose::STANDARD.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = r#"{"test": 2432232314}"#;
        let signed = standard_signature(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(signed, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn a_secret_may_be_written_with_or_without_whsec() {
        let plain = STANDARD_B64.encode([3u8; 32]);
        assert_eq!(webhook_secret("S", &plain).unwrap(), [3u8; 32]);
        assert_eq!(webhook_secret("S", &format!("whsec_{plain}")).unwrap(), [3u8; 32]);
        assert!(webhook_secret("S", "whsec_c2hvcnQ=").unwrap_err().0.starts_with("S is too weak"));
    }

    #[test]
    fn redeliveries_back_off_exponentially_up_to_an_hour() {
        let base = Duration::from_secs(2);
        assert_eq!(backoff(base, 1), Duration::from_secs(2));
        assert_eq!(backoff(base, 2), Duration::from_secs(4));
        assert_eq!(backoff(base, 5), Duration::from_secs(32));
        assert_eq!(backoff(base, 40), MAX_BACKOFF);
    }
}
