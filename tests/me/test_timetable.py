"""The family's timetable: this week and next, by day, with room and teacher; the printable
page; attendance. Only the family's own places and appointments, never another family's."""

from __future__ import annotations

import re
from datetime import date, time

import pytest
from flask_babel import format_date
from sqlalchemy import select

from portal.db import as_utc
from portal.extensions import db
from portal.me import timetable
from portal.services.courses import attendance as attendance_ops
from portal.services.courses import operations as ops
from portal.services.courses.models import ActivitySession, AttendanceCode
from tests.me.conftest import COURSE, EVENT, NOW, activity, appointment

pytestmark = pytest.mark.clock(NOW)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _section(html: str, ident: str) -> str:
    return html.split(f'id="{ident}"')[1].split("</section>")[0]


def _busy_week(world, f):
    """The spouse waits for the event (the neighbour holds its one place), has an appointment
    on Thursday; the neighbours have their own course and appointment; one session of the
    course is cancelled."""
    neighbour = world.neighbours.members[0]
    ops.enrol(world.event, neighbour)
    ops.enrol(world.event, world.spouse)
    own = activity(world.centre, "Көршілердің курсы", teacher=None, room=None, weekdays=(1,),
                   times=(time(15, 0), time(16, 0)))  # fmt: skip
    ops.enrol(own, neighbour)
    db.session.commit()
    mine = appointment(world.spouse, world.teacher, None, date(2026, 11, 26), time(11, 0),
                       time(11, 30))  # fmt: skip
    theirs = appointment(neighbour, world.teacher, None, date(2026, 11, 26), time(14, 0),
                         time(14, 30))  # fmt: skip
    cancelled = next(
        s for s in world.course.sessions if as_utc(s.starts_at).date() == date(2026, 12, 2)
    )
    cancelled.cancelled = True
    db.session.commit()
    return mine, theirs


def test_this_week_and_next_by_day_with_room_and_teacher(world, login, f):
    mine, theirs = _busy_week(world, f)

    resp = login(world.resident).get("/en/me/timetable")

    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    this_week, next_week = _section(html, "week-1"), _section(html, "week-2")
    # This week: Monday and Wednesday lessons, Thursday's appointment, Friday's event.
    days = re.findall(r'id="day-([\d-]+)"', this_week)
    assert days == ["2026-11-23", "2026-11-25", "2026-11-26", "2026-11-27"]
    assert re.findall(r'id="day-([\d-]+)"', next_week) == ["2026-11-30"]  # 2 Dec is cancelled
    text = _text(this_week)
    assert f"{format_date(date(2026, 11, 25), 'full')} · Today" in text
    assert (
        f"10:00 – 12:00 {COURSE} Course Who {world.head.full_name} Room Room 101 Teacher Айгерім Сапарова"
        in text
    )
    assert f"18:00 – 20:00 {EVENT} Event Who {world.spouse.full_name} (on the waiting list)" in text
    assert f'id="item-appointment-{mine.id}"' in this_week
    assert (
        f"11:00 – 11:30 {mine.case.service.short_name} Appointment Who {world.spouse.full_name}" in text
    )
    assert "Staff member Айгерім Сапарова" in text
    # Nothing of the neighbours': not their course, not their appointment, not their name.
    assert "Көршілердің курсы" not in html
    assert f'id="item-appointment-{theirs.id}"' not in html
    assert world.neighbours.members[0].full_name not in html
    # The week after next is not shown.
    assert "2026-12-07" not in html


def test_the_printable_page_holds_the_same_two_weeks(world, login, f):
    _busy_week(world, f)

    resp = login(world.resident).get("/en/me/timetable/print")

    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'class="me-page me-print"' in html
    first = html.split('id="print-week-1"')[1].split("</table>")[0]
    second = html.split('id="print-week-2"')[1].split("</table>")[0]
    assert first.count("<tbody>") == 4
    assert second.count("<tbody>") == 1
    assert '<th scope="col">Room</th>' in first
    assert COURSE in first
    assert EVENT in first
    assert "Room 101" in first
    assert "Көршілердің курсы" not in html


def test_the_timetable_functions_take_the_user_and_the_scoping_layer_decides(world, f):
    neighbour_user = f.user("resident", person=world.neighbours.members[0])
    ops.enrol(world.event, world.neighbours.members[0])
    db.session.commit()
    start, end = timetable.feed_window()

    mine = {i.uid for i in timetable.items_between(world.resident, start, end)}
    theirs = {i.uid for i in timetable.items_between(neighbour_user, start, end)}

    event_session = world.event.sessions[0]
    assert f"session-{event_session.id}@kandas-portal" in theirs
    assert f"session-{event_session.id}@kandas-portal" not in mine
    assert {f"session-{s.id}@kandas-portal" for s in world.course.sessions} <= mine
    assert not any(u in theirs for u in mine)


def test_attendance_per_member_and_course_with_counts_rate_and_recent_sessions(world, login):
    held = [
        s
        for s in db.session.scalars(
            select(ActivitySession)
            .where(ActivitySession.activity_id == world.course.id)
            .order_by(ActivitySession.starts_at)
        )
        if as_utc(s.starts_at).date() < date(2026, 11, 25)
    ]
    assert len(held) == 7  # Mondays and Wednesdays from 2 to 23 November
    codes = [AttendanceCode.PRESENT, AttendanceCode.PRESENT, AttendanceCode.LATE,
             AttendanceCode.ABSENT, AttendanceCode.EXCUSED, AttendanceCode.PRESENT]  # fmt: skip
    for session, code in zip(held[:6], codes, strict=True):  # the 23rd not recorded
        attendance_ops.record_attendance(session, {world.head.id: code})
    db.session.commit()

    resp = login(world.resident).get("/en/me/attendance")

    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    card = _text(
        html.split(f'id="attendance-{world.head.id}-{world.course.id}"')[1].split("</table>")[0]
    )
    assert "4 of 6 sessions attended · 67%" in card
    assert "present 3" in card
    assert "late 1" in card
    assert "absent for a valid reason 1" in card
    assert "absent 1" in card
    assert card.count("present") >= 3
    assert (
        _text(html.split(f'id="attendance-{world.spouse.id}"')[1].split("</section>")[0])
        .strip()
        .endswith("Not signed up for any course or event.")
    )
