//! The accounts list (`<sps-accounts>`, `mountAccounts()`): its options, the
//! actions it offers, the words it shows for an account, and the changes its
//! answers make to the list.

use crate::failure::{classify_as, Body, Failure};
use crate::i18n::{fill, Messages};
use crate::options::{ConnectOptions, OptionError};
use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer};
use serde_json::{json, Map, Value};
use sps_connect_wire::{AccountList, AccountStatus, Environment, ErrorCode, LinkedAccount};

/// Where the list asks for the session user's accounts when the host sets nothing.
pub const DEFAULT_ACCOUNTS_URL: &str = "/api/sps/accounts";

/// Connect options the list sets itself, for each Reconnect.
const SET_PER_ACCOUNT: [&str; 3] = ["mode", "accountId", "clientId"];

/// What a person may do with a listed account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// A fresh check of the stored credentials with SPS.
    Verify,
    /// The connect dialog for the account, its Client ID filled in.
    Reconnect,
    /// Unlinking the account, after a confirmation.
    Disconnect,
}

impl Action {
    /// Every action, in the order the list shows them.
    pub const ALL: [Action; 3] = [Action::Verify, Action::Reconnect, Action::Disconnect];

    /// The name hosts use in `allowActions` and the element's `allow-actions`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Verify => "verify",
            Action::Reconnect => "reconnect",
            Action::Disconnect => "disconnect",
        }
    }

    fn parse(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|action| action.as_str() == name)
    }
}

/// How the accounts list is configured: a camelCase JS object with
/// `accountsUrl`, `allowActions` and every connect option but `mode`,
/// `accountId` and `clientId` (which Reconnect sets for the account).
#[derive(Clone, Debug, PartialEq)]
pub struct AccountsOptions {
    /// URL or path of the host's accounts endpoint; an account's verify and
    /// disconnect are `{accountsUrl}/{id}/verify` and `{accountsUrl}/{id}`.
    pub accounts_url: String,
    /// The actions offered, in [`Action::ALL`] order; empty for a read-only list.
    pub allow_actions: Vec<Action>,
    /// The options of the connect dialog that Reconnect opens; also the
    /// session, language and theme of the list itself.
    pub connect: ConnectOptions,
}

impl Default for AccountsOptions {
    fn default() -> Self {
        Self {
            accounts_url: DEFAULT_ACCOUNTS_URL.to_owned(),
            allow_actions: Action::ALL.to_vec(),
            connect: ConnectOptions::default(),
        }
    }
}

impl AccountsOptions {
    /// Reads options from any serde source (the page's options object in the
    /// widget), naming the path of any unknown or mistyped field.
    pub fn read<'de, D: Deserializer<'de>>(source: D) -> Result<Self, OptionError> {
        let fail = |option: &str, problem: &str| OptionError { option: option.to_owned(), problem: problem.to_owned() };
        let tree = Value::deserialize(source).map_err(|error| fail("", &error.to_string()))?;
        let Value::Object(mut fields) = tree else {
            return Err(fail("", "expected an object"));
        };
        if let Some(set) = SET_PER_ACCOUNT.into_iter().find(|name| fields.contains_key(*name)) {
            return Err(fail(set, "is set by the accounts list for each Reconnect; leave it out"));
        }
        let accounts_url = match fields.remove("accountsUrl") {
            None => DEFAULT_ACCOUNTS_URL.to_owned(),
            Some(Value::String(url)) => url,
            Some(_) => return Err(fail("accountsUrl", "must be a string")),
        };
        let allow_actions = match fields.remove("allowActions") {
            None => Action::ALL.to_vec(),
            Some(names) => parse_actions(&names).map_err(|problem| fail("allowActions", &problem))?,
        };
        let connect = ConnectOptions::read(Value::Object(fields))?;
        if !crate::options::is_usable_endpoint(&accounts_url) {
            return Err(fail("accountsUrl", crate::options::ENDPOINT_RULE));
        }
        Ok(Self { accounts_url: accounts_url.trim_end_matches('/').to_owned(), allow_actions, connect })
    }

