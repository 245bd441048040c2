//! Talking to SPS Commerce: the client credentials exchange ([`exchange`]),
//! the SPS API ([`api`]: auth-check and proxied calls; [`documents`]: the
//! list of documents waiting), the per-account token
//! cache ([`tokens`]), and what protects SPS from the host: the breaker that
//! pauses calls ([`breaker`]), each user's share of the exchanges
//! ([`fair_share`]), the outbound HTTP client ([`outbound`]), and the
//! contract failure an SPS answer comes to ([`failure`]). Imports only
//! `util` and the wire crate.

pub mod api;
pub mod breaker;
pub mod documents;
pub mod exchange;
pub mod failure;
pub mod fair_share;
pub mod outbound;
pub mod tokens;
