"""The life of a case of the individual services (C8.1, C8.2, C8.3, C8.6, C8.7, C8.8, C8.10):
its states, the one table `TRANSITIONS` of the allowed steps, and when a case is overdue.

request → scheduled → in progress → delivered (with the outcome the service requires)
                                  → closed (without delivery, with a reason)

Two shortcuts are deliberate: a case may be started without an appointment (a document handed
in for translation, C8.2), and delivered from any open state (a reference question answered at
the desk, C8.1). A case with an appointment is "scheduled"; cancelling its last appointment
makes it "requested" again. A refusal is a `CaseError` with a translated message.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from portal.refusals import Refusal
from portal.services.cases.models import Case, CaseStatus
from portal.services.catalogue.models import DeliveryMode, Service

# How many Kazakhstan working days after the request a case is due (then flagged overdue).
# The order sets no time limits for the services; these are the portal's own service targets,
# counted like R4-1 (`add_working_days`: the day of the request never counts).
DUE_WORKING_DAYS = {
    "C8.1": 3,  # information and reference: a few days
    "C8.2": 5,  # translation of a document
    "C8.3": 20,  # employment or training: job referrals take weeks
    "C8.6": 10,  # legal help, the regional-quota application
    "C8.7": 15,  # citizenship documents
    "C8.8": 5,  # clinic attachment or referral
    "C8.10": 10,  # targeted social assistance
}
CASE_SERVICES = tuple(DUE_WORKING_DAYS)
OPEN = (CaseStatus.REQUESTED, CaseStatus.SCHEDULED, CaseStatus.IN_PROGRESS)
FINAL = (CaseStatus.DELIVERED, CaseStatus.CLOSED)
MAX_TEXT = 2000


class CaseError(Refusal):
    """A refused action on a case (see `portal.refusals.Refusal`)."""


# ---------------------------------------------------------------------------------------------
# The state machine
# ---------------------------------------------------------------------------------------------


class CaseAction(StrEnum):
    SCHEDULE = "schedule"  # an appointment is made
    UNSCHEDULE = "unschedule"  # the last appointment is cancelled
    START = "start"
    DELIVER = "deliver"
    CLOSE = "close"


R, S, P = CaseStatus.REQUESTED, CaseStatus.SCHEDULED, CaseStatus.IN_PROGRESS
TRANSITIONS: dict[tuple[CaseStatus, CaseAction], CaseStatus] = {
    (R, CaseAction.SCHEDULE): S,
    (S, CaseAction.SCHEDULE): S,
    (P, CaseAction.SCHEDULE): P,
    (S, CaseAction.UNSCHEDULE): R,
    (R, CaseAction.START): P,
    (S, CaseAction.START): P,
    (R, CaseAction.DELIVER): CaseStatus.DELIVERED,
    (S, CaseAction.DELIVER): CaseStatus.DELIVERED,
    (P, CaseAction.DELIVER): CaseStatus.DELIVERED,
    (R, CaseAction.CLOSE): CaseStatus.CLOSED,
    (S, CaseAction.CLOSE): CaseStatus.CLOSED,
    (P, CaseAction.CLOSE): CaseStatus.CLOSED,
}


def allowed(case: Case, action: CaseAction) -> bool:
    return (case.status, action) in TRANSITIONS


def check(case: Case, action: CaseAction) -> CaseStatus:
    """The state the action leads to, or a refusal that says why not."""
    target = TRANSITIONS.get((case.status, action))
    if target is not None:
        return target
    if case.status in FINAL:
        raise CaseError(
            _l("This case is already %(state)s: nothing more can be done on it.",
               state=case.status.label)
        )  # fmt: skip
    if action == CaseAction.START and case.status == CaseStatus.IN_PROGRESS:
        raise CaseError(_l("This case is already in progress."))
    raise CaseError(
        _l("This is not possible now: the case is “%(state)s”.", state=case.status.label)
    )


def require_open(case: Case) -> None:
    if case.status in FINAL:
        raise CaseError(
            _l("This case is already %(state)s: nothing more can be done on it.",
               state=case.status.label)
        )  # fmt: skip


def is_overdue(case: Case, day: date) -> bool:
    return case.status in OPEN and case.due_on is not None and case.due_on < day


def is_case_service(service: Service) -> bool:
    return service.code in CASE_SERVICES and DeliveryMode.CASE in service.delivery_modes
