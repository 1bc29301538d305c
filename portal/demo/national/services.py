"""The clause 8 services in every centre over the two years: courses (C8.3, C8.4, C8.9) and
events (C8.5) in four weekly time slots that never clash, with their sessions, enrolments,
waiting lists and attendance marks; individual cases (C8.1 … C8.10) with appointments and
outcomes; and regional-quota applications (C8.6)."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from portal.clock import KZ, now
from portal.demo.national.bulk import Writer
from portal.demo.national.people import Household, Member
from portal.demo.national.places import Centre, Country, instant
from portal.extensions import db
from portal.services.cases.models import CaseStatus, QuotaStatus
from portal.services.cases.workflow import DUE_WORKING_DAYS
from portal.services.catalogue.models import Service
from portal.services.courses.models import ActivityKind, AttendanceCode, EnrolmentStatus
from portal.workdays import add_working_days

COURSE_WEEKS = 8
# (weekdays, start, end): four slots a week, each used by one course at a time; events on
# Saturday evenings.
SLOTS = [("0,2", time(10), time(11, 30)), ("0,2", time(15), time(16, 30)),
         ("1,3", time(10), time(11, 30)), ("1,3", time(15), time(16, 30))]  # fmt: skip
EVENT_SLOT = ("5", time(18), time(20))
COURSES = [("C8.9", "Қазақ тілі, {level} деңгейі", "kk"), ("C8.9", "Қазақ тілі, {level} деңгейі", "kk"),
           ("C8.4", "Қазақстан тарихы мен мәдениеті", "kk"), ("C8.3", "Кәсіптік даярлық: тігінші", "ru")]  # fmt: skip
EVENTS = ["Домбыра кеші", "Наурыз мерекесі", "Абай оқулары", "Ұлттық ойындар күні"]
LEVELS = ["A1", "A2", "B1"]
CODES = list(AttendanceCode)
CODE_WEIGHTS = [14, 2, 2, 2]
OUTCOMES = {
    "C8.1": {"answered": "Көші-қон қызметінің мекенжайы берілді."},
    "C8.2": {"translated": "Туу туралы куәлік (қытай тілінен)"},
    "C8.3": {"training": "Тігінші курсы"},
    "C8.6": {"advice": "Өңірлік квотаға өтініш беру тәртібі түсіндірілді."},
    "C8.7": None,  # the day the documents were submitted: the case's own date
    "C8.8": {"clinic": "№3 қалалық емхана"},
    "C8.10": {"assistance": "granted"},
}


def build(writer: Writer, rng: random.Random, day: date, scale, country: Country,
          households: list[Household]) -> None:  # fmt: skip
    services = dict(db.session.execute(select(Service.code, Service.id)).all())
    moment = now()
    by_centre: dict[int, list[Household]] = {}
    for household in households:
        if household.start is not None:
            by_centre.setdefault(household.centre.id, []).append(household)
    for centre in country.centres:
        living = by_centre.get(centre.id, [])
        _activities(writer, rng, day, scale, centre, living, services, moment)
        writer.flush()  # sessions and enrolments before their attendance
    for household in households:
        if household.start is not None:
            _cases(writer, random.Random(household.seed), day, household, services)


def _adults_living(households: list[Household], on: date) -> list[Member]:
    return [
        m
        for h in households
        if h.living_on(on)
        for m in h.members
        if (on - m.birth).days >= 16 * 365
    ]


def _activities(writer: Writer, rng: random.Random, day: date, scale, centre: Centre,
                living: list[Household], services: dict[str, int], moment: datetime) -> None:  # fmt: skip
    """`scale.courses` courses and events, the first starting two years ago, the last soon."""
    first = day - timedelta(days=scale.days)
    step = (scale.days + 4 * 7) / scale.courses
    for n in range(scale.courses):
        start = first + timedelta(days=int(n * step))
        start -= timedelta(days=start.weekday())  # a Monday
        if n % 7 == 6:
            weekdays, t1, t2 = EVENT_SLOT
            start = end = start + timedelta(days=5)
            code, title, language, level, capacity = "C8.5", EVENTS[n % len(EVENTS)], "kk", None, 30
            kind = ActivityKind.EVENT
        else:
            weekdays, t1, t2 = SLOTS[n % len(SLOTS)]
            end = start + timedelta(weeks=COURSE_WEEKS) - timedelta(days=3)
            code, title, language = COURSES[n % len(COURSES)]
            level = LEVELS[n % len(LEVELS)] if code == "C8.9" else None
            title, capacity, kind = title.format(level=level), rng.randrange(10, 15), ActivityKind.COURSE
        people = _adults_living(living, start)
        rng.shuffle(people)
        # sized to the demand: a small centre's course fills up too, with a short waiting list
        capacity = max(1, min(capacity, len(people) - 2))
        room = centre.rooms[n % len(SLOTS) % len(centre.rooms)]
        activity_id = writer.add(
            "activity", kind=kind, service_id=services[code], centre_id=centre.id, title=title,
            language=language, level=level, teacher_id=centre.teacher_id, room_id=room,
            capacity=capacity, start_on=start, end_on=end, weekdays=weekdays,
            starts_at_time=t1, ends_at_time=t2, cancelled=False, created_at=instant(start - timedelta(days=14)),
        )  # fmt: skip
        sessions = _sessions(writer, activity_id, start, end, weekdays, t1, t2, room, centre)
        enrolled = _enrol(writer, rng, activity_id, people, capacity, start)
        for session_id, ends_at in sessions:
            if ends_at >= moment:
                continue
            for person_id, code in zip(enrolled, rng.choices(CODES, CODE_WEIGHTS, k=len(enrolled)), strict=True):
                writer.add(
                    "attendance", session_id=session_id, person_id=person_id, code=code,
                    recorded_by_id=centre.teacher_id, recorded_at=ends_at,
                )  # fmt: skip


def _sessions(writer: Writer, activity_id: int, start: date, end: date, weekdays: str,
              t1: time, t2: time, room: int, centre: Centre) -> list[tuple[int, datetime]]:  # fmt: skip
    days = {int(d) for d in weekdays.split(",")}
    sessions = []
    on = start
    while on <= end:
        if on.weekday() in days:
            ends_at = datetime.combine(on, t2, tzinfo=KZ)
            session_id = writer.add(
                "activity_session", activity_id=activity_id,
                starts_at=datetime.combine(on, t1, tzinfo=KZ), ends_at=ends_at, room_id=room,
                teacher_id=centre.teacher_id, cancelled=False,
            )  # fmt: skip
            sessions.append((session_id, ends_at))
        on += timedelta(days=1)
    return sessions


def _enrol(writer: Writer, rng: random.Random, activity_id: int, people: list[Member],
           capacity: int, start: date) -> list[int]:  # fmt: skip
    """Seats for the first `capacity`, a short waiting list, a few cancelled; returns the
    enrolled persons' ids."""
    enrolled = []
    seat = 0
    for person in people[: capacity + 3]:
        at = instant(start - timedelta(days=rng.randrange(1, 10)))
        if seat < capacity and rng.random() < 0.05:
            status, seat_no, cancelled_at = EnrolmentStatus.CANCELLED, None, at + timedelta(days=1)
        elif seat < capacity:
            seat += 1
            status, seat_no, cancelled_at = EnrolmentStatus.ENROLLED, seat, None
            enrolled.append(person.id)
        else:
            status, seat_no, cancelled_at = EnrolmentStatus.WAITLISTED, None, None
        writer.add(
            "enrolment", activity_id=activity_id, person_id=person.id, status=status,
            seat=seat_no, cancelled_at=cancelled_at, created_at=at,
        )  # fmt: skip
    return enrolled


