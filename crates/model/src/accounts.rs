//! The accounts list (`<sps-accounts>`, `mountAccounts()`): its options, the
//! actions it offers, the words it shows for an account, and the changes its
//! answers make to the list.

use crate::failure::{classify_as, Body, Failure};
use crate::i18n::{fill, Messages};
use crate::options::{read_naming_path, ConnectOptions, OptionError};
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, DeserializeSeed, Error as _, IgnoredAny, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use sps_connect_wire::{AccountList, AccountStatus, Environment, ErrorCode, LinkedAccount};
use std::fmt;

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
    /// Reads options from any serde source (a parsed JSON value natively),
    /// naming the path of any unknown or mistyped field.
    pub fn read<'de, D: Deserializer<'de>>(source: D) -> Result<Self, OptionError> {
        read_naming_path::<Parts, D>(source)?.finish()
    }

    /// Reads options from a source whose errors name the option themselves
    /// (the widget's reader of JS data, which needs no path-tracking wrapper).
    pub fn read_tracked<'de, D: Deserializer<'de>>(source: D) -> Result<Self, OptionError>
    where
        D::Error: Into<OptionError>,
    {
        Parts::deserialize(source).map_err(Into::into)?.finish()
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

/// The options as read, before the checks that need them all.
struct Parts {
    accounts_url: Option<String>,
    allow_actions: Option<Vec<Action>>,
    connect: ConnectOptions,
}

impl Parts {
    fn finish(self) -> Result<AccountsOptions, OptionError> {
        let connect = self.connect.validate()?;
        let accounts_url = self.accounts_url.unwrap_or_else(|| DEFAULT_ACCOUNTS_URL.to_owned());
        if !crate::options::is_usable_endpoint(&accounts_url) {
            let problem = crate::options::ENDPOINT_RULE.to_owned();
            return Err(OptionError { option: "accountsUrl".to_owned(), problem });
        }
        Ok(AccountsOptions {
            accounts_url: accounts_url.trim_end_matches('/').to_owned(),
            allow_actions: self.allow_actions.unwrap_or_else(|| Action::ALL.to_vec()),
            connect,
        })
    }
}

impl<'de> Deserialize<'de> for Parts {
    fn deserialize<D: Deserializer<'de>>(source: D) -> Result<Self, D::Error> {
        source.deserialize_map(PartsVisitor)
    }
}

struct PartsVisitor;

impl<'de> Visitor<'de> for PartsVisitor {
    type Value = Parts;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<Parts, M::Error> {
        let mut split = ListKeys { map, accounts_url: None, allow_actions: None };
        let connect = ConnectOptions::deserialize(MapAccessDeserializer::new(&mut split))?;
        Ok(Parts { accounts_url: split.accounts_url, allow_actions: split.allow_actions, connect })
    }
}

/// An options object seen by the connect options' reader: the list's own
/// keys are taken out on the way, and a key the list sets itself is refused
/// (its value fails, so the error names it).
struct ListKeys<M> {
    map: M,
    accounts_url: Option<String>,
    allow_actions: Option<Vec<Action>>,
}

enum Key<T> {
    AccountsUrl,
    AllowActions,
    SetPerAccount,
    Connect(T),
}

/// Reads one key, handing it to the connect options' own key reader unless it is the list's.
struct KeySeed<'a, K>(&'a mut Option<K>);

impl<'de, K: DeserializeSeed<'de>> DeserializeSeed<'de> for KeySeed<'_, K> {
    type Value = Key<K::Value>;

    fn deserialize<D: Deserializer<'de>>(self, source: D) -> Result<Self::Value, D::Error> {
        let name = String::deserialize(source)?;
        match name.as_str() {
            "accountsUrl" => return Ok(Key::AccountsUrl),
            "allowActions" => return Ok(Key::AllowActions),
            set if SET_PER_ACCOUNT.contains(&set) => return Ok(Key::SetPerAccount),
            _ => {}
        }
        let seed = self.0.take().ok_or_else(|| D::Error::custom("a key was read twice"))?;
        seed.deserialize(name.into_deserializer()).map(Key::Connect)
    }
}

/// The value of a key the list sets for each Reconnect: never accepted.
struct SetPerAccount;

