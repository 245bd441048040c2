//! Reading environment variables: each variable is declared once, next to
//! the code it configures, with its default and meaning ([`Variable`]), and
//! read through small typed helpers ([`Vars`]) whose errors name it.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::ops::RangeInclusive;
use std::time::Duration;

/// A variable: its name, its default and what it means (for `--help` and the docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Variable {
    /// Its name, `SPS_…`.
    pub name: &'static str,
    /// What happens without it.
    pub default: Fallback,
    /// What it sets.
    pub meaning: &'static str,
}

/// Fewest random bytes a signing, admin or webhook key may have.
pub const MIN_KEY_BYTES: usize = 32;

impl Variable {
    /// A variable named `name`, falling back to `default`, that sets `meaning`.
    pub const fn new(name: &'static str, default: Fallback, meaning: &'static str) -> Self {
        Self { name, default, meaning }
    }
}

/// What a variable that is unset (or blank) comes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fallback {
    /// This value.
    Value(&'static str),
    /// Nothing: the feature is off, or the value is derived as described.
    Unset(&'static str),
    /// The host refuses to start without it.
    Required,
}

impl Fallback {
    /// The default as `--help` prints it.
    pub fn shown(self) -> &'static str {
        match self {
            Fallback::Value(value) => value,
            Fallback::Unset(what) => what,
            Fallback::Required => "(required)",
        }
    }
}

/// A variable with an unusable value; the sentence names it.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// Reads variables through a lookup, normally `std::env::var`.
pub struct Vars<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl<'a> Vars<'a> {
    /// Variables from `lookup`.
    pub fn new(lookup: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Self { lookup }
    }

    /// The variable's value, trimmed, if it is set and not blank.
    pub fn set(&self, variable: &Variable) -> Option<String> {
        (self.lookup)(variable.name).map(|value| value.trim().to_owned()).filter(|value| !value.is_empty())
    }

    /// The variable's value, else its default value (`None` when it has none).
    pub fn text(&self, variable: &Variable) -> Option<String> {
        self.set(variable).or(match variable.default {
            Fallback::Value(value) => Some(value.to_owned()),
            Fallback::Unset(_) | Fallback::Required => None,
        })
    }

    /// The variable's value, or an error saying it is required and what it must be.
    pub fn required(&self, variable: &Variable, what: &str) -> Result<String, ConfigError> {
        self.text(variable).ok_or_else(|| ConfigError(format!("{} is required ({what})", variable.name)))
    }

    /// A whole number in `range`.
    pub fn number(&self, variable: &Variable, range: RangeInclusive<u64>) -> Result<u64, ConfigError> {
        let name = variable.name;
        let text = self.text(variable).unwrap_or_default();
        let number: u64 = text.parse().map_err(|_| ConfigError(format!("{name} must be a whole number")))?;
        if !range.contains(&number) {
            return Err(ConfigError(format!("{name} must be between {} and {}", range.start(), range.end())));
        }
        Ok(number)
    }

    /// A number of milliseconds in `range`.
    pub fn millis(&self, variable: &Variable, range: RangeInclusive<u64>) -> Result<Duration, ConfigError> {
        self.number(variable, range).map(Duration::from_millis)
    }

    /// A count or a size in `range`.
    pub fn count(&self, variable: &Variable, range: RangeInclusive<u64>) -> Result<usize, ConfigError> {
        self.number(variable, range).map(|n| usize::try_from(n).unwrap_or(usize::MAX))
    }

    /// One of `choices`, by its name.
    pub fn choice<T: Copy>(&self, variable: &Variable, choices: &[(&str, T)]) -> Result<T, ConfigError> {
        let value = self.text(variable).unwrap_or_default();
        choices.iter().find(|(name, _)| *name == value).map(|(_, choice)| *choice).ok_or_else(|| {
            let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
            ConfigError(format!("{} must be {}, not {value}", variable.name, names.join(" or ")))
        })
    }

    /// `true`/`1` or `false`/`0`.
    pub fn flag(&self, variable: &Variable) -> Result<bool, ConfigError> {
        self.choice(variable, &[("true", true), ("1", true), ("false", false), ("0", false)])
    }

    /// The bytes of a base64 key of at least `min_len` bytes, if the variable is set.
    pub fn key(&self, variable: &Variable, min_len: usize) -> Result<Option<Vec<u8>>, ConfigError> {
        self.set(variable).map(|value| key_bytes(variable.name, &value, min_len)).transpose()
    }
}

/// The bytes of the base64 key `value` of the variable `name`, at least `min_len` of them.
pub fn key_bytes(name: &str, value: &str, min_len: usize) -> Result<Vec<u8>, ConfigError> {
    let bytes = STANDARD.decode(value.trim()).map_err(|_| ConfigError(format!("{name} is not valid base64")))?;
    if bytes.len() < min_len {
        return Err(ConfigError(format!(
            "{name} is too weak: it must be base64 of at least {min_len} random bytes (head -c 32 /dev/urandom | base64)"
        )));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIZE: Variable = Variable { name: "SIZE", default: Fallback::Value("16"), meaning: "a size" };
    const MODE: Variable = Variable { name: "MODE", default: Fallback::Value("body"), meaning: "a mode" };
    const KEY: Variable = Variable { name: "KEY", default: Fallback::Required, meaning: "a key" };

    #[test]
    fn values_defaults_ranges_and_choices_are_read_and_named_in_errors() {
        let lookup = |name: &str| match name {
            "SIZE" => Some(" 2000 ".to_owned()),
            "MODE" => Some("sideways".to_owned()),
            _ => None,
        };
        let vars = Vars::new(&lookup);
        assert_eq!(vars.number(&SIZE, 1..=4096), Ok(2000));
        assert_eq!(vars.number(&SIZE, 1..=1024).unwrap_err().0, "SIZE must be between 1 and 1024");
        assert_eq!(
            vars.choice(&MODE, &[("body", 1), ("basic", 2)]).unwrap_err().0,
            "MODE must be body or basic, not sideways"
        );
        assert_eq!(vars.required(&KEY, "base64").unwrap_err().0, "KEY is required (base64)");
        let unset = |_: &str| None;
        let vars = Vars::new(&unset);
        assert_eq!(vars.count(&SIZE, 1..=1024), Ok(16), "the declared default");
        assert_eq!(vars.key(&KEY, 32), Ok(None));
        assert!(key_bytes("K", "c2hvcnQ=", 32).unwrap_err().0.starts_with("K is too weak"));
    }
}
