"""Write operations of the individual services (C8.1, C8.2, C8.3, C8.6, C8.7, C8.8, C8.10):
a case per request, its appointments with a staff member, and the outcome that closes it.

The steps a case may take are the table of `workflow`; the outcome each service requires is in
`outcomes`. Each operation checks first and writes after, so a refusal (`CaseError`, with a
translated message) leaves nothing behind; it flushes, and the view commits once. Appointment
times are stored in UTC, like every timestamp of the portal (SQLite compares them as text).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accommodation.models import Room
from portal.auth.models import User
from portal.clock import KZ, now, today
from portal.extensions import db
from portal.residents.models import Person
from portal.roles import Role
from portal.services.calendar.clashes import find_clashes
from portal.services.cases.models import Appointment, Case, CaseStatus
from portal.services.cases.outcomes import check_outcome, record_quota
from portal.services.cases.workflow import (
    DUE_WORKING_DAYS,
    MAX_TEXT,
    OPEN,
    CaseAction,
    CaseError,
    check,
    is_case_service,
    require_open,
)
from portal.services.catalogue import eligibility
from portal.services.catalogue.models import Service
from portal.workdays import add_working_days

# ---------------------------------------------------------------------------------------------
# Opening a case
# ---------------------------------------------------------------------------------------------


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
    target = check(case, CaseAction.SCHEDULE)
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
    require_open(case)
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
    require_open(case)
    if appointment.cancelled:
        raise CaseError(_l("This appointment has already been cancelled."))
    unscheduled = leaves_unscheduled(appointment)
    appointment.cancelled = True
    if unscheduled:
        case.status = check(case, CaseAction.UNSCHEDULE)
    db.session.flush()


def leaves_unscheduled(appointment: Appointment) -> bool:
    """Whether cancelling `appointment` sends its scheduled case back to the requests waiting
    for a time: no other appointment of the case is left (what the confirmation says)."""
    case = appointment.case
    return case.status == CaseStatus.SCHEDULED and not any(
        not a.cancelled for a in case.appointments if a is not appointment
    )


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
    case.status = check(case, CaseAction.START)
    db.session.flush()


def deliver(case: Case, outcome: dict, on: date | None = None) -> None:
    """The service has been delivered, with the outcome the service requires (`OUTCOMES`).

    C8.6 with a quota outcome records the person's regional-quota application: "filed" opens
    it (or files it again after a refusal); "included" and "refused" decide the filed one.
    """
    on = on or today()
    target = check(case, CaseAction.DELIVER)
    clean = check_outcome(case.service, outcome, on)
    if "quota" in clean:
        record_quota(case.person_id, clean["quota"], on)
    case.outcome = clean
    case.status = target
    case.closed_on = on
    _cancel_future_appointments(case)
    db.session.flush()


def close(case: Case, reason: str, on: date | None = None) -> None:
    """Close the case without delivering the service (the person left, withdrew, …)."""
    target = check(case, CaseAction.CLOSE)
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
