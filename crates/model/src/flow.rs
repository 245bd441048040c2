//! The connect flow as a state machine: which events each phase accepts, and
//! which side effects a transition asks the view to carry out.

use crate::failure::Failure;
use sps_connect_wire::LinkedAccount;

/// Where the dialog is in the flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    /// The dialog is not shown.
    Closed,
    /// The user is filling in the form.
    Editing,
    /// The credentials were sent; the answer is awaited.
    Submitting,
    /// The account is linked.
    Connected(LinkedAccount),
    /// The attempt failed.
    Failed(Failure),
}

/// Something that happened to the dialog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The host or the user opened the dialog.
    Open,
    /// The form passed validation and the user asked to connect.
    Submit,
    /// The backend linked the account.
    Succeeded(LinkedAccount),
    /// The attempt failed.
    Failed(Failure),
    /// The user chose the failure's way forward: send again, or edit.
    Retry,
    /// The user or the host closed the dialog.
    Close,
}

/// Work a transition asks for, in the order given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Remember what had focus and move focus into the dialog.
    CaptureFocus,
    /// Send the validated credentials.
    SendRequest,
    /// Abort the request in flight.
    AbortRequest,
    /// Forget the secret the user typed.
    ClearSecret,
    /// Move focus to the first thing the new phase asks of the user.
    FocusPhase,
    /// Give focus back to what had it before the dialog opened.
    RestoreFocus,
}

impl Phase {
    /// The next phase and its effects, or `None` when the event does not apply here.
    ///
    /// Ignoring an event is how double submits and late answers after a close
    /// become impossible rather than merely unlikely.
    pub fn on(&self, event: Event) -> Option<(Phase, &'static [Effect])> {
        use Effect::*;
        match (self, event) {
            (Phase::Closed, Event::Open) => Some((Phase::Editing, &[CaptureFocus])),
            (Phase::Closed, _) | (_, Event::Open) => None,
            (Phase::Submitting, Event::Close) => Some((Phase::Closed, &[AbortRequest, ClearSecret, RestoreFocus])),
            (_, Event::Close) => Some((Phase::Closed, &[ClearSecret, RestoreFocus])),
            (Phase::Editing, Event::Submit) => Some((Phase::Submitting, &[SendRequest])),
            (Phase::Submitting, Event::Succeeded(account)) => {
                Some((Phase::Connected(account), &[ClearSecret, FocusPhase]))
            }
            (Phase::Submitting, Event::Failed(failure)) if failure.is_retryable() => {
                Some((Phase::Failed(failure), &[FocusPhase]))
            }
            (Phase::Submitting, Event::Failed(failure)) => Some((Phase::Failed(failure), &[ClearSecret, FocusPhase])),
            (Phase::Failed(failure), Event::Retry) if failure.is_retryable() => {
                Some((Phase::Submitting, &[SendRequest]))
            }
            (Phase::Failed(_), Event::Retry) => Some((Phase::Editing, &[FocusPhase])),
            _ => None,
        }
    }

    /// Whether the dialog is on screen.
    pub fn is_open(&self) -> bool {
        !matches!(self, Phase::Closed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_fixtures::account;
    use Effect::*;

    fn every_phase() -> Vec<Phase> {
        vec![
            Phase::Closed,
            Phase::Editing,
            Phase::Submitting,
            Phase::Connected(account()),
            Phase::Failed(Failure::TimedOut),
        ]
    }

    #[test]
    fn opening_starts_editing_and_takes_focus() {
        assert_eq!(Phase::Closed.on(Event::Open), Some((Phase::Editing, &[CaptureFocus][..])));
        for phase in every_phase().into_iter().filter(Phase::is_open) {
            assert_eq!(phase.on(Event::Open), None, "{phase:?}");
        }
    }

    #[test]
    fn submit_sends_once_and_a_second_submit_is_ignored() {
        let (phase, effects) = Phase::Editing.on(Event::Submit).unwrap();
        assert_eq!((&phase, effects), (&Phase::Submitting, &[SendRequest][..]));
        assert_eq!(phase.on(Event::Submit), None);
    }

    #[test]
    fn success_shows_the_account_and_forgets_the_secret() {
        let (phase, effects) = Phase::Submitting.on(Event::Succeeded(account())).unwrap();
        assert_eq!(phase, Phase::Connected(account()));
        assert_eq!(effects, &[ClearSecret, FocusPhase]);
    }

    fn refused() -> Failure {
        Failure::Rejected { code: sps_connect_wire::ErrorCode::InvalidClient, detail: None, retryable: false }
    }

    #[test]
    fn a_refusal_forgets_the_secret_and_returns_to_the_form() {
        let (failed, effects) = Phase::Submitting.on(Event::Failed(refused())).unwrap();
        assert_eq!((failed.clone(), effects), (Phase::Failed(refused()), &[ClearSecret, FocusPhase][..]));
        assert_eq!(failed.on(Event::Retry), Some((Phase::Editing, &[FocusPhase][..])));
    }

    #[test]
    fn a_passing_fault_keeps_the_secret_and_try_again_sends_the_same_request() {
        for fault in [Failure::Unreachable, Failure::TimedOut, Failure::Unexpected { status: 503 }] {
            let (failed, effects) = Phase::Submitting.on(Event::Failed(fault.clone())).unwrap();
            assert_eq!((failed.clone(), effects), (Phase::Failed(fault), &[FocusPhase][..]));
            assert_eq!(failed.on(Event::Retry), Some((Phase::Submitting, &[SendRequest][..])));
            assert!(failed.on(Event::Close).unwrap().1.contains(&ClearSecret), "closing still forgets it");
        }
    }

    #[test]
    fn close_during_submit_aborts_the_request() {
        let (phase, effects) = Phase::Submitting.on(Event::Close).unwrap();
        assert_eq!(phase, Phase::Closed);
        assert_eq!(effects, &[AbortRequest, ClearSecret, RestoreFocus]);
    }

    #[test]
    fn close_works_from_every_open_phase_and_returns_focus() {
        for phase in every_phase().into_iter().filter(Phase::is_open) {
            let (next, effects) = phase.on(Event::Close).unwrap();
            assert_eq!(next, Phase::Closed);
            assert!(effects.contains(&ClearSecret) && effects.contains(&RestoreFocus), "{phase:?}");
            assert_eq!(effects.contains(&AbortRequest), phase == Phase::Submitting);
        }
        assert_eq!(Phase::Closed.on(Event::Close), None);
    }

    #[test]
    fn late_answers_after_close_are_ignored() {
        assert_eq!(Phase::Closed.on(Event::Succeeded(account())), None);
        assert_eq!(Phase::Closed.on(Event::Failed(Failure::TimedOut)), None);
    }

    #[test]
    fn answers_and_retries_outside_their_phase_are_ignored() {
        assert_eq!(Phase::Editing.on(Event::Succeeded(account())), None);
        assert_eq!(Phase::Editing.on(Event::Retry), None);
        assert_eq!(Phase::Connected(account()).on(Event::Retry), None);
        assert_eq!(Phase::Connected(account()).on(Event::Submit), None);
        assert_eq!(Phase::Failed(Failure::TimedOut).on(Event::Submit), None);
    }
}