impl<'de> DeserializeSeed<'de> for SetPerAccount {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, _: D) -> Result<(), D::Error> {
        Err(D::Error::custom("is set by the accounts list for each Reconnect; leave it out"))
    }
}

impl<'de, M: MapAccess<'de>> MapAccess<'de> for &mut ListKeys<M> {
    type Error = M::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, M::Error> {
        let mut seed = Some(seed);
        while let Some(key) = self.map.next_key_seed(KeySeed(&mut seed))? {
            match key {
                Key::AccountsUrl => self.accounts_url = Some(self.map.next_value()?),
                Key::AllowActions => self.allow_actions = Some(self.map.next_value::<ActionNames>()?.0),
                Key::SetPerAccount => self.map.next_value_seed(SetPerAccount)?,
                Key::Connect(key) => return Ok(Some(key)),
            }
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, M::Error> {
        self.map.next_value_seed(seed)
    }
}

/// `["verify", "disconnect"]`, or the attribute's `"verify disconnect"` /
/// `"verify,disconnect"`, in [`Action::ALL`] order.
struct ActionNames(Vec<Action>);

impl ActionNames {
    fn from_names<'a, E: de::Error>(names: impl IntoIterator<Item = &'a str>) -> Result<Self, E> {
        let mut allowed = Vec::new();
        for name in names {
            let action = Action::parse(name).ok_or_else(|| {
                E::custom(format!("unknown action `{name}`, expected `verify`, `reconnect` or `disconnect`"))
            })?;
            allowed.push(action);
        }
        Ok(Self(Action::ALL.into_iter().filter(|action| allowed.contains(action)).collect()))
    }
}

impl<'de> Deserialize<'de> for ActionNames {
    fn deserialize<D: Deserializer<'de>>(source: D) -> Result<Self, D::Error> {
        source.deserialize_any(ActionNamesVisitor)
    }
}

struct ActionNamesVisitor;

impl<'de> Visitor<'de> for ActionNamesVisitor {
    type Value = ActionNames;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of `verify`, `reconnect`, `disconnect`")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<ActionNames, E> {
        ActionNames::from_names(text.split([',', ' ']).map(str::trim).filter(|name| !name.is_empty()))
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut items: S) -> Result<ActionNames, S::Error> {
        let mut names = Vec::new();
        while let Some(name) = items.next_element::<String>()? {
            names.push(name);
        }
        ActionNames::from_names(names.iter().map(String::as_str))
    }
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
#[derive(Debug, Serialize)]
pub struct ChangedDetail<'a> {
    /// What changed, [`Change::as_str`].
    pub change: &'static str,
    /// The account it happened to; `null` when the list was loaded.
    pub account_id: Option<&'a str>,
    /// The whole list after the change.
    pub accounts: &'a [LinkedAccount],
}

/// The detail of `sps-accounts:changed` for `change` to `account_id`, with the list after it.
pub fn changed_detail<'a>(
    change: Change,
    account_id: Option<&'a str>,
    accounts: &'a [LinkedAccount],
) -> ChangedDetail<'a> {
    ChangedDetail { change: change.as_str(), account_id, accounts }
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
    use serde_json::{json, Value};

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
        let mistyped = options(json!({ "allowActions": ["verify", 3] })).unwrap_err();
        assert!(mistyped.contains("`allowActions[1]`") && mistyped.contains("a string"), "{mistyped}");
        let neither = options(json!({ "allowActions": true })).unwrap_err();
        assert!(neither.contains("`allowActions`") && neither.contains("a list of `verify`"), "{neither}");
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
        let mistyped = options(json!({ "accountsUrl": 5 })).unwrap_err();
        assert!(mistyped.contains("`accountsUrl`") && mistyped.contains("a string"), "{mistyped}");
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
        let detail = serde_json::to_value(changed_detail(Change::Disconnected, Some("acc_1"), &[account()])).unwrap();
        assert_eq!(detail["change"], "disconnected");
        assert_eq!(detail["account_id"], "acc_1");
        assert_eq!(detail["accounts"][0]["client_id_hint"], "…9f3a");
        let loaded = serde_json::to_value(changed_detail(Change::Loaded, None, &[])).unwrap();
        assert_eq!(loaded["account_id"], Value::Null);
    }
}
