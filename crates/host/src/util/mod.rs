//! The bottom layer: small facts every other layer uses (ids, times, URLs,
//! reading variables).
//! It imports nothing of the host.

pub mod ids;
pub mod net;
pub mod times;
pub mod vars;
