//! The bottom layer: small facts every other layer uses (ids, times, URLs).
//! It imports nothing of the host.

pub mod ids;
pub mod net;
pub mod times;
