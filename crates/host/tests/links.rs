//! Hosted connect links over real HTTP on loopback: minting, the page for
//! each state of a link, the session exchange, what a link's session may do,
//! and single use under concurrency.

mod support;

use axum::routing::post;
use axum::Router;
use reqwest::Method;
use serde_json::json;
use sps_connect_host::domain::links::token_hash;
use sps_connect_host::store::{LinkStore, NewLinkRecord, SqliteStore};
use std::time::Duration;
use support::*;

async fn start() -> Host {
    Host::start(
        &token_server().await,
        &[
            ("SPS_CONNECT_PUBLIC_URL", "https://connect.portal.example"),
            ("SPS_CONNECT_RETURN_ORIGINS", "https://portal.example, http://127.0.0.1:3000"),
            ("SPS_CONNECT_APP_NAME", "Acme Freight"),
        ],
    )
    .await
}

#[tokio::test]
async fn a_link_opens_a_strict_branded_page_and_is_used_up_by_its_first_connect() {
    let host = start().await;
    let (status, minted) =
        host.mint(json!({ "user_id": "user-1", "return_url": "https://portal.example/integrations" })).await;
    assert_eq!(status, 201, "{minted}");
    assert!(minted["id"].as_str().unwrap().starts_with("lnk_"));
    assert!(minted["url"].as_str().unwrap().starts_with("https://connect.portal.example/connect/"));
    assert!(minted["expires_at"].as_str().unwrap().ends_with('Z'));
    let token = token_of(&minted["url"]);

    let page = host.page(&token).await;
    assert_eq!(page.status(), 200);
    let headers = page.headers().clone();
    let policy = headers["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("script-src 'self' 'wasm-unsafe-eval';") && policy.contains("frame-ancestors 'none'"));
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["cache-control"], "no-store");
    let html = page.text().await.unwrap();
    assert!(
        html.contains(r#"<sps-connect mode="inline" white-label hide-attribution app-name="Acme Freight""#),
        "{html}"
    );
    assert!(html.contains(r#"href="https://portal.example/integrations">Return to Acme Freight</a>"#));
    assert!(html.contains(r#"<script type="module" src="/connect-page.js"></script>"#));
    assert!(!html.contains("<script>") && !html.contains(&token), "no inline script, and the token is not repeated");
    let script = host.http.get(format!("{}/connect-page.js", host.url)).send().await.unwrap();
    assert!(script.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));

    let (status, session) = host.trade(&token).await;
    assert_eq!(status, 201, "{session}");
    assert_eq!(session["endpoint"], "/api/sps/connect");
    assert_eq!(session["return_url"], "https://portal.example/integrations");
    let session_token = session["session_token"].as_str().unwrap();
    let (status, linked) = host.connect(session_token, credentials()).await;
    assert_eq!(status, 201, "{linked}");
    let user_session = host.session("user-1").await;
    assert_eq!(host.accounts(&user_session).await.len(), 1, "linked for the link's user");

    let used = host.page(&token).await;
    assert_eq!(used.status(), 410);
    assert!(used.text().await.unwrap().contains("This link has already been used"));
    let (status, refused) = host.trade(&token).await;
    assert_eq!((status, code(&refused)), (401, "session_invalid"));
    let (status, again) = host.connect(session_token, credentials()).await;
    assert_eq!((status, code(&again)), (401, "session_invalid"), "the session dies with its link: {again}");
}

#[tokio::test]
async fn expired_revoked_and_forged_links_each_get_their_page() {
    let host = start().await;
    let store = SqliteStore::open(&host.database).unwrap();
    store
        .create_link(NewLinkRecord {
            id: "lnk_expired".into(),
            token_hash: token_hash("expired-token"),
            user_id: "user-1".into(),
            account_id: None,
            environment: None,
            locale: Some("de".into()),
            return_url: None,
            for_whom: None,
            created_at: 0,
            expires_at: sps_connect_host::util::times::unix_now() - 60,
        })
        .await
        .unwrap();
    let expired = host.page("expired-token").await;
    assert_eq!(expired.status(), 410);
    let html = expired.text().await.unwrap();
    assert!(html.contains(r#"<html lang="de">"#) && html.contains("Dieser Link ist abgelaufen"), "{html}");
    assert_eq!(host.trade("expired-token").await.0, 401);

    let (_, minted) = host.mint(json!({ "user_id": "user-1" })).await;
    let token = token_of(&minted["url"]);
    let id = minted["id"].as_str().unwrap();
    let (status, listed) = host.admin(Method::GET, "/api/sps/links?user_id=user-1").await;
    assert_eq!((status, listed["links"].as_array().unwrap().len()), (200, 1), "the expired one is not open");
    assert!(!listed.to_string().contains(&token), "the list never shows a token");
    assert_eq!(host.admin(Method::DELETE, &format!("/api/sps/links/{id}")).await.0, 204);
    let revoked = host.page(&token).await;
    assert_eq!(revoked.status(), 410);
    assert!(revoked.text().await.unwrap().contains("This link is no longer valid"));
    assert_eq!(host.admin(Method::GET, "/api/sps/links?user_id=user-1").await.1["links"], json!([]));
    assert_eq!(host.admin(Method::DELETE, "/api/sps/links/lnk_nothing").await.0, 404);

    let forged = host.page("not-a-link-anyone-made").await;
    assert_eq!(forged.status(), 404);
    assert!(forged.text().await.unwrap().contains("This link is not valid"));
    assert_eq!(host.trade("not-a-link-anyone-made").await.0, 401);
}

#[tokio::test]
async fn minting_checks_the_user_return_url_account_and_lifetime() {
    let host = start().await;
    for (body, what) in [
        (json!({ "user_id": "user-1", "return_url": "https://evil.example/phish" }), "return_url"),
        (json!({ "user_id": "user-1", "return_url": "http://portal.example/" }), "return_url"),
        (json!({ "user_id": "user-1", "expires_in": 31 * 24 * 3600 }), "expires_in"),
        (json!({ "user_id": "user-1", "account_id": "acc_not_hers" }), "account_id"),
        (json!({ "user_id": "" }), "user_id"),
        (json!({ "user_id": "user-1", "scope": "x" }), "scope"),
    ] {
        let (status, error) = host.mint(body.clone()).await;
        assert_eq!((status, code(&error)), (400, "invalid_request"), "{body}");
        assert!(error["message"].as_str().unwrap().contains(what), "{body}: {error}");
    }
    let unauthorized =
        host.http.post(format!("{}/api/sps/links", host.url)).json(&json!({ "user_id": "u" })).send().await;
    assert_eq!(unauthorized.unwrap().status(), 401);
    let session = host.session("user-1").await;
    let with_session = host
        .http
        .get(format!("{}/api/sps/links?user_id=user-1", host.url))
        .header("X-Connect-Session", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(with_session.status(), 401, "links are for the portal's server only");
}

#[tokio::test]
async fn a_reconnect_link_updates_only_its_account_in_its_environment() {
    let host = start().await;
    let id = host.connected_account("user-1").await;
    let (status, minted) =
        host.mint(json!({ "user_id": "user-1", "account_id": id, "environment": "sandbox", "locale": "de" })).await;
    assert_eq!(status, 201, "{minted}");
    let token = token_of(&minted["url"]);
    assert!(host.page(&token).await.text().await.unwrap().contains("SPS Commerce mit Acme Freight verbinden"));
    let (_, session) = host.trade(&token).await;
    assert_eq!((session["account_id"].as_str(), session["environment"].as_str()), (Some(id.as_str()), Some("sandbox")));
    assert_eq!(session["client_id"], CLIENT_ID, "the page fills in the account's Client ID");
    let session_token = session["session_token"].as_str().unwrap();
    let (status, error) = host.connect(session_token, credentials()).await;
    assert_eq!((status, code(&error)), (403, "forbidden"), "without the account: {error}");
    let mut other_environment = credentials();
    other_environment["account_id"] = json!(id);
    other_environment["environment"] = json!("production");
    assert_eq!(host.connect(session_token, other_environment).await.0, 403);
    let mut body = credentials();
    body["account_id"] = json!(id);
    let (status, updated) = host.connect(session_token, body).await;
    assert_eq!((status, updated["account"]["id"].as_str()), (200, Some(id.as_str())));
}

/// Trades a fresh link of `user_id` (with `extra` fields) for a session token.
async fn link_session(host: &Host, mut body: serde_json::Value) -> String {
    let (status, minted) = host.mint(body.take()).await;
    assert_eq!(status, 201, "{minted}");
    let (status, session) = host.trade(&token_of(&minted["url"])).await;
    assert_eq!(status, 201, "{session}");
    session["session_token"].as_str().unwrap().to_owned()
}

// Regression: a link's session was a full session of its user: it could list,
// verify and disconnect their accounts and overwrite any of them.
#[tokio::test]
async fn a_link_session_may_connect_through_its_link_and_do_nothing_else() {
    let host = start().await;
    let id = host.connected_account("user-1").await;
    let session = link_session(&host, json!({ "user_id": "user-1" })).await;
    for (method, path) in [
        (Method::GET, "/api/sps/accounts".to_owned()),
        (Method::GET, format!("/api/sps/accounts/{id}")),
        (Method::POST, format!("/api/sps/accounts/{id}/verify")),
        (Method::DELETE, format!("/api/sps/accounts/{id}")),
        (Method::POST, format!("/api/sps/accounts/{id}/token")),
        (Method::GET, format!("/api/sps/accounts/{id}/proxy/transactions/v5/data/out/")),
        (Method::GET, "/api/sps/links?user_id=user-1".to_owned()),
        (Method::POST, "/api/sps/sessions".to_owned()),
        (Method::GET, "/api/sps/connect".to_owned()),
    ] {
        let (status, body) = host.as_user(&session, method.clone(), &path).await;
        assert_eq!((status, code(&body)), (403, "forbidden"), "{method} {path}: {body}");
    }
    let mut overwrite = production_credentials();
    overwrite["account_id"] = json!(id);
    let (status, body) = host.connect(&session, overwrite).await;
    assert_eq!((status, code(&body)), (403, "forbidden"), "a new-account link cannot update an account: {body}");
    let user = host.session("user-1").await;
    assert_eq!(host.accounts(&user).await[0]["client_id_hint"], "…nt01", "the account is untouched");
    let (status, linked) = host.connect(&session, production_credentials()).await;
    assert_eq!(status, 201, "what the link is for: {linked}");
    assert_eq!(host.accounts(&user).await.len(), 2);
}

// Regression: connects racing through one link each linked an account.
#[tokio::test]
async fn ten_connects_racing_through_one_link_link_once() {
    let host = start().await;
    let session = link_session(&host, json!({ "user_id": "user-1" })).await;
    let answers = futures::future::join_all((0..10).map(|_| host.connect(&session, credentials()))).await;
    let linked = answers.iter().filter(|(status, _)| *status == 201 || *status == 200).count();
    assert_eq!(linked, 1, "{answers:?}");
    for (status, body) in answers.iter().filter(|(status, _)| *status >= 400) {
        assert!(
            (*status, code(body)) == (403, "forbidden") || (*status, code(body)) == (401, "session_invalid"),
            "{status}: {body}"
        );
    }
    assert_eq!(host.accounts(&host.session("user-1").await).await.len(), 1);
}

// Regression: a link whose connect failed at SPS stayed held, so the user could not correct a typo.
#[tokio::test]
async fn a_connect_that_fails_gives_its_link_back() {
    let host = start().await;
    let session = link_session(&host, json!({ "user_id": "user-1" })).await;
    let mut typo = credentials();
    typo["client_secret"] = json!("a-secret-with-a-typo-0123456789");
    let (status, body) = host.connect(&session, typo).await;
    assert_eq!((status, code(&body)), (401, "invalid_client"));
    let (status, body) = host.connect(&session, credentials()).await;
    assert_eq!(status, 201, "{body}");
}

// Regression: the link was checked before SPS was called and used after, so
// revoking it meanwhile did not stop the link.
#[tokio::test]
async fn a_link_revoked_while_its_connect_is_in_flight_links_nothing() {
    let slow_token = Router::new()
        .route(
            "/oauth/token",
            post(|| async {
                tokio::time::sleep(Duration::from_millis(800)).await;
                (
                    [("content-type", "application/json")],
                    r#"{"access_token":"t","token_type":"Bearer","expires_in":60}"#,
                )
            }),
        )
        .route("/auth-check", axum::routing::get(|| async { axum::http::StatusCode::NO_CONTENT }));
    let address = serve(slow_token).await;
    let host = Host::start(&format!("http://{address}/oauth/token"), &[("SPS_TOKEN_TIMEOUT_MS", "5000")]).await;
    let (_, minted) = host.mint(json!({ "user_id": "user-1" })).await;
    let (_, session) = host.trade(&token_of(&minted["url"])).await;
    let session = session["session_token"].as_str().unwrap().to_owned();
    let id = minted["id"].as_str().unwrap().to_owned();
    let connect = host.connect(&session, credentials());
    let revoke = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        host.admin(Method::DELETE, &format!("/api/sps/links/{id}")).await
    };
    let ((status, body), (revoked, _)) = tokio::join!(connect, revoke);
    assert_eq!(revoked, 204);
    assert_eq!((status, code(&body)), (401, "session_invalid"), "{body}");
    assert!(host.accounts(&host.session("user-1").await).await.is_empty(), "nothing was linked");
}

// Regression: anyone could link their own SPS keys under another customer's portal account through a link she sent.
#[tokio::test]
async fn a_link_says_on_its_page_whom_it_is_for() {
    let host = start().await;
    let (status, error) = host.mint_exactly(json!({ "user_id": "user-1" })).await;
    assert_eq!((status, code(&error)), (400, "invalid_request"));
    assert!(error["message"].as_str().unwrap().contains("`for` is required"), "{error}");
    let (status, error) = host.mint(json!({ "user_id": "user-1", "for": "x".repeat(121) })).await;
    assert_eq!((status, code(&error)), (400, "invalid_request"), "{error}");

    let (status, minted) = host.mint(json!({ "user_id": "user-1", "for": "Ann <ann@acme.example>" })).await;
    assert_eq!(status, 201, "{minted}");
    let html = host.page(&token_of(&minted["url"])).await.text().await.unwrap();
    let notice = "This link connects SPS Commerce to Ann &lt;ann@acme.example&gt;'s account at Acme Freight. \
                  If that isn't you, close this page.";
    let (notice_at, form_at) = (html.find(notice), html.find("<sps-connect"));
    assert!(notice_at.is_some() && notice_at < form_at, "shown, escaped, before the form: {html}");
    let (_, listed) = host.admin(Method::GET, "/api/sps/links?user_id=user-1").await;
    assert_eq!(listed["links"][0]["for"], "Ann <ann@acme.example>");

    let (_, german) = host.mint(json!({ "user_id": "user-1", "for": "Bea", "locale": "de" })).await;
    let html = host.page(&token_of(&german["url"])).await.text().await.unwrap();
    assert!(html.contains("Dieser Link verbindet SPS Commerce mit dem Konto von Bea bei Acme Freight."), "{html}");

    let anonymous = Host::start(&token_server().await, &[("SPS_CONNECT_LINKS_ANONYMOUS", "true")]).await;
    let (status, minted) = anonymous.mint_exactly(json!({ "user_id": "user-1" })).await;
    assert_eq!(status, 201, "{minted}");
    let html = anonymous.page(&token_of(&minted["url"])).await.text().await.unwrap();
    assert!(!html.contains("This link connects SPS Commerce to"), "{html}");
}

#[tokio::test]
async fn links_and_events_finished_before_the_retention_period_are_deleted_at_start() {
    use sps_connect_host::store::{AccountStore, EventOutbox, QueuedEvent};
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("accounts.sqlite");
    let store = SqliteStore::open(&database).unwrap();
    let old = |id: &str, expires_at: i64| NewLinkRecord {
        id: id.into(),
        token_hash: token_hash(id),
        user_id: "user-1".into(),
        account_id: None,
        environment: None,
        locale: None,
        return_url: None,
        for_whom: None,
        created_at: 0,
        expires_at,
    };
    store.create_link(old("lnk_long_expired", 1)).await.unwrap();
    store.create_link(old("lnk_open", i64::MAX)).await.unwrap();
    let event = QueuedEvent { id: "evt_old".into(), body: "{}".into(), created_at_ms: 1 };
    let sealed = sps_connect_host::store::NewAccount {
        user_id: "user-1".into(),
        account_id: None,
        environment: sps_connect_wire::Environment::Sandbox,
        client_id: CLIENT_ID.into(),
        sealed_secret: vec![1],
        services: vec![],
        connected_at: "1970-01-01T00:00:00Z".into(),
        through: None,
        next_check_at: i64::MAX,
    };
    store.save(sealed, Box::new(move |_| vec![event.clone()])).await.unwrap();
    store.event_delivered("evt_old", 204, 2).await.unwrap();
    drop(store);

    let _host = Host::start_on(config(&database, &token_server().await, &[("SPS_CONNECT_RETENTION_DAYS", "30")])).await;
    let store = SqliteStore::open(&database).unwrap();
    for _ in 0..100 {
        if store.link("lnk_long_expired").await.unwrap().is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(store.link("lnk_long_expired").await.unwrap().is_none(), "deleted");
    assert!(store.link("lnk_open").await.unwrap().is_some(), "an open link stays");
    let left: i64 = store_count(&database, "SELECT COUNT(*) FROM webhook_events");
    assert_eq!(left, 0, "the delivered event is deleted");
}

fn store_count(database: &std::path::Path, sql: &str) -> i64 {
    let connection = rusqlite::Connection::open(database).unwrap();
    connection.query_row(sql, [], |row| row.get(0)).unwrap()
}

// Regression: a link without a locale showed its page in English to every reader.
#[tokio::test]
async fn without_a_locale_the_page_speaks_the_browsers_language() {
    let host = start().await;
    let (_, open) = host.mint(json!({ "user_id": "user-1" })).await;
    let (_, german) = host.mint(json!({ "user_id": "user-1", "locale": "de" })).await;
    let page = |token: String, accept: &'static str| {
        let request = host.http.get(format!("{}/connect/{token}", host.url));
        async move { request.header("Accept-Language", accept).send().await.unwrap().text().await.unwrap() }
    };
    let html = page(token_of(&open["url"]), "pt-BR, fr-CA;q=0.9, en;q=0.8").await;
    assert!(html.contains(r#"<html lang="fr">"#) && html.contains("Connecter SPS Commerce à Acme Freight"), "{html}");
    assert!(html.contains(r#"locale="fr""#), "the dialog in the page speaks the same language");
    let html = page(token_of(&open["url"]), "es-419").await;
    assert!(html.contains(r#"<html lang="es">"#) && html.contains("Conectar SPS Commerce con Acme Freight"), "{html}");
    let html = page(token_of(&open["url"]), "ja, zh;q=0.5").await;
    assert!(html.contains(r#"<html lang="en">"#), "no language the page speaks: SPS_CONNECT_LOCALE");
    let html = page(token_of(&german["url"]), "fr").await;
    assert!(html.contains(r#"<html lang="de">"#), "the link's locale wins over the browser");
    let html = page("not-a-link".into(), "es").await;
    assert!(html.contains(r#"<html lang="es">"#) && html.contains("Este enlace no es válido"), "{html}");
}

// Regression: the demo on another address minted its hosted link without a way back.
#[tokio::test]
async fn the_demo_on_another_address_mints_a_link_that_returns_to_it() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut demo = std::process::Command::new(env!("CARGO_BIN_EXE_sps-connect-host"))
        .arg("--demo")
        .current_dir(dir.path())
        .env_clear()
        .env("SPS_CONNECT_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let lines = std::io::BufReader::new(demo.stdout.take().unwrap()).lines();
    let link = lines
        .map_while(Result::ok)
        .find_map(|line| line.split_once("valid 7 days: ").map(|(_, url)| url.to_owned()))
        .expect("the demo prints its hosted link");
    assert!(link.starts_with(&format!("http://127.0.0.1:{port}/connect/")), "{link}");
    let html = reqwest::get(&link).await.unwrap().text().await.unwrap();
    demo.kill().unwrap();
    demo.wait().unwrap();
    let back = format!(r#"href="http://127.0.0.1:{port}/">Return to Northwind Supply Portal</a>"#);
    assert!(html.contains(&back), "{html}");
}
