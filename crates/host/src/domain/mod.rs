//! What the host does, whoever asks: linked accounts and their status
//! ([`accounts`]) and history ([`activity`]), hosted links ([`links`]), connect sessions ([`session`]),
//! webhook events ([`webhooks`]), sealing secrets ([`crypto`], [`rewrap`]),
//! attempt limits ([`limits`]), deleting what is finished ([`retention`]),
//! tokens shared between instances ([`shared_tokens`]) and the worker that
//! checks accounts and announces documents ([`worker`]). Imports `sps`,
//! `store` and `util`; never `http` or `config`.

pub mod accounts;
pub mod activity;
pub mod crypto;
pub mod limits;
pub mod links;
pub mod retention;
pub mod rewrap;
pub mod session;
pub mod shared_tokens;
pub mod webhooks;
pub mod worker;
