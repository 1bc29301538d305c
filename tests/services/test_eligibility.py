"""Who may have which C8 service now, and what blocks the others: the person's services page
and the new-case form show the blockers with their reasons; a blocked service is refused."""

from __future__ import annotations

import re
from datetime import date

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from portal.accommodation import operations as acc
from portal.accommodation.models import DischargeReason
from portal.applications.models import Application, State
from portal.clock import today
from portal.extensions import db
from portal.integrations import outbox
from portal.integrations.models import MessageKind
from portal.services.cases.models import Case
from portal.services.catalogue import eligibility
from portal.services.catalogue.models import Service

pytestmark = pytest.mark.clock("2026-11-25 09:00")

NO_STAY = "Not living in the centre: services go to its residents."
NO_IIN = "Needs an IIN, which the person does not have yet."
NO_STATUS = "Needs the kandas status granted."


def _row(html: str, code: str) -> str:
    """The row of one service on the person's services page."""
    match = re.search(rf'<tr id="service-{code.replace(".", "-")}">(.*?)</tr>', html, re.S)
    assert match, code
    return match.group(1)


def _case_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Case))


def _service(code: str) -> Service:
    return db.session.scalar(select(Service).where(Service.code == code))


def _living_family(f, **head):
    centre = f.centre()
    f.room(centre, beds=4)
    fam = f.family(centre, members=1, **head)
    f.admit(fam)
    return centre, fam


def test_c8_services_go_only_to_residents_with_an_open_stay(f, login):
    centre = f.centre()
    f.room(centre, beds=4)
    waiting = f.family(centre)  # registered, never admitted
    client = login(f.user("staff", centre=centre))

    page = client.get(f"/en/persons/{waiting.head.id}/services")
    assert page.status_code == 200
    for n in range(1, 11):
        assert NO_STAY in _row(page.text, f"C8.{n}")
    assert "Can have it now" not in page.text

    resp = client.post(
        f"/en/persons/{waiting.head.id}/cases/new",
        data={"service": "C8.1", "request": "Where is the migration office?", "assigned_to": ""},
    )
    assert resp.status_code == 422
    assert NO_STAY in resp.text
    assert _case_count() == 0


def test_c8_services_end_with_the_stay(f, login):
    centre, fam = _living_family(f)
    head = fam.head
    assert eligibility.blockers(_service("C8.1"), eligibility.facts(head, today())) == []
    stays = list(acc.open_stays([head.id]).values())
    acc.discharge(stays, date(2026, 10, 1), DischargeReason.HOUSING, None)
    db.session.commit()
    blocked = eligibility.blockers(_service("C8.1"), eligibility.facts(head, today()))
    assert [b.code for b in blocked] == ["no_stay"]


def test_c8_8_and_c8_10_need_an_iin(f, login):
    centre, fam = _living_family(f)
    client = login(f.user("staff", centre=centre))
    page = client.get(f"/en/persons/{fam.head.id}/services").text
    for code in ("C8.8", "C8.10"):
        assert NO_IIN in _row(page, code)
    for code in ("C8.1", "C8.2", "C8.3", "C8.6"):
        assert "Can have it now" in _row(page, code)

    resp = client.post(
        f"/en/persons/{fam.head.id}/cases/new",
        data={"service": "C8.10", "request": "Targeted social assistance", "assigned_to": ""},
    )
    assert resp.status_code == 422
    assert NO_IIN in resp.text
    assert _case_count() == 0


def test_c8_8_and_c8_10_show_the_date_an_iin_was_requested(f, login):
    centre, fam = _living_family(f)
    head = fam.head
    message = outbox.enqueue(
        MessageKind.IIN_GENERATION,
        {"surname": head.surname, "given_name": head.given_name,
         "birth_date": head.birth_date, "sex": head.sex.value},
        person_id=head.id,
    )  # fmt: skip
    db.session.commit()
    requested = format_date(message.created_at.date(), "medium", locale="en")
    client = login(f.user("staff", centre=centre))

    page = client.get(f"/en/persons/{head.id}/services").text
    for code in ("C8.8", "C8.10"):
        assert f"Needs an IIN: requested on {requested}." in _row(page, code)
    form = client.get(f"/en/persons/{head.id}/cases/new").text
    assert f"Needs an IIN: requested on {requested}." in form


