//! The HTTP face of the host: the handlers and their extractors ([`api`]),
//! the hosted connect page ([`hosted`]), the demo portal ([`demo`]), the
//! server with its timeouts ([`server`], [`send_deadline`]) and the security
//! headers ([`headers`]). The top layer: it imports `domain`, `sps`, `store`
//! and `util`, and only `lib.rs` and `main.rs` import it.

pub mod api;
pub mod demo;
pub mod embed;
pub mod headers;
pub mod hosted;
pub mod metrics;
pub mod send_deadline;
pub mod server;
pub mod traces;
