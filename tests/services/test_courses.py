"""Courses and events (C8.3, C8.4, C8.5, C8.9): sessions that skip public holidays, enrolment
with a waiting list, clashes, attendance and absence alerts.

The clock is frozen at Wednesday 25 November 2026, 09:00 in Kazakhstan, so that "the course
has started" and "this session is over" do not depend on the day the tests run.
"""

from __future__ import annotations

from datetime import date, datetime, time

import holidays
import pytest
from sqlalchemy import func, select

from portal.accommodation import operations as acc
from portal.accommodation.models import DischargeReason, Stay
from portal.admin.models import CalendarOverride
from portal.clock import KZ
from portal.db import as_utc
from portal.extensions import db
from portal.services.cases.models import Appointment, Case
from portal.services.catalogue.models import Service
from portal.services.courses import attendance as attendance_ops
from portal.services.courses import operations as ops
from portal.services.courses import recurrence, waitlist
from portal.services.courses.models import (
    Activity,
    ActivityKind,
    ActivitySession,
    Attendance,
    AttendanceCode,
    Enrolment,
    EnrolmentStatus,
)
from portal.workdays import DayKind

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=KZ)
pytestmark = pytest.mark.clock(NOW)
DECEMBER = (date(2026, 12, 1), date(2026, 12, 31))
NOVEMBER = (date(2026, 11, 2), date(2026, 12, 18))  # started before NOW, ends after it
TEN, NOON, ONE = time(10, 0), time(12, 0), time(13, 0)



def service(code: str) -> Service:
    return db.session.scalar(select(Service).where(Service.code == code))


def course(centre, *, code="C8.9", title="Қазақ тілі A1", kind=ActivityKind.COURSE, **kw):
    """An activity created through the operation, committed."""
    start_on, end_on = kw.pop("dates", DECEMBER)
    args = dict(
        language="kk" if code == "C8.9" else None,
        level="A1",
        teacher=None,
        room=None,
        capacity=10,
        weekdays=[0, 2],  # Monday and Wednesday
        starts_at_time=TEN,
        ends_at_time=NOON,
    )
    args.update(kw)
    activity = ops.create_activity(
        centre, kind, service(code), title, args["language"], args["level"], args["teacher"],
        args["room"], args["capacity"], start_on, end_on, args["weekdays"],
        args["starts_at_time"], args["ends_at_time"],
    )  # fmt: skip
    db.session.commit()
    return activity


def residents(f, centre, n: int, **head):
    """n persons living in the centre (one family, admitted in January 2026)."""
    f.room(centre, beds=n)
    fam = f.family(centre, members=n - 1, **head)
    f.admit(fam)
    return list(fam.members)


def local_days(activity) -> list[date]:
    return [as_utc(s.starts_at).astimezone(KZ).date() for s in activity.sessions]


def statuses(activity_id: int) -> list[tuple[int, str, int | None]]:
    db.session.expire_all()
    rows = db.session.execute(
        select(Enrolment.person_id, Enrolment.status, Enrolment.seat)
        .where(Enrolment.activity_id == activity_id)
        .order_by(Enrolment.id)
    )
    return [(p, EnrolmentStatus(s).value, seat) for p, s, seat in rows]


def course_form(centre, svc: Service, **changes) -> dict:
    data = {
        "centre_id": str(centre.id),
        "kind": "course",
        "service_id": str(svc.id),
        "title": "Қазақ тілі A1",
        "language": "kk",
        "level": "A1",
        "teacher_id": "",
        "room_id": "",
        "capacity": "10",
        "start_on": "2026-12-01",
        "end_on": "2026-12-31",
        "weekdays": ["0", "2"],
        "starts_at_time": "10:00",
        "ends_at_time": "12:00",
    }
    data.update(changes)
    return data


# ---------------------------------------------------------------------------------------------
# Sessions and public holidays
# ---------------------------------------------------------------------------------------------


