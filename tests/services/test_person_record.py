"""A person's service record on their page (C8): courses and events with the attendance,
cases open and past with their outcome, the regional-quota application (C8.6)."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.residents.models import Person
from portal.services.calendar.week import at
from portal.services.cases.models import (
    Appointment,
    Case,
    CaseStatus,
    QuotaApplication,
    QuotaStatus,
)
from portal.services.catalogue.models import Service
from portal.services.courses.models import (
    Activity,
    ActivityKind,
    ActivitySession,
    Attendance,
    AttendanceCode,
    Enrolment,
    EnrolmentStatus,
)
from portal.services.record import person_record

pytestmark = pytest.mark.clock("2026-11-25 09:00")

START = date(2026, 10, 5)  # a Monday, weeks before today


def service(code: str) -> Service:
    return db.session.scalar(select(Service).where(Service.code == code))


def course(centre, title: str, sessions: int, code: str = "C8.9") -> Activity:
    activity = Activity(
        kind=ActivityKind.COURSE,
        service=service(code),
        centre_id=centre.id,
        title=title,
        level="A1",
        capacity=10,
        start_on=START,
        end_on=START + timedelta(days=60),
        weekdays="0",
        starts_at_time=time(10),
        ends_at_time=time(11),
    )
    db.session.add(activity)
    for n in range(sessions):
        day = START + timedelta(days=7 * n)
        db.session.add(
            ActivitySession(
                activity=activity, starts_at=at(day, time(10)), ends_at=at(day, time(11))
            )
        )
    db.session.commit()
    return activity


def enrol(activity: Activity, person: Person, seat: int = 1, **codes) -> Enrolment:
    status = EnrolmentStatus.ENROLLED if seat else EnrolmentStatus.WAITLISTED
    enrolment = Enrolment(activity=activity, person_id=person.id, status=status, seat=seat)
    db.session.add(enrolment)
    for s, code in zip(activity.sessions, codes.get("attendance", ()), strict=False):
        db.session.add(Attendance(session=s, person_id=person.id, code=code))
    db.session.commit()
    return enrolment


def case(person, centre, code: str, status: CaseStatus, **kw) -> Case:
    c = Case(
        service=service(code),
        person_id=person.id,
        centre_id=centre.id,
        status=status,
        request="Көмек қажет",
        opened_on=START,
        **kw,
    )
    db.session.add(c)
    db.session.commit()
    return c


@pytest.fixture
def household(f):
    centre = f.centre()
    f.room(centre, beds=4)
    family = f.family(centre, members=1)
    f.admit(family, date(2026, 1, 20))
    staff = f.user("staff", centre=centre)
    return centre, family, staff


PRESENT, LATE, ABSENT, EXCUSED = (
    AttendanceCode.PRESENT,
    AttendanceCode.LATE,
    AttendanceCode.ABSENT,
    AttendanceCode.EXCUSED,
)


def test_the_record_lists_an_enrolment_with_attendance_and_a_delivered_case(f, login, household):
    centre, family, staff = household
    head = family.head
    kazakh = course(centre, "Қазақ тілі A1", sessions=4)
    enrol(kazakh, head, attendance=(PRESENT, LATE, ABSENT))
    case(head, centre, "C8.3", CaseStatus.DELIVERED, closed_on=date(2026, 10, 20),
         outcome={"employer": "ТОО «Каспий Құрылыс»", "since": "2026-10-19"})  # fmt: skip
    clinic = case(head, centre, "C8.8", CaseStatus.SCHEDULED)
    db.session.add(
        Appointment(case=clinic, staff_id=staff.id, starts_at=at(date(2027, 1, 12), time(9)),
                    ends_at=at(date(2027, 1, 12), time(10)))
    )  # fmt: skip
    case(head, centre, "C8.6", CaseStatus.DELIVERED, closed_on=date(2026, 10, 9),
         outcome={"quota": "filed"})  # fmt: skip
    db.session.add(
        QuotaApplication(person_id=head.id, status=QuotaStatus.SUBMITTED, submitted_on=date(2026, 10, 9))
    )  # fmt: skip
    db.session.commit()

    resp = login(staff).get(f"/en/persons/{head.id}")

    assert resp.status_code == 200
    page = resp.text
    enrolments = page.split('id="person-enrolments"', 1)[1].split("</table>", 1)[0]
    assert "Қазақ тілі A1" in enrolments
    assert "C8.9" in enrolments
    assert "enrolled" in enrolments
    assert "2 of 3 sessions attended" in enrolments
    past = page.split('id="person-past-cases"', 1)[1].split("</table>", 1)[0]
    assert "C8.3" in past
    assert "delivered" in past
    assert "Employer: ТОО «Каспий Құрылыс»" in past
    assert "Regional-quota application: application filed" in past
    open_cases = page.split('id="person-open-cases"', 1)[1].split("</table>", 1)[0]
    assert "C8.8" in open_cases
    assert "scheduled" in open_cases
    assert "1/12/27, 9:00" in open_cases  # the next appointment, in Kazakhstan time
    assert "C8.3" not in open_cases
    quota = page.split('id="person-quota"', 1)[1].split("</dl>", 1)[0]
    assert "filed, awaiting the decision" in quota
    attendance = page.split('id="person-attendance"', 1)[1].split("</details>", 1)[0]
    assert attendance.count("<tr>") == 1 + 3  # the header and three recorded sessions
    assert f'href="/en/persons/{head.id}/services"' in page


def test_attendance_is_counted_per_course_and_a_waiting_list_place_has_none(f, household):
    centre, family, _staff = household
    head = family.head
    kazakh = course(centre, "Қазақ тілі A1", sessions=3)
    history = course(centre, "Қазақстан тарихы", sessions=2, code="C8.4")
    russian = course(centre, "Орыс тілі", sessions=2)
    enrol(kazakh, head, attendance=(PRESENT, EXCUSED, PRESENT))
    enrol(history, head, attendance=(ABSENT, ABSENT))
    enrol(russian, head, seat=None)

    record = person_record(head)

    summary = {line.activity.title: (line.attended, line.recorded) for line in record.enrolments}
    assert summary == {"Қазақ тілі A1": (2, 3), "Қазақстан тарихы": (0, 2), "Орыс тілі": (0, 0)}
    assert len(record.attendance) == 5
    assert not record.open_cases
    assert not record.past_cases
    assert record.quota is None


def test_a_person_with_no_services_has_an_empty_record(f, login, household):
    _centre, family, staff = household
    resp = login(staff).get(f"/en/persons/{family.head.id}")
    assert "No services recorded yet." in resp.text
    assert person_record(family.head).empty


def test_a_resident_sees_the_record_of_a_member_of_their_own_family(f, login, household):
    centre, family, _staff = household
    head, spouse = family.members[0], family.members[1]
    enrol(course(centre, "Қазақ тілі A1", sessions=2), spouse, attendance=(PRESENT, PRESENT))
    case(spouse, centre, "C8.2", CaseStatus.DELIVERED, outcome={"translated": "Туу туралы куәлік"})

    resp = login(f.user("resident", person=head)).get(f"/en/persons/{spouse.id}")

    assert resp.status_code == 200
    assert "2 of 2 sessions attended" in resp.text
    assert "Туу туралы куәлік" in resp.text
    assert "/services" not in resp.text  # the services page is the staff's


def test_staff_of_another_centre_cannot_open_the_record(f, login, household):
    centre, family, _staff = household
    enrol(course(centre, "Қазақ тілі A1", sessions=1), family.head, attendance=(PRESENT,))
    resp = login(f.user("staff", centre=f.centre())).get(f"/en/persons/{family.head.id}")
    assert resp.status_code == 404
    assert "Қазақ тілі A1" not in resp.text


def test_the_record_takes_the_same_number_of_queries_however_long_the_history(
    f, household, count_queries
):
    centre, family, staff = household
    head = family.head
    counts = []
    for size in (1, 8):
        for n in range(size - (1 if counts else 0)):
            activity = course(centre, f"Курс {size}-{n}", sessions=3)
            enrol(activity, head, attendance=(PRESENT, ABSENT, LATE))
            c = case(head, centre, "C8.1", CaseStatus.SCHEDULED)
            db.session.add(
                Appointment(case=c, staff_id=staff.id, starts_at=at(START, time(9)),
                            ends_at=at(START, time(10)))
            )  # fmt: skip
            db.session.commit()
        db.session.expire_all()
        db.session.refresh(head)
        with count_queries() as q:
            record = person_record(head)
        counts.append(q.count)
    assert len(record.enrolments) == 8
    assert len(record.attendance) == 24
    assert counts[0] == counts[1] <= 5, counts
