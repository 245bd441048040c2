//! The `<sps-connect>` element's attributes: kebab-case mirrors of the options.

use crate::options::OptionError;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// Each attribute and the option path it sets.
pub const ATTRIBUTES: &[(&str, &str)] = &[
    ("endpoint", "endpoint"),
    ("session-token", "sessionToken"),
    ("environment", "environment"),
    ("lock-environment", "lockEnvironment"),
    ("services", "services"),
    ("mode", "mode"),
    ("white-label", "whiteLabel.enabled"),
    ("app-name", "whiteLabel.appName"),
    ("hide-attribution", "whiteLabel.hideAttribution"),
    ("theme", "theme.scheme"),
    ("brand-color", "theme.brand"),
    ("brand-contrast", "theme.brandContrast"),
    ("radius", "theme.radius"),
    ("font", "theme.font"),
    ("locale", "locale"),
    ("account-id", "accountId"),
    ("client-id", "clientId"),
    ("timeout-ms", "timeoutMs"),
];

/// Boolean attributes: present means true, unless the value is `false`.
const FLAGS: [&str; 3] = ["lock-environment", "white-label", "hide-attribution"];

/// The attribute that opens a modal widget as soon as it mounts.
pub const OPEN_ATTRIBUTE: &str = "open";

/// Every attribute the element watches.
pub fn observed() -> Vec<&'static str> {
    ATTRIBUTES.iter().map(|(name, _)| *name).chain([OPEN_ATTRIBUTE]).collect()
}

/// The connect attributes the accounts list leaves to each Reconnect.
const SET_PER_ACCOUNT: [&str; 3] = ["mode", "account-id", "client-id"];

/// Each attribute of `<sps-accounts>` and the option path it sets: its own
/// two, and the connect attributes its Reconnect dialog takes.
pub fn accounts_attributes() -> Vec<(&'static str, &'static str)> {
    let connect = ATTRIBUTES.iter().copied().filter(|(name, _)| !SET_PER_ACCOUNT.contains(name));
    [("accounts-url", "accountsUrl"), ("allow-actions", "allowActions")].into_iter().chain(connect).collect()
}

/// An attribute with a value the widget cannot use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributeError {
    /// The attribute's name, such as `brand-color`.
    pub attribute: String,
    /// What is wrong with it.
    pub problem: String,
}

impl fmt::Display for AttributeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid attribute `{}`: {}", self.attribute, self.problem)
    }
}

impl From<OptionError> for AttributeError {
    /// The `<sps-connect>` attribute that sets the option.
    fn from(error: OptionError) -> Self {
        AttributeError::naming(error, ATTRIBUTES)
    }
}

impl AttributeError {
    /// The attribute of `table` that sets the option (for `services[1]`,
    /// `services`; for `theme`, the first attribute of the group), else the
    /// option's own path.
    pub fn naming(error: OptionError, table: &[(&str, &str)]) -> Self {
        let option = error.option.as_str();
        let attribute = table
            .iter()
            .find(|(_, path)| *path == option || option.starts_with(&format!("{path}[")))
            .or_else(|| table.iter().find(|(_, path)| path.split('.').next() == Some(option)))
            .map_or(option, |(name, _)| name);
        AttributeError { attribute: attribute.to_owned(), problem: error.problem }
    }
}

/// The value an attribute gives its option.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum OptionValue {
    /// A boolean attribute.
    Flag(bool),
    /// A whole number, such as `timeout-ms`.
    Number(u64),
    /// The attribute's text as it is.
    Text(String),
    /// A list of words, such as `services`.
    List(Vec<String>),
    /// The options of a group, such as `whiteLabel`.
    Group(OptionTree),
}

/// An options object, as attributes describe it: each option by its camelCase name.
pub type OptionTree = BTreeMap<&'static str, OptionValue>;

/// The `<sps-connect>` options object the attributes describe; `attribute` reads one by name.
pub fn options_from_attributes(attribute: impl Fn(&str) -> Option<String>) -> Result<OptionTree, AttributeError> {
    options_from(ATTRIBUTES, attribute)
}

