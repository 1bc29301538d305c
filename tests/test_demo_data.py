"""`flask demo-data` fills an empty database with a believable region and working logins."""

from sqlalchemy import func, select

from portal.accommodation.models import Centre, CentreKind, Stay
from portal.auth.models import Role, User
from portal.extensions import db
from portal.residents.models import Family, Person


def test_demo_data_fills_an_empty_database_once(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo-data", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "demo-kandas-2026" in result.output and "staff.aktau" in result.output
    centres = db.session.scalars(
        select(Centre).join(Centre.region).where(Centre.region.has(code="KZ-47"))
    ).all()
    assert len(centres) == 3 and {c.kind for c in centres} == set(CentreKind)
    assert db.session.scalar(select(func.count()).select_from(Family)) >= 40
    with_iin = db.session.scalar(
        select(func.count()).select_from(Person).where(Person.iin.is_not(None))
    )
    without = db.session.scalar(
        select(func.count()).select_from(Person).where(Person.iin.is_(None))
    )
    assert with_iin > 10 and without > 10
    assert db.session.scalar(select(func.count()).select_from(Stay)) > 40
    roles = db.session.scalars(select(User.role)).all()
    assert roles.count(Role.RESIDENT) == 2 and roles.count(Role.STAFF) >= 3
    again = runner.invoke(args=["demo-data", "--if-empty"])
    assert again.exit_code == 0 and "not loaded again" in again.output
    assert "resident1" in again.output


def test_demo_logins_work(app, client):
    app.test_cli_runner().invoke(args=["demo-data"])
    resp = client.post(
        "/kk/login", data={"username": "staff.aktau", "password": "demo-kandas-2026"}
    )
    assert resp.status_code == 302
    assert client.get(resp.headers["Location"], follow_redirects=True).status_code == 200
