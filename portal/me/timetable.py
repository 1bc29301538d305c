"""What a resident's family has on which day: the sessions of the courses and events where a
family member holds a place (enrolled, or on the waiting list, marked so), and the
appointments of the family's cases. Cancelled sessions, activities and appointments are left
out.

Every function takes the `User` explicitly and asks the scoping layer
(`access.visible(Model, user)`) what that user may see, so the logged-in pages and the
calendar feed (which has no logged-in user) share one code path and one set of rules.

Three queries (many-to-one relations joined in), whatever the size of the window or of the
family.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.access import visible
from portal.auth.models import User
from portal.clock import KZ, now, today, week_of
from portal.extensions import db
from portal.residents.models import Person
from portal.services.calendar import week as calendar
from portal.services.calendar.week import Day, Week
from portal.services.cases.models import Appointment, Case
from portal.services.courses.models import Activity, ActivitySession, Enrolment, EnrolmentStatus
from portal.services.courses.queries import sessions_between

ACTIVE = (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED)
UID_DOMAIN = "kandas-portal"
FEED_WEEKS_BACK = 4
FEED_WEEKS_AHEAD = 12
WAITLISTED_LABEL = _l("on the waiting list")


@dataclass(frozen=True)
class Attendee:
    """A family member concerned by an item; `status` is their place in a course or event
    (None for an appointment)."""

    person: Person
    status: EnrolmentStatus | None = None

    @property
    def waitlisted(self) -> bool:
        return self.status == EnrolmentStatus.WAITLISTED


@dataclass(frozen=True)
class Item(calendar.Item):
    """One session of a course or event, or one appointment, for the family: the centre
    calendar's item (times in Kazakhstan, title, room, teacher or staff member) with the
    family members it concerns."""

    attendees: list[Attendee] = field(default_factory=list)

    @property
    def is_session(self) -> bool:
        return isinstance(self.obj, ActivitySession)

    @property
    def kind(self) -> str:
        """`course`, `event` or `appointment`."""
        return self.obj.activity.kind.value if self.is_session else "appointment"

    @property
    def key(self) -> str:
        return ("session-" if self.is_session else "appointment-") + str(self.obj.id)

    @property
    def uid(self) -> str:
        """Stable per session or appointment, for calendar apps."""
        return f"{self.key}@{UID_DOMAIN}"

    @property
    def centre(self):
        return self.obj.activity.centre if self.is_session else self.obj.case.centre

    @property
    def waitlisted(self) -> bool:
        """Every family member concerned is only on the waiting list."""
        return bool(self.attendees) and all(a.waitlisted for a in self.attendees)


def start_of(day: date) -> datetime:
    """Midnight in Kazakhstan at the start of `day`, as a UTC instant (as stored)."""
    return datetime.combine(day, time(0), KZ).astimezone(UTC)


def family_members(user: User) -> list[Person]:
    """The members of the user's family (head first), through the scoping layer."""
    return list(
        db.session.scalars(
            select(Person)
            .where(visible(Person, user))
            .order_by(Person.is_head.desc(), Person.birth_date, Person.id)
        )
    )


def items_between(user: User, start: datetime, end: datetime) -> list[Item]:
    """The family's sessions (where a member holds a place) and appointments starting from
    `start` (inclusive) to `end` (exclusive), in time order. Three queries."""
    places = db.session.scalars(
        select(Enrolment)
        .where(visible(Enrolment, user), Enrolment.status.in_(ACTIVE))
        .options(joinedload(Enrolment.person))
        .order_by(Enrolment.id)
    ).all()
    by_activity: dict[int, list[Attendee]] = {}
    for e in places:
        by_activity.setdefault(e.activity_id, []).append(Attendee(e.person, e.status))

    sessions = db.session.scalars(
        sessions_between(start, end)
        .where(
            visible(ActivitySession, user),
            ActivitySession.activity_id.in_(
                select(Enrolment.activity_id).where(
                    visible(Enrolment, user), Enrolment.status.in_(ACTIVE)
                )
            ),
        )
        .options(
            joinedload(ActivitySession.activity).joinedload(Activity.centre),
            joinedload(ActivitySession.room),
            joinedload(ActivitySession.teacher),
        )
    ).unique()
    items = [Item(s, by_activity.get(s.activity_id, [])) for s in sessions]

    appointments = db.session.scalars(
        select(Appointment)
        .where(
            visible(Appointment, user),
            Appointment.cancelled.is_(False),
            Appointment.starts_at >= start,
            Appointment.starts_at < end,
        )
        .options(
            joinedload(Appointment.case).joinedload(Case.service),
            joinedload(Appointment.case).joinedload(Case.person),
            joinedload(Appointment.case).joinedload(Case.centre),
            joinedload(Appointment.room),
            joinedload(Appointment.staff),
        )
    ).unique()
    items += [Item(a, [Attendee(a.case.person)]) for a in appointments]
    items.sort(key=lambda i: (i.starts_at, i.ends_at, i.kind, i.title, i.obj.id))
    return items


def weeks(user: User, first_day: date | None = None, count: int = 2) -> list[Week]:
    """This week and the next (`count` weeks from the week of `first_day`), by day."""
    monday, _ = week_of(first_day or today())
    last = monday + timedelta(days=7 * count)
    items = items_between(user, start_of(monday), start_of(last))
    out = [
        Week(
            monday + timedelta(days=7 * w),
            [Day(monday + timedelta(days=7 * w + d)) for d in range(7)],
        )
        for w in range(count)
    ]
    for item in items:
        offset = (item.day - monday).days
        if 0 <= offset < 7 * count:
            out[offset // 7].days[offset % 7].items.append(item)
    return out


def upcoming(user: User, limit: int = 5, days: int = 14) -> list[Item]:
    """The next few items, today's that are not over yet included."""
    moment = now()
    items = items_between(
        user, start_of(moment.date()), start_of(moment.date() + timedelta(days=days))
    )
    return [i for i in items if i.ends_at >= moment][:limit]


def feed_window(day: date | None = None) -> tuple[datetime, datetime]:
    """What the calendar feed holds: from four weeks back to twelve weeks ahead."""
    day = day or today()
    return (
        start_of(day - timedelta(weeks=FEED_WEEKS_BACK)),
        start_of(day + timedelta(weeks=FEED_WEEKS_AHEAD)),
    )