/// The options object that the attributes of `table` describe; `attribute` reads one by name.
pub fn options_from(
    table: &[(&'static str, &'static str)],
    attribute: impl Fn(&str) -> Option<String>,
) -> Result<OptionTree, AttributeError> {
    let mut options = OptionTree::new();
    for (name, path) in table {
        let Some(raw) = attribute(name) else { continue };
        let value = if FLAGS.contains(name) {
            OptionValue::Flag(raw != "false")
        } else if *name == "services" {
            OptionValue::List(
                raw.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect(),
            )
        } else if *name == "timeout-ms" {
            OptionValue::Number(raw.trim().parse::<u64>().map_err(|_| AttributeError {
                attribute: (*name).to_owned(),
                problem: "must be a whole number".to_owned(),
            })?)
        } else {
            OptionValue::Text(raw)
        };
        let Some((group, field)) = path.split_once('.') else {
            options.insert(path, value);
            continue;
        };
        let group = options.entry(group).or_insert_with(|| OptionValue::Group(OptionTree::new()));
        if let OptionValue::Group(fields) = group {
            fields.insert(field, value);
        }
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::{ConnectOptions, Mode, Scheme};
    use std::collections::HashMap;

    fn json(tree: &OptionTree) -> serde_json::Value {
        serde_json::to_value(tree).unwrap()
    }

    fn options(pairs: &[(&str, &str)]) -> Result<ConnectOptions, String> {
        let attributes: HashMap<&str, &str> = pairs.iter().copied().collect();
        let tree =
            options_from_attributes(|name| attributes.get(name).map(|v| v.to_string())).map_err(|e| e.to_string())?;
        ConnectOptions::read(json(&tree)).map_err(|e| AttributeError::from(e).to_string())
    }

    #[test]
    fn no_attributes_give_the_defaults() {
        assert_eq!(options(&[]).unwrap(), ConnectOptions::default());
    }

    #[test]
    fn attributes_mirror_the_options() {
        let options = options(&[
            ("session-token", "tok.abc"),
            ("environment", "production"),
            ("lock-environment", ""),
            ("services", "transaction, packing_slip"),
            ("mode", "inline"),
            ("white-label", ""),
            ("app-name", "Acme Portal"),
            ("hide-attribution", "true"),
            ("theme", "dark"),
            ("brand-color", "#7c3aed"),
            ("radius", "2px"),
            ("locale", "de"),
            ("account-id", "acc_7"),
            ("timeout-ms", "5000"),
        ])
        .unwrap();
        assert_eq!(options.session_token.as_deref(), Some("tok.abc"));
        assert!(options.lock_environment && options.white_label.enabled && options.white_label.hide_attribution);
        assert_eq!(options.requested_services().len(), 2);
        assert_eq!((options.mode, options.theme.scheme), (Mode::Inline, Scheme::Dark));
        assert_eq!(options.theme.brand.as_deref(), Some("#7c3aed"));
        assert_eq!(options.white_label.app_name(), "Acme Portal");
        assert_eq!(
            (options.locale.as_deref(), options.account_id.as_deref(), options.timeout_ms),
            (Some("de"), Some("acc_7"), 5000)
        );
    }

    #[test]
    fn the_accounts_element_takes_its_own_attributes_and_the_dialogs() {
        let table = accounts_attributes();
        let attributes: HashMap<&str, &str> = [
            ("allow-actions", "verify disconnect"),
            ("session-token", "tok.abc"),
            ("theme", "dark"),
            ("mode", "inline"),
        ]
        .into_iter()
        .collect();
        let tree = options_from(&table, |name| attributes.get(name).map(|v| v.to_string())).unwrap();
        let options = crate::accounts::AccountsOptions::read(json(&tree)).unwrap();
        assert_eq!(options.allow_actions, [crate::accounts::Action::Verify, crate::accounts::Action::Disconnect]);
        assert_eq!(options.connect.session_token.as_deref(), Some("tok.abc"));
        assert_eq!(options.connect.mode, Mode::Modal, "`mode` is not an attribute of the list");
        let bad = options_from(&table, |name| (name == "allow-actions").then(|| "verify remove".to_owned())).unwrap();
        let error = AttributeError::naming(crate::accounts::AccountsOptions::read(json(&bad)).unwrap_err(), &table);
        assert_eq!(error.attribute, "allow-actions");
    }

    #[test]
    fn a_flag_set_to_false_is_off() {
        assert!(!options(&[("white-label", "false")]).unwrap().white_label.enabled);
    }

    #[test]
    fn errors_name_the_attribute() {
        for (pairs, attribute) in [
            (vec![("environment", "staging")], "`environment`"),
            (vec![("services", "transaction labels")], "`services`"),
            (vec![("app-name", " ")], "`app-name`"),
            (vec![("timeout-ms", "soon")], "`timeout-ms`"),
            (vec![("account-id", "a b")], "`account-id`"),
            (vec![("brand-color", "red;x")], "`brand-color`"),
            (vec![("font", "url(x)")], "`font`"),
        ] {
            let error = options(&pairs).unwrap_err();
            assert!(error.contains(&format!("attribute {attribute}")), "{pairs:?}: {error}");
        }
    }
}
