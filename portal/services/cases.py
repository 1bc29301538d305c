"""Write operations of the individual services (C8.1, C8.2, C8.3, C8.6, C8.7, C8.8, C8.10):
a case per request, its appointments with a staff member, and the outcome that closes it.

request → scheduled → in progress → delivered (with the outcome the service requires)
                                  → closed (without delivery, with a reason)

The allowed steps are the one table `TRANSITIONS`. Two shortcuts are deliberate: a case may be
started without an appointment (a document handed in for translation, C8.2), and delivered
from any open state (a reference question answered at the desk, C8.1). A case with an
appointment is "scheduled"; cancelling its last appointment makes it "requested" again.

Each operation checks first and writes after, so a refusal (`CaseError`, with a translated
message) leaves nothing behind; it flushes, and the view commits once. Appointment times are
stored in UTC, like every timestamp of the portal (SQLite compares them as text).
"""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, date, datetime
from enum import StrEnum

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select

from portal.accommodation.models import Room
from portal.auth.models import User
from portal.clock import KZ, now, today
from portal.extensions import db
from portal.residents.models import Person
from portal.roles import Role
from portal.services import eligibility
from portal.services.clashes import find_clashes
from portal.services.models import (
    Appointment,
    Case,
    CaseStatus,
    DeliveryMode,
    QuotaApplication,
    QuotaStatus,
    Service,
)
from portal.workdays import add_working_days

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


class CaseError(ValueError):
    """A refused action, with a translated message; `field` names the form field it concerns."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


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


def _check(case: Case, action: CaseAction) -> CaseStatus:
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


def _require_open(case: Case) -> None:
    if case.status in FINAL:
        raise CaseError(
            _l("This case is already %(state)s: nothing more can be done on it.",
               state=case.status.label)
        )  # fmt: skip


def is_overdue(case: Case, day: date) -> bool:
    return case.status in OPEN and case.due_on is not None and case.due_on < day


# ---------------------------------------------------------------------------------------------
# Opening a case
# ---------------------------------------------------------------------------------------------


def is_case_service(service: Service) -> bool:
    return service.code in CASE_SERVICES and DeliveryMode.CASE in service.delivery_modes


def case_services() -> list[Service]:
    """The services delivered as cases, in catalogue order (C8.1 … C8.10)."""
    rows = db.session.scalars(select(Service).where(Service.code.in_(CASE_SERVICES)))
    return sorted(rows, key=lambda s: service_order(s.code))


def service_order(code: str) -> tuple[int, ...]:
    """C8.2 before C8.10."""
    return tuple(int(n) for n in code.removeprefix("C").split("."))


def open_case(
    person: Person, service: Service, request: str, assigned_to: User | None, on: date
) -> Case:
    """Record a person's request for an individual service, due `DUE_WORKING_DAYS` later.

    Refused with the eligibility blockers' reasons (no open stay; C8.8 and C8.10 without an
    IIN; C8.7 without the kandas status), for a service not delivered as a case, and when the
    person already has an open case for the service.
    """
    if not is_case_service(service):
        raise CaseError(
            _l("%(service)s is not delivered as an individual case: enrol the person on a course"
               " or an event instead.", service=service.code),
            field="service",
        )  # fmt: skip
    blocked = eligibility.blockers(service, eligibility.facts(person, on))
    if blocked:
        raise CaseError(" ".join(b.message for b in blocked), field="service")
    request = (request or "").strip()
    if not request:
        raise CaseError(_l("Write down what the person asks for."), field="request")
    if len(request) > 4000:
        raise CaseError(_l("Keep the request under 4,000 characters."), field="request")
    centre_id = person.family.centre_id
    if assigned_to is not None:
        _require_centre_staff(assigned_to, centre_id, "assigned_to")
    existing = db.session.scalar(
        select(Case.id).where(
            Case.person_id == person.id, Case.service_id == service.id, Case.status.in_(OPEN)
        )
    )
    if existing:
        raise CaseError(
            _l("%(name)s already has an open case for this service (No. %(number)s): add to it"
               " instead.", name=person.full_name, number=existing),
            field="service",
        )  # fmt: skip
    case = Case(
        service=service,
        person=person,
        centre_id=centre_id,
        status=CaseStatus.REQUESTED,
        request=request,
        assigned_to=assigned_to,
        opened_on=on,
        due_on=add_working_days(on, DUE_WORKING_DAYS[service.code]),
    )
    db.session.add(case)
    db.session.flush()
    return case


def _require_centre_staff(user: User, centre_id: int, field: str) -> None:
    if user.role != Role.STAFF or user.centre_id != centre_id or not user.active:
        raise CaseError(_l("Choose a staff member of the person's centre."), field=field)


# ---------------------------------------------------------------------------------------------
# Appointments
# ---------------------------------------------------------------------------------------------


def _utc(value: datetime) -> datetime:
    """An aware time in UTC; a naive one is taken as Kazakhstan time (what a form gives)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=KZ)
    return value.astimezone(UTC)


