"""The application's state machine: the allowed transitions in one table, and one function
that checks a step, stamps who and when, and writes the timeline entry.

draft → submitted → documents_refused (R4-1) → submitted (a new round, a new clock) …
                  → documents_accepted → checks_running → ready_for_decision
                  → status_granted → certificate_issued (R10, R22)
                  → status_refused (R9-1) → ready_for_decision (an appeal or court decision)
checks_running → status_refused (R9-1 ground 2: documents or data found unreliable)
any state before the decision → withdrawn (by the applicant; final)

`tests/applications/test_every_state_decides.py` explores these together with the checks'
states and proves that every reachable combination can still reach a decision.
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l

from portal.applications.models import Application, ApplicationEvent, EventKind, State
from portal.audit.recorder import current_actor_id
from portal.extensions import db


class Action(StrEnum):
    SUBMIT = "submit"
    ACCEPT_DOCUMENTS = "accept_documents"
    REFUSE_DOCUMENTS = "refuse_documents"
    START_CHECKS = "start_checks"
    COMPLETE_CHECKS = "complete_checks"
    GRANT = "grant"
    REFUSE_STATUS = "refuse_status"
    ISSUE_CERTIFICATE = "issue_certificate"
    WITHDRAW = "withdraw"
    REOPEN = "reopen"
    PRELIMINARY_REFUSAL = "preliminary_refusal"

    @property
    def label(self) -> str:
        return str(ACTION_LABELS[self])


ACTION_LABELS = {
    Action.SUBMIT: _l("Documents submitted"),
    Action.ACCEPT_DOCUMENTS: _l("Documents accepted"),
    Action.REFUSE_DOCUMENTS: _l("Documents refused"),
    Action.START_CHECKS: _l("Checks with the state systems started"),
    Action.COMPLETE_CHECKS: _l("All checks passed"),
    Action.GRANT: _l("Kandas status granted"),
    Action.REFUSE_STATUS: _l("Kandas status refused"),
    Action.ISSUE_CERTIFICATE: _l("Certificate issued"),
    Action.WITHDRAW: _l("Application withdrawn by the applicant"),
    Action.REOPEN: _l("Reopened after an appeal or a court decision"),
    Action.PRELIMINARY_REFUSAL: _l("Preliminary refusal sent to the applicant (K4)"),
}

# Before a decision the applicant may withdraw; after it, an appeal is the way.
WITHDRAWABLE = (
    State.DRAFT,
    State.SUBMITTED,
    State.DOCUMENTS_REFUSED,
    State.DOCUMENTS_ACCEPTED,
    State.CHECKS_RUNNING,
    State.READY_FOR_DECISION,
    State.HEARING,
)
# A decision on the status (R9-1): what every application must be able to reach.
DECIDED = (State.STATUS_GRANTED, State.STATUS_REFUSED, State.CERTIFICATE_ISSUED)

TRANSITIONS: dict[tuple[State, Action], State] = {
    (State.DRAFT, Action.SUBMIT): State.SUBMITTED,
    (State.DOCUMENTS_REFUSED, Action.SUBMIT): State.SUBMITTED,
    (State.SUBMITTED, Action.ACCEPT_DOCUMENTS): State.DOCUMENTS_ACCEPTED,
    (State.SUBMITTED, Action.REFUSE_DOCUMENTS): State.DOCUMENTS_REFUSED,
    (State.DOCUMENTS_ACCEPTED, Action.START_CHECKS): State.CHECKS_RUNNING,
    (State.CHECKS_RUNNING, Action.COMPLETE_CHECKS): State.READY_FOR_DECISION,
    (State.READY_FOR_DECISION, Action.GRANT): State.STATUS_GRANTED,
    (State.READY_FOR_DECISION, Action.REFUSE_STATUS): State.STATUS_REFUSED,
    (State.CHECKS_RUNNING, Action.REFUSE_STATUS): State.STATUS_REFUSED,  # R9-1 ground 2 only
    (State.STATUS_GRANTED, Action.ISSUE_CERTIFICATE): State.CERTIFICATE_ISSUED,
    (State.STATUS_REFUSED, Action.REOPEN): State.READY_FOR_DECISION,
    # K4 (2025 rules): a refusal begins with a preliminary decision and a hearing
    (State.READY_FOR_DECISION, Action.PRELIMINARY_REFUSAL): State.HEARING,
    (State.CHECKS_RUNNING, Action.PRELIMINARY_REFUSAL): State.HEARING,  # R9-1 ground 2
    (State.HEARING, Action.GRANT): State.STATUS_GRANTED,
    (State.HEARING, Action.REFUSE_STATUS): State.STATUS_REFUSED,
    **{(state, Action.WITHDRAW): State.WITHDRAWN for state in WITHDRAWABLE},
}


class WorkflowError(ValueError):
    """A step the application's state does not allow, with a message for the person."""


