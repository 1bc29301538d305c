"""What the residents' own pages read: their family, the family's attendance and places, and
the centre's open courses and events with their free places and next sessions.

Plain functions of the resident (their scope facts) and typed arguments, through the scoping
layer's criteria; they never read the request.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from portal.access import visible
from portal.extensions import db
from portal.residents.models import Family, Person
from portal.roles import ScopeFacts
from portal.services.courses import waitlist
from portal.services.courses.models import (
    Activity,
    ActivitySession,
    Attendance,
    Enrolment,
    EnrolmentStatus,
)


def own_family(user: ScopeFacts) -> Family | None:
    """The resident's family, with its centre and members (the scope shows no other)."""
    return db.session.scalar(
        select(Family)
        .where(visible(Family, user))
        .options(selectinload(Family.centre), selectinload(Family.members))
        .limit(1)
    )


def attendance_marks(user: ScopeFacts) -> Select:
    """Every attendance mark of the family's members, newest session first."""
    return (
        select(Attendance)
        .join(Attendance.session)
        .where(Attendance.person_id.in_(select(Person.id).where(visible(Person, user))))
        .options(joinedload(Attendance.session).joinedload(ActivitySession.activity))
        .order_by(ActivitySession.starts_at.desc(), Attendance.id.desc())
    )


def enrolled_places(user: ScopeFacts) -> Select:
    """The family's places (not waiting ones) in courses and events, oldest first."""
    return (
        select(Enrolment)
        .where(visible(Enrolment, user), Enrolment.status == EnrolmentStatus.ENROLLED)
        .options(joinedload(Enrolment.activity))
        .order_by(Enrolment.created_at, Enrolment.id)
    )


def open_activities(user: ScopeFacts, day: date) -> Select:
    """The centre's courses and events that are not cancelled and not over on `day`."""
    return (
        select(Activity)
        .where(visible(Activity, user), Activity.cancelled.is_(False), Activity.end_on >= day)
        .options(joinedload(Activity.room), joinedload(Activity.teacher))
        .order_by(Activity.start_on, Activity.starts_at_time, Activity.id)
    )


def places_taken(activity_ids: list[int]) -> dict[int, int]:
    """Activity id → places held (waiting ones not counted), one grouped query."""
    return dict(
        db.session.execute(
            select(Enrolment.activity_id, func.count())
            .where(
                Enrolment.activity_id.in_(activity_ids),
                Enrolment.status == EnrolmentStatus.ENROLLED,
            )
            .group_by(Enrolment.activity_id)
        ).all()
    )


def next_sessions(activity_ids: list[int], moment: datetime) -> dict[int, datetime]:
    """Activity id → the start of its next session from `moment` on, one grouped query."""
    return dict(
        db.session.execute(
            select(ActivitySession.activity_id, func.min(ActivitySession.starts_at))
            .where(
                ActivitySession.activity_id.in_(activity_ids),
                ActivitySession.cancelled.is_(False),
                ActivitySession.starts_at >= moment,
            )
            .group_by(ActivitySession.activity_id)
        ).all()
    )


def family_places(
    user: ScopeFacts, activity_ids: list[int], live: tuple[EnrolmentStatus, ...]
) -> dict[tuple[int, int], tuple[Enrolment, int | None]]:
    """(activity id, person id) → the family's live place and, for a waiting one, its position
    (one query: those ahead are counted by a subquery, so nobody else's enrolment is read)."""
    ahead = aliased(Enrolment)
    before = (
        select(func.count())
        .where(
            waitlist.waiting_ahead(ahead, Enrolment.activity_id, Enrolment.created_at, Enrolment.id)
        )
        .correlate(Enrolment)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Enrolment, before).where(
            visible(Enrolment, user),
            Enrolment.activity_id.in_(activity_ids),
            Enrolment.status.in_(live),
        )
    ).all()
    return {
        (e.activity_id, e.person_id): (e, n + 1 if e.status == EnrolmentStatus.WAITLISTED else None)
        for e, n in rows
    }