def _check_times(starts_at: datetime, ends_at: datetime) -> tuple[datetime, datetime]:
    starts_at, ends_at = _utc(starts_at), _utc(ends_at)
    if ends_at <= starts_at:
        raise CaseError(_l("The appointment must end after it starts."), field="ends")
    if (ends_at - starts_at).total_seconds() > 12 * 3600:
        raise CaseError(_l("An appointment lasts at most 12 hours."), field="ends")
    return starts_at, ends_at


def _refuse_clashes(
    case: Case,
    starts_at: datetime,
    ends_at: datetime,
    staff_id: int,
    room_id: int | None,
    exclude_appointment_id: int | None = None,
) -> None:
    """Hold the person, the staff member and the room for this transaction (PostgreSQL row
    locks, so two staff booking at once wait for each other), then refuse any clash."""
    db.session.execute(select(User.id).where(User.id == staff_id).with_for_update())
    db.session.execute(select(Person.id).where(Person.id == case.person_id).with_for_update())
    if room_id:
        db.session.execute(select(Room.id).where(Room.id == room_id).with_for_update())
    clashes = find_clashes(
        starts_at,
        ends_at,
        person_ids=[case.person_id],
        teacher_id=staff_id,
        room_id=room_id,
        exclude_appointment_id=exclude_appointment_id,
    )
    if clashes:
        messages = list(dict.fromkeys(c.message for c in clashes))
        raise CaseError(" ".join(messages), field="starts")


def schedule(
    case: Case,
    staff: User,
    starts_at: datetime,
    ends_at: datetime,
    room: Room | None = None,
    note: str | None = None,
) -> Appointment:
    """Make an appointment of the case with a staff member of its centre (and a room, if any).

    Refused when the person, the staff member or the room is busy at that time, with the
    reason naming the other session or appointment. A requested case becomes scheduled.
    """
    target = _check(case, CaseAction.SCHEDULE)
    _require_centre_staff(staff, case.centre_id, "staff_id")
    if room is not None and room.centre_id != case.centre_id:
        raise CaseError(_l("Choose a room of the person's centre."), field="room_id")
    starts_at, ends_at = _check_times(starts_at, ends_at)
    note = (note or "").strip() or None
    if note and len(note) > MAX_TEXT:
        raise CaseError(_l("Keep the note under 2,000 characters."), field="note")
    _refuse_clashes(case, starts_at, ends_at, staff.id, room.id if room else None)
    appointment = Appointment(
        case=case, staff=staff, room=room, starts_at=starts_at, ends_at=ends_at, note=note
    )
    db.session.add(appointment)
    case.status = target
    db.session.flush()
    return appointment


def move_appointment(appointment: Appointment, starts_at: datetime, ends_at: datetime) -> None:
    """Move an appointment to another time (the calendar's drag and drop): the same clash
    checks as a new one, the appointment itself left out of them."""
    case = appointment.case
    _require_open(case)
    if appointment.cancelled:
        raise CaseError(_l("This appointment has been cancelled."))
    starts_at, ends_at = _check_times(starts_at, ends_at)
    _refuse_clashes(
        case, starts_at, ends_at, appointment.staff_id, appointment.room_id,
        exclude_appointment_id=appointment.id,
    )  # fmt: skip
    appointment.starts_at, appointment.ends_at = starts_at, ends_at
    db.session.flush()


