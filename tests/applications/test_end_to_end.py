"""The whole workflow over HTTP: pages, the outbox worker and the state-systems simulator."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from portal import iin as iin_rules
from portal.applications.models import Application, State
from portal.extensions import db
from portal.integrations.models import MessageKind, MessageStatus, OutboxMessage
from portal.residents.models import Person
from tests.applications.helpers import add_all_documents

pytestmark = pytest.mark.clock("2026-11-25 09:00", tick=True)


def _version(client, family) -> str:
    page = client.get(f"/en/families/{family.id}/application").text
    return re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)


def test_r7_r10_r18_draft_to_certificate_through_the_simulator(f, login, state_systems, run_worker):
    simulator = state_systems
    centre = f.centre()
    family = f.family(centre, members=2)
    head = family.head
    known = iin_rules.make(head.birth_date, "M", 4321)
    simulator.add_person(iin=known, surname=head.surname, given_name=head.given_name,
                         birth_date=head.birth_date, sex="M")  # fmt: skip
    client = login(f.user("staff", centre=centre))
    assert client.post(f"/en/families/{family.id}/application").status_code == 303
    application = db.session.scalar(select(Application))
    add_all_documents(application, date(2026, 11, 20))
    for step, data in (
        ("submit", {"received_on": "2026-11-23"}),
        ("accept", {}),
    ):
        resp = client.post(f"/en/applications/{application.id}/{step}",
                           data={**data, "version": _version(client, family)})  # fmt: skip
        assert resp.status_code == 303, step
    run_worker()  # name verifications and look-ups; IIN generation requested for two
    run_worker()  # the generated IINs arrive
    db.session.expire_all()
    members = db.session.scalars(
        select(Person).where(Person.family_id == family.id).order_by(Person.id)
    ).all()
    assert members[0].iin == known  # R7: reused
    for m in members[1:]:
        assert iin_rules.validate_for(m.iin, m.birth_date, m.sex.value)  # R10: valid, consistent
    assert db.session.get(Application, application.id).state == State.READY_FOR_DECISION
    generated = [r for r in simulator.requests() if r["endpoint"] == "/mia/v1/iins"]
    assert len(generated) == 2
    assert all(r["count"] == 1 for r in generated)  # never for the head
    resp = client.post(f"/en/applications/{application.id}/decision",
                       data={"decision": "grant", "protocol_number": "12", "protocol_date": "2026-11-24",
                             "version": _version(client, family)})  # fmt: skip
    assert resp.status_code == 303
    resp = client.post(f"/en/applications/{application.id}/certificate",
                       data={"issued_on": "2026-11-25", "version": _version(client, family)})  # fmt: skip
    assert resp.status_code == 303
    page = client.get(f"/en/families/{family.id}/application").text
    assert "Kandas certificate issued" in page
    assert "Migration police: IIN generated (R10)" in page


def test_requests_wait_while_the_simulator_is_down_and_go_out_when_it_returns(
    f, login, state_systems, run_worker
):
    simulator = state_systems
    centre = f.centre()
    family = f.family(centre)
    client = login(f.user("staff", centre=centre))
    client.post(f"/en/families/{family.id}/application")
    application = db.session.scalar(select(Application))
    add_all_documents(application, date(2026, 11, 20))
    client.post(f"/en/applications/{application.id}/submit",
                data={"received_on": "2026-11-23", "version": _version(client, family)})  # fmt: skip
    client.post(
        f"/en/applications/{application.id}/accept", data={"version": _version(client, family)}
    )
    simulator.stop()
    run_worker()
    db.session.expire_all()
    messages = db.session.scalars(select(OutboxMessage)).all()
    assert messages
    assert [(m.status, m.attempts) for m in messages] == [(MessageStatus.PENDING, 1)] * len(messages)
    assert all(m.last_error for m in messages)
    simulator.start()
    import time

    time.sleep(0.2)  # past the (test-short) backoff
    run_worker()
    run_worker()
    db.session.expire_all()
    statuses = {m.kind: m.status for m in db.session.scalars(select(OutboxMessage))}
    assert set(statuses.values()) == {MessageStatus.SENT}
    assert MessageKind.IIN_GENERATION in statuses
    assert db.session.get(Application, application.id).state == State.READY_FOR_DECISION