def test_c8_9_a_monday_wednesday_course_has_no_session_on_the_nauryz_holidays(f, login):
    """holidays.KZ: Nauryz 2026 is 21–23 March, observed also on 24 and 25 March (the 21st
    and 22nd fall on the weekend). Monday 23 and Wednesday 25 March have no session."""
    kz = holidays.KZ(years=2026, categories=(holidays.PUBLIC,))
    assert date(2026, 3, 23).weekday() == 0
    assert date(2026, 3, 23) in kz
    assert date(2026, 3, 25).weekday() == 2
    assert "observed" in kz[date(2026, 3, 25)]

    centre = f.centre()
    room = f.room(centre, beds=1)
    client = login(f.user("staff", centre=centre))
    resp = client.post(
        "/en/courses/new",
        data=course_form(
            centre, service("C8.9"), room_id=str(room.id), start_on="2026-03-16",
            end_on="2026-04-01",
        ),
    )  # fmt: skip
    assert resp.status_code == 303, resp.text[:2000]
    activity = db.session.scalars(select(Activity)).one()
    assert local_days(activity) == [
        date(2026, 3, 16), date(2026, 3, 18), date(2026, 3, 30), date(2026, 4, 1),
    ]  # fmt: skip
    first = activity.sessions[0]
    assert as_utc(first.starts_at).astimezone(KZ).time() == TEN
    assert {s.room_id for s in activity.sessions} == {room.id}
    page = client.get(resp.location)
    assert "Қазақ тілі A1" in page.text
    assert "has been created with 4 sessions" in page.text


def test_c8_4_weekend_classes_are_kept_except_on_a_holiday_or_a_decreed_day_off(f):
    """A chosen Saturday is kept, unless it is a public holiday (Nauryz, 21 March 2026) or the
    administrator recorded a day off; a WORKDAY correction keeps even a holiday."""
    centre = f.centre()
    db.session.add_all(
        [
            CalendarOverride(day=date(2026, 3, 28), kind=DayKind.DAY_OFF, note="Decree"),
            CalendarOverride(day=date(2026, 3, 23), kind=DayKind.WORKDAY, note="Decree"),
        ]
    )
    db.session.commit()
    activity = course(
        centre, code="C8.4", title="Қазақстан тарихы", dates=(date(2026, 3, 14), date(2026, 4, 4)),
        weekdays=[0, 5],
    )  # fmt: skip
    assert local_days(activity) == [
        date(2026, 3, 14),  # Saturday, kept
        date(2026, 3, 16),
        # Saturday 21 March: Nauryz
        date(2026, 3, 23),  # Nauryz, but decreed a working day
        # Saturday 28 March: decreed a day off
        date(2026, 3, 30),
        date(2026, 4, 4),
    ]


def test_c8_5_an_event_is_held_on_its_dates_even_on_a_public_holiday(f):
    centre = f.centre()
    event = course(
        centre, code="C8.5", title="Тәуелсіздік күні концерті", kind=ActivityKind.EVENT,
        dates=(date(2026, 12, 16), date(2026, 12, 16)), weekdays=[],
    )  # fmt: skip
    assert local_days(event) == [date(2026, 12, 16)]  # Independence Day


def test_c8_3_c8_4_c8_9_are_offered_as_courses_and_c8_5_as_events(f, login):
    centre = f.centre()
    client = login(f.user("staff", centre=centre))
    courses_page = client.get("/en/courses/new")
    assert courses_page.status_code == 200
    for code in ("C8.3", "C8.4", "C8.9"):
        assert f">{code} · " in courses_page.text
    assert ">C8.5 · " not in courses_page.text
    events = client.get("/en/courses/new?kind=event")
    assert ">C8.5 · " in events.text
    assert ">C8.9 · " not in events.text
    # a service of the other kind is refused
    resp = client.post("/en/courses/new", data=course_form(centre, service("C8.5")))
    assert resp.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 0