def cancel_appointment(appointment: Appointment) -> None:
    """Cancel an appointment; a scheduled case with no appointment left is requested again."""
    case = appointment.case
    _require_open(case)
    if appointment.cancelled:
        raise CaseError(_l("This appointment has already been cancelled."))
    appointment.cancelled = True
    if case.status == CaseStatus.SCHEDULED and not any(
        not a.cancelled for a in case.appointments if a is not appointment
    ):
        case.status = _check(case, CaseAction.UNSCHEDULE)
    db.session.flush()


def _cancel_future_appointments(case: Case) -> None:
    """A delivered or closed case keeps no one's time booked."""
    moment = now()
    for a in case.appointments:
        if not a.cancelled and a.starts_at > moment:
            a.cancelled = True


# ---------------------------------------------------------------------------------------------
# Progress, delivery and closure
# ---------------------------------------------------------------------------------------------


def start(case: Case) -> None:
    """The work on the case has begun."""
    case.status = _check(case, CaseAction.START)
    db.session.flush()


# The outcome each service requires to be delivered: one of the alternatives, every key of it.
OUTCOMES: dict[str, tuple[tuple[str, ...], ...]] = {
    "C8.1": (("answered",),),
    "C8.2": (("translated",),),
    "C8.3": (("employer", "since"), ("training",)),
    "C8.6": (("quota",), ("advice",)),
    "C8.7": (("documents_submitted_on",),),
    "C8.8": (("clinic",), ("referral",)),
    "C8.10": (("assistance",),),
}
OUTCOME_MISSING = {
    "C8.1": _l("Record the answer given to the request."),
    "C8.2": _l("Record what was translated."),
    "C8.3": _l("Record where the person is employed and since when, or the training they took."),
    "C8.6": _l("Record the regional-quota application (filed, included or refused), or the advice"
               " given."),
    "C8.7": _l("Record the date the citizenship documents were submitted."),
    "C8.8": _l("Record the clinic the person is attached to, or the referral issued."),
    "C8.10": _l("Record whether the targeted social assistance was granted or refused."),
}  # fmt: skip
DATE_KEYS = ("since", "documents_submitted_on")
CHOICES = {
    "quota": ("filed", "included", "refused"),
    "assistance": ("granted", "refused"),
}
OUTCOME_LABELS = {
    "answered": _l("Answer given"),
    "translated": _l("Translated"),
    "employer": _l("Employer"),
    "since": _l("Employed since"),
    "training": _l("Training"),
    "quota": _l("Regional-quota application"),
    "advice": _l("Advice given"),
    "documents_submitted_on": _l("Citizenship documents submitted on"),
    "clinic": _l("Attached to the clinic"),
    "referral": _l("Referral"),
    "assistance": _l("Targeted social assistance"),
}
CHOICE_LABELS = {
    "filed": _l("application filed"),
    "included": _l("included in the quota"),
    "refused": _l("refused"),
    "granted": _l("granted"),
}
QUOTA_STATUS_LABELS = {
    QuotaStatus.SUBMITTED: _l("filed, awaiting the decision"),
    QuotaStatus.INCLUDED: _l("included in the regional quota"),
    QuotaStatus.REFUSED: _l("refused"),
}


def _present(value) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def check_outcome(service: Service, outcome: dict | None, on: date) -> dict:
    """The outcome the service requires, cleaned (dates as ISO strings), or a refusal."""
    outcome = {k: v for k, v in (outcome or {}).items() if _present(v)}
    alternatives = OUTCOMES[service.code]
    chosen = [alt for alt in alternatives if all(k in outcome for k in alt)]
    if not chosen:
        # A half-filled alternative names the missing part; otherwise the whole requirement.
        partial = next((alt for alt in alternatives if any(k in outcome for k in alt)), None)
        field = next(k for k in partial if k not in outcome) if partial else alternatives[0][0]
        raise CaseError(OUTCOME_MISSING[service.code], field=field)
    keys = [k for alt in chosen for k in alt]
    clean: dict[str, str] = {}
    for key in keys:
        value = outcome[key]
        if key in DATE_KEYS:
            day = _as_date(value, key)
            if key == "documents_submitted_on" and day > on:
                raise CaseError(_l("The date cannot be in the future."), field=key)
            clean[key] = day.isoformat()
        elif key in CHOICES:
            if str(value) not in CHOICES[key]:
                raise CaseError(_l("Choose one of the answers offered."), field=key)
            clean[key] = str(value)
        else:
            text = str(value).strip()
            if len(text) > MAX_TEXT:
                raise CaseError(_l("Keep the answer under 2,000 characters."), field=key)
            clean[key] = text
    return clean


