use std::ops::RangeInclusive;

/// Accepted length of a Client ID, in characters.
pub const CLIENT_ID_LEN: RangeInclusive<usize> = 8..=128;

/// Accepted length of a Client Secret, in characters.
pub const CLIENT_SECRET_LEN: RangeInclusive<usize> = 8..=512;

/// Why a credential value cannot be right. Both sides check with the same rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldProblem {
    /// Nothing was entered.
    Missing,
    /// Shorter than any real credential.
    TooShort {
        /// The minimum length.
        min: usize,
    },
    /// Longer than any real credential.
    TooLong {
        /// The maximum length.
        max: usize,
    },
    /// Contains a space, tab or line break: usually a copy-and-paste slip.
    ContainsWhitespace,
    /// Contains a character real credentials never use.
    InvalidCharacter,
}

/// Checks an already trimmed Client ID: letters, digits, `-`, `_`, `.`, `~`.
pub fn check_client_id(value: &str) -> Result<(), FieldProblem> {
    check(value, CLIENT_ID_LEN, |c| c.is_ascii_alphanumeric() || "-_.~".contains(c))
}

/// Checks an already trimmed Client Secret: any visible ASCII character.
pub fn check_client_secret(value: &str) -> Result<(), FieldProblem> {
    check(value, CLIENT_SECRET_LEN, |c| c.is_ascii_graphic())
}

fn check(value: &str, len: RangeInclusive<usize>, allowed: impl Fn(char) -> bool) -> Result<(), FieldProblem> {
    if value.is_empty() {
        return Err(FieldProblem::Missing);
    }
    if value.chars().any(char::is_whitespace) {
        return Err(FieldProblem::ContainsWhitespace);
    }
    if !value.chars().all(allowed) {
        return Err(FieldProblem::InvalidCharacter);
    }
    let count = value.chars().count();
    if count < *len.start() {
        return Err(FieldProblem::TooShort { min: *len.start() });
    }
    if count > *len.end() {
        return Err(FieldProblem::TooLong { max: *len.end() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_realistic_credentials() {
        assert_eq!(check_client_id("aB3dE5fG7hJ9kL1mN3pQ5rS7tV9wX1yZ"), Ok(()));
        assert_eq!(check_client_secret("Zx9-_~.!$%&*+/=?^aB3dE5fG7hJ9kL1mN3pQ5rS7tV9w"), Ok(()));
    }

    #[test]
    fn reports_each_problem() {
        assert_eq!(check_client_id(""), Err(FieldProblem::Missing));
        assert_eq!(check_client_id("abc def ghi"), Err(FieldProblem::ContainsWhitespace));
        assert_eq!(check_client_id("abcdefgh!"), Err(FieldProblem::InvalidCharacter));
        assert_eq!(check_client_id("abc"), Err(FieldProblem::TooShort { min: 8 }));
        assert_eq!(check_client_id(&"a".repeat(129)), Err(FieldProblem::TooLong { max: 128 }));
        assert_eq!(check_client_secret("sécret-value"), Err(FieldProblem::InvalidCharacter));
        assert_eq!(check_client_secret("line\nbreak"), Err(FieldProblem::ContainsWhitespace));
        assert_eq!(check_client_secret(&"s".repeat(513)), Err(FieldProblem::TooLong { max: 512 }));
    }

    #[test]
    fn length_limits_are_inclusive() {
        assert_eq!(check_client_id(&"a".repeat(8)), Ok(()));
        assert_eq!(check_client_id(&"a".repeat(128)), Ok(()));
        assert_eq!(check_client_secret(&"s".repeat(512)), Ok(()));
    }
}
