"""Write operations of courses and events (C8.3 trainings, C8.4, C8.9 courses; C8.5 cultural
events): creating an activity with its sessions, enrolment with a waiting list, cancelling,
and moving a session.

The operations change state and flush; the view commits once. Refusals raise `ActivityError`
with a translated message (and, for clashes and eligibility, the list of reasons). When the
sessions fall is decided in `recurrence`, attendance and absence alerts in `attendance`, the
order of the waiting list in `waitlist`.

Decisions taken here, so that the rules are in one place:

- **Eligibility.** C8 services go to residents living in the centre: a person enrols when
  `eligibility.blockers` finds nothing on the day they would first attend (today, or the first
  day of a course that has not started yet), and only in their own centre's activities.
- **Seats.** An enrolled person holds a numbered seat from 1 to the capacity; the database keeps
  a seat unique per activity, so two concurrent enrolments cannot both take the last one: the
  loser's insert fails inside a SAVEPOINT and it takes the next free seat, or the waiting list.
- **Waiting list.** In order of enrolment (created_at, then id). When a seat frees, the first
  person on the list who can still take it is promoted in the same transaction; a person who
  has left the centre or now has a clashing session keeps their place and is passed over.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import selectinload

from portal.accommodation.models import Centre, Room
from portal.auth.models import User
from portal.clock import now, now_utc, today
from portal.extensions import db
from portal.residents.models import Person
from portal.services.calendar.clashes import find_clashes
from portal.services.catalogue import eligibility
from portal.services.catalogue.models import Service
from portal.services.courses import waitlist
from portal.services.courses.models import (
    Activity,
    ActivityKind,
    ActivitySession,
    Enrolment,
    EnrolmentStatus,
)
from portal.services.courses.recurrence import (
    at,
    aware_instant,
    clash_lines,
    eligibility_day,
    parse_weekdays,
    session_days,
)
from portal.services.courses.rules import ActivityError, check_activity
from portal.services.courses.waitlist import ACTIVE

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------
# Creating an activity
# ---------------------------------------------------------------------------------------------


def create_activity(
    centre: Centre,
    kind: ActivityKind | str,
    service: Service,
    title: str,
    language: str | None,
    level: str | None,
    teacher: User | None,
    room: Room | None,
    capacity: int,
    start_on: date,
    end_on: date,
    weekdays: str | Iterable[int],
    starts_at_time: time,
    ends_at_time: time,
) -> Activity:
    """Create a course or an event of `centre` with its sessions (C8.3, C8.4, C8.5, C8.9).

    Sessions fall on the chosen weekdays between the dates (public holidays skipped for a
    course); the teacher and the room must be free for every one of them, or nothing is
    created and the clashes are listed, each with the session it meets.
    """
    kind = ActivityKind(kind)
    days_chosen = parse_weekdays(weekdays)
    title = (title or "").strip()
    check_activity(
        centre, kind, service, title, language, teacher, room, capacity, start_on, end_on,
        days_chosen, starts_at_time, ends_at_time,
    )  # fmt: skip
    days = session_days(kind, start_on, end_on, days_chosen)
    if not days:
        raise ActivityError(
            _l("No session falls on the chosen days between these dates (public holidays are skipped).")
        )  # fmt: skip
    slots = [(at(d, starts_at_time), at(d, ends_at_time)) for d in days]
    teacher_id = teacher.id if teacher else None
    room_id = room.id if room else None
    clashes = clash_lines(slots, teacher_id=teacher_id, room_id=room_id)
    if clashes:
        raise ActivityError(
            _l("The teacher or the room is busy at some of these sessions. Change the days, the time, the teacher or the room."),
            clashes,
        )  # fmt: skip
    activity = Activity(
        kind=kind,
        service_id=service.id,
        centre_id=centre.id,
        title=title,
        language=language or None,
        level=(level or "").strip() or None,
        teacher_id=teacher_id,
        room_id=room_id,
        capacity=capacity,
        start_on=start_on,
        end_on=end_on,
        weekdays=",".join(str(d) for d in days_chosen),
        starts_at_time=starts_at_time,
        ends_at_time=ends_at_time,
    )
    db.session.add(activity)
    db.session.add_all(
        ActivitySession(
            activity=activity, starts_at=s, ends_at=e, room_id=room_id, teacher_id=teacher_id
        )
        for s, e in slots
    )
    db.session.flush()
    log.info("activity %s created with %s sessions", activity.id, len(slots))
    return activity


# ---------------------------------------------------------------------------------------------
# Enrolment, the waiting list and cancellation
# ---------------------------------------------------------------------------------------------


def _free_seat(activity_id: int, capacity: int) -> int | None:
    """The lowest seat from 1 to `capacity` that nobody enrolled holds, read now."""
    taken = set(
        db.session.scalars(
            select(Enrolment.seat).where(
                Enrolment.activity_id == activity_id, Enrolment.status == EnrolmentStatus.ENROLLED
            )
        )
    )
    return next((n for n in range(1, capacity + 1) if n not in taken), None)


def _hold_seat(enrolment: Enrolment, seat: int) -> bool:
    """Give `enrolment` the seat inside a SAVEPOINT: False (and the savepoint undone, the outer
    transaction intact) when another transaction took the seat since we looked."""
    try:
        with db.session.begin_nested():
            enrolment.status = EnrolmentStatus.ENROLLED
            enrolment.seat = seat
            db.session.add(enrolment)
    except IntegrityError:
        return False
    except OperationalError as e:
        _busy(e)
    return True


def _busy(e: OperationalError):
    """SQLite under contention past its busy timeout: nothing is written; try again."""
    db.session.rollback()
    if "locked" not in str(e.orig).lower():
        raise e
    raise ActivityError(
        _l("Someone else changed this at the same moment. Reload the page and try again.")
    ) from e


def _upcoming_slots(activity: Activity) -> list[tuple[datetime, datetime]]:
    """The activity's sessions that have not ended yet, as UTC instants."""
    rows = db.session.execute(
        select(ActivitySession.starts_at, ActivitySession.ends_at).where(
            ActivitySession.activity_id == activity.id,
            ActivitySession.cancelled.is_(False),
            ActivitySession.ends_at > now().astimezone(UTC),
        )
    )
    return [(s, e) for s, e in rows]


