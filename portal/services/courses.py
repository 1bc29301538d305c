"""Courses and events (C8.3 trainings, C8.4, C8.9 courses; C8.5 cultural events): their
sessions, enrolment with a waiting list, attendance and absence alerts.

The operations change state and flush; the view commits once. Refusals raise `ActivityError`
with a translated message (and, for clashes and eligibility, the list of reasons).

Decisions taken here, so that the rules are in one place:

- **Which days hold a session.** A course meets on the weekdays chosen, every week from its
  first to its last day. A chosen day is skipped when it is a *day off for a reason other than
  the weekend*: a public holiday of `holidays.KZ` (observed days included) or an
  administrator's DAY_OFF correction (`portal.workdays`). A WORKDAY correction keeps the day.
  So a course that meets on Saturdays keeps its Saturdays, except a Saturday that is a public
  holiday (Nauryz on 21 March 2026). An *event* takes place on the dates chosen even on a
  holiday (a Nauryz concert is held on Nauryz); with no weekday chosen it runs every day from
  its first to its last day.
- **Times.** Sessions start and end at the chosen local times in Kazakhstan (Asia/Almaty) and
  are stored as UTC instants (SQLite keeps no offset; every stored instant in the portal is UTC).
- **Eligibility.** C8 services go to residents living in the centre: a person enrols when
  `eligibility.blockers` finds nothing on the day they would first attend (today, or the first
  day of a course that has not started yet), and only in their own centre's activities.
- **Seats.** An enrolled person holds a numbered seat from 1 to the capacity; the database keeps
  a seat unique per activity, so two concurrent enrolments cannot both take the last one: the
  loser's insert fails inside a SAVEPOINT and it takes the next free seat, or the waiting list.
- **Waiting list.** In order of enrolment (created_at, then id). When a seat frees, the first
  person on the list who can still take it is promoted in the same transaction; a person who
  has left the centre or now has a clashing session keeps their place and is passed over.
- **Absence alerts.** Per person and activity: when the last N recorded sessions (N =
  `PORTAL_ABSENCE_ALERT_AFTER`, default 3) are all ABSENT. Only ABSENT counts; an absence with
  notice (EXCUSED) neither counts nor breaks the run (it is skipped); PRESENT and LATE break
  it. Activities that ended more than `ALERT_RECENT_DAYS` ago and cancelled enrolments raise
  no alert.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from flask_babel import format_date, format_datetime, to_user_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import selectinload

from portal.accommodation.models import Centre, Room, Stay
from portal.auth.models import User
from portal.clock import KZ, now, now_utc, today
from portal.extensions import db
from portal.residents.models import Family, Person
from portal.roles import Role
from portal.services import eligibility
from portal.services.activity_rules import (  # noqa: F401  (part of this module's interface)
    LANGUAGE_COURSES,
    LANGUAGES,
    MAX_DAYS,
    ActivityError,
    check_activity,
)
from portal.services.clashes import find_clashes
from portal.services.models import (
    Activity,
    ActivityKind,
    ActivitySession,
    Attendance,
    AttendanceCode,
    DeliveryMode,
    Enrolment,
    EnrolmentStatus,
    Service,
)
from portal.workdays import DayKind, WorkCalendar, public_holidays

log = logging.getLogger(__name__)

MAX_LISTED_CLASHES = 10
ABSENCE_ALERT_AFTER = 3  # the default of PORTAL_ABSENCE_ALERT_AFTER
ALERT_RECENT_DAYS = 30
ACTIVE = (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED)


# ---------------------------------------------------------------------------------------------
# Small helpers: instants, weekdays, the services of a kind
# ---------------------------------------------------------------------------------------------


def aware_instant(value: datetime) -> datetime:
    """An instant given by a caller, in UTC. A naive datetime is refused: it could be local
    time (a form) or UTC; attach `clock.KZ` first (stored instants come back aware)."""
    if value.tzinfo is None:
        raise ValueError("a timezone-aware datetime is required")
    return value.astimezone(UTC)


def at(day: date, clock_time: time) -> datetime:
    """The UTC instant of a local time in Kazakhstan on `day`."""
    return datetime.combine(day, clock_time, tzinfo=KZ).astimezone(UTC)


def parse_weekdays(value: str | Iterable[int] | None) -> list[int]:
    """Days of the week from "0,2,4" or [0, 2, 4] to [0, 2, 4] (Monday is 0)."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [int(v) for v in value.split(",") if v.strip()]
    return sorted({int(v) for v in value})