def test_c8_9_a_language_course_needs_its_language(f, login):
    centre = f.centre()
    client = login(f.user("staff", centre=centre))
    resp = client.post("/en/courses/new", data=course_form(centre, service("C8.9"), language=""))
    assert resp.status_code == 422
    assert "Choose the language the course teaches." in resp.text


# ---------------------------------------------------------------------------------------------
# Enrolment and the waiting list
# ---------------------------------------------------------------------------------------------


def test_c8_9_enrolment_fills_the_seats_then_the_waiting_list(f, login):
    centre = f.centre()
    a, b, c = residents(f, centre, 3)
    activity = course(centre, capacity=2)
    client = login(f.user("staff", centre=centre))
    for person in (a, b, c):
        resp = client.post(f"/en/courses/{activity.id}/enrol", data={"person_id": person.id})
        assert resp.status_code == 303, resp.text[:2000]
    assert statuses(activity.id) == [
        (a.id, "enrolled", 1),
        (b.id, "enrolled", 2),
        (c.id, "waitlisted", None),
    ]
    page = client.get(f"/en/courses/{activity.id}")
    assert "Every place is taken" in page.text
    assert "position 1" in page.text
    assert "2 of 2 taken" in page.text
    assert "Position 1" in page.text
    waiting = db.session.scalars(
        select(Enrolment).where(Enrolment.status == EnrolmentStatus.WAITLISTED)
    ).one()
    assert waitlist.waitlist_position(waiting) == 1


def test_c8_9_cancelling_a_seat_promotes_the_first_on_the_waiting_list(f, login):
    centre = f.centre()
    a, b, c = residents(f, centre, 3)
    activity = course(centre, capacity=1)
    for person in (a, b, c):
        ops.enrol(activity, person)
        db.session.commit()
    first = db.session.scalars(select(Enrolment).where(Enrolment.person_id == a.id)).one()
    client = login(f.user("staff", centre=centre))
    resp = client.post(f"/en/enrolments/{first.id}/cancel", data={"confirmed": "1"})
    assert resp.status_code == 303
    assert statuses(activity.id) == [
        (a.id, "cancelled", None),
        (b.id, "enrolled", 1),
        (c.id, "waitlisted", None),
    ]
    last = db.session.scalars(select(Enrolment).where(Enrolment.person_id == c.id)).one()
    assert waitlist.waitlist_position(last) == 1
    page = client.get(f"/en/courses/{activity.id}")
    assert "has moved up from the waiting list to seat 1" in page.text


def test_c8_9_a_waiting_person_who_has_left_the_centre_is_passed_over(f):
    centre = f.centre()
    a, b, c = residents(f, centre, 3)
    activity = course(centre, capacity=1)
    for person in (a, b, c):
        ops.enrol(activity, person)
    db.session.commit()
    stay = db.session.scalars(select(Stay).where(Stay.person_id == b.id)).one()
    acc.discharge([stay], date(2026, 11, 20), DischargeReason.HOUSING, None)
    first = db.session.scalars(select(Enrolment).where(Enrolment.person_id == a.id)).one()
    promoted = ops.cancel(first)
    db.session.commit()
    assert promoted.person_id == c.id
    assert statuses(activity.id) == [
        (a.id, "cancelled", None),
        (b.id, "waitlisted", None),  # keeps the place, in case they come back
        (c.id, "enrolled", 1),
    ]


def test_c8_9_a_person_without_an_open_stay_is_refused_with_the_reason(f, login):
    centre = f.centre()
    fam = f.family(centre)  # registered, never admitted
    activity = course(centre)
    client = login(f.user("staff", centre=centre))
    resp = client.post(f"/en/courses/{activity.id}/enrol", data={"person_id": fam.head.id})
    assert resp.status_code == 422
    assert "Not living in the centre: services go to its residents." in resp.text
    assert statuses(activity.id) == []


