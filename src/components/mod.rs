//! The Leptos views. Each is thin: state and decisions live in the model and
//! the [`crate::controller::Controller`].

mod connect_dialog;
mod credential_field;
mod credentials_form;
mod environment_picker;
mod failure_view;
mod guide_view;
mod rich_message;
mod success_view;

pub use connect_dialog::ConnectDialog;
pub use credential_field::CredentialField;
pub use credentials_form::CredentialsForm;
pub use environment_picker::EnvironmentPicker;
pub use failure_view::FailureView;
pub use guide_view::GuideView;
pub use rich_message::RichMessage;
pub use success_view::SuccessView;
