"""Only residents use the residents' pages; the anonymous are sent to log in. The SQL
statements per page do not grow with the family's data."""

from __future__ import annotations

from datetime import date, time

import pytest

from portal.applications import operations as apps
from portal.db import as_utc
from portal.extensions import db
from portal.integrations import outbox
from portal.integrations.models import MessageKind
from portal.services.courses import attendance as attendance_ops
from portal.services.courses import operations as ops
from portal.services.courses.models import ActivitySession
from tests.applications.helpers import add_all_documents
from tests.me.conftest import NOW, TODAY, activity, appointment

pytestmark = pytest.mark.clock(NOW)

PAGES = [
    "/en/me",
    "/en/me/timetable",
    "/en/me/timetable/print",
    "/en/me/timetable.ics",
    "/en/me/attendance",
    "/en/me/activities",
    "/en/me/calendar",
]
ACTIONS = [
    "/en/me/activities/{activity}/sign-up",
    "/en/me/enrolments/{enrolment}/cancel",
    "/en/me/calendar/new",
    "/en/me/calendar/revoke",
]


def _actions(world) -> list[str]:
    enrolment = world.course.enrolments[0]
    return [a.format(activity=world.course.id, enrolment=enrolment.id) for a in ACTIONS]


def test_anonymous_visitors_are_sent_to_log_in(world, client):
    for url in PAGES:
        resp = client.get(url)
        assert resp.status_code == 302, url
        assert "/en/login" in resp.headers["Location"], url
    for url in _actions(world):
        assert client.post(url).status_code == 302, url


@pytest.mark.parametrize("role", ["admin", "coordinator", "staff"])
def test_the_staff_side_gets_403(world, login, f, role):
    user = f.user(role, centre=world.centre, region_code="KZ-47")
    client = login(user)
    for url in PAGES:
        assert client.get(url).status_code == 403, url
    for url in _actions(world):
        assert client.post(url, data={"person_id": world.head.id}).status_code == 403, url
    db.session.expire_all()
    assert [e.status.value for e in world.course.enrolments] == ["enrolled"]


def _grow(world, f, first: int, n: int) -> None:
    """More of everything: members, courses with places for each, attendance, appointments,
    documents, IIN requests."""
    for i in range(first, first + n):
        a = activity(
            world.centre, f"Курс {i}", weekdays=(1, 3), times=(time(8 + i, 0), time(8 + i, 30))
        )
        for person in world.family.members:
            ops.enrol(a, person)
        db.session.commit()
        for s in a.sessions:
            if as_utc(s.starts_at).date() < TODAY:
                attendance_ops.record_attendance(s, {p.id: "present" for p in world.family.members})
        db.session.commit()
        appointment(world.family.members[i % 3], world.teacher, world.room,
                    date(2026, 11, 26 + i % 3), time(14 + i, 0), time(14 + i, 30),
                    code=("C8.1", "C8.2", "C8.3", "C8.6")[i])  # fmt: skip
    application = world.family.application
    add_all_documents(application, TODAY)
    for person in world.family.members:
        outbox.enqueue(MessageKind.IIN_GENERATION, {"person_id": person.id},
                       application_id=application.id, person_id=person.id)  # fmt: skip
    db.session.commit()


def test_the_pages_run_a_constant_number_of_queries(world, login, f, count_queries):
    apps.open_application(world.family)
    db.session.commit()
    client = login(world.resident)
    assert client.post("/en/me/calendar/new").status_code == 303
    db.session.expire_all()
    urls = [*PAGES, f"/calendar/{world.resident.calendar_token}.ics"]
    counts: dict[str, list[int]] = {u: [] for u in urls}
    for first, grow in ((0, 1), (1, 3)):  # one of everything, then more
        _grow(world, f, first, grow)
        assert db.session.query(ActivitySession).count() > 0
        for url in urls:
            client.get(url)  # warm up the same way each time
            with count_queries() as q:
                assert client.get(url).status_code == 200, url
            counts[url].append(q.count)
    for url, (small, large) in counts.items():
        assert small == large, (url, counts[url])
        assert large <= 14, (url, large)