def test_c8_9_a_resident_of_another_centre_cannot_enrol(f):
    here, there = f.centre(), f.centre()
    (other,) = residents(f, there, 1)
    activity = course(here)
    with pytest.raises(ops.ActivityError, match="Only residents of this centre"):
        ops.enrol(activity, other)


def test_c8_5_event_sign_up_is_limited_by_its_capacity(f, login):
    centre = f.centre()
    a, b = residents(f, centre, 2)
    event = course(
        centre, code="C8.5", title="Наурыз кеші", kind=ActivityKind.EVENT,
        dates=(date(2026, 12, 4), date(2026, 12, 4)), weekdays=[], capacity=1,
    )  # fmt: skip
    assert ops.enrol(event, a).status == EnrolmentStatus.ENROLLED
    assert ops.enrol(event, b).status == EnrolmentStatus.WAITLISTED
    with pytest.raises(ops.ActivityError, match="already on the waiting list"):
        ops.enrol(event, b)


# ---------------------------------------------------------------------------------------------
# Clashes: a person, a teacher, a room
# ---------------------------------------------------------------------------------------------


def test_c8_4_a_teacher_clash_is_refused_naming_the_other_session(f, login):
    centre = f.centre()
    room1, room2 = f.room(centre, beds=1), f.room(centre, beds=1)
    teacher = f.user("staff", centre=centre)
    course(centre, title="Қазақ тілі A1", teacher=teacher, room=room1)
    client = login(teacher)
    resp = client.post(
        "/en/courses/new",
        data=course_form(
            centre, service("C8.4"), title="Құқық негіздері", language="",
            teacher_id=str(teacher.id), room_id=str(room2.id), starts_at_time="11:00",
            ends_at_time="13:00", weekdays=["2"],
        ),
    )  # fmt: skip
    assert resp.status_code == 422
    assert "The teacher or staff member is already busy with “Қазақ тілі A1”" in resp.text
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 1


def test_c8_4_a_teacher_busy_with_an_appointment_cannot_teach_then(f):
    """Clashes cover the individual services' appointments too (here a C8.1 consultation)."""
    centre = f.centre()
    (person,) = residents(f, centre, 1)
    teacher = f.user("staff", centre=centre)
    case = Case(
        service_id=service("C8.1").id, person_id=person.id, centre_id=centre.id,
        request="Анықтама", opened_on=date(2026, 11, 20),
    )  # fmt: skip
    db.session.add(case)
    db.session.add(
        Appointment(
            case=case, staff_id=teacher.id, starts_at=recurrence.at(date(2026, 12, 9), time(11, 0)),
            ends_at=recurrence.at(date(2026, 12, 9), time(11, 30)),
        )
    )  # fmt: skip
    db.session.commit()
    with pytest.raises(ops.ActivityError) as refused:
        course(centre, code="C8.4", title="Құқық негіздері", teacher=teacher)
    lines = refused.value.details
    assert len(lines) == 1  # only Wednesday 9 December meets the appointment
    assert "already busy with" in lines[0]
    assert f"“{service('C8.1').name}”" in lines[0]


def test_c8_4_a_room_clash_is_refused_naming_the_other_session(f):
    centre = f.centre()
    room = f.room(centre, beds=1)
    course(centre, title="Қазақ тілі A1", room=room, teacher=f.user("staff", centre=centre))
    with pytest.raises(ops.ActivityError) as refused:
        course(
            centre, code="C8.4", title="Кәсіпкерлік негіздері", room=room,
            teacher=f.user("staff", centre=centre), starts_at_time=time(11, 30),
            ends_at_time=ONE, weekdays=[0],
        )  # fmt: skip
    assert any("The room is already taken by “Қазақ тілі A1”" in m for m in refused.value.messages)
    db.session.rollback()
    # back to back is not a clash: the new one starts when the other ends
    course(centre, code="C8.4", title="Кәсіпкерлік негіздері", room=room,
           starts_at_time=NOON, ends_at_time=ONE)  # fmt: skip
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 2