def _as_date(value, key: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CaseError(_l("Enter a date such as 2026-11-25."), field=key) from None


def deliver(case: Case, outcome: dict, on: date | None = None) -> None:
    """The service has been delivered, with the outcome the service requires (`OUTCOMES`).

    C8.6 with a quota outcome records the person's regional-quota application: "filed" opens
    it (or files it again after a refusal); "included" and "refused" decide the filed one.
    """
    on = on or today()
    target = _check(case, CaseAction.DELIVER)
    clean = check_outcome(case.service, outcome, on)
    if "quota" in clean:
        _record_quota(case.person_id, clean["quota"], on)
    case.outcome = clean
    case.status = target
    case.closed_on = on
    _cancel_future_appointments(case)
    db.session.flush()


def _record_quota(person_id: int, step: str, on: date) -> QuotaApplication:
    application = db.session.scalar(
        select(QuotaApplication).where(QuotaApplication.person_id == person_id).with_for_update()
    )
    if step == "filed":
        if application is not None and application.status == QuotaStatus.SUBMITTED:
            raise CaseError(
                _l("The quota application was already filed on %(date)s.",
                   date=format_date(application.submitted_on)),
                field="quota",
            )  # fmt: skip
        if application is not None and application.status == QuotaStatus.INCLUDED:
            raise CaseError(_l("The person is already included in the regional quota."), "quota")
        if application is None:
            application = QuotaApplication(person_id=person_id)
            db.session.add(application)
        application.status = QuotaStatus.SUBMITTED
        application.submitted_on = on
        application.decided_on = None
        return application
    if application is None:
        raise CaseError(
            _l("No quota application has been filed for this person: record it as filed first."),
            field="quota",
        )
    if application.status != QuotaStatus.SUBMITTED:
        raise CaseError(
            _l("The quota application has already been decided: %(status)s on %(date)s.",
               status=QUOTA_STATUS_LABELS[application.status],
               date=format_date(application.decided_on or application.submitted_on)),
            field="quota",
        )  # fmt: skip
    application.status = QuotaStatus.INCLUDED if step == "included" else QuotaStatus.REFUSED
    application.decided_on = on
    return application


def close(case: Case, reason: str, on: date | None = None) -> None:
    """Close the case without delivering the service (the person left, withdrew, …)."""
    target = _check(case, CaseAction.CLOSE)
    reason = (reason or "").strip()
    if not reason:
        raise CaseError(_l("Give the reason for closing the case."), field="reason")
    if len(reason) > MAX_TEXT:
        raise CaseError(_l("Keep the reason under 2,000 characters."), field="reason")
    case.status = target
    case.close_reason = reason
    case.closed_on = on or today()
    _cancel_future_appointments(case)
    db.session.flush()


# ---------------------------------------------------------------------------------------------
# Queries
# ---------------------------------------------------------------------------------------------


def overdue_criteria(centre_ids, day: date):
    """Open cases of these centres (ids, or a subquery of ids) past their due date."""
    return and_(Case.centre_id.in_(centre_ids), Case.status.in_(OPEN), Case.due_on < day)


def overdue(centre_ids, day: date) -> list[Case]:
    """Open cases of these centres (ids, or a subquery of ids) past their due date, the
    longest overdue first."""
    return list(
        db.session.scalars(
            select(Case).where(overdue_criteria(centre_ids, day)).order_by(Case.due_on, Case.id)
        )
    )


def count_overdue(centre_ids, day: date) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Case).where(overdue_criteria(centre_ids, day))
    )


def describe_outcome(case: Case) -> list[tuple[str, str]]:
    """The outcome as (label, value) lines in the current language."""
    lines = []
    for key, value in (case.outcome or {}).items():
        label = str(OUTCOME_LABELS.get(key, key))
        if key in DATE_KEYS:
            with suppress(TypeError, ValueError):
                value = format_date(date.fromisoformat(value), "long")
        elif key in CHOICES:
            value = str(CHOICE_LABELS.get(value, value))
        lines.append((label, str(value)))
    return lines