def _cases(writer: Writer, rng: random.Random, day: date, household: Household,
           services: dict[str, int]) -> None:  # fmt: skip
    """About one individual case per family, and a quota application now and then."""
    centre = household.centre
    last = min(day, household.end or day)
    for member in household.members:
        if (last - member.birth).days < 18 * 365 or rng.random() > 0.35:
            continue
        code = rng.choice(list(DUE_WORKING_DAYS))
        opened = household.start + timedelta(days=rng.randrange(0, max(1, (last - household.start).days)))
        due = add_working_days(opened, DUE_WORKING_DAYS[code])
        age = (day - opened).days
        status = CaseStatus.DELIVERED if age > 20 else rng.choice(
            [CaseStatus.REQUESTED, CaseStatus.SCHEDULED, CaseStatus.IN_PROGRESS, CaseStatus.DELIVERED])
        closed = status == CaseStatus.DELIVERED
        outcome = OUTCOMES[code] or {"documents_submitted_on": opened.isoformat()}
        case_id = writer.add(
            "service_case", service_id=services[code], person_id=member.id, centre_id=centre.id,
            status=status, request="Өтініш / Обращение", assigned_to_id=centre.staff_id,
            opened_on=opened, due_on=due, closed_on=min(day, due) if closed else None,
            close_reason=None, outcome=outcome if closed else None, created_at=instant(opened),
        )  # fmt: skip
        if status in (CaseStatus.SCHEDULED, CaseStatus.DELIVERED):
            on = opened + timedelta(days=1) if closed else day + timedelta(days=rng.randrange(1, 6))
            starts = datetime.combine(on, time(9 + rng.randrange(0, 8)), tzinfo=KZ)
            writer.add(
                "appointment", case_id=case_id, staff_id=centre.staff_id, room_id=None,
                starts_at=starts, ends_at=starts + timedelta(minutes=45), note=None,
                cancelled=False, created_at=instant(opened),
            )  # fmt: skip
        if code == "C8.6" and closed and rng.random() < 0.5:
            quota = rng.choice(list(QuotaStatus))
            decided = None if quota == QuotaStatus.SUBMITTED else min(day, opened + timedelta(days=30))
            writer.add(
                "quota_application", person_id=member.id, status=quota, submitted_on=opened,
                decided_on=decided, note=None, created_at=instant(opened),
            )  # fmt: skip
