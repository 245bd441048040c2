//! Checks the credentials form before anything is sent.

use crate::i18n::{fill, Messages};
use sps_connect_wire::{check_client_id, check_client_secret, ConnectRequest, Environment, FieldProblem};

/// What the user typed, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Draft {
    /// Chosen environment.
    pub environment: Environment,
    /// Client ID field.
    pub client_id: String,
    /// Client Secret field.
    pub client_secret: String,
}

/// A credential field of the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// The Client ID, shown in clear.
    ClientId,
    /// The Client Secret, masked unless revealed.
    ClientSecret,
}

impl Field {
    /// Both fields, in form order.
    pub const ALL: [Field; 2] = [Field::ClientId, Field::ClientSecret];

    /// The field's name on the wire and in host events.
    pub fn name(self) -> &'static str {
        match self {
            Field::ClientId => "client_id",
            Field::ClientSecret => "client_secret",
        }
    }

    /// The field's part of element ids.
    pub fn slug(self) -> &'static str {
        match self {
            Field::ClientId => "client-id",
            Field::ClientSecret => "client-secret",
        }
    }
}

/// Why one field cannot be sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldIssue {
    /// The value breaks the shared credential rules.
    Problem(FieldProblem),
    /// The secret is a copy of the Client ID.
    SameAsClientId,
}

/// The issues of each field; both `None` means the form can be sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors {
    /// Issue with the Client ID.
    pub client_id: Option<FieldIssue>,
    /// Issue with the Client Secret.
    pub client_secret: Option<FieldIssue>,
}

impl FieldErrors {
    /// The issue of `field`, if any.
    pub fn of(&self, field: Field) -> Option<FieldIssue> {
        match field {
            Field::ClientId => self.client_id,
            Field::ClientSecret => self.client_secret,
        }
    }

    /// The fields with an issue, in form order.
    pub fn fields(&self) -> Vec<Field> {
        Field::ALL.into_iter().filter(|field| self.of(*field).is_some()).collect()
    }

    /// How many fields have an issue.
    pub fn count(&self) -> usize {
        self.fields().len()
    }
}

/// Trims the draft and checks it, giving the request to send or every field's issue.
pub fn validate(draft: &Draft, account_id: Option<&str>) -> Result<ConnectRequest, FieldErrors> {
    let client_id = draft.client_id.trim();
    let client_secret = draft.client_secret.trim();
    let errors = FieldErrors {
        client_id: check_client_id(client_id).err().map(FieldIssue::Problem),
        client_secret: check_client_secret(client_secret)
            .err()
            .map(FieldIssue::Problem)
            .or_else(|| (client_secret == client_id).then_some(FieldIssue::SameAsClientId)),
    };
    if errors.count() > 0 {
        return Err(errors);
    }
    Ok(ConnectRequest {
        environment: draft.environment,
        client_id: client_id.to_owned(),
        client_secret: client_secret.to_owned(),
        account_id: account_id.map(str::to_owned),
    })
}

impl FieldIssue {
    /// The message shown next to the field called `field`.
    pub fn message(self, messages: &Messages, field: &str) -> String {
        let template = match self {
            FieldIssue::SameAsClientId => return messages.secret_same_as_id.to_owned(),
            FieldIssue::Problem(FieldProblem::Missing) => messages.field_missing,
            FieldIssue::Problem(FieldProblem::TooShort { min }) => {
                return fill(messages.field_too_short, &[("field", field), ("min", &min.to_string())])
            }
            FieldIssue::Problem(FieldProblem::TooLong { max }) => {
                return fill(messages.field_too_long, &[("field", field), ("max", &max.to_string())])
            }
            FieldIssue::Problem(FieldProblem::ContainsWhitespace) => messages.field_whitespace,
            FieldIssue::Problem(FieldProblem::InvalidCharacter) => messages.field_invalid_character,
        };
        fill(template, &[("field", field)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::EN;

    const ID: &str = "aB3dE5fG7hJ9kL1mN3pQ5rS7tV9wX1yZ";
    const SECRET: &str = "s3cr3t-Value_with.symbols~0123456789";

    fn draft(client_id: &str, client_secret: &str) -> Draft {
        Draft { environment: Environment::Production, client_id: client_id.into(), client_secret: client_secret.into() }
    }

    #[test]
    fn trims_surrounding_whitespace_before_sending() {
        let request = validate(&draft(&format!("  {ID}\n"), &format!("\t{SECRET} ")), Some("acc_9")).unwrap();
        assert_eq!(request.client_id, ID);
        assert_eq!(request.client_secret, SECRET);
        assert_eq!(request.environment, Environment::Production);
        assert_eq!(request.account_id.as_deref(), Some("acc_9"));
    }

    #[test]
    fn both_fields_are_required() {
        let errors = validate(&draft("   ", ""), None).unwrap_err();
        assert_eq!(errors.client_id, Some(FieldIssue::Problem(FieldProblem::Missing)));
        assert_eq!(errors.client_secret, Some(FieldIssue::Problem(FieldProblem::Missing)));
        assert_eq!(errors.count(), 2);
    }

    #[test]
    fn rejects_a_secret_that_repeats_the_client_id() {
        let errors = validate(&draft(ID, ID), None).unwrap_err();
        assert_eq!(errors, FieldErrors { client_id: None, client_secret: Some(FieldIssue::SameAsClientId) });
    }

    #[test]
    fn rejects_malformed_values() {
        let errors = validate(&draft("abc def ghi", "short"), None).unwrap_err();
        assert_eq!(errors.client_id, Some(FieldIssue::Problem(FieldProblem::ContainsWhitespace)));
        assert_eq!(errors.client_secret, Some(FieldIssue::Problem(FieldProblem::TooShort { min: 8 })));
    }

    #[test]
    fn messages_name_the_field_and_the_limit() {
        let missing = FieldIssue::Problem(FieldProblem::Missing).message(&EN, "Client ID");
        assert_eq!(missing, "Enter the Client ID.");
        let short = FieldIssue::Problem(FieldProblem::TooShort { min: 8 }).message(&EN, "Client Secret");
        assert!(short.contains("Client Secret") && short.contains('8'), "{short}");
    }
}
