//! The worker, from outside: scheduled checks find a rotated secret and its
//! recovery with no portal traffic, once per account per interval across
//! instances; a throttled sweep changes nothing; four instances share one
//! token; documents are announced once across a restart. The intervals are
//! the shortest the variables allow (60 s for checks, 30 s for documents), so
//! these tests take two minutes, side by side.

mod support;

use reqwest::Method;
use serde_json::{json, Value};
use sps_token_server::TokenServer;
use std::time::{Duration, Instant};
use support::*;

/// Waits until `done` holds, looking every 200 ms, for at most `limit`.
async fn wait_until(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The events of `kind` the receiver verified.
fn events(receiver: &WebhookReceiver, kind: &str) -> Vec<Value> {
    receiver.verified_events().into_iter().filter(|event| event["type"] == kind).collect()
}

/// The account ids of the events of `kind`.
fn accounts_in(receiver: &WebhookReceiver, kind: &str) -> Vec<String> {
    let mut ids: Vec<String> =
        events(receiver, kind).iter().map(|e| e["data"]["account"]["id"].as_str().unwrap().to_owned()).collect();
    ids.sort();
    ids
}

/// Where the host processes keep their state.
#[derive(Clone, Copy, Debug)]
enum Backing {
    /// One SQLite file: one process.
    Sqlite,
    /// One PostgreSQL database: this many processes.
    Postgres(usize),
}

/// Host processes on one store.
struct Cluster {
    instances: Vec<Instance>,
    vars: Vec<(String, String)>,
    size: usize,
    _dir: tempfile::TempDir,
}

impl Cluster {
    fn start(backing: Backing, token_url: &str, hooks: &str, extra: &[(&str, &str)]) -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let (database, size) = match backing {
            Backing::Sqlite => (dir.path().join("accounts.sqlite").display().to_string(), 1),
            Backing::Postgres(size) => (postgres_database(), size),
        };
        let mut vars = instance_variables(&database, token_url, hooks);
        vars.retain(|(name, _)| !extra.iter().any(|(other, _)| name == other));
        vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let mut cluster = Cluster { instances: Vec::new(), vars, size, _dir: dir };
        cluster.restart();
        cluster
    }

    /// Stops every process and starts as many again on the same store.
    fn restart(&mut self) {
        self.instances.clear();
        let vars = &self.vars;
        self.instances = std::thread::scope(|scope| {
            let started: Vec<_> = (0..self.size).map(|_| scope.spawn(|| start_instance(vars))).collect();
            started.into_iter().map(|s| s.join().unwrap()).collect()
        });
    }

    fn host(&self, n: usize) -> &Host {
        &self.instances[n % self.instances.len()].host
    }
}

