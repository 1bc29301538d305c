"""The main pages of every role run as many SQL statements on ten times the demo's data
(`national.SCALES["10x"]`: 12 centres in 3 regions, 400 families) as on data of the demo's
size (`"1x"`: 4 centres, 40 families) built by the same generator — so that the two differ in
size only: the story demo has other kinds of rows in other places, and a page that meets no
row of a kind skips the statement that would load its details."""

from __future__ import annotations

import difflib
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from portal import demo
from portal.accommodation.models import Stay
from portal.auth.models import User
from portal.demo import national
from portal.extensions import db
from portal.residents.models import Family, Person
from portal.services.courses.models import (
    Activity,
    ActivityKind,
    ActivitySession,
    Attendance,
    Enrolment,
    EnrolmentStatus,
)

pytestmark = pytest.mark.bulk  # rolled-back bulk loads: vacuumed after them (tests/conftest.py)

SCALES = national.SCALES
PAGES = [
    ("staff", "/en/residents"),
    ("staff", "/en/residents?q=ов&status=living"),
    ("staff", "/en/persons/{person}"),
    ("staff", "/en/families/{family}"),
    ("staff", "/en/families/{family}/application"),
    ("staff", "/en/work"),
    ("staff", "/en/centres/{centre}/calendar"),
    ("staff", "/en/courses"),
    ("staff", "/en/courses/{course}"),
    ("staff", "/en/sessions/{session}/attendance"),
    ("staff", "/en/cases"),
    ("resident1", "/en/me"),
    ("resident1", "/en/me/timetable"),
    ("resident1", "/en/me/activities"),
    ("resident1", "/en/me/attendance"),
    ("coordinator", "/en/work"),
    ("coordinator", "/en/reports/"),
    ("coordinator", "/en/reports/occupancy"),
    ("admin", "/en/reports/"),
    ("admin", "/en/reports/occupancy"),
    ("admin", "/en/reports/pipeline"),
    ("admin", "/en/reports/population"),
    ("admin", "/en/reports/services"),
    # Every row of a list, streamed: one statement reads them all, a batch at a time.
    ("admin", "/en/reports/families/export.csv"),
    ("admin", "/en/reports/families/export.xlsx"),
    ("admin", "/en/reports/people/export.csv"),
    ("admin", "/en/reports/people/export.xlsx"),
    ("admin", "/en/reports/deliveries/export.csv"),
    ("admin", "/en/reports/deliveries/export.xlsx"),
]


@contextmanager
def _undone():
    """What the block writes is rolled back at its end (a savepoint on the test's connection)."""
    savepoint = db.session.get_bind().begin_nested()
    try:
        yield
    finally:
        db.session.remove()
        savepoint.rollback()


def _ids(staff: User) -> dict:
    """A living family of the staff member's centre, its head, a course with marks and a
    waiting list (each page then meets every kind of row it shows)."""
    family = db.session.scalar(
        select(Family)
        .join(Person, (Person.family_id == Family.id) & Person.is_head)
        .join(Stay, Stay.person_id == Person.id)
        .where(Family.centre_id == staff.centre_id, Stay.end_on.is_(None), Family.application.has())
        .order_by(Family.id)
        .limit(1)
    )
    session = db.session.scalar(
        select(ActivitySession)
        .join(Activity)
        .where(Activity.centre_id == staff.centre_id, Activity.kind == ActivityKind.COURSE)
        .where(ActivitySession.id.in_(select(Attendance.session_id)))
        .where(
            Activity.id.in_(
                select(Enrolment.activity_id).where(Enrolment.status == EnrolmentStatus.WAITLISTED)
            )
        )
        .order_by(ActivitySession.starts_at.desc())
        .limit(1)
    )
    return {"centre": staff.centre_id, "family": family.id, "person": family.head.id,
            "course": session.activity_id, "session": session.id}  # fmt: skip


def _statements(client, count_queries, data: str) -> dict[str, list[str]]:
    staff = db.session.scalar(select(User).where(User.username == "staff.1"))
    ids = _ids(staff)
    counts = {}
    for who, url in PAGES:
        username = "staff.1" if who == "staff" else who
        client.post("/en/login", data={"username": username, "password": demo.DEMO_PASSWORD})
        target = url.format(**ids)
        client.get(target).get_data()  # warm the same caches each time
        with count_queries() as q:
            resp = client.get(target)
            resp.get_data()  # a streamed export reads its rows while it is sent
        assert resp.status_code == 200, (data, url)
        counts[f"{who} {url}"] = q.statements
        client.post("/en/logout")
    return counts


def test_main_pages_run_as_many_statements_on_ten_times_the_demo(app, client, count_queries):
    with _undone():
        national.build(SCALES["1x"])
        db.session.commit()
        on_demo = _statements(client, count_queries, "1x")
    with _undone():
        national.build(SCALES["10x"])
        db.session.commit()
        on_ten_x = _statements(client, count_queries, "10x")
    changed = {
        page: "\n".join(difflib.unified_diff(on_demo[page], statements, "1x", "10x", lineterm=""))
        for page, statements in on_ten_x.items()
        if len(statements) != len(on_demo[page])
    }
    assert not changed, "\n\n".join(f"{page}:\n{diff}" for page, diff in changed.items())