def test_c8_9_a_person_clash_is_refused_naming_the_other_session(f, login):
    centre = f.centre()
    (person,) = residents(f, centre, 1)
    kazakh = course(centre, title="Қазақ тілі A1")
    ops.enrol(kazakh, person)
    db.session.commit()
    history = course(
        centre, code="C8.4", title="Қазақстан тарихы", starts_at_time=time(11, 0),
        ends_at_time=ONE, weekdays=[2, 4],
    )  # fmt: skip
    client = login(f.user("staff", centre=centre))
    resp = client.post(f"/en/courses/{history.id}/enrol", data={"person_id": person.id})
    assert resp.status_code == 422
    assert "The person already has “Қазақ тілі A1”" in resp.text
    assert statuses(history.id) == []


def test_move_session_refuses_a_clash_and_moves_otherwise(f):
    centre = f.centre()
    room1, room2 = f.room(centre, beds=1), f.room(centre, beds=1)
    kazakh = course(centre, title="Қазақ тілі A1", room=room1)
    history = course(centre, code="C8.4", title="Қазақстан тарихы", room=room2, weekdays=[1])
    tuesday = history.sessions[0]
    monday = kazakh.sessions[0]
    with pytest.raises(ops.ActivityError) as refused:
        ops.move_session(
            tuesday, as_utc(monday.starts_at), as_utc(monday.ends_at), room1.id
        )
    assert any("“Қазақ тілі A1”" in m for m in refused.value.messages)
    db.session.rollback()
    moved = ops.move_session(
        tuesday, datetime(2026, 12, 1, 14, 0, tzinfo=KZ), datetime(2026, 12, 1, 16, 0, tzinfo=KZ),
        room1.id,
    )  # fmt: skip
    db.session.commit()
    assert as_utc(moved.starts_at).astimezone(KZ) == datetime(2026, 12, 1, 14, 0, tzinfo=KZ)
    assert moved.room_id == room1.id


# ---------------------------------------------------------------------------------------------
# Attendance and absence alerts
# ---------------------------------------------------------------------------------------------


def _past_sessions(activity) -> list[ActivitySession]:
    return [s for s in activity.sessions if as_utc(s.starts_at) < NOW]


def test_c8_9_attendance_is_recorded_and_corrected_per_session(f, login):
    centre = f.centre()
    a, b = residents(f, centre, 2)
    activity = course(centre, dates=NOVEMBER)
    ops.enrol(activity, a)
    ops.enrol(activity, b)
    db.session.commit()
    session = _past_sessions(activity)[-1]
    client = login(f.user("staff", centre=centre))
    page = client.get(f"/en/sessions/{session.id}/attendance")
    assert page.status_code == 200
    assert a.full_name in page.text
    resp = client.post(
        f"/en/sessions/{session.id}/attendance",
        data={f"code-{a.id}": "late", f"code-{b.id}": "excused"},
    )
    assert resp.status_code == 303
    resp = client.post(f"/en/sessions/{session.id}/attendance", data={f"code-{a.id}": "present"})
    assert resp.status_code == 303
    db.session.expire_all()
    recorded = dict(
        db.session.execute(
            select(Attendance.person_id, Attendance.code).where(Attendance.session_id == session.id)
        ).all()
    )
    assert recorded == {a.id: AttendanceCode.PRESENT, b.id: AttendanceCode.EXCUSED}
    # a session that has not started yet cannot have attendance
    future = next(s for s in activity.sessions if as_utc(s.starts_at) > NOW)
    resp = client.post(f"/en/sessions/{future.id}/attendance", data={f"code-{a.id}": "present"})
    assert resp.status_code == 422
    assert "Attendance can be recorded once the session has started." in resp.text