def _blockers(activity: Activity, person: Person) -> list[str]:
    """Why the person may not have the activity's service (C8: residents of this centre)."""
    facts = eligibility.facts(person, eligibility_day(activity))
    return [b.message for b in eligibility.blockers(activity.service, facts)]


def _other_centre(activity: Activity, person: Person) -> bool:
    return person.family.centre_id != activity.centre_id


def enrol(activity: Activity, person: Person) -> Enrolment:
    """Enrol a resident in a course or event (C8.3, C8.4, C8.5, C8.9): ENROLLED with the lowest
    free seat, or WAITLISTED when every seat is taken.

    Refused with the reasons when the person may not have the service (not living in the
    centre …), belongs to another centre, is already enrolled or waiting, or has another
    session or appointment at the time of one of the activity's coming sessions.
    """
    name = person.full_name
    if activity.cancelled:
        raise ActivityError(_l("This course or event has been cancelled."))
    if activity.end_on < today():
        raise ActivityError(_l("This course or event is over."))
    if _other_centre(activity, person):
        raise ActivityError(_l("Only residents of this centre can enrol."))
    current = db.session.scalar(
        select(Enrolment.status).where(
            Enrolment.activity_id == activity.id,
            Enrolment.person_id == person.id,
            Enrolment.status.in_(ACTIVE),
        )
    )
    if current == EnrolmentStatus.ENROLLED:
        raise ActivityError(_l("%(name)s is already enrolled.", name=name))
    if current == EnrolmentStatus.WAITLISTED:
        raise ActivityError(_l("%(name)s is already on the waiting list.", name=name))
    blockers = _blockers(activity, person)
    if blockers:
        raise ActivityError(_l("%(name)s cannot have this service:", name=name), blockers)
    clashes = clash_lines(
        _upcoming_slots(activity), person_ids=[person.id], exclude_activity_id=activity.id
    )
    if clashes:
        raise ActivityError(
            _l("%(name)s is busy at the time of some sessions:", name=name), clashes
        )
    return _place(activity, person)


def _place(activity: Activity, person: Person) -> Enrolment:
    """A seat if one is free (retrying when a concurrent enrolment takes it first), else the
    waiting list."""
    for _attempt in range(activity.capacity):
        seat = _free_seat(activity.id, activity.capacity)
        if seat is None:
            break
        enrolment = Enrolment(activity_id=activity.id, person_id=person.id)
        if _hold_seat(enrolment, seat):
            log.info("person %s enrolled in activity %s, seat %s", person.id, activity.id, seat)
            return enrolment
    enrolment = Enrolment(
        activity_id=activity.id, person_id=person.id, status=EnrolmentStatus.WAITLISTED
    )
    db.session.add(enrolment)
    try:
        db.session.flush()
    except IntegrityError as e:  # the same person enrolled by someone else at this moment
        db.session.rollback()
        raise ActivityError(
            _l("Someone else changed this at the same moment. Reload the page and try again.")
        ) from e
    except OperationalError as e:
        _busy(e)
    log.info("person %s waitlisted for activity %s", person.id, activity.id)
    return enrolment


