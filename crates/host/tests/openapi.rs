//! The host's real answers against the OpenAPI document it serves at
//! `GET /api/sps/openapi.json`: every endpoint is called, on its way to
//! success and to its documented refusals, and each answer's status must be
//! documented for that operation and its JSON body must match the schema
//! documented for that status (checked with a JSON Schema validator).

mod support;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use reqwest::Method;
use serde_json::{json, Value};
use support::*;

/// Who calls.
enum As<'a> {
    Server,
    Session(&'a str),
    Nobody,
}

struct Checked<'a> {
    host: &'a Host,
    document: Value,
    seen: std::cell::RefCell<Vec<String>>,
}

impl Checked<'_> {
    /// Calls `method path` (an instance of `template`) and checks the answer
    /// against the document: its status and JSON body. The status and body.
    async fn call(
        &self,
        method: Method,
        template: &str,
        path: &str,
        caller: As<'_>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self.host.http.request(method.clone(), format!("{}{path}", self.host.url));
        request = match caller {
            As::Server => request.bearer_auth(ADMIN_KEY),
            As::Session(session) => request.header("X-Connect-Session", session),
            As::Nobody => request,
        };
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
        let text = response.text().await.unwrap();
        let operation = &self.document["paths"][template][method.as_str().to_lowercase()];
        assert!(operation.is_object(), "{method} {template} is not in the document");
        let responses = &operation["responses"];
        let documented = if responses[status.to_string()].is_object() {
            &responses[status.to_string()]
        } else {
            &responses["default"]
        };
        assert!(documented.is_object(), "{method} {path} answered {status}, which the document does not list: {text}");
        self.seen.borrow_mut().push(format!("{method} {template} {status}"));
        let Some(json) = documented["content"].get("application/json") else {
            let json_answer = content_type.as_deref().unwrap_or("").starts_with("application/json");
            assert!(
                !json_answer || documented["content"].get("*/*").is_some(),
                "{method} {path} {status} answered JSON where the document has none"
            );
            return (status, Value::Null);
        };
        assert!(content_type.unwrap_or_default().starts_with("application/json"), "{method} {path} {status}");
        let value: Value = serde_json::from_str(&text).unwrap();
        if let Some(schema) = json.get("schema") {
            let errors = self.errors(schema, &value);
            assert!(errors.is_empty(), "{method} {path} {status} does not match its schema: {errors:?}\n{value:#}");
        }
        (status, value)
    }

    /// How `value` fails `schema`, whose references point into the document's components; empty if it matches.
    fn errors(&self, schema: &Value, value: &Value) -> Vec<String> {
        let mut root = schema.clone();
        root["components"] = self.document["components"].clone();
        let validator = jsonschema::draft202012::new(&root).unwrap_or_else(|e| panic!("a bad schema: {e}"));
        validator.iter_errors(value).map(|e| format!("{} at {}", e, e.instance_path())).collect()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_answer_matches_the_document_it_serves() {
    let receiver = WebhookReceiver::default();
    let webhook_url = receiver.start(0).await;
    let secret = STANDARD.encode(WEBHOOK_SECRET);
    let overrides = [
        ("SPS_CONNECT_PUBLIC_URL", "https://connect.portal.example"),
        ("SPS_CONNECT_WEBHOOK_URL", webhook_url.as_str()),
        ("SPS_CONNECT_WEBHOOK_SECRET", secret.as_str()),
    ];
    let host = Host::start(&token_server().await, &overrides).await;
    let response = host.http.get(format!("{}/api/sps/openapi.json", host.url)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let document: Value = response.json().await.unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    let committed: Value = serde_json::from_str(include_str!("../../../docs/openapi.json")).unwrap();
    assert_eq!(document, committed, "the served document is the committed one");
    let api = Checked { host: &host, document, seen: Default::default() };

    let sessions = "/api/sps/sessions";
    let (_, grant) = api.call(Method::POST, sessions, sessions, As::Server, Some(json!({ "user_id": "user-1" }))).await;
    let session = grant["session_token"].as_str().unwrap();
    api.call(Method::POST, sessions, sessions, As::Server, Some(json!({ "user_id": "" }))).await;
    api.call(Method::POST, sessions, sessions, As::Nobody, Some(json!({ "user_id": "user-1" }))).await;

    let connect = "/api/sps/connect";
    let (status, connected) = api.call(Method::POST, connect, connect, As::Session(session), Some(credentials())).await;
    assert_eq!(status, 201);
    let id = connected["account"]["id"].as_str().unwrap().to_owned();
    assert_eq!(api.call(Method::POST, connect, connect, As::Session(session), Some(credentials())).await.0, 200);
    let wrong =
        json!({ "environment": "sandbox", "client_id": CLIENT_ID, "client_secret": "a-wrong-secret-of-enough-length" });
    assert_eq!(api.call(Method::POST, connect, connect, As::Session(session), Some(wrong)).await.0, 401);
    let extra =
        json!({ "environment": "sandbox", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "scope": "x" });
    assert_eq!(api.call(Method::POST, connect, connect, As::Session(session), Some(extra)).await.0, 400);

    let list = "/api/sps/accounts";
    api.call(Method::GET, list, list, As::Session(session), None).await;
    api.call(Method::GET, list, &format!("{list}?user_id=user-1"), As::Server, None).await;
    assert_eq!(api.call(Method::GET, list, list, As::Server, None).await.0, 400);

    let one = "/api/sps/accounts/{id}";
    let account = format!("/api/sps/accounts/{id}");
    api.call(Method::GET, one, &account, As::Session(session), None).await;
    api.call(Method::GET, one, "/api/sps/accounts/acc_unknown", As::Server, None).await;
    api.call(Method::PATCH, one, &account, As::Server, Some(json!({ "watch_documents": true }))).await;
    api.call(Method::PATCH, one, &account, As::Server, Some(json!({ "watch_documents": "yes" }))).await;
    api.call(Method::POST, "/api/sps/accounts/{id}/verify", &format!("{account}/verify"), As::Server, None).await;
    let token = "/api/sps/accounts/{id}/token";
    let (status, _) = api.call(Method::POST, token, &format!("{account}/token"), As::Server, None).await;
    assert_eq!(status, 200);
    api.call(Method::POST, token, &format!("{account}/token?fresh=1"), As::Server, None).await;
    api.call(Method::POST, token, &format!("{account}/token"), As::Session(session), None).await;
    let proxy = "/api/sps/accounts/{id}/proxy/{path}";
    let (status, _) = api.call(Method::GET, proxy, &format!("{account}/proxy/auth-check"), As::Server, None).await;
    assert_eq!(status, 204);
    api.call(Method::GET, proxy, "/api/sps/accounts/acc_unknown/proxy/auth-check", As::Server, None).await;

    receiver.wait_for(2).await;
    let test = "/api/sps/webhooks/test";
    let (status, queued) = api.call(Method::POST, test, test, As::Server, None).await;
    assert_eq!(status, 202);
    receiver.wait_for(3).await;
    let deliveries = "/api/sps/webhooks/deliveries";
    let (_, page) = api.call(Method::GET, deliveries, &format!("{deliveries}?limit=2"), As::Server, None).await;
    assert_eq!(page["deliveries"].as_array().unwrap().len(), 2);
    api.call(Method::GET, deliveries, &format!("{deliveries}?status=lost"), As::Server, None).await;
    let redeliver = "/api/sps/webhooks/deliveries/{id}/redeliver";
    let event = queued["id"].as_str().unwrap();
    let (status, _) = api
        .call(Method::POST, redeliver, &format!("/api/sps/webhooks/deliveries/{event}/redeliver"), As::Server, None)
        .await;
    assert_eq!(status, 202);
    api.call(Method::POST, redeliver, "/api/sps/webhooks/deliveries/evt_none/redeliver", As::Server, None).await;

    let links = "/api/sps/links";
    let (status, minted) =
        api.call(Method::POST, links, links, As::Server, Some(json!({ "user_id": "user-2", "for": "Ann" }))).await;
    assert_eq!(status, 201);
    api.call(
        Method::POST,
        links,
        links,
        As::Server,
        Some(json!({ "user_id": "user-2", "for": "Ann", "expires_in": 1 })),
    )
    .await;
    let (_, open) = api.call(Method::GET, links, &format!("{links}?user_id=user-2"), As::Server, None).await;
    assert_eq!(open["links"].as_array().unwrap().len(), 1);
    let trade = "/api/sps/links/session";
    let link_token = token_of(&minted["url"]);
    let (status, _) = api.call(Method::POST, trade, trade, As::Nobody, Some(json!({ "link": link_token }))).await;
    assert_eq!(status, 201);
    api.call(Method::POST, trade, trade, As::Nobody, Some(json!({ "link": "not-a-link" }))).await;
    api.call(Method::GET, "/connect/{token}", &format!("/connect/{link_token}"), As::Nobody, None).await;
    api.call(Method::GET, "/connect/{token}", "/connect/not-a-link", As::Nobody, None).await;
    api.call(Method::GET, "/connect-page.js", "/connect-page.js", As::Nobody, None).await;
    let revoke = "/api/sps/links/{id}";
    let link_id = minted["id"].as_str().unwrap();
    assert_eq!(api.call(Method::DELETE, revoke, &format!("/api/sps/links/{link_id}"), As::Server, None).await.0, 204);
    api.call(Method::DELETE, revoke, "/api/sps/links/lnk_none", As::Server, None).await;

    api.call(Method::GET, "/healthz", "/healthz", As::Nobody, None).await;
    api.call(Method::GET, "/readyz", "/readyz", As::Nobody, None).await;
    api.call(Method::GET, "/api/sps/openapi.json", "/api/sps/openapi.json", As::Nobody, None).await;

    assert_eq!(api.call(Method::DELETE, one, &account, As::Server, None).await.0, 204);
    let activity = "/api/sps/accounts/{id}/activity";
    let (_, history) = api.call(Method::GET, activity, &format!("{account}/activity"), As::Server, None).await;
    assert!(history["activity"].as_array().unwrap().len() >= 4);
    api.call(Method::GET, activity, &format!("{account}/activity?limit=0"), As::Server, None).await;

    let account_list = json!({ "$ref": "#/components/schemas/AccountList" });
    let wrong = json!({ "accounts": [{ "id": 7, "provider": "sps_commerce" }] });
    assert!(!api.errors(&account_list, &wrong).is_empty(), "the validator refuses an answer that breaks its schema");

    let seen = api.seen.borrow();
    let operations: std::collections::BTreeSet<_> =
        seen.iter().map(|call| call.rsplit_once(' ').unwrap().0.to_owned()).collect();
    let documented: usize =
        api.document["paths"].as_object().unwrap().values().map(|item| item.as_object().unwrap().len()).sum();
    assert!(operations.len() >= 20, "every endpoint called: {operations:?}");
    assert!(documented >= operations.len());
}