def test_c8_9_consecutive_absences_alert_the_caseworker(f, login):
    """Only ABSENT counts; an absence with notice is skipped; PRESENT breaks the run."""
    centre = f.centre()
    caseworker = f.user("staff", centre=centre)
    f.room(centre, beds=3)
    fam = f.family(centre, members=1)
    f.admit(fam)
    fam.caseworker_id = caseworker.id
    db.session.commit()
    absent_one, present_one = fam.members
    activity = course(centre, dates=NOVEMBER, weekdays=[0, 2, 4])
    ops.enrol(activity, absent_one)
    ops.enrol(activity, present_one)
    db.session.commit()
    last4 = _past_sessions(activity)[-4:]
    A, E, P = AttendanceCode.ABSENT, AttendanceCode.EXCUSED, AttendanceCode.PRESENT
    for session, (first, second) in zip(last4, [(A, A), (A, A), (E, P), (A, A)], strict=True):
        attendance_ops.record_attendance(session, {absent_one.id: first, present_one.id: second})
    db.session.commit()

    alerts = attendance_ops.absence_alerts(centre.id)
    assert [(x.person.id, x.activity.id, x.absences) for x in alerts] == [
        (absent_one.id, activity.id, 3)
    ]
    assert alerts[0].caseworker.id == caseworker.id

    client = login(caseworker)
    page = client.get("/en/courses/alerts?mine=1")
    assert page.status_code == 200
    assert absent_one.full_name in page.text
    assert "(you)" in page.text
    assert f'href="/en/persons/{present_one.id}"' not in page.text
    other = f.user("staff", centre=centre)
    client.post("/en/logout")
    login(other)
    assert absent_one.full_name not in client.get("/en/courses/alerts?mine=1").text
    assert absent_one.full_name in client.get("/en/courses/alerts").text


def test_the_number_of_absences_before_an_alert_is_configurable(f, app):
    centre = f.centre()
    (person,) = residents(f, centre, 1)
    activity = course(centre, dates=NOVEMBER)
    ops.enrol(activity, person)
    db.session.commit()
    for session in _past_sessions(activity)[-2:]:
        attendance_ops.record_attendance(session, {person.id: AttendanceCode.ABSENT})
    db.session.commit()
    assert attendance_ops.absence_alerts(centre.id) == []  # the default is 3
    app.config["PORTAL_ABSENCE_ALERT_AFTER"] = 2
    assert [x.person.id for x in attendance_ops.absence_alerts(centre.id)] == [person.id]


# ---------------------------------------------------------------------------------------------
# Who may do what
# ---------------------------------------------------------------------------------------------


def test_coordinators_read_residents_are_refused_and_other_centres_are_hidden(f, login, client):
    centre, other = f.centre(), f.centre()
    (person,) = residents(f, centre, 1)
    activity = course(centre)
    session = activity.sessions[0]
    ops.enrol(activity, person)
    db.session.commit()
    enrolment = db.session.scalars(select(Enrolment)).one()

    login(f.user("coordinator", region_code="KZ-47"))
    assert client.get(f"/en/courses/{activity.id}").status_code == 200
    assert client.get(f"/en/sessions/{session.id}/attendance").status_code == 200
    assert client.get("/en/courses/new").status_code == 403
    assert client.post(f"/en/courses/{activity.id}/enrol", data={}).status_code == 403
    assert client.post(f"/en/enrolments/{enrolment.id}/cancel").status_code == 403
    assert client.post(f"/en/sessions/{session.id}/attendance").status_code == 403
    client.post("/en/logout")

    login(f.user("resident", person=person))
    for url in ("/en/courses", f"/en/courses/{activity.id}", "/en/courses/alerts"):
        assert client.get(url).status_code == 403
    client.post("/en/logout")

    login(f.user("staff", centre=other))
    assert client.get(f"/en/courses/{activity.id}").status_code == 404
    assert client.get(f"/en/sessions/{session.id}/attendance").status_code == 404
    assert client.post(f"/en/enrolments/{enrolment.id}/cancel").status_code == 404
    assert activity.title not in client.get("/en/courses").text
    assert statuses(activity.id) == [(person.id, "enrolled", 1)]
