"""The clause 8 services in the Aktau centre: a Kazakh course, a history course and a cultural
event with enrolments and attendance, and individual cases at every stage."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from portal.accommodation.models import Centre, Stay
from portal.auth.models import User
from portal.clock import KZ, now
from portal.extensions import db
from portal.residents.models import Family, Person
from portal.roles import Role
from portal.services.cases import operations as cases
from portal.services.cases.workflow import CaseError
from portal.services.catalogue.models import Service
from portal.services.courses import operations as courses
from portal.services.courses.attendance import record_attendance
from portal.services.courses.models import Activity, ActivityKind, AttendanceCode


def run_services(centre: Centre, rng: random.Random, day: date) -> None:
    """A Kazakh course, a history course and a cultural event with enrolments and attendance,
    and individual cases at every stage, in `centre`."""
    service = {s.code: s for s in db.session.scalars(select(Service))}
    staff = db.session.scalar(
        select(User).where(User.centre_id == centre.id, User.role == Role.STAFF)
    )
    living = list(
        db.session.scalars(
            select(Person)
            .join(Family)
            .join(Stay, Stay.person_id == Person.id)
            .where(Family.centre_id == centre.id, Stay.covers(day))
            .order_by(Person.id)
        )
    )  # fmt: skip
    adults = [p for p in living if p.age_on(day) >= 18]
    _activities(centre, service, staff, adults, rng, day)
    _cases(service, staff, adults, day)


def _activities(
    centre: Centre,
    service: dict[str, Service],
    staff: User,
    adults: list[Person],
    rng: random.Random,
    day: date,
) -> None:
    """The two courses and the event, with residents enrolled and the past sessions'
    attendance recorded: the Kazakh course full with a waiting list, the history course and
    the event with free seats (a newly registered resident can be enrolled; issue 17)."""
    rooms = sorted(centre.rooms, key=lambda r: r.number)
    monday = day - timedelta(days=day.weekday())
    plans = [
        (ActivityKind.COURSE, "C8.9", "Қазақ тілі, A1 деңгейі", "kk", "A1", staff, rooms[0],
         12, 14, monday - timedelta(days=21), monday + timedelta(days=45), [0, 2, 4], time(10), time(11, 30)),
        (ActivityKind.COURSE, "C8.4", "Қазақстан тарихы мен мәдениеті", "kk", None, None, rooms[1],
         20, 12, monday - timedelta(days=14), monday + timedelta(days=30), [1, 3], time(15), time(16, 30)),
        (ActivityKind.EVENT, "C8.5", "Домбыра кеші: халық әндері", "kk", None, None,
         rooms[2], 30, 15, monday + timedelta(days=5), monday + timedelta(days=5), [5], time(18), time(20)),
    ]  # fmt: skip
    # The demo residents learn Kazakh (the first course) and may still sign up for the event.
    residents = [
        u.person
        for u in db.session.scalars(
            select(User).where(User.username.in_(["resident1", "resident2"]))
        )
        if u.person.family.centre_id == centre.id
    ]
    for kind, code, title, lang, level, teacher, room, cap, asked, start, end, days, t1, t2 in plans:
        try:
            activity = courses.create_activity(centre, kind, service[code], title, lang, level, teacher,
                                               room, cap, start, end, days, t1, t2)  # fmt: skip
            first = residents if code == "C8.9" else []
            _enrol(activity, first + rng.sample(adults, min(len(adults), asked)))
            _record_attendance(activity, staff, rng)
        except courses.ActivityError:
            continue


def _enrol(activity: Activity, people: list[Person]) -> None:
    """Enrol each of `people` who may join (the others are skipped: already in, say)."""
    for person in people:
        try:
            courses.enrol(activity, person)
        except courses.ActivityError:
            continue


def _record_attendance(activity: Activity, staff: User, rng: random.Random) -> None:
    """Attendance of the enrolled at every session that has ended: mostly present."""
    enrolled = [e.person_id for e in activity.enrolments if e.status.value == "enrolled"]
    for session in activity.sessions:
        if session.ends_at.replace(tzinfo=session.ends_at.tzinfo or KZ) < now():
            codes = rng.choices(list(AttendanceCode), weights=[14, 2, 2, 2], k=len(enrolled))
            record_attendance(session, dict(zip(enrolled, codes, strict=True)), staff)


def _cases(service: dict[str, Service], staff: User, adults: list[Person], day: date) -> None:
    """Individual cases at every stage: open, delivered, and one with an appointment
    tomorrow."""
    tomorrow = day + timedelta(days=1)
    for i, (code, outcome) in enumerate([
        ("C8.6", None), ("C8.3", {"employer": "«Маңғыстаумұнайгаз» АҚ", "since": day.isoformat()}),
        ("C8.1", {"answered": "Көші-қон қызметінің мекенжайы мен жұмыс уақыты берілді."}),
        ("C8.2", {"translated": "Туу туралы куәлік (қытай тілінен)"}), ("C8.10", None), ("C8.6", None),
    ]):  # fmt: skip
        person = adults[(i * 5) % len(adults)]
        try:
            case = cases.open_case(
                person, service[code], "Өтініш / Обращение", staff, day - timedelta(days=3 + i)
            )
            if outcome:
                cases.deliver(case, outcome, day)
            elif i == 0:
                start = datetime.combine(tomorrow, time(12), tzinfo=KZ)
                cases.schedule(case, staff, start, start + timedelta(hours=1))
        except CaseError:
            continue
