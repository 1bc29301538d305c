"""My day (issue 17, `portal.myday`): a staff member's today — the centre's sessions with their
attendance (everyone present with one action, then the exceptions), their own appointments,
and the top of the work queue; in a constant number of statements."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from sqlalchemy import select

from portal.clock import KZ
from portal.extensions import db
from portal.services.cases import operations as case_ops
from portal.services.courses import attendance as attendance_ops
from portal.services.courses import operations as ops
from portal.services.courses.models import Attendance, AttendanceCode
from tests.services.test_courses import NOVEMBER, course, residents, service

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=KZ)  # a Wednesday
pytestmark = pytest.mark.clock(NOW)
EARLY, LATE = (time(8, 0), time(9, 30)), (time(14, 0), time(15, 0))


def _today_session(activity):
    return next(s for s in activity.sessions if s.starts_at.astimezone(KZ).date() == NOW.date())


def _day(f, n_courses: int = 1):
    """A centre, its staff member, a family of three enrolled in a course that started at 8:00
    today, and (n_courses - 1) more courses this afternoon."""
    centre = f.centre()
    people = residents(f, centre, 3)
    staff = f.user("staff", centre=centre)
    early = course(centre, title="Қазақ тілі A1", dates=NOVEMBER, weekdays=[2],
                   starts_at_time=EARLY[0], ends_at_time=EARLY[1])  # fmt: skip
    for person in people:
        ops.enrol(early, person)
    later = [course(centre, title=f"Курс {n}", dates=NOVEMBER, weekdays=[2],
                    starts_at_time=LATE[0], ends_at_time=LATE[1]) for n in range(n_courses - 1)]  # fmt: skip
    db.session.commit()
    return centre, staff, people, early, later


def test_my_day_shows_today_s_sessions_and_my_appointments(f, login):
    centre, staff, people, early, later = _day(f, 2)
    other = f.user("staff", centre=centre)
    mine = case_ops.open_case(people[0], service("C8.1"), "A question", staff, NOW.date())
    theirs = case_ops.open_case(people[1], service("C8.2"), "A translation", other, NOW.date())
    at = lambda h, m: datetime(2026, 11, 25, h, m, tzinfo=KZ)  # noqa: E731
    case_ops.schedule(mine, staff, at(11, 0), at(11, 30))
    case_ops.schedule(theirs, other, at(12, 0), at(12, 30))
    elsewhere = f.centre(name_en="Elsewhere")
    course(elsewhere, title="Басқа курс", dates=NOVEMBER, weekdays=[2])
    db.session.commit()

    page = login(staff).get("/en/my-day")

    assert page.status_code == 200
    text = page.text
    assert "Қазақ тілі A1" in text and "Курс 0" in text and "Басқа курс" not in text
    assert "Attendance: 0 of 3 marked" in text
    assert "All present" in text  # the early session has started
    assert "Attendance can be taken from 14:00." in text  # the afternoon one has not
    assert people[0].full_name in text.split('id="my-appointments"')[1]
    assert people[1].full_name not in text.split('id="my-appointments"')[1].split("</section>")[0]


def test_all_present_marks_everyone_without_a_mark_and_keeps_the_exceptions(f, login):
    _centre, staff, (a, b, c), early, _later = _day(f)
    session = _today_session(early)
    attendance_ops.record_attendance(session, {a.id: AttendanceCode.EXCUSED})
    db.session.commit()
    client = login(staff)

    resp = client.post(f"/en/sessions/{session.id}/all-present", data={"next": "/en/my-day"})

    assert resp.status_code == 303 and resp.headers["Location"] == "/en/my-day"
    db.session.expire_all()
    marks = dict(db.session.execute(
        select(Attendance.person_id, Attendance.code).where(Attendance.session_id == session.id)
    ).all())  # fmt: skip
    assert marks == {a.id: AttendanceCode.EXCUSED, b.id: AttendanceCode.PRESENT,
                     c.id: AttendanceCode.PRESENT}  # fmt: skip
    page = client.get("/en/my-day").text
    assert "2 persons marked present (Қазақ тілі A1)." in page
    assert "Attendance: 3 of 3 marked" in page and "All present" not in page
    again = client.post(f"/en/sessions/{session.id}/all-present", data={"next": "/en/my-day"})
    assert again.status_code == 303
    assert "Everyone enrolled has a mark for this session already." in client.get("/en/my-day").text


def test_all_present_waits_for_the_session_and_goes_back_only_to_this_site(f, login):
    _centre, staff, _people, _early, (later,) = _day(f, 2)
    client = login(staff)
    session = _today_session(later)
    resp = client.post(f"/en/sessions/{session.id}/all-present",
                       data={"next": "https://evil.example/"})  # fmt: skip
    assert resp.headers["Location"] == f"/en/sessions/{session.id}/attendance"
    assert db.session.scalars(select(Attendance)).all() == []


def test_my_day_reads_a_busy_day_in_the_same_statements(f, login, count_queries):
    _centre, staff, _people, _early, _later = _day(f, 1)
    client = login(staff)
    client.get("/en/my-day")
    with count_queries() as small:
        assert client.get("/en/my-day").status_code == 200
    centre = staff.centre
    for n in range(4):
        more = course(centre, title=f"Ещё {n}", dates=NOVEMBER, weekdays=[2],
                      starts_at_time=EARLY[0], ends_at_time=EARLY[1])  # fmt: skip
        for person in residents(f, centre, 2):
            ops.enrol(more, person)
    db.session.commit()
    with count_queries() as busy:
        assert client.get("/en/my-day").status_code == 200
    assert busy.count == small.count
