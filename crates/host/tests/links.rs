//! Hosted connect links over real HTTP on loopback: minting, the page for
//! each state of a link, the session exchange and single use.

mod support;

use reqwest::Method;
use serde_json::json;
use sps_connect_host::links::token_hash;
use sps_connect_host::store::{LinkStore, NewLinkRecord, SqliteStore};
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
            created_at: 0,
            expires_at: 1,
        })
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
    let id = host.link("user-1").await;
    let (status, minted) =
        host.mint(json!({ "user_id": "user-1", "account_id": id, "environment": "sandbox", "locale": "de" })).await;
    assert_eq!(status, 201, "{minted}");
    let token = token_of(&minted["url"]);
    assert!(host.page(&token).await.text().await.unwrap().contains("SPS Commerce mit Acme Freight verbinden"));
    let (_, session) = host.trade(&token).await;
    assert_eq!((session["account_id"].as_str(), session["environment"].as_str()), (Some(id.as_str()), Some("sandbox")));
    let session_token = session["session_token"].as_str().unwrap();
    let (status, error) = host.connect(session_token, credentials()).await;
    assert_eq!((status, code(&error)), (400, "invalid_request"), "without the account: {error}");
    let mut other_environment = credentials();
    other_environment["account_id"] = json!(id);
    other_environment["environment"] = json!("production");
    assert_eq!(host.connect(session_token, other_environment).await.0, 400);
    let mut body = credentials();
    body["account_id"] = json!(id);
    let (status, updated) = host.connect(session_token, body).await;
    assert_eq!((status, updated["account"]["id"].as_str()), (200, Some(id.as_str())));
}
