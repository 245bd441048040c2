//! The Leptos views. Each is thin: state and decisions live in the model and
//! the [`crate::controller::Controller`].

#[cfg(feature = "accounts")]
mod account_row;
#[cfg(feature = "accounts")]
mod accounts_table;
mod connect_dialog;
mod credential_field;
mod credentials_form;
#[cfg(feature = "accounts")]
mod disconnect_confirmation;
mod environment_picker;
mod failure_view;
mod guide_view;
mod rich_message;
mod success_view;

#[cfg(feature = "accounts")]
pub use account_row::AccountRow;
#[cfg(feature = "accounts")]
pub use accounts_table::AccountsTable;
pub use connect_dialog::ConnectDialog;
pub use credential_field::CredentialField;
pub use credentials_form::CredentialsForm;
#[cfg(feature = "accounts")]
pub use disconnect_confirmation::DisconnectConfirmation;
pub use environment_picker::EnvironmentPicker;
pub use failure_view::FailureView;
pub use guide_view::GuideView;
pub use rich_message::RichMessage;
pub use success_view::SuccessView;
