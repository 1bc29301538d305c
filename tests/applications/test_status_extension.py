"""K5: a status granted under the 2025 rules lasts a year and is extended once, for up to six
months; statuses running out within 30 days wait in the work queue."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from portal.applications import operations as ops
from portal.applications import status
from portal.applications.models import Application, State
from portal.clock import KZ, today
from portal.extensions import db
from tests.applications.helpers import FakeStateSystems, add_all_documents, drain

pytestmark = pytest.mark.clock("2026-11-25 10:00")
SYSTEMS = FakeStateSystems()  # one generator: no IIN is generated twice


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert status.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert status.add_months(date(2026, 11, 25), 12) == date(2027, 11, 25)
    assert status.add_months(date(2027, 11, 25), 6) == date(2028, 5, 25)


def _issued(f, centre=None, on: date | None = None, **head) -> Application:
    family = f.family(centre or f.centre(), **head)
    application = ops.open_application(family)
    day = on or today()
    add_all_documents(application, day)
    ops.submit(application, day)
    ops.accept_documents(application, family.members, day)
    drain(SYSTEMS)
    application = db.session.get(Application, application.id)
    ops.grant_status(application, "5-К", day)
    ops.issue_certificate(application, list(family.members), day)
    db.session.commit()
    return application


def test_k5_a_2025_status_lasts_a_year_from_the_decision_and_is_extended_once(f, app):
    application = _issued(f)
    assert application.rule_set == "2025"
    assert application.certificate_valid_until == date(2027, 11, 25)
    with pytest.raises(ops.ApplicationError, match="1 to 6 months"):
        status.extend(application, 7, "The family's case is under review.")
    with pytest.raises(ops.ApplicationError, match="reasons"):
        status.extend(application, 6, " ")
    status.extend(application, 6, "The family's case is under review.")
    db.session.commit()
    assert application.certificate_valid_until == date(2028, 5, 25)
    assert application.extended_on == date(2026, 11, 25)
    with pytest.raises(ops.ApplicationError, match="cannot be extended"):
        status.extend(application, 1, "Again.")


@pytest.mark.clock("2025-10-20 10:00")
def test_k5_under_2017_the_setting_and_no_extension(f, app):
    application = _issued(f)
    assert application.rule_set == "2017"
    assert application.certificate_valid_until == date(2026, 10, 20)  # 365 days by default
    assert not status.can_extend(application)


def test_k5_a_status_expiring_within_30_days_enters_the_work_queue(f, app, login, clock):
    centre = f.centre()
    clock.move_to(datetime(2025, 12, 22, 10, tzinfo=KZ))
    soon = _issued(f, centre, surname="Бекенов", given_name="Арман")  # valid until 22 December 2026: 27 days from 25 November
    clock.move_to(datetime(2026, 1, 5, 10, tzinfo=KZ))
    later = _issued(f, centre, surname="Жұмабаев", given_name="Нұрлан")  # valid until 5 January 2027: 41 days away
    clock.move_to(datetime(2026, 11, 25, 10, tzinfo=KZ))
    client = login(f.user("staff", centre=centre))
    page = client.get("/en/work?kind=expiring").text
    assert f"/families/{soon.family_id}/application#stage" in page
    assert f"/families/{later.family_id}/application" not in page
    assert "Dec 22, 2026" in page
    # The page offers the extension, and it works once.
    assert 'id="extend"' in client.get(f"/en/families/{soon.family_id}/application").text
    resp = client.post(f"/en/applications/{soon.id}/extend",
                       data={"months": "3", "reasons": "Waiting for the residence permit.",
                             "version": str(soon.version)})  # fmt: skip
    assert resp.status_code == 303
    db.session.expire_all()
    soon = db.session.get(Application, soon.id)
    assert soon.state == State.CERTIFICATE_ISSUED
    assert soon.certificate_valid_until == date(2027, 3, 22)
    page = client.get(f"/en/families/{soon.family_id}/application").text
    assert 'id="extend"' not in page and "Waiting for the residence permit." in page
    assert f"/families/{soon.family_id}/application" not in client.get("/en/work").text
