//! What the host does, whoever asks: linked accounts and their status
//! ([`accounts`]), hosted links ([`links`]), connect sessions ([`session`]),
//! webhook events ([`webhooks`]), sealing secrets ([`crypto`], [`rewrap`]),
//! attempt limits ([`limits`]) and deleting what is finished
//! ([`retention`]). Imports `sps`, `store` and `util`; never `http` or `config`.

pub mod accounts;
pub mod crypto;
pub mod limits;
pub mod links;
pub mod retention;
pub mod rewrap;
pub mod session;
pub mod webhooks;