def when(starts_at: datetime, ends_at: datetime) -> str:
    """A session's time as "2 Dec 2026, 10:00–12:00" in the current language, local time."""
    local = to_user_timezone(starts_at)
    return str(
        _l(
            "%(day)s, %(start)s–%(end)s",
            day=format_date(local.date(), "medium"),
            start=format_datetime(starts_at, "HH:mm"),
            end=format_datetime(ends_at, "HH:mm"),
        )
    )


def services_for(kind: ActivityKind | str) -> list[Service]:
    """The C8 services given as this kind of activity: courses C8.3, C8.4, C8.9; events C8.5."""
    mode = DeliveryMode(ActivityKind(kind).value)
    services = db.session.scalars(select(Service).order_by(Service.id))
    return [s for s in services if mode in s.delivery_modes]


def staff_of(centre_id: int) -> list[User]:
    """The active staff users of a centre: who may teach its courses."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == Role.STAFF, User.centre_id == centre_id, User.active.is_(True))
            .order_by(User.full_name, User.id)
        )
    )


# ---------------------------------------------------------------------------------------------
# Sessions: which days, and clashes
# ---------------------------------------------------------------------------------------------


def session_days(
    kind: ActivityKind | str, start_on: date, end_on: date, weekdays: Iterable[int]
) -> list[date]:
    """The days an activity meets (see the module's docstring: a course skips public holidays
    and days off decreed by the administrator, never its own chosen weekend days)."""
    kind = ActivityKind(kind)
    chosen = set(weekdays)
    calendar = WorkCalendar(start_on, end_on)
    holidays_of: dict[int, dict[date, str]] = {}

    def day_off(day: date) -> bool:
        correction = calendar.override(day)
        if correction is not None:
            return correction == DayKind.DAY_OFF
        if day.year not in holidays_of:
            holidays_of[day.year] = public_holidays(day.year, "en")
        return day in holidays_of[day.year]

    days = []
    day = start_on
    while day <= end_on:
        if (not chosen or day.weekday() in chosen) and (
            kind == ActivityKind.EVENT or not day_off(day)
        ):
            days.append(day)
        day += timedelta(days=1)
    return days


def _clash_lines(
    slots: list[tuple[datetime, datetime]],
    *,
    person_ids: Iterable[int] = (),
    teacher_id: int | None = None,
    room_id: int | None = None,
    exclude_activity_id: int | None = None,
) -> list[str]:
    """What clashes with each slot, as translated lines naming both sides.

    `find_clashes` is asked once for the whole span (a handful of queries, however many
    sessions); what it returns is then matched to the slots it really overlaps.
    """
    person_ids = list(person_ids)
    if not slots or not (person_ids or teacher_id or room_id):
        return []
    first = min(s for s, _ in slots)
    last = max(e for _, e in slots)
    found = find_clashes(
        first,
        last,
        person_ids=person_ids,
        teacher_id=teacher_id,
        room_id=room_id,
        exclude_activity_id=exclude_activity_id,
    )
    if not found:
        return []
    lines: list[str] = []
    seen: set[tuple] = set()
    for starts_at, ends_at in sorted(slots):
        for clash in found:
            if not (clash.starts_at < ends_at and clash.ends_at > starts_at):
                continue
            key = (starts_at, clash.what, clash.subject_id, clash.other_kind, clash.other_id)
            if key in seen:
                continue
            seen.add(key)
            lines.append(
                str(_l("%(when)s — %(clash)s", when=when(starts_at, ends_at), clash=clash.message))
            )
    if len(lines) > MAX_LISTED_CLASHES:
        more = len(lines) - MAX_LISTED_CLASHES
        lines = lines[:MAX_LISTED_CLASHES]
        lines.append(str(_l("… and %(num)s more clashes.", num=more)))
    return lines


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
    clashes = _clash_lines(slots, teacher_id=teacher_id, room_id=room_id)
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


def _eligibility_day(activity: Activity) -> date:
    return max(today(), activity.start_on)


def _blockers(activity: Activity, person: Person) -> list[str]:
    """Why the person may not have the activity's service (C8: residents of this centre)."""
    facts = eligibility.facts(person, _eligibility_day(activity))
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
    clashes = _clash_lines(
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


def promote_waitlisted(activity: Activity) -> list[Enrolment]:
    """Fill the free seats from the waiting list, in order. Whoever can no longer take a seat
    (no longer eligible, or a clash) keeps their place on the list and is passed over."""
    waiting = select(Enrolment).where(
        Enrolment.activity_id == activity.id, Enrolment.status == EnrolmentStatus.WAITLISTED
    )
    waiting = waiting.order_by(Enrolment.created_at, Enrolment.id).with_for_update()
    waiting = waiting.options(selectinload(Enrolment.person).selectinload(Person.family))
    promoted: list[Enrolment] = []
    slots = None
    for enrolment in db.session.scalars(waiting).all():
        if _free_seat(activity.id, activity.capacity) is None:
            break
        if _other_centre(activity, enrolment.person) or _blockers(activity, enrolment.person):
            continue
        if slots is None:
            slots = _upcoming_slots(activity)
        if _clash_lines(slots, person_ids=[enrolment.person_id], exclude_activity_id=activity.id):
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


def waiting_list(activity: Activity) -> list[Enrolment]:
    """The waiting list in order: position n is index n - 1."""
    return list(
        db.session.scalars(
            select(Enrolment)
            .where(
                Enrolment.activity_id == activity.id,
                Enrolment.status == EnrolmentStatus.WAITLISTED,
            )
            .order_by(Enrolment.created_at, Enrolment.id)
            .options(selectinload(Enrolment.person))
        )
    )


def waiting_ahead(ahead, activity_id, created_at, enrolment_id):
    """The criterion for `ahead` (Enrolment or an alias) standing before an enrolment on the
    waiting list: first come, first served, the id breaking ties. The enrolment is given by
    values (one enrolment) or columns (a correlated subquery over many)."""
    return and_(
        ahead.activity_id == activity_id,
        ahead.status == EnrolmentStatus.WAITLISTED,
        or_(
            ahead.created_at < created_at,
            and_(ahead.created_at == created_at, ahead.id < enrolment_id),
        ),
    )


def waitlist_position(enrolment: Enrolment) -> int | None:
    """1 for the first on the waiting list; None when the enrolment is not waiting."""
    if enrolment.status != EnrolmentStatus.WAITLISTED:
        return None
    ahead = db.session.scalar(
        select(func.count())
        .select_from(Enrolment)
        .where(waiting_ahead(Enrolment, enrolment.activity_id, enrolment.created_at, enrolment.id))
    )
    return ahead + 1


# ---------------------------------------------------------------------------------------------
# Moving a session (the calendar calls this)
# ---------------------------------------------------------------------------------------------


def placed_message(enrolment: Enrolment) -> str:
    """What staff and residents are told after an enrolment: the seat, or the place on the
    waiting list."""
    name = enrolment.person.full_name
    if enrolment.status == EnrolmentStatus.ENROLLED:
        return _("%(name)s is enrolled, seat %(seat)s.", name=name, seat=enrolment.seat)
    return _(
        "Every place is taken: %(name)s is on the waiting list, position %(position)s.",
        name=name,
        position=waitlist_position(enrolment),
    )


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


# ---------------------------------------------------------------------------------------------
# Attendance and absence alerts
# ---------------------------------------------------------------------------------------------


def record_attendance(
    session: ActivitySession,
    codes: Mapping[int, AttendanceCode | str],
    recorded_by: User | None = None,
) -> list[Attendance]:
    """Record (or correct) the attendance of a session: a code per person id. Persons must be
    enrolled (or already have a record for the session); the session must have started."""
    if session.cancelled or session.activity.cancelled:
        raise ActivityError(_l("This session has been cancelled."))
    if session.starts_at > now().astimezone(UTC):
        raise ActivityError(_l("Attendance can be recorded once the session has started."))
    try:
        parsed = {int(pid): AttendanceCode(code) for pid, code in codes.items()}
    except ValueError as e:
        raise ActivityError(_l("Choose one of the attendance codes.")) from e
    if not parsed:
        raise ActivityError(_l("Choose a code for at least one person."))
    existing = {
        a.person_id: a
        for a in db.session.scalars(select(Attendance).where(Attendance.session_id == session.id))
    }
    enrolled = set(
        db.session.scalars(
            select(Enrolment.person_id).where(
                Enrolment.activity_id == session.activity_id,
                Enrolment.status == EnrolmentStatus.ENROLLED,
            )
        )
    )
    if set(parsed) - enrolled - set(existing):
        raise ActivityError(_l("Attendance can be recorded only for enrolled persons."))
    rows = []
    stamp = now_utc()
    for person_id, code in parsed.items():
        row = existing.get(person_id)
        if row is None:
            row = Attendance(session_id=session.id, person_id=person_id)
            db.session.add(row)
        if row.code != code:
            row.code = code
            row.recorded_at = stamp
            row.recorded_by_id = recorded_by.id if recorded_by else None
        rows.append(row)
    try:
        db.session.flush()
    except (IntegrityError, OperationalError) as e:  # the same session recorded at once
        db.session.rollback()
        raise ActivityError(
            _l("Someone else changed this at the same moment. Reload the page and try again.")
        ) from e
    return rows


@dataclass(frozen=True)
class AbsenceAlert:
    """`person` missed the last `absences` recorded sessions of `activity` without notice."""

    person: Person
    activity: Activity
    absences: int
    first_missed: datetime
    last_missed: datetime

    @property
    def caseworker(self) -> User | None:
        return self.person.family.caseworker

    @property
    def first_missed_on(self) -> date:
        return self.first_missed.astimezone(KZ).date()

    @property
    def last_missed_on(self) -> date:
        return self.last_missed.astimezone(KZ).date()


def absence_alerts(
    centre_ids: int | Iterable[int] | Select, after: int | None = None
) -> list[AbsenceAlert]:
    """Persons whose last N recorded sessions of an activity are all ABSENT (N =
    PORTAL_ABSENCE_ALERT_AFTER, default 3): their caseworker is to follow up. EXCUSED is
    skipped (neither counts nor breaks the run); PRESENT and LATE break it. Most recent first.
    Three queries, however many persons."""
    n = int(after or current_app.config.get("PORTAL_ABSENCE_ALERT_AFTER", ABSENCE_ALERT_AFTER))
    if isinstance(centre_ids, int):
        centre_ids = [centre_ids]
    rank = (
        func.row_number()
        .over(
            partition_by=(Attendance.person_id, ActivitySession.activity_id),
            order_by=(ActivitySession.starts_at.desc(), ActivitySession.id.desc()),
        )
        .label("pos")
    )
    still_enrolled = exists().where(
        Enrolment.activity_id == ActivitySession.activity_id,
        Enrolment.person_id == Attendance.person_id,
        Enrolment.status == EnrolmentStatus.ENROLLED,
    )
    recent = (
        select(
            Attendance.person_id,
            ActivitySession.activity_id,
            ActivitySession.starts_at,
            Attendance.code,
            rank,
        )
        .join(Attendance.session)
        .join(ActivitySession.activity)
        .where(
            Activity.centre_id.in_(centre_ids),
            Activity.cancelled.is_(False),
            Activity.end_on >= today() - timedelta(days=ALERT_RECENT_DAYS),
            ActivitySession.cancelled.is_(False),
            Attendance.code != AttendanceCode.EXCUSED,
            still_enrolled,
        )
        .subquery()
    )
    runs: dict[tuple[int, int], list[tuple[datetime, AttendanceCode]]] = {}
    for person_id, activity_id, starts_at, code, _pos in db.session.execute(
        select(recent).where(recent.c.pos <= n)
    ):
        runs.setdefault((person_id, activity_id), []).append((starts_at, code))
    hits = {
        key: sorted(s for s, _ in rows)
        for key, rows in runs.items()
        if len(rows) == n and all(code == AttendanceCode.ABSENT for _, code in rows)
    }
    if not hits:
        return []
    persons = {
        p.id: p
        for p in db.session.scalars(
            select(Person)
            .where(Person.id.in_({p for p, _ in hits}))
            .options(selectinload(Person.family).selectinload(Family.caseworker))
        )
    }
    activities = {
        a.id: a
        for a in db.session.scalars(select(Activity).where(Activity.id.in_({a for _, a in hits})))
    }
    alerts = [
        AbsenceAlert(persons[p], activities[a], n, missed[0], missed[-1])
        for (p, a), missed in hits.items()
    ]
    return sorted(alerts, key=lambda x: (x.last_missed, x.person.id), reverse=True)


# ---------------------------------------------------------------------------------------------
# Residents who may enrol
# ---------------------------------------------------------------------------------------------


def candidates(activity: Activity) -> list[Person]:
    """Residents of the activity's centre living there on the day they would first attend, who
    are neither enrolled nor waiting: the persons the enrolment form offers."""
    day = _eligibility_day(activity)
    living = exists().where(
        Stay.person_id == Person.id,
        Stay.covers(day),
    )
    taken = exists().where(
        Enrolment.person_id == Person.id,
        Enrolment.activity_id == activity.id,
        Enrolment.status.in_(ACTIVE),
    )
    return list(
        db.session.scalars(
            select(Person)
            .join(Person.family)
            .where(Family.centre_id == activity.centre_id, living, ~taken)
            .order_by(Person.surname, Person.given_name, Person.id)
        )
    )
