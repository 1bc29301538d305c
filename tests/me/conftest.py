"""A centre with two families, a course, an event and appointments, for the residents' pages.

The clock is frozen at Wednesday 25 November 2026, 09:00 in Kazakhstan: "this week" runs from
Monday 23 to Sunday 29 November, "next week" from 30 November to 6 December.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

import pytest
from sqlalchemy import select

from portal.accommodation.models import Centre, Room
from portal.auth.models import User
from portal.clock import KZ
from portal.extensions import db
from portal.residents.models import Family, Person
from portal.services.cases import operations as cases
from portal.services.cases.models import Appointment
from portal.services.catalogue.models import Service
from portal.services.courses import operations as ops
from portal.services.courses.models import Activity, ActivityKind

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=KZ)
TODAY = NOW.date()
COURSE = "Қазақ тілі A1"
EVENT = "Домбыра кеші"
FAR_COURSE = "Орыс тілі B1"



def service(code: str) -> Service:
    return db.session.scalar(select(Service).where(Service.code == code))


def activity(centre, title, *, kind=ActivityKind.COURSE, code="C8.9", teacher=None, room=None,
             capacity=10, dates=(date(2026, 11, 2), date(2026, 12, 18)), weekdays=(0, 2),
             times=(time(10, 0), time(12, 0))) -> Activity:  # fmt: skip
    a = ops.create_activity(
        centre, kind, service(code), title, "kk" if code == "C8.9" else None, None, teacher,
        room, capacity, dates[0], dates[1], list(weekdays), times[0], times[1],
    )  # fmt: skip
    db.session.commit()
    return a


def appointment(person, staff, room, day, start, end, code="C8.1") -> Appointment:
    case = cases.open_case(person, service(code), "Кеңес керек.", staff, date(2026, 11, 20))
    a = cases.schedule(
        case, staff, datetime.combine(day, start, KZ), datetime.combine(day, end, KZ), room, None
    )
    db.session.commit()
    return a


@dataclass
class World:
    centre: Centre
    room: Room
    teacher: User
    family: Family  # the resident's: head, spouse, child
    neighbours: Family  # another family of the same centre
    far: Family  # a family of another centre
    resident: User  # the head of `family`
    course: Activity  # the head is enrolled
    event: Activity  # one place, Friday 27 November
    far_course: Activity  # another centre's

    @property
    def head(self) -> Person:
        return self.family.members[0]

    @property
    def spouse(self) -> Person:
        return self.family.members[1]

    @property
    def child(self) -> Person:
        return self.family.members[2]


@pytest.fixture
def world(f) -> World:
    centre = f.centre(name_kk="Ақтау орталығы", name_en="Aktau centre")
    room = f.room(centre, beds=4, number="101")
    f.room(centre, beds=4, number="102")
    teacher = f.user("staff", centre=centre)
    teacher.full_name = "Айгерім Сапарова"
    db.session.commit()
    family = f.family(centre, members=2)
    f.admit(family)
    neighbours = f.family(centre, surname="Омаров", given_name="Ерлан", birth_date=date(1979, 4, 4))
    f.admit(neighbours)
    other = f.centre("KZ-61", name_kk="Түркістан орталығы")
    f.room(other, beds=4)
    far = f.family(
        other, surname="Серікова", given_name="Дана", sex="F", birth_date=date(1990, 1, 1)
    )
    f.admit(far)
    resident = f.user("resident", person=family.members[0])

    course = activity(centre, COURSE, teacher=teacher, room=room)
    event = activity(
        centre, EVENT, kind=ActivityKind.EVENT, code="C8.5", teacher=teacher, room=room,
        capacity=1, dates=(date(2026, 11, 27), date(2026, 11, 27)), weekdays=(),
        times=(time(18, 0), time(20, 0)),
    )  # fmt: skip
    far_course = activity(other, FAR_COURSE, code="C8.4")
    ops.enrol(course, family.members[0])
    db.session.commit()
    return World(
        centre, room, teacher, family, neighbours, far, resident, course, event, far_course
    )