    /// Whether the list offers `action`.
    pub fn allows(&self, action: Action) -> bool {
        self.allow_actions.contains(&action)
    }

    /// The URL that verifies account `id`.
    pub fn verify_url(&self, id: &str) -> String {
        format!("{}/{}/verify", self.accounts_url, encode(id))
    }

    /// The URL of account `id`, which `DELETE` disconnects.
    pub fn account_url(&self, id: &str) -> String {
        format!("{}/{}", self.accounts_url, encode(id))
    }

    /// The options of the connect dialog that reconnects `account`: modal, in
    /// its environment, its Client ID filled in.
    pub fn reconnect(&self, account: &LinkedAccount) -> ConnectOptions {
        ConnectOptions {
            mode: crate::options::Mode::Modal,
            environment: account.environment,
            account_id: Some(account.id.clone()),
            client_id: Some(account.client_id.clone()).filter(|id| !id.is_empty()),
            ..self.connect.clone()
        }
    }
}

/// Account ids are plain (`acc_…`), but an id is a path segment, so anything else is escaped.
fn encode(id: &str) -> String {
    id.bytes()
        .map(|byte| match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'-' => (byte as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// `["verify", "disconnect"]`, or the attribute's `"verify disconnect"` / `"verify,disconnect"`.
fn parse_actions(names: &Value) -> Result<Vec<Action>, String> {
    let listed: Vec<&str> = match names {
        Value::String(text) => text.split([',', ' ']).map(str::trim).filter(|name| !name.is_empty()).collect(),
        Value::Array(items) => items
            .iter()
            .map(|item| item.as_str().ok_or_else(|| "each action must be a string".to_owned()))
            .collect::<Result<_, _>>()?,
        _ => return Err("must be a list of `verify`, `reconnect`, `disconnect`".to_owned()),
    };
    let mut allowed = Vec::new();
    for name in listed {
        let action = Action::parse(name)
            .ok_or_else(|| format!("unknown action `{name}`, expected `verify`, `reconnect` or `disconnect`"))?;
        allowed.push(action);
    }
    Ok(Action::ALL.into_iter().filter(|action| allowed.contains(action)).collect())
}

/// The list's words for one account, in one language.
pub struct AccountWords<'a> {
    messages: &'static Messages,
    account: &'a LinkedAccount,
}

impl<'a> AccountWords<'a> {
    /// Words about `account` in `messages`' language.
    pub fn new(messages: &'static Messages, account: &'a LinkedAccount) -> Self {
        Self { messages, account }
    }

    /// `template` with `{environment}` and `{client_id}` (the hint) filled in,
    /// and `extra` slots.
    pub fn say(&self, template: &str, extra: &[(&str, &str)]) -> String {
        let environment = self.messages.environment_name(self.account.environment);
        let mut slots = vec![("environment", environment), ("client_id", self.account.client_id_hint.as_str())];
        slots.extend_from_slice(extra);
        fill(template, &slots)
    }

    /// The accessible name of `action`'s button on the account's row.
    pub fn action_label(&self, action: Action) -> String {
        let text = self.messages.accounts();
        let template = match action {
            Action::Verify => text.verify_label,
            Action::Reconnect => text.reconnect_label,
            Action::Disconnect => text.disconnect_label,
        };
        self.say(template, &[])
    }

    /// The status badge.
    pub fn status(&self) -> &'static str {
        match self.account.status {
            AccountStatus::Active => self.messages.accounts().active,
            AccountStatus::NeedsAttention => self.messages.accounts().needs_attention,
        }
    }

    /// What to do about an account that needs attention; `None` while it is active.
    pub fn advice(&self) -> Option<&'static str> {
        if self.account.status == AccountStatus::Active {
            return None;
        }
        let text = self.messages.accounts();
        Some(match self.account.status_reason {
            Some(ErrorCode::InvalidClient) => text.advice_invalid_client,
            Some(ErrorCode::UnauthorizedClient) => text.advice_unauthorized_client,
            Some(ErrorCode::AccessDenied) => text.advice_access_denied,
            _ => text.advice_other,
        })
    }

    /// What the live region says after a verify: active, or what to do.
    pub fn verdict(&self) -> String {
        let text = self.messages.accounts();
        match self.advice() {
            None => self.say(text.verified, &[]),
            Some(advice) => self.say(text.verified_needs_attention, &[("advice", advice)]),
        }
    }

    /// What the live region says when a verify failed.
    pub fn verify_failed(&self, failure: &Failure) -> String {
        self.say(self.messages.accounts().verify_failed, &[("reason", &self.reason(failure))])
    }

    /// What the live region says when a disconnect failed.
    pub fn disconnect_failed(&self, failure: &Failure) -> String {
        self.say(self.messages.accounts().disconnect_failed, &[("reason", &self.reason(failure))])
    }

    fn reason(&self, failure: &Failure) -> String {
        failure_reason(self.messages, failure, self.account.environment)
    }
}