def test_c8_8_and_c8_10_are_open_to_a_person_with_an_iin(f, login):
    born = date(1985, 3, 14)
    centre, fam = _living_family(f, iin=f.valid_iin(born, "M"), birth_date=born)
    client = login(f.user("staff", centre=centre))
    page = client.get(f"/en/persons/{fam.head.id}/services").text
    for code in ("C8.8", "C8.10"):
        assert "Can have it now" in _row(page, code)
    resp = client.post(
        f"/en/persons/{fam.head.id}/cases/new",
        data={"service": "C8.8", "request": "Attach to the polyclinic", "assigned_to": ""},
    )
    assert resp.status_code == 303
    assert _case_count() == 1


def test_c8_7_needs_the_kandas_status_granted(f, login):
    centre, fam = _living_family(f)
    client = login(f.user("staff", centre=centre))
    url = f"/en/persons/{fam.head.id}/services"
    assert NO_STATUS in _row(client.get(url).text, "C8.7")  # no application at all

    application = Application(family_id=fam.id, state=State.READY_FOR_DECISION)
    db.session.add(application)
    db.session.commit()
    assert NO_STATUS in _row(client.get(url).text, "C8.7")  # not decided yet
    resp = client.post(
        f"/en/persons/{fam.head.id}/cases/new",
        data={"service": "C8.7", "request": "Citizenship documents", "assigned_to": ""},
    )
    assert resp.status_code == 422
    assert NO_STATUS in resp.text
    assert _case_count() == 0

    application.state = State.STATUS_GRANTED
    db.session.commit()
    assert "Can have it now" in _row(client.get(url).text, "C8.7")
    resp = client.post(
        f"/en/persons/{fam.head.id}/cases/new",
        data={"service": "C8.7", "request": "Citizenship documents", "assigned_to": ""},
    )
    assert resp.status_code == 303
    assert _case_count() == 1


def test_the_new_case_form_offers_blocked_services_disabled_with_the_reason(f, login):
    centre, fam = _living_family(f)
    client = login(f.user("staff", centre=centre))
    page = client.get(f"/en/persons/{fam.head.id}/cases/new")
    assert page.status_code == 200
    offered = {
        code: attrs
        for attrs, code in re.findall(r'<option ([^>]*value="(C8\.\d+)"[^>]*)>', page.text)
    }
    # only the services delivered as cases, C8.4, C8.5 and C8.9 being courses and events
    assert set(offered) == {"C8.1", "C8.2", "C8.3", "C8.6", "C8.7", "C8.8", "C8.10"}
    for code in ("C8.7", "C8.8", "C8.10"):
        assert "disabled" in offered[code], code
    for code in ("C8.1", "C8.2", "C8.3", "C8.6"):
        assert "disabled" not in offered[code], code
    assert f"C8.8 · The guaranteed volume of free medical care — {NO_IIN}" in page.text
    assert NO_STATUS in page.text


def test_the_services_page_lists_every_service_cases_and_the_quota_state(f, login):
    centre, fam = _living_family(f)
    client = login(f.user("coordinator", region_code="KZ-47"))
    page = client.get(f"/en/persons/{fam.head.id}/services")
    assert page.status_code == 200
    for n in range(1, 11):
        _row(page.text, f"C8.{n}")
    assert "No application for the regional quota has been filed." in page.text
    assert "No open case." in page.text
    assert "Open a case" not in page.text  # a coordinator reads only


def test_residents_do_not_see_the_services_page(f, login):
    centre, fam = _living_family(f)
    client = login(f.user("resident", person=fam.head))
    assert client.get(f"/en/persons/{fam.head.id}/services").status_code == 403
