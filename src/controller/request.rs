//! The request in flight: at most one, abortable, and numbered so that an
//! answer to an older attempt can never be taken for the current one.

use leptos::prelude::*;
use web_sys::AbortController;

/// The attempt counter and the abort handle of the request in flight.
#[derive(Clone, Copy)]
pub(super) struct InFlight {
    attempt: StoredValue<u32>,
    abort: StoredValue<Option<AbortController>, LocalStorage>,
}

impl InFlight {
    pub(super) fn new() -> Self {
        Self { attempt: StoredValue::new(0), abort: StoredValue::new_local(None) }
    }

    /// Starts a new attempt: its number and abort handle.
    pub(super) fn start(&self) -> Option<(u32, AbortController)> {
        let abort = AbortController::new().ok()?;
        let attempt = self.attempt.try_update_value(|n| {
            *n += 1;
            *n
        })?;
        self.abort.set_value(Some(abort.clone()));
        Some((attempt, abort))
    }

    /// Whether `attempt` is the current one and still awaited.
    pub(super) fn is_current(&self, attempt: u32) -> bool {
        self.attempt.try_get_value() == Some(attempt) && self.abort.try_with_value(Option::is_some) == Some(true)
    }

    /// Whether `attempt` is still the current one; if so, it is finished.
    pub(super) fn finish(&self, attempt: u32) -> bool {
        if self.attempt.try_get_value() != Some(attempt) {
            return false;
        }
        self.abort.try_set_value(None);
        true
    }

    /// Aborts the request in flight, if any.
    pub(super) fn abort(&self) {
        if let Some(controller) = self.abort.try_update_value(Option::take).flatten() {
            controller.abort();
        }
    }
}