/// `failure` in the reader's words, as the list tells it: an expired session
/// asks for a reload (the list keeps nothing typed to resend).
pub fn failure_reason(messages: &'static Messages, failure: &Failure, environment: Environment) -> String {
    if matches!(failure, Failure::Rejected { code: ErrorCode::SessionInvalid, .. }) {
        return messages.accounts().session_expired.to_owned();
    }
    failure.message(messages, environment)
}

/// What changed in the list, as the `sps-accounts:changed` event tells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// The list was read from the host.
    Loaded,
    /// An account was verified; its status may have changed.
    Verified,
    /// An account was reconnected with new credentials.
    Reconnected,
    /// An account was disconnected.
    Disconnected,
}

impl Change {
    /// The `change` field of the event's detail.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Loaded => "loaded",
            Change::Verified => "verified",
            Change::Reconnected => "reconnected",
            Change::Disconnected => "disconnected",
        }
    }
}

/// The detail of `sps-accounts:changed`: what changed, which account, and the whole list after it.
pub fn changed_detail(change: Change, account_id: Option<&str>, accounts: &[LinkedAccount]) -> Value {
    let mut detail = Map::new();
    detail.insert("change".into(), json!(change.as_str()));
    detail.insert("account_id".into(), json!(account_id));
    detail.insert("accounts".into(), json!(accounts));
    Value::Object(detail)
}

/// `accounts` with `account` in place of the one with its id (first, if it is new).
pub fn with_account(accounts: &[LinkedAccount], account: LinkedAccount) -> Vec<LinkedAccount> {
    if !accounts.iter().any(|listed| listed.id == account.id) {
        return std::iter::once(account).chain(accounts.iter().cloned()).collect();
    }
    accounts.iter().map(|listed| if listed.id == account.id { account.clone() } else { listed.clone() }).collect()
}

/// `accounts` without the one with `id`.
pub fn without_account(accounts: &[LinkedAccount], id: &str) -> Vec<LinkedAccount> {
    accounts.iter().filter(|listed| listed.id != id).cloned().collect()
}

/// Where focus goes once the account at `index` leaves a list of `remaining`
/// rows: the row that took its place, else the one before, else nowhere (`None`).
pub fn focus_after_removal(index: usize, remaining: usize) -> Option<usize> {
    if remaining == 0 {
        return None;
    }
    Some(index.min(remaining - 1))
}

#[derive(Deserialize)]
struct OneAccount {
    account: LinkedAccount,
}

/// Reads the answer of `GET {accountsUrl}`.
pub fn read_list<'de, D: Deserializer<'de>>(status: u16, body: Body<D>) -> Result<Vec<LinkedAccount>, Failure> {
    classify_as::<AccountList, D>(status, body).map(|list| list.accounts)
}

/// Reads the answer of a verify: the account with its new status.
pub fn read_verdict<'de, D: Deserializer<'de>>(status: u16, body: Body<D>) -> Result<LinkedAccount, Failure> {
    classify_as::<OneAccount, D>(status, body).map(|answer| answer.account)
}

