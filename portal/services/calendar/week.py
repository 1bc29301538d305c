"""The centre's week: the sessions of courses and events (C8.3, C8.4, C8.5, C8.9) and the
appointments of cases (C8.1, C8.2, C8.3, C8.6, C8.7, C8.8, C8.10) side by side, moving them
and adding appointments without clashes, and the printable weekly timetable.

Times are kept in UTC in the database (SQLite gives them back naive, PostgreSQL aware) and
shown in Kazakhstan time (`portal.clock.KZ`); a week runs from Monday 00:00 to the next Monday
00:00 in Kazakhstan.

Moving and adding go through the operations of the courses and cases features
(`courses.move_session`, `cases.move_appointment`, `cases.schedule`), so that every scheduling
path refuses the same clashes (`calendar.clashes`) with the same reasons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.accommodation.models import Centre, Room
from portal.auth.models import User
from portal.clock import KZ, today, week_of
from portal.extensions import db
from portal.pdf import render_pdf
from portal.services.cases import operations as cases
from portal.services.cases.models import Appointment, Case
from portal.services.cases.workflow import OPEN, CaseError
from portal.services.catalogue.models import Service
from portal.services.courses import operations as courses
from portal.services.courses.models import Activity, ActivityKind, ActivitySession
from portal.services.courses.queries import sessions_between

APPOINTMENT_LABEL = _l("Appointment")


class ScheduleRefused(Exception):
    """A move or a new appointment that cannot be made; `str(e)` is the reason, for the user,
    and `field` the form field it concerns, if one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- time -------------------------------------------------------------------------------------


def local(moment: datetime) -> datetime:
    """A stored moment in Kazakhstan time (naive values from SQLite are UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(KZ)


def at(day: date, clock: time) -> datetime:
    """The moment `clock` on `day` in Kazakhstan, in UTC, as it is stored."""
    return datetime.combine(day, clock.replace(tzinfo=None), KZ).astimezone(UTC)


def week_bounds(monday: date) -> tuple[datetime, datetime]:
    return at(monday, time(0)), at(monday + timedelta(days=7), time(0))


# --- the week ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One session or appointment, as the calendar shows it."""

    obj: ActivitySession | Appointment

    @property
    def kind(self) -> str:
        return "session" if isinstance(self.obj, ActivitySession) else "appointment"

    @property
    def id(self) -> int:
        return self.obj.id

    @property
    def key(self) -> str:
        """Unique in the page, for element ids: `session-12`, `appointment-7`."""
        return f"{self.kind}-{self.obj.id}"

    @property
    def starts_at(self) -> datetime:
        return local(self.obj.starts_at)

    @property
    def ends_at(self) -> datetime:
        return local(self.obj.ends_at)

    @property
    def day(self) -> date:
        return self.starts_at.date()

    @property
    def service(self) -> Service:
        if isinstance(self.obj, ActivitySession):
            return self.obj.activity.service
        return self.obj.case.service

    @property
    def title(self) -> str:
        """The course or event title; for an appointment, the service's short name (no
        personal data, so the printed timetable can hang on a wall; the full name of C8.6 runs
        to 120 characters)."""
        if isinstance(self.obj, ActivitySession):
            return self.obj.activity.title
        return self.obj.case.service.short_name

    @property
    def activity_kind(self) -> ActivityKind | None:
        return self.obj.activity.kind if isinstance(self.obj, ActivitySession) else None

    @property
    def kind_label(self) -> str:
        if isinstance(self.obj, ActivitySession):
            return self.obj.activity.kind.label
        return str(APPOINTMENT_LABEL)

    @property
    def room(self) -> Room | None:
        return self.obj.room

    @property
    def staff(self) -> User | None:
        """The teacher of a session, the staff member of an appointment."""
        return self.obj.teacher if isinstance(self.obj, ActivitySession) else self.obj.staff

    @property
    def person(self):
        """Whom an appointment is for (None for sessions)."""
        return self.obj.case.person if isinstance(self.obj, Appointment) else None


@dataclass
class Day:
    day: date
    items: list[Item] = field(default_factory=list)


@dataclass
class Week:
    monday: date
    days: list[Day]

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def previous(self) -> date:
        return self.monday - timedelta(days=7)

    @property
    def next(self) -> date:
        return self.monday + timedelta(days=7)

    @property
    def items(self) -> list[Item]:
        return [item for d in self.days for item in d.items]


def week_items(
    centre_id: int,
    monday: date,
    *,
    room_id: int | None = None,
    teacher_id: int | None = None,
    service_id: int | None = None,
) -> Week:
    """The centre's sessions and appointments starting in the week of `monday`, by day and
    time, optionally only those of one room, one teacher or staff member, or one service.
    Cancelled ones are left out. Two queries and their eager loads, whatever the week holds."""
    monday, _ = week_of(monday)
    start, end = week_bounds(monday)
    items = items_between(centre_id, start, end, room_id=room_id, teacher_id=teacher_id,
                          service_id=service_id)  # fmt: skip
    days = [Day(monday + timedelta(days=n)) for n in range(7)]
    for item in items:
        offset = (item.day - monday).days
        if 0 <= offset < 7:
            days[offset].items.append(item)
    return Week(monday, days)