def cancel(enrolment: Enrolment) -> Enrolment | None:
    """Cancel an enrolment or a place on the waiting list. A freed seat goes, in the same
    transaction, to the first person on the waiting list who can take it: that enrolment is
    returned (None when nobody moved up)."""
    if enrolment.status == EnrolmentStatus.CANCELLED:
        raise ActivityError(_l("This enrolment has already been cancelled."))
    held_seat = enrolment.status == EnrolmentStatus.ENROLLED
    enrolment.status = EnrolmentStatus.CANCELLED
    enrolment.seat = None
    enrolment.cancelled_at = now_utc()
    db.session.flush()  # the seat is free before anyone takes it (the unique seat holds)
    log.info("enrolment %s cancelled", enrolment.id)
    if not held_seat:
        return None
    promoted = promote_waitlisted(enrolment.activity)
    return promoted[0] if promoted else None


def _mover(activity: Activity):
    """Whether a waiting enrolment may take a free seat: the person still lives in the
    activity's centre, is eligible, and has nothing else at its sessions' times (the slots
    read once, when the first candidate needs them)."""
    slots: list[tuple[datetime, datetime]] | None = None

    def may_move_up(enrolment: Enrolment) -> bool:
        nonlocal slots
        if _other_centre(activity, enrolment.person) or _blockers(activity, enrolment.person):
            return False
        if slots is None:
            slots = _upcoming_slots(activity)
        return not clash_lines(
            slots, person_ids=[enrolment.person_id], exclude_activity_id=activity.id
        )

    return may_move_up


def _waiting_with_families(activity: Activity) -> Select:
    return waitlist.waiting(activity).options(
        selectinload(Enrolment.person).selectinload(Person.family)
    )


def next_up(enrolment: Enrolment) -> Enrolment | None:
    """Who would move up from the waiting list if `enrolment` were cancelled now: the first
    waiting person `promote_waitlisted` would seat (None when the enrolment holds no seat or
    nobody waiting can take it). Nothing is changed: the confirmation says it beforehand."""
    if enrolment.status != EnrolmentStatus.ENROLLED:
        return None
    may_move_up = _mover(enrolment.activity)
    waiting = db.session.scalars(_waiting_with_families(enrolment.activity))
    return next((e for e in waiting if may_move_up(e)), None)


def promote_waitlisted(activity: Activity) -> list[Enrolment]:
    """Fill the free seats from the waiting list, in order. Whoever can no longer take a seat
    (no longer eligible, or a clash) keeps their place on the list and is passed over."""
    waiting = _waiting_with_families(activity).with_for_update()
    promoted: list[Enrolment] = []
    may_move_up = _mover(activity)
    for enrolment in db.session.scalars(waiting).all():
        if _free_seat(activity.id, activity.capacity) is None:
            break
        if not may_move_up(enrolment):
            continue
        for _attempt in range(activity.capacity):
            seat = _free_seat(activity.id, activity.capacity)
            if seat is None:
                return promoted
            if _hold_seat(enrolment, seat):
                promoted.append(enrolment)
                log.info("enrolment %s promoted to seat %s", enrolment.id, seat)
                break
    return promoted


def move_session(
    session: ActivitySession, starts_at: datetime, ends_at: datetime, room_id: int | None
) -> ActivitySession:
    """Move one session to another time and/or room. Refused, with what clashes with what,
    when the teacher, the room or an enrolled person is busy then. The datetimes must be
    timezone-aware (`datetime(..., tzinfo=clock.KZ)` for a local time)."""
    starts_at, ends_at = aware_instant(starts_at), aware_instant(ends_at)
    if ends_at <= starts_at:
        raise ActivityError(_l("A session must end after it starts."))
    activity = session.activity
    if room_id is not None:
        centre_id = db.session.scalar(select(Room.centre_id).where(Room.id == room_id))
        if centre_id != activity.centre_id:
            raise ActivityError(_l("The room must be in this centre."))
    enrolled = db.session.scalars(
        select(Enrolment.person_id).where(
            Enrolment.activity_id == activity.id, Enrolment.status == EnrolmentStatus.ENROLLED
        )
    ).all()
    clashes = find_clashes(
        starts_at,
        ends_at,
        person_ids=enrolled,
        teacher_id=session.teacher_id,
        room_id=room_id,
        exclude_session_id=session.id,
    )
    if clashes:
        messages = list(dict.fromkeys(c.message for c in clashes))
        raise ActivityError(_l("The session cannot be moved to this time or room:"), messages)
    session.starts_at, session.ends_at, session.room_id = starts_at, ends_at, room_id
    db.session.flush()
    log.info("session %s moved", session.id)
    return session