/// Reads the answer of a disconnect: `204`, or an account already gone (`404`), is done.
pub fn read_disconnect<'de, D: Deserializer<'de>>(status: u16, body: Body<D>) -> Result<(), Failure> {
    if status == 204 || status == 404 {
        return Ok(());
    }
    classify_as::<IgnoredAny, D>(status, body).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{DE, EN};
    use crate::test_fixtures::{account, body};

    fn options(tree: Value) -> Result<AccountsOptions, String> {
        AccountsOptions::read(tree).map_err(|error| error.to_string())
    }

    #[test]
    fn no_options_list_every_action_from_the_default_url() {
        assert_eq!(options(json!({})).unwrap(), AccountsOptions::default());
    }

    #[test]
    fn allowed_actions_come_as_a_list_or_as_the_attributes_words() {
        let from_list = options(json!({ "allowActions": ["disconnect", "verify"] })).unwrap();
        assert_eq!(from_list.allow_actions, [Action::Verify, Action::Disconnect], "shown in the list's order");
        let from_words = options(json!({ "allowActions": "reconnect, verify" })).unwrap();
        assert_eq!(from_words.allow_actions, [Action::Verify, Action::Reconnect]);
        assert!(options(json!({ "allowActions": [] })).unwrap().allow_actions.is_empty(), "a read-only list");
        let unknown = options(json!({ "allowActions": ["verify", "delete"] })).unwrap_err();
        assert!(unknown.contains("`allowActions`") && unknown.contains("`delete`"), "{unknown}");
    }

    // Regression: a host that set `mode: "inline"` for the list got an inline reconnect dialog inside a table.
    #[test]
    fn options_the_list_sets_per_account_are_refused_by_name() {
        for name in SET_PER_ACCOUNT {
            let error = options(json!({ name: "x" })).unwrap_err();
            assert!(error.contains(&format!("`{name}`")) && error.contains("Reconnect"), "{error}");
        }
        let unknown = options(json!({ "pageSize": 5 })).unwrap_err();
        assert!(unknown.contains("pageSize"), "{unknown}");
    }

    #[test]
    fn the_accounts_url_follows_the_endpoint_rules() {
        let remote = options(json!({ "accountsUrl": "https://portal.example/api/sps/accounts/" })).unwrap();
        assert_eq!(remote.verify_url("acc_1"), "https://portal.example/api/sps/accounts/acc_1/verify");
        for bad in ["//evil.example/accounts", "http://portal.example/a", "/a b", "javascript:alert(1)"] {
            let error = options(json!({ "accountsUrl": bad })).unwrap_err();
            assert!(error.contains("`accountsUrl`"), "{bad}: {error}");
        }
    }

    #[test]
    fn an_odd_account_id_stays_one_path_segment() {
        let list = AccountsOptions::default();
        assert_eq!(list.account_url("acc_1"), "/api/sps/accounts/acc_1");
        assert_eq!(list.verify_url("../x?y"), "/api/sps/accounts/%2E%2E%2Fx%3Fy/verify");
    }

    #[test]
    fn reconnect_opens_a_modal_dialog_for_the_account_with_its_client_id() {
        let list = options(json!({ "sessionToken": "tok.abc", "locale": "de", "mode": null }));
        assert!(list.is_err(), "even a null mode is the list's to set");
        let list = options(json!({ "sessionToken": "tok.abc", "locale": "de" })).unwrap();
        let mut production = account();
        production.environment = Environment::Production;
        let dialog = list.reconnect(&production);
        assert_eq!(dialog.mode, crate::options::Mode::Modal);
        assert_eq!(dialog.environment, Environment::Production);
        assert_eq!(dialog.account_id.as_deref(), Some("acc_1"));
        assert_eq!(dialog.client_id.as_deref(), Some("abc123def4569f3a"));
        assert_eq!((dialog.session_token.as_deref(), dialog.locale.as_deref()), (Some("tok.abc"), Some("de")));
    }

    #[test]
    fn an_account_is_named_by_environment_and_hint_in_each_language() {
        let mut production = account();
        production.environment = Environment::Production;
        let words = AccountWords::new(&EN, &production);
        assert_eq!(words.action_label(Action::Verify), "Verify Production account …9f3a");
        assert_eq!(words.action_label(Action::Disconnect), "Disconnect Production account …9f3a");
        assert_eq!(words.verdict(), "The Production account …9f3a is verified and active.");
        assert!(AccountWords::new(&DE, &production).action_label(Action::Verify).contains("…9f3a"));
    }

    #[test]
    fn an_account_that_needs_attention_says_what_to_do() {
        let mut refused = account();
        refused.status = AccountStatus::NeedsAttention;
        refused.status_reason = Some(ErrorCode::InvalidClient);
        let words = AccountWords::new(&EN, &refused);
        assert_eq!(words.status(), "Needs attention");
        assert!(words.advice().unwrap().contains("rotated or revoked"));
        assert!(words.verdict().starts_with("The Production account …9f3a needs attention: "), "{}", words.verdict());
        refused.status_reason = None;
        assert_eq!(AccountWords::new(&EN, &refused).advice(), Some(EN.accounts().advice_other));
        assert_eq!(AccountWords::new(&EN, &account()).advice(), None);
    }

    #[test]
    fn a_failed_action_names_the_account_and_the_reason() {
        let failure = Failure::Rejected { code: ErrorCode::ProviderUnavailable, detail: None, retryable: true };
        let sandbox = account();
        let words = AccountWords::new(&EN, &sandbox);
        let said = words.verify_failed(&failure);
        assert!(said.starts_with("The Production account …9f3a could not be verified: SPS Commerce is not responding"));
        let expired = Failure::Rejected { code: ErrorCode::SessionInvalid, detail: None, retryable: false };
        let said = words.disconnect_failed(&expired);
        assert!(said.contains("could not be disconnected") && said.contains("Reload the page"), "{said}");
    }

    #[test]
    fn answers_change_the_list_in_place() {
        let first = account();
        let mut second = account();
        second.id = "acc_2".into();
        let list = vec![first.clone(), second.clone()];
        let mut refused = second.clone();
        refused.status = AccountStatus::NeedsAttention;
        let updated = with_account(&list, refused.clone());
        assert_eq!(updated, vec![first.clone(), refused], "the row keeps its place");
        let mut third = account();
        third.id = "acc_3".into();
        assert_eq!(with_account(&list, third.clone())[0], third, "a new account comes first, as the host lists them");
        assert_eq!(without_account(&list, "acc_1"), vec![second]);
        assert_eq!(without_account(&list, "acc_9"), list);
    }

    #[test]
    fn focus_moves_to_the_row_that_took_the_removed_ones_place() {
        assert_eq!(focus_after_removal(0, 2), Some(0));
        assert_eq!(focus_after_removal(2, 2), Some(1), "the last row's neighbour above");
        assert_eq!(focus_after_removal(0, 0), None);
    }

    #[test]
    fn answers_are_read_as_the_contract_says() {
        let list = json!({ "accounts": [account()] }).to_string();
        assert_eq!(read_list(200, body(&list)).unwrap(), vec![account()]);
        let verdict = json!({ "account": account() }).to_string();
        assert_eq!(read_verdict(200, body(&verdict)).unwrap(), account());
        assert_eq!(read_disconnect(204, body("")), Ok(()));
        assert_eq!(read_disconnect(404, body(r#"{"error":"not_found","message":"x","retryable":false}"#)), Ok(()));
        let expired = read_list(401, body(r#"{"error":"session_invalid","message":"expired","retryable":false}"#));
        assert!(matches!(expired, Err(Failure::Rejected { code: ErrorCode::SessionInvalid, .. })));
        assert_eq!(read_list(200, body("{}")), Err(Failure::Unexpected { status: 200 }));
    }

    #[test]
    fn the_changed_event_carries_the_whole_list() {
        let detail = changed_detail(Change::Disconnected, Some("acc_1"), &[account()]);
        assert_eq!(detail["change"], "disconnected");
        assert_eq!(detail["account_id"], "acc_1");
        assert_eq!(detail["accounts"][0]["client_id_hint"], "…9f3a");
        assert_eq!(changed_detail(Change::Loaded, None, &[])["account_id"], Value::Null);
    }
}
