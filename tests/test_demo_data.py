"""`flask demo-data` fills an empty database with a believable region and working logins."""

import re

import pytest
from sqlalchemy import func, select

from portal.accommodation.models import BedInService, Centre, CentreKind, Stay
from portal.auth import operations as accounts
from portal.auth.models import User
from portal.clock import today
from portal.extensions import db
from portal.residents.models import Family, Person
from portal.roles import Role
from portal.services.courses.models import Enrolment, EnrolmentStatus

pytestmark = pytest.mark.bulk  # rolled-back bulk loads: vacuumed after them (tests/conftest.py)


def test_demo_data_fills_an_empty_database_once(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo-data", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "demo-kandas-2026" in result.output
    assert "staff.aktau" in result.output
    centres = db.session.scalars(
        select(Centre).join(Centre.region).where(Centre.region.has(code="KZ-47"))
    ).all()
    assert len(centres) == 3
    assert {c.kind for c in centres} == set(CentreKind)
    assert db.session.scalar(select(func.count()).select_from(Family)) >= 40
    with_iin = db.session.scalar(
        select(func.count()).select_from(Person).where(Person.iin.is_not(None))
    )
    without = db.session.scalar(
        select(func.count()).select_from(Person).where(Person.iin.is_(None))
    )
    assert with_iin > 10
    assert without > 10
    assert db.session.scalar(select(func.count()).select_from(Stay)) > 40
    roles = db.session.scalars(select(User.role)).all()
    assert roles.count(Role.RESIDENT) == 3
    assert roles.count(Role.STAFF) >= 3
    # Two residents with the demo password, living in Aktau and learning Kazakh (C8.9); a third
    # account waits for its first log-in with the one-time code printed here.
    for username in ("resident1", "resident2"):
        person = db.session.scalar(select(User).where(User.username == username)).person
        assert any(s.end_on is None or s.end_on > today() for s in person.stays)
        assert any(
            e.activity.service.code == "C8.9" and e.status == EnrolmentStatus.ENROLLED
            for e in db.session.scalars(select(Enrolment).where(Enrolment.person_id == person.id))
        )
    # Issue 17: a newly registered resident can be enrolled (the history course has free
    # seats), and the Kazakh course shows its waiting list.
    from portal.services.courses.models import Activity

    for activity in db.session.scalars(select(Activity)):
        statuses = [e.status for e in activity.enrolments]
        seated = statuses.count(EnrolmentStatus.ENROLLED)
        if activity.service.code == "C8.4":
            assert seated < activity.capacity, activity.title
        if activity.service.code == "C8.9":
            assert EnrolmentStatus.WAITLISTED in statuses, activity.title
    code = re.search(r"one-time code ([A-Z0-9-]+)", result.output).group(1)
    pending = db.session.scalar(select(User).where(User.username == "resident3"))
    assert pending.password_hash is None
    assert accounts.redeem("resident3", code, "a-new-password1")
    again = runner.invoke(args=["demo-data", "--if-empty"])
    assert again.exit_code == 0
    assert "not loaded again" in again.output
    assert "resident1" in again.output


def test_demo_capacity_changed_over_time(app):
    """The occupancy report has something to show: a room closed for a month, one opened."""
    app.test_cli_runner().invoke(args=["demo-data"])
    periods = db.session.scalars(select(BedInService)).all()
    assert any(p.end_on is not None for p in periods)
    assert len({p.start_on for p in periods}) >= 3


def test_demo_logins_work(app, client):
    app.test_cli_runner().invoke(args=["demo-data"])
    resp = client.post(
        "/kk/login", data={"username": "staff.aktau", "password": "demo-kandas-2026"}
    )
    assert resp.status_code == 302
    assert client.get(resp.headers["Location"], follow_redirects=True).status_code == 200