const ONE_MINUTE: (&str, &str) = ("SPS_CONNECT_CHECK_INTERVAL_SECS", "60");
/// Two intervals and some slack.
const TWO_INTERVALS: Duration = Duration::from_secs(130);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rotated_secret_is_found_on_schedule_and_its_recovery_announced() {
    let (token_url, server) = sps(TokenServer::default()).await;
    let receiver = WebhookReceiver::default();
    let cluster = Cluster::start(Backing::Sqlite, &token_url, &receiver.start(0).await, &[ONE_MINUTE]);
    let host = cluster.host(0);
    let id = host.connected_account("user-1").await;
    let (_, shown) = host.admin(Method::GET, &format!("/api/sps/accounts/{id}")).await;
    assert_eq!(shown["account"]["last_checked_at"], Value::Null);
    assert!(shown["account"]["next_check_at"].is_string(), "{shown}");

    let before = server.token_requests();
    server.rotate_secret(CLIENT_ID).unwrap();
    wait_until(TWO_INTERVALS, "account.needs_attention", || !events(&receiver, "account.needs_attention").is_empty())
        .await;
    assert_eq!(accounts_in(&receiver, "account.needs_attention"), [id.as_str()]);
    assert_eq!(server.token_requests() - before, 1, "one scheduled exchange, no portal traffic");
    let (_, shown) = host.admin(Method::GET, &format!("/api/sps/accounts/{id}")).await;
    let account = &shown["account"];
    assert_eq!(
        (account["status"].as_str(), account["status_reason"].as_str()),
        (Some("needs_attention"), Some("invalid_client"))
    );
    assert!(
        account["last_checked_at"].is_string()
            && account["next_check_at"].as_str() > account["last_checked_at"].as_str(),
        "{account}"
    );

    server.set_secret(CLIENT_ID, CLIENT_SECRET);
    wait_until(TWO_INTERVALS, "account.recovered", || !events(&receiver, "account.recovered").is_empty()).await;
    assert_eq!(accounts_in(&receiver, "account.recovered"), [id.as_str()]);
    assert_eq!(accounts_in(&receiver, "account.needs_attention"), [id.as_str()], "still one: once per change");
    assert_eq!(server.token_requests() - before, 2, "one exchange per interval");
    let (_, shown) = host.admin(Method::GET, &format!("/api/sps/accounts/{id}")).await;
    assert_eq!(shown["account"]["status"], "active");
    let (status, _) = host.admin(Method::GET, &format!("/api/sps/accounts/{id}/proxy/auth-check")).await;
    assert_eq!(status, 204);
    assert_eq!(server.token_requests() - before, 2, "the portal's next call uses the check's token");
    let (_, history) = host.admin(Method::GET, &format!("/api/sps/accounts/{id}/activity")).await;
    let seen: Vec<_> = history["activity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["actor"].as_str().unwrap(), e["status"].as_str()))
        .filter(|(kind, _, _)| *kind != "tokens_issued")
        .collect();
    assert_eq!(
        seen,
        [
            ("verified", "worker", Some("active")),
            ("status_changed", "worker", Some("active")),
            ("verified", "worker", Some("needs_attention")),
            ("status_changed", "worker", Some("needs_attention")),
            ("connected", "user", Some("active")),
        ],
        "the history names the worker: {history}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_check_each_account_once_per_interval() {
    let (token_url, server) = sps(TokenServer::default()).await;
    let receiver = WebhookReceiver::default();
    let cluster = Cluster::start(Backing::Postgres(3), &token_url, &receiver.start(0).await, &[ONE_MINUTE]);
    let mut ids = Vec::new();
    for n in 0..6 {
        ids.push(cluster.host(n).connected_account(&format!("user-{n}")).await);
    }
    ids.sort();

    let before = server.token_requests();
    server.rotate_secret(CLIENT_ID).unwrap();
    wait_until(TWO_INTERVALS, "six accounts need attention", || {
        events(&receiver, "account.needs_attention").len() >= 6
    })
    .await;
    assert_eq!(accounts_in(&receiver, "account.needs_attention"), ids, "each account once, whichever instance");
    assert_eq!(server.token_requests() - before, 6, "one exchange per account in the interval, across three instances");

    server.set_secret(CLIENT_ID, CLIENT_SECRET);
    wait_until(TWO_INTERVALS, "six accounts recover", || events(&receiver, "account.recovered").len() >= 6).await;
    assert_eq!(accounts_in(&receiver, "account.recovered"), ids);
    assert_eq!(server.token_requests() - before, 12, "and one more each in the next interval");
    assert_eq!(events(&receiver, "account.needs_attention").len(), 6, "no duplicate");
    for (n, id) in ids.iter().enumerate() {
        let (_, shown) = cluster.host(n).admin(Method::GET, &format!("/api/sps/accounts/{id}")).await;
        assert_eq!(shown["account"]["status"], "active", "{shown}");
        assert!(shown["account"]["last_checked_at"].is_string(), "{shown}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_throttled_sweep_changes_nothing_and_pauses_on_sqlite() {
    a_throttled_sweep_changes_nothing_and_pauses(Backing::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_throttled_sweep_changes_nothing_and_pauses_on_two_postgres_instances() {
    a_throttled_sweep_changes_nothing_and_pauses(Backing::Postgres(2)).await;
}

async fn a_throttled_sweep_changes_nothing_and_pauses(backing: Backing) {
    let (token_url, server) = sps(TokenServer::default()).await;
    let receiver = WebhookReceiver::default();
    let cluster = Cluster::start(backing, &token_url, &receiver.start(0).await, &[ONE_MINUTE]);
    let id = cluster.host(0).connected_account("user-1").await;
    server.throttle(40);
    let before = server.token_requests();
    wait_until(TWO_INTERVALS, "the scheduled check", || server.token_requests() > before).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(server.token_requests() - before, 1, "paused, not asking again, on any instance");
    let (_, shown) = cluster.host(1).admin(Method::GET, &format!("/api/sps/accounts/{id}")).await;
    let account = &shown["account"];
    assert_eq!((account["status"].as_str(), &account["status_reason"]), (Some("active"), &Value::Null));
    assert_eq!(account["last_checked_at"], Value::Null, "no verdict");
    let next = account["next_check_at"].as_str().unwrap().to_owned();
    let in_thirty = sps_connect_host::util::times::rfc3339(sps_connect_host::util::times::unix_now() + 30);
    assert!(next > in_thirty, "due again after Retry-After, not at once: {next}");
    receiver.wait_for(1).await;
    let kinds: Vec<Value> = receiver.verified_events().iter().map(|e| e["type"].clone()).collect();
    assert_eq!(kinds, [json!("account.created")], "no status event");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_instances_share_one_token_and_outlive_a_fetcher_that_dies() {
    let (token_url, server) = sps(TokenServer::with_token_lifetime(Duration::from_secs(4))).await;
    let receiver = WebhookReceiver::default();
    let quick_timeout = ("SPS_TOKEN_TIMEOUT_MS", "3000");
    let mut cluster = Cluster::start(Backing::Postgres(4), &token_url, &receiver.start(0).await, &[quick_timeout]);
    let id = cluster.host(0).connected_account("user-1").await;
    let path = format!("/api/sps/accounts/{id}/proxy/auth-check");
    let past_renewal = Duration::from_millis(2100);

    tokio::time::sleep(past_renewal).await;
    let before = server.token_requests();
    let calls = (0..64).map(|n| cluster.host(n).admin(Method::GET, &path));
    let answers = futures::future::join_all(calls).await;
    assert!(answers.iter().all(|(status, _)| *status == 204), "{answers:?}");
    assert_eq!(server.token_requests() - before, 1, "64 cold calls on four instances, one token request");

    tokio::time::sleep(past_renewal).await;
    let before = server.token_requests();
    server.delay_next_token(Duration::from_secs(60));
    let dying = cluster.instances.remove(0);
    let holder = dying.host.url.clone();
    let stuck = tokio::spawn({
        let path = path.clone();
        async move {
            let http = reqwest::Client::builder().no_proxy().build().unwrap();
            http.get(format!("{holder}{path}")).bearer_auth(ADMIN_KEY).send().await.is_err()
        }
    });
    wait_until(Duration::from_secs(5), "the first instance's token request", || server.token_requests() > before).await;
    let started = Instant::now();
    let waiting =
        futures::future::join_all(cluster.instances.iter().map(|instance| instance.host.admin(Method::GET, &path)));
    let kill = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        drop(dying);
    };
    let (answers, ()) = tokio::join!(waiting, kill);
    let took = started.elapsed();
    assert!(stuck.await.unwrap(), "the dead instance's caller lost its connection");
    assert!(answers.iter().all(|(status, _)| *status == 204), "{answers:?}");
    assert_eq!(server.token_requests() - before, 2, "the dead fetch, then one fetch after its lease");
    assert!(took < Duration::from_secs(15), "no caller waits much past the 8 s lease: {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn documents_are_announced_once_across_a_restart_on_sqlite() {
    documents_are_announced_once_across_a_restart(Backing::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn documents_are_announced_once_across_a_restart_of_two_postgres_instances() {
    documents_are_announced_once_across_a_restart(Backing::Postgres(2)).await;
}

async fn documents_are_announced_once_across_a_restart(backing: Backing) {
    let (token_url, server) = sps(TokenServer::default()).await;
    let receiver = WebhookReceiver::default();
    let every_30_s = ("SPS_CONNECT_DOCUMENTS_INTERVAL_SECS", "30");
    let mut cluster = Cluster::start(backing, &token_url, &receiver.start(0).await, &[every_30_s]);
    let id = cluster.host(0).connected_account("user-1").await;
    let announced = |receiver: &WebhookReceiver| -> Vec<Vec<String>> {
        events(receiver, "documents.available")
            .iter()
            .map(|event| {
                assert_eq!(
                    (event["data"]["account_id"].as_str(), event["data"]["user_id"].as_str()),
                    (Some(id.as_str()), Some("user-1"))
                );
                let documents = event["data"]["documents"].as_array().unwrap();
                assert!(documents.iter().all(|d| d["type"] == "file"), "{event}");
                documents.iter().map(|d| d["path"].as_str().unwrap().to_owned()).collect()
            })
            .collect()
    };

    let first = cluster.host(1);
    let session = first.session("user-1").await;
    let patch = |host: &Host, auth: Option<&str>, body: &str| {
        let request =
            host.http.patch(format!("{}/api/sps/accounts/{id}", host.url)).header("content-type", "application/json");
        let request = match auth {
            Some(session) => request.header("X-Connect-Session", session),
            None => request.bearer_auth(ADMIN_KEY),
        };
        request.body(body.to_owned()).send()
    };
    let refused = patch(first, Some(&session), r#"{"watch_documents":true}"#).await.unwrap();
    assert_eq!(refused.status(), 401, "the portal's server only");
    let bad = patch(first, None, r#"{"watch_documents":"yes"}"#).await.unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("watch_documents"), "the field is named");
    let unknown = patch(first, None, r#"{"status":"active"}"#).await.unwrap();
    assert_eq!(unknown.status(), 400);
    let on = patch(first, None, r#"{"watch_documents":true}"#).await.unwrap();
    assert_eq!(on.status(), 200);
    assert_eq!(on.json::<Value>().await.unwrap()["account"]["watch_documents"], true);

    let samples: Vec<String> = server.documents(CLIENT_ID).iter().map(|(name, _)| format!("/out/{name}")).collect();
    wait_until(Duration::from_secs(10), "the first listing", || !announced(&receiver).is_empty()).await;
    assert_eq!(announced(&receiver), [samples], "everything waiting, in one event");
    server.add_document(CLIENT_ID, "PO_NEW.xml", "<Order/>");
    wait_until(Duration::from_secs(40), "the next listing", || announced(&receiver).len() >= 2).await;
    assert_eq!(announced(&receiver)[1], ["/out/PO_NEW.xml"]);

    cluster.restart();
    server.delete_document(CLIENT_ID, "IN_9000456.xml");
    server.add_document(CLIENT_ID, "PO_AFTER.xml", "<Order/>");
    wait_until(Duration::from_secs(40), "a listing after the restart", || announced(&receiver).len() >= 3).await;
    assert_eq!(announced(&receiver)[2], ["/out/PO_AFTER.xml"], "nothing announced twice across the restart");
    server.add_document(CLIENT_ID, "IN_9000456.xml", "<Invoice/>");
    wait_until(Duration::from_secs(40), "the document back", || announced(&receiver).len() >= 4).await;
    assert_eq!(announced(&receiver)[3], ["/out/IN_9000456.xml"], "a path that left was forgotten");
    let (_, shown) = cluster.host(0).admin(Method::GET, &format!("/api/sps/accounts/{id}")).await;
    assert_eq!(shown["account"]["watch_documents"], true);
}