class ApplicationError(WorkflowError):
    """A refused action, with a translated message."""


def allowed(application: Application, action: Action) -> bool:
    return (application.state, action) in TRANSITIONS


def transition(application: Application, action: Action, **details) -> ApplicationEvent:
    """Move the application one step, or refuse with a clear message (a step applied twice or
    out of order). The caller's transaction commits the step and its timeline entry together;
    the version column makes a concurrent second commit fail."""
    target = TRANSITIONS.get((application.state, action))
    if target is None:
        if any(a == action and t == application.state for (_s, a), t in TRANSITIONS.items()):
            raise WorkflowError(
                _l("This step has already been taken: the application is now “%(state)s”.",
                   state=application.state.label)
            )  # fmt: skip
        raise WorkflowError(
            _l("This step is not possible now: the application is “%(state)s”.",
               state=application.state.label)
        )  # fmt: skip
    event = ApplicationEvent(
        application=application,
        actor_id=current_actor_id(),
        kind=EventKind.TRANSITION,
        action=action.value,
        from_state=application.state.value,
        to_state=target.value,
        details={k: _plain(v) for k, v in details.items()},
    )
    application.state = target
    db.session.add(event)
    db.session.flush()
    return event


def record(application: Application, kind: EventKind, action: str, person_id: int | None = None,
           **details) -> ApplicationEvent:  # fmt: skip
    """A timeline entry that is not a change of state (a document, a check, an answer)."""
    event = ApplicationEvent(
        application=application,
        actor_id=current_actor_id(),
        kind=kind,
        action=action,
        person_id=person_id,
        details={k: _plain(v) for k, v in details.items()},
    )
    db.session.add(event)
    return event


def _plain(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    return value


# What the family and staff should do next, in plain words, for each state.
NEXT_STEP = {
    State.DRAFT: _l(
        "Collect the documents of every family member, then record the day they were handed in."
    ),
    State.SUBMITTED: _l(
        "Staff check the documents and accept or refuse them within three working days (R4-1)."
    ),
    State.DOCUMENTS_REFUSED: _l(
        "Correct what the refusal letter lists and hand the documents in again."
    ),
    State.DOCUMENTS_ACCEPTED: _l("The checks with the state systems start."),
    State.CHECKS_RUNNING: _l(
        "The state systems verify names and IINs; staff settle any possible duplicate."
    ),
    State.READY_FOR_DECISION: _l("The commission decides on the kandas status."),
    State.HEARING: _l(
        "The applicant is heard on the preliminary refusal; then the commission takes its "
        "final decision (K4)."
    ),
    State.STATUS_GRANTED: _l("Staff issue the kandas certificate."),
    State.STATUS_REFUSED: _l(
        "The refusal letter states the reasons; the family may appeal. A decision on the "
        "appeal or of a court that overturns the refusal reopens the application."
    ),
    State.CERTIFICATE_ISSUED: _l("Done: the family has its kandas certificate."),
    State.WITHDRAWN: _l("Nothing more: the applicant withdrew the application."),
}
