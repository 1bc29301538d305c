"""What the course and event pages read (C8.3, C8.4, C8.5, C8.9): the list of activities with
its filters, the services of a kind, the staff who may teach and the rooms, the persons enrolled
and those who may enrol, and the attendance of a session.

Plain functions of the user (anything with the scope facts of `portal.roles.ScopeFacts`) and
typed arguments: they never read the request, so a CLI or a test can call them as a view does.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import selectinload

from portal.access import visible
from portal.accommodation.models import Centre, Room, Stay
from portal.extensions import db
from portal.residents.models import Family, Person
from portal.roles import ScopeFacts
from portal.services.catalogue.models import DeliveryMode, Service
from portal.services.courses.models import (
    Activity,
    ActivityKind,
    ActivitySession,
    Attendance,
    AttendanceCode,
    Enrolment,
    EnrolmentStatus,
)
from portal.services.courses.recurrence import eligibility_day
from portal.services.courses.waitlist import ACTIVE


def sessions_between(start: datetime, end: datetime) -> Select:
    """Sessions that take place (neither they nor their activity cancelled) starting in
    [start, end), joined with their activity: the week calendar and the residents' timetable
    narrow it further."""
    return (
        select(ActivitySession)
        .join(ActivitySession.activity)
        .where(
            Activity.cancelled.is_(False),
            ActivitySession.cancelled.is_(False),
            ActivitySession.starts_at >= start,
            ActivitySession.starts_at < end,
        )
    )


def services_for(kind: ActivityKind | str) -> list[Service]:
    """The C8 services given as this kind of activity: courses C8.3, C8.4, C8.9; events C8.5."""
    mode = DeliveryMode(ActivityKind(kind).value)
    services = db.session.scalars(select(Service).order_by(Service.id))
    return [s for s in services if mode in s.delivery_modes]


def candidates(activity: Activity) -> list[Person]:
    """Residents of the activity's centre living there on the day they would first attend, who
    are neither enrolled nor waiting: the persons the enrolment form offers."""
    day = eligibility_day(activity)
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


def activities(
    user: ScopeFacts, *, service_code: str = "", kind: str = "", centre_id: int | None = None
) -> Select:
    """The courses and events of the centres the user may see, newest first, filtered by
    service, kind and centre."""
    stmt = select(Activity).where(visible(Activity, user)).join(Activity.service)
    if service_code:
        stmt = stmt.where(Service.code == service_code)
    if kind in {k.value for k in ActivityKind}:
        stmt = stmt.where(Activity.kind == kind)
    if centre_id:
        stmt = stmt.where(Activity.centre_id == centre_id)
    return stmt.options(
        selectinload(Activity.service),
        selectinload(Activity.centre),
        selectinload(Activity.teacher),
        selectinload(Activity.room),
    ).order_by(Activity.start_on.desc(), Activity.id.desc())


def enrolment_counts(activity_ids: list[int]) -> dict[tuple[int, str], int]:
    """Enrolled and waiting per activity, with one query."""
    if not activity_ids:
        return {}
    rows = db.session.execute(
        select(Enrolment.activity_id, Enrolment.status, func.count())
        .where(Enrolment.activity_id.in_(activity_ids))
        .group_by(Enrolment.activity_id, Enrolment.status)
    )
    return {(a, EnrolmentStatus(s).value): n for a, s, n in rows}


def visible_centres(user: ScopeFacts) -> list[Centre]:
    """The centres the user may see, for the centre filter."""
    return list(
        db.session.scalars(select(Centre).where(visible(Centre, user)).order_by(Centre.name_kk))
    )


def rooms_of(centre_id: int) -> list[Room]:
    """The rooms of a centre, floor by floor: where a course may meet."""
    return list(
        db.session.scalars(
            select(Room).where(Room.centre_id == centre_id).order_by(Room.floor, Room.number)
        )
    )


def activity_options() -> tuple:
    """What an activity's page shows: its service, centre, teacher, room and sessions."""
    return (
        selectinload(Activity.service),
        selectinload(Activity.centre),
        selectinload(Activity.teacher),
        selectinload(Activity.room),
        selectinload(Activity.sessions).selectinload(ActivitySession.room),
    )


def enrolled(activity_id: int) -> list[Enrolment]:
    """The persons holding a seat, in seat order."""
    return list(
        db.session.scalars(
            select(Enrolment)
            .where(
                Enrolment.activity_id == activity_id,
                Enrolment.status == EnrolmentStatus.ENROLLED,
            )
            .order_by(Enrolment.seat)
            .options(selectinload(Enrolment.person))
        )
    )


def recorded_per_session(activity_id: int) -> dict[int, int]:
    """How many attendance codes each session of the activity has recorded."""
    return dict(
        db.session.execute(
            select(Attendance.session_id, func.count())
            .join(Attendance.session)
            .where(ActivitySession.activity_id == activity_id)
            .group_by(Attendance.session_id)
        ).all()
    )


def attendance_progress(sessions: Iterable[ActivitySession]) -> dict[int, tuple[int, int]]:
    """Session id → (marks recorded, persons enrolled in its activity), for a day's sessions
    (two grouped queries whatever their number)."""
    sessions = list(sessions)
    if not sessions:
        return {}
    marks = dict(
        db.session.execute(
            select(Attendance.session_id, func.count())
            .where(Attendance.session_id.in_([s.id for s in sessions]))
            .group_by(Attendance.session_id)
        ).all()
    )
    enrolled = dict(
        db.session.execute(
            select(Enrolment.activity_id, func.count())
            .where(Enrolment.activity_id.in_({s.activity_id for s in sessions}),
                   Enrolment.status == EnrolmentStatus.ENROLLED)
            .group_by(Enrolment.activity_id)
        ).all()
    )  # fmt: skip
    return {s.id: (marks.get(s.id, 0), enrolled.get(s.activity_id, 0)) for s in sessions}


def attendance_codes(session_id: int) -> dict[int, AttendanceCode]:
    """The code recorded for each person (by id) at a session."""
    return {
        a.person_id: a.code
        for a in db.session.scalars(select(Attendance).where(Attendance.session_id == session_id))
    }


def attendance_persons(session: ActivitySession, recorded: Iterable[int]) -> list[Person]:
    """Whom the attendance of a session lists: the persons enrolled, and those already recorded
    (`recorded`, person ids), in name order."""
    person_ids = set(
        db.session.scalars(
            select(Enrolment.person_id).where(
                Enrolment.activity_id == session.activity_id,
                Enrolment.status == EnrolmentStatus.ENROLLED,
            )
        )
    ) | set(recorded)
    return list(
        db.session.scalars(
            select(Person)
            .where(Person.id.in_(person_ids))
            .order_by(Person.surname, Person.given_name, Person.id)
        )
    )