def day_items(centre_id: int, day: date, **filters) -> list[Item]:
    """The centre's sessions and appointments of one day, in order of time (My day, the
    calendar's resource view), optionally filtered as `items_between` is."""
    start = at(day, time(0, 0))
    return items_between(centre_id, start, start + timedelta(days=1), **filters)


def items_between(
    centre_id: int,
    start: datetime,
    end: datetime,
    *,
    room_id: int | None = None,
    teacher_id: int | None = None,
    service_id: int | None = None,
) -> list[Item]:
    """The centre's sessions and appointments starting in [start, end), in order of time;
    cancelled ones left out. Two queries and their eager loads."""
    sessions = (
        sessions_between(start, end)
        .where(Activity.centre_id == centre_id)
        .options(
            joinedload(ActivitySession.activity).joinedload(Activity.service),
            selectinload(ActivitySession.room),
            selectinload(ActivitySession.teacher),
        )
    )
    appointments = (
        select(Appointment)
        .join(Appointment.case)
        .where(
            Case.centre_id == centre_id,
            Appointment.cancelled.is_(False),
            Appointment.starts_at >= start,
            Appointment.starts_at < end,
        )
        .options(
            joinedload(Appointment.case).joinedload(Case.service),
            joinedload(Appointment.case).joinedload(Case.person),
            selectinload(Appointment.room),
            selectinload(Appointment.staff),
        )
    )
    if room_id:
        sessions = sessions.where(ActivitySession.room_id == room_id)
        appointments = appointments.where(Appointment.room_id == room_id)
    if teacher_id:
        sessions = sessions.where(ActivitySession.teacher_id == teacher_id)
        appointments = appointments.where(Appointment.staff_id == teacher_id)
    if service_id:
        sessions = sessions.where(Activity.service_id == service_id)
        appointments = appointments.where(Case.service_id == service_id)

    items = [Item(s) for s in db.session.scalars(sessions).unique()]
    items += [Item(a) for a in db.session.scalars(appointments).unique()]
    items.sort(key=lambda i: (i.starts_at, i.ends_at, i.kind, i.title))
    return items


# --- what the forms offer ----------------------------------------------------------------------


def centre_rooms(centre_id: int) -> list[Room]:
    return list(
        db.session.scalars(
            select(Room).where(Room.centre_id == centre_id).order_by(Room.floor, Room.number)
        )
    )


def services() -> list[Service]:
    return list(db.session.scalars(select(Service).order_by(Service.id)))


def open_cases(centre_id: int) -> list[Case]:
    """The centre's cases that may still get an appointment."""
    return list(
        db.session.scalars(
            select(Case)
            .where(Case.centre_id == centre_id, Case.status.in_(OPEN))
            .options(joinedload(Case.service), joinedload(Case.person))
            .order_by(Case.opened_on, Case.id)
        ).unique()
    )


# --- moving and adding -------------------------------------------------------------------------


def move_session(
    session: ActivitySession, starts_at: datetime, ends_at: datetime, room_id: int | None
) -> None:
    """Move a session of a course or event to another time (and room) through the courses
    feature, which refuses a clash of the room, the teacher or an enrolled person."""
    if session.cancelled or session.activity.cancelled:
        raise ScheduleRefused(str(_l("A cancelled session cannot be moved.")))
    try:
        courses.move_session(session, starts_at, ends_at, room_id)
    except courses.ActivityError as e:
        raise ScheduleRefused(" ".join(e.messages)) from e


def move_appointment(appointment: Appointment, starts_at: datetime, ends_at: datetime) -> None:
    """Move an appointment to another time through the cases feature, which refuses a clash
    of the staff member, the room or the person."""
    try:
        cases.move_appointment(appointment, starts_at, ends_at)
    except CaseError as e:
        raise ScheduleRefused(str(e)) from e


def add_appointment(
    case: Case,
    staff: User,
    starts_at: datetime,
    ends_at: datetime,
    room: Room | None = None,
    note: str | None = None,
) -> Appointment:
    """Give an open case an appointment with a staff member of its centre, through the cases
    feature (a requested case becomes scheduled). A refusal keeps the form field it concerns
    in `ScheduleRefused.field`."""
    try:
        return cases.schedule(case, staff, starts_at, ends_at, room, note)
    except CaseError as e:
        raise ScheduleRefused(str(e), e.field) from e


# --- the printed timetable ---------------------------------------------------------------------


def timetable_pdf(
    centre: Centre,
    monday: date,
    lang: str,
    *,
    room_id: int | None = None,
    teacher_id: int | None = None,
    service_id: int | None = None,
) -> bytes:
    """The week's timetable on A4 landscape in DejaVu Sans (every Kazakh letter), in `lang`."""
    week = week_items(
        centre.id, monday, room_id=room_id, teacher_id=teacher_id, service_id=service_id
    )
    room = db.session.get(Room, room_id) if room_id else None
    teacher = db.session.get(User, teacher_id) if teacher_id else None
    return render_pdf(
        "services/calendar/pdf_timetable.html",
        lang,
        centre=centre,
        week=week,
        room=room if room and room.centre_id == centre.id else None,
        teacher=teacher if teacher and teacher.centre_id == centre.id else None,
        service=db.session.get(Service, service_id) if service_id else None,
        printed_on=today(),
    )
