"""Cases of the individual services (C8.1, C8.2, C8.3, C8.6, C8.7, C8.8, C8.10): opened for an
eligible resident, scheduled with a staff member without clashes, delivered with the outcome
each service requires (or closed with a reason), overdue flagged, and scoped by centre."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.accommodation.models import Centre, Room
from portal.applications.models import Application, State
from portal.auth.models import User
from portal.clock import KZ, today
from portal.db import as_utc
from portal.extensions import db
from portal.residents.models import Family, Person
from portal.services.cases import operations as ops
from portal.services.cases import queries as case_queries
from portal.services.cases import workflow
from portal.services.cases.models import (
    Appointment,
    Case,
    CaseStatus,
    QuotaApplication,
    QuotaStatus,
)
from portal.services.catalogue.models import Service
from portal.workdays import add_working_days
from tests import factories

pytestmark = pytest.mark.clock("2026-11-25 09:00")

# ---------------------------------------------------------------------------------------------
# The world: one centre with a family living in it (the head has an IIN and the kandas status
# granted, so every case service is open to him), two staff members and two rooms; a second
# centre of the same region with its own staff member.
# ---------------------------------------------------------------------------------------------


@dataclass
class World:
    centre: Centre
    other_centre: Centre
    family: Family
    head: Person
    spouse: Person
    staff: User
    colleague: User
    outsider: User
    room: Room
    other_room: Room


@pytest.fixture
def world(f) -> World:
    centre = f.centre(name_en="Aktau centre")
    other = f.centre(name_en="Zhanaozen centre")
    room = f.room(centre, beds=4, number="101")
    other_room = f.room(centre, beds=2, number="102")
    born = date(1980, 4, 1)
    fam = f.family(centre, members=1, birth_date=born, iin=f.valid_iin(born, "M"))
    f.admit(fam)
    db.session.add(Application(family_id=fam.id, state=State.STATUS_GRANTED))
    db.session.commit()
    spouse = next(m for m in fam.members if not m.is_head)
    return World(
        centre=centre,
        other_centre=other,
        family=fam,
        head=fam.head,
        spouse=spouse,
        staff=f.user("staff", centre=centre),
        colleague=f.user("staff", centre=centre),
        outsider=f.user("staff", centre=other),
        room=room,
        other_room=other_room,
    )


def _service(code: str) -> Service:
    return db.session.scalar(select(Service).where(Service.code == code))


def _open(w: World, code: str, person: Person | None = None, on: date | None = None) -> Case:
    case = ops.open_case(person or w.head, _service(code), "A request", w.staff, on or today())
    db.session.commit()
    return case


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _reload(case: Case) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)


DAY = today() + timedelta(days=7)


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(DAY, datetime.min.time(), tzinfo=KZ).replace(hour=hour, minute=minute)


def _appointment_form(staff: User, starts: str, ends: str, room: Room | None = None) -> dict:
    return {
        "staff_id": str(staff.id),
        "day": DAY.isoformat(),
        "starts": starts,
        "ends": ends,
        "room_id": str(room.id) if room else "",
        "note": "",
    }


# ---------------------------------------------------------------------------------------------
# Opening a case
# ---------------------------------------------------------------------------------------------


def test_c8_6_case_is_opened_from_the_form_and_due_in_working_days(world, login):
    client = login(world.staff)
    resp = client.post(
        f"/en/persons/{world.head.id}/cases/new",
        data={"service": "C8.6", "request": "Help with the regional quota application",
              "assigned_to": str(world.colleague.id)},
    )  # fmt: skip
    assert resp.status_code == 303
    case = db.session.scalar(select(Case))
    assert case.service.code == "C8.6"
    assert case.status == CaseStatus.REQUESTED
    assert case.centre_id == world.centre.id
    assert case.assigned_to_id == world.colleague.id
    assert case.opened_on == today()
    assert case.due_on == add_working_days(today(), workflow.DUE_WORKING_DAYS["C8.6"])
    assert resp.location.endswith(f"/en/cases/{case.id}")
    page = client.get(resp.location)
    assert page.status_code == 200
    assert "Help with the regional quota application" in page.text


def test_an_empty_request_is_refused_and_nothing_is_written(world, login):
    client = login(world.staff)
    resp = client.post(
        f"/en/persons/{world.head.id}/cases/new",
        data={"service": "C8.1", "request": "  ", "assigned_to": ""},
    )
    assert resp.status_code == 422
    assert "Write down what the person asks for." in resp.text
    assert _count(Case) == 0


def test_courses_and_events_are_not_opened_as_cases(world):
    for code in ("C8.4", "C8.5", "C8.9"):
        with pytest.raises(workflow.CaseError, match="not delivered as an individual case"):
            ops.open_case(world.head, _service(code), "A course", None, today())


def test_a_second_open_case_for_the_same_service_is_refused(world, login):
    first = _open(world, "C8.2")
    client = login(world.staff)
    resp = client.post(
        f"/en/persons/{world.head.id}/cases/new",
        data={"service": "C8.2", "request": "Another translation", "assigned_to": ""},
    )
    assert resp.status_code == 422
    assert f"already has an open case for this service (No. {first.id})" in resp.text
    assert _count(Case) == 1


# ---------------------------------------------------------------------------------------------
# Delivery with the required outcome
# ---------------------------------------------------------------------------------------------

DELIVERIES = [
    pytest.param("C8.1", {"answered": "Explained where the migration office is"},
                 {"answered": "Explained where the migration office is"}, id="C8.1-answered"),
    pytest.param("C8.2", {"translated": "Birth certificate, from Chinese"},
                 {"translated": "Birth certificate, from Chinese"}, id="C8.2-translated"),
    pytest.param("C8.3", {"employer": "KazMunayGas", "since": "2026-11-02"},
                 {"employer": "KazMunayGas", "since": "2026-11-02"}, id="C8.3-employed"),
    pytest.param("C8.3", {"training": "Welding, 3 months"},
                 {"training": "Welding, 3 months"}, id="C8.3-trained"),
    pytest.param("C8.6", {"quota": "filed"}, {"quota": "filed"}, id="C8.6-quota-filed"),
    pytest.param("C8.6", {"advice": "Explained the child benefit"},
                 {"advice": "Explained the child benefit"}, id="C8.6-advice"),
    pytest.param("C8.7", {"documents_submitted_on": "2026-11-20"},
                 {"documents_submitted_on": "2026-11-20"}, id="C8.7-documents-submitted"),
    pytest.param("C8.8", {"clinic": "Polyclinic No. 3, Aktau"},
                 {"clinic": "Polyclinic No. 3, Aktau"}, id="C8.8-clinic"),
    pytest.param("C8.8", {"referral": "Cardiologist, regional hospital"},
                 {"referral": "Cardiologist, regional hospital"}, id="C8.8-referral"),
    pytest.param("C8.10", {"assistance": "granted"}, {"assistance": "granted"},
                 id="C8.10-granted"),
    pytest.param("C8.10", {"assistance": "refused"}, {"assistance": "refused"},
                 id="C8.10-refused"),
]  # fmt: skip


@pytest.mark.parametrize(("code", "form", "stored"), DELIVERIES)
def test_each_case_service_is_delivered_and_its_outcome_recorded(world, login, code, form,
                                                                 stored):  # fmt: skip
    case = _open(world, code)
    client = login(world.staff)
    assert client.post(f"/en/cases/{case.id}/start").status_code == 303
    assert _reload(case).status == CaseStatus.IN_PROGRESS

    resp = client.post(f"/en/cases/{case.id}/deliver", data=form)

    assert resp.status_code == 303, resp.text[:2000]
    case = _reload(case)
    assert case.status == CaseStatus.DELIVERED
    assert case.outcome == stored
    assert case.closed_on == today()
    page = client.get(f"/en/cases/{case.id}").text
    assert "delivered" in page
    assert 'id="outcome"' in page
    assert 'id="deliver"' not in page  # nothing more to do


@pytest.mark.parametrize(
    ("code", "message"),
    [
        pytest.param("C8.1", "Record the answer given to the request.", id="C8.1"),
        pytest.param("C8.2", "Record what was translated.", id="C8.2"),
        pytest.param("C8.3", "Record where the person is employed and since when, or the training they took.", id="C8.3"),
        pytest.param("C8.6", "Record the regional-quota application (filed, included or refused), or the advice given.", id="C8.6"),
        pytest.param("C8.7", "Record the date the citizenship documents were submitted.", id="C8.7"),
        pytest.param("C8.8", "Record the clinic the person is attached to, or the referral issued.", id="C8.8"),
        pytest.param("C8.10", "Record whether the targeted social assistance was granted or refused.", id="C8.10"),
    ],
)  # fmt: skip
def test_delivery_without_the_required_outcome_is_refused(world, login, code, message):
    case = _open(world, code)
    client = login(world.staff)
    client.post(f"/en/cases/{case.id}/start")
    resp = client.post(f"/en/cases/{case.id}/deliver", data={})
    assert resp.status_code == 422
    assert message in resp.text
    case = _reload(case)
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.outcome is None
    assert case.closed_on is None


def test_c8_3_employer_without_the_date_is_refused_at_the_date(world, login):
    case = _open(world, "C8.3")
    client = login(world.staff)
    resp = client.post(f"/en/cases/{case.id}/deliver", data={"employer": "KazMunayGas"})
    assert resp.status_code == 422
    assert 'id="since-error"' in resp.text
    assert _reload(case).status == CaseStatus.REQUESTED


def test_c8_7_documents_submitted_in_the_future_are_refused(world, login):
    case = _open(world, "C8.7")
    client = login(world.staff)
    later = (today() + timedelta(days=3)).isoformat()
    resp = client.post(f"/en/cases/{case.id}/deliver", data={"documents_submitted_on": later})
    assert resp.status_code == 422
    assert "The date cannot be in the future." in resp.text
    assert _reload(case).outcome is None


def test_c8_10_assistance_must_be_granted_or_refused(world):
    case = _open(world, "C8.10")
    with pytest.raises(workflow.CaseError, match="Choose one of the answers offered."):
        ops.deliver(case, {"assistance": "maybe"})


# ---------------------------------------------------------------------------------------------
# C8.6: the regional-quota application
# ---------------------------------------------------------------------------------------------


def test_c8_6_quota_application_is_tracked_from_filed_to_included(world, login):
    client = login(world.staff)
    filing = _open(world, "C8.6")
    assert client.post(f"/en/cases/{filing.id}/deliver", data={"quota": "filed"}).status_code == 303
    quota = db.session.scalar(select(QuotaApplication))
    assert (quota.person_id, quota.status) == (world.head.id, QuotaStatus.SUBMITTED)
    assert quota.submitted_on == today()
    assert quota.decided_on is None
    page = client.get(f"/en/persons/{world.head.id}/services").text
    assert "filed, awaiting the decision" in page

    # filing twice is refused, nothing changes
    again = _open(world, "C8.6")
    resp = client.post(f"/en/cases/{again.id}/deliver", data={"quota": "filed"})
    assert resp.status_code == 422
    assert "The quota application was already filed on" in resp.text
    assert _reload(again).status == CaseStatus.REQUESTED

    resp = client.post(f"/en/cases/{again.id}/deliver", data={"quota": "included"})
    assert resp.status_code == 303
    db.session.expire_all()
    quota = db.session.scalar(select(QuotaApplication))
    assert quota.status == QuotaStatus.INCLUDED
    assert quota.decided_on == today()
    assert _count(QuotaApplication) == 1
    page = client.get(f"/en/persons/{world.head.id}/services").text
    assert "included in the regional quota" in page


def test_c8_6_quota_decision_without_a_filed_application_is_refused(world, login):
    case = _open(world, "C8.6")
    client = login(world.staff)
    resp = client.post(f"/en/cases/{case.id}/deliver", data={"quota": "included"})
    assert resp.status_code == 422
    assert "No quota application has been filed for this person" in resp.text
    assert _count(QuotaApplication) == 0
    assert _reload(case).status == CaseStatus.REQUESTED


def test_c8_6_quota_refused_may_be_filed_again(world):
    ops.deliver(_open(world, "C8.6"), {"quota": "filed"}, date(2026, 3, 2))
    ops.deliver(_open(world, "C8.6"), {"quota": "refused"}, date(2026, 6, 1))
    quota = db.session.scalar(select(QuotaApplication))
    assert (quota.status, quota.decided_on) == (QuotaStatus.REFUSED, date(2026, 6, 1))
    ops.deliver(_open(world, "C8.6"), {"quota": "filed"}, date(2026, 9, 1))
    assert (quota.status, quota.submitted_on, quota.decided_on) == (
        QuotaStatus.SUBMITTED, date(2026, 9, 1), None,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Closing, and actions the state does not allow
# ---------------------------------------------------------------------------------------------


def test_closing_without_delivery_needs_a_reason(world, login):
    case = _open(world, "C8.2")
    client = login(world.staff)
    resp = client.post(f"/en/cases/{case.id}/close", data={"reason": ""})
    assert resp.status_code == 422
    assert "Give the reason for closing the case." in resp.text
    assert _reload(case).status == CaseStatus.REQUESTED

    resp = client.post(f"/en/cases/{case.id}/close", data={"reason": "The family left the centre"})
    assert resp.status_code == 303
    case = _reload(case)
    assert case.status == CaseStatus.CLOSED
    assert case.close_reason == "The family left the centre"
    assert case.closed_on == today()
    assert case.outcome is None


def test_actions_the_state_does_not_allow_are_refused_with_a_message(world, login):
    client = login(world.staff)
    case = _open(world, "C8.1")
    client.post(f"/en/cases/{case.id}/start")
    resp = client.post(f"/en/cases/{case.id}/start")
    assert resp.status_code == 422
    assert "This case is already in progress." in resp.text

    client.post(f"/en/cases/{case.id}/deliver", data={"answered": "Done"})
    for url, data in [
        (f"/en/cases/{case.id}/start", {}),
        (f"/en/cases/{case.id}/deliver", {"answered": "Again"}),
        (f"/en/cases/{case.id}/close", {"reason": "Too late"}),
        (f"/en/cases/{case.id}/appointments", _appointment_form(world.staff, "10:00", "11:00")),
    ]:
        resp = client.post(url, data=data)
        assert resp.status_code == 422, url
        assert "This case is already delivered: nothing more can be done on it." in resp.text
    case = _reload(case)
    assert (case.status, case.outcome) == (CaseStatus.DELIVERED, {"answered": "Done"})
    assert _count(Appointment) == 0


def test_transitions_are_one_table():
    final = {CaseStatus.DELIVERED, CaseStatus.CLOSED}
    assert not any(state in final for state, _action in workflow.TRANSITIONS)
    assert workflow.TRANSITIONS[(CaseStatus.REQUESTED, workflow.CaseAction.SCHEDULE)] == CaseStatus.SCHEDULED
    assert workflow.TRANSITIONS[(CaseStatus.SCHEDULED, workflow.CaseAction.START)] == CaseStatus.IN_PROGRESS


# ---------------------------------------------------------------------------------------------
# Appointments and clashes
# ---------------------------------------------------------------------------------------------


def test_an_appointment_schedules_the_case_and_cancelling_it_requests_it_again(world, login):
    case = _open(world, "C8.1")
    client = login(world.staff)
    resp = client.post(
        f"/en/cases/{case.id}/appointments",
        data=_appointment_form(world.staff, "10:00", "10:30", world.room),
    )
    assert resp.status_code == 303, resp.text[:2000]
    appointment = db.session.scalar(select(Appointment))
    assert (appointment.staff_id, appointment.room_id) == (world.staff.id, world.room.id)
    assert as_utc(appointment.starts_at) == _at(10)
    assert as_utc(appointment.ends_at) == _at(10, 30)
    assert _reload(case).status == CaseStatus.SCHEDULED
    page = client.get(f"/en/cases/{case.id}").text
    assert "10:30" in page
    assert world.staff.full_name in page

    # Cancelling asks first (issue 17): what follows, and nothing done until the answer.
    question = client.get(f"/en/appointments/{appointment.id}/cancel").text
    assert "Cancel the appointment?" in question
    assert "the case goes back to the requests waiting for a time" in question
    assert f"{case.person.full_name} · " in question and world.staff.full_name in question
    assert client.post(f"/en/appointments/{appointment.id}/cancel").status_code == 303
    assert not db.session.get(Appointment, appointment.id).cancelled  # no answer, no change
    resp = client.post(f"/en/appointments/{appointment.id}/cancel", data={"confirmed": "1"})
    assert resp.status_code == 303
    assert _reload(case).status == CaseStatus.REQUESTED
    assert db.session.get(Appointment, appointment.id).cancelled


def test_c8_6_legal_consultation_clashing_with_the_staff_members_appointment_is_refused(
    world, login
):
    info = _open(world, "C8.1", person=world.spouse)
    ops.schedule(info, world.staff, _at(10), _at(11))
    db.session.commit()
    legal = _open(world, "C8.6")
    client = login(world.staff)

    resp = client.post(
        f"/en/cases/{legal.id}/appointments",
        data=_appointment_form(world.staff, "10:30", "11:30"),
    )

    assert resp.status_code == 422
    assert (
        "The teacher or staff member is already busy with “Information and reference services”"
        in resp.text
    )
    assert _count(Appointment) == 1
    assert _reload(legal).status == CaseStatus.REQUESTED

    # with the colleague, at the same time, it is made
    resp = client.post(
        f"/en/cases/{legal.id}/appointments",
        data=_appointment_form(world.colleague, "10:30", "11:30"),
    )
    assert resp.status_code == 303
    assert _reload(legal).status == CaseStatus.SCHEDULED


def test_an_appointment_in_a_room_already_taken_is_refused(world, login):
    translation = _open(world, "C8.2", person=world.spouse)
    ops.schedule(translation, world.colleague, _at(14), _at(15), world.room)
    db.session.commit()
    case = _open(world, "C8.3")
    client = login(world.staff)
    resp = client.post(
        f"/en/cases/{case.id}/appointments",
        data=_appointment_form(world.staff, "14:30", "15:00", world.room),
    )
    assert resp.status_code == 422
    assert "The room is already taken by “Translation services”" in resp.text
    assert _count(Appointment) == 1


def test_an_appointment_when_the_person_is_busy_is_refused(world, login):
    translation = _open(world, "C8.2")
    ops.schedule(translation, world.colleague, _at(9), _at(10), world.other_room)
    db.session.commit()
    case = _open(world, "C8.6")
    client = login(world.staff)
    resp = client.post(
        f"/en/cases/{case.id}/appointments",
        data=_appointment_form(world.staff, "09:30", "10:30", world.room),
    )
    assert resp.status_code == 422
    assert "The person already has “Translation services”" in resp.text
    assert _count(Appointment) == 1


def test_an_appointment_with_staff_of_another_centre_is_refused(world):
    case = _open(world, "C8.1")
    with pytest.raises(workflow.CaseError, match="staff member of the person's centre"):
        ops.schedule(case, world.outsider, _at(10), _at(11))


def test_an_appointment_that_ends_before_it_starts_is_refused(world, login):
    case = _open(world, "C8.1")
    client = login(world.staff)
    resp = client.post(
        f"/en/cases/{case.id}/appointments", data=_appointment_form(world.staff, "11:00", "10:00")
    )
    assert resp.status_code == 422
    assert "The appointment must end after it starts." in resp.text
    assert _count(Appointment) == 0


def test_move_appointment_keeps_the_clash_rules_and_ignores_itself(world):
    first = _open(world, "C8.1", person=world.spouse)
    busy = ops.schedule(first, world.staff, _at(12), _at(13))
    case = _open(world, "C8.6")
    appointment = ops.schedule(case, world.staff, _at(10), _at(11))
    db.session.commit()

    ops.move_appointment(appointment, _at(10, 30), _at(11, 30))  # overlaps only itself
    assert as_utc(appointment.starts_at) == _at(10, 30)
    with pytest.raises(workflow.CaseError, match="already busy"):
        ops.move_appointment(appointment, _at(12, 30), _at(13, 30))
    db.session.rollback()
    ops.cancel_appointment(busy)
    ops.move_appointment(appointment, _at(12, 30), _at(13, 30))
    db.session.commit()
    assert as_utc(db.session.get(Appointment, appointment.id).starts_at) == _at(12, 30)


def test_delivery_cancels_the_appointments_still_to_come(world):
    case = _open(world, "C8.8")
    appointment = ops.schedule(case, world.staff, _at(10), _at(11))
    ops.deliver(case, {"clinic": "Polyclinic No. 1"})
    assert appointment.cancelled


# ---------------------------------------------------------------------------------------------
# Overdue
# ---------------------------------------------------------------------------------------------


def test_overdue_cases_are_flagged(world, login):
    late = _open(world, "C8.1", on=date(2026, 10, 1))
    on_time = _open(world, "C8.2")
    done = _open(world, "C8.3", on=date(2026, 10, 1))
    ops.deliver(done, {"training": "Welding"}, date(2026, 10, 30))
    db.session.commit()
    assert late.due_on < today() <= on_time.due_on

    assert case_queries.overdue([world.centre.id], today()) == [late]
    assert case_queries.overdue([world.other_centre.id], today()) == []

    client = login(world.staff)
    page = client.get("/en/cases").text
    assert "1 case is overdue." in page
    assert page.count('<tr class="overdue">') == 1
    only = client.get("/en/cases?overdue=1").text
    assert f"/en/cases/{late.id}" in only
    assert f"/en/cases/{on_time.id}" not in only
    detail = client.get(f"/en/cases/{late.id}").text
    assert "Overdue since" in detail


# ---------------------------------------------------------------------------------------------
# The list, roles and scope
# ---------------------------------------------------------------------------------------------


def test_the_list_filters_by_service_and_status(world, login):
    legal = _open(world, "C8.6")
    translation = _open(world, "C8.2")
    ops.start(translation)
    db.session.commit()
    client = login(world.staff)
    page = client.get("/en/cases").text
    assert "2 cases found" in page
    page = client.get("/en/cases?service=C8.6").text
    assert f"/en/cases/{legal.id}" in page
    assert f"/en/cases/{translation.id}" not in page
    page = client.get("/en/cases?status=in_progress").text
    assert f"/en/cases/{translation.id}" in page
    assert f"/en/cases/{legal.id}" not in page
    partial = client.get("/en/cases?service=C8.2", headers={"HX-Request": "true"}).text
    assert "<html" not in partial
    assert "1 case found" in partial


def test_a_case_out_of_scope_is_404_for_staff_of_another_centre(world, f, app):
    case = _open(world, "C8.6")
    appointment = ops.schedule(case, world.staff, _at(10), _at(11))
    db.session.commit()
    client = app.test_client()
    client.post("/en/login", data={"username": world.outsider.username,
                                   "password": factories.PASSWORD})  # fmt: skip

    assert client.get(f"/en/cases/{case.id}").status_code == 404
    for url, data in [
        (f"/en/cases/{case.id}/start", {}),
        (f"/en/cases/{case.id}/deliver", {"advice": "x"}),
        (f"/en/cases/{case.id}/close", {"reason": "x"}),
        (f"/en/cases/{case.id}/appointments", _appointment_form(world.outsider, "12:00", "13:00")),
        (f"/en/appointments/{appointment.id}/cancel", {"confirmed": "1"}),
    ]:
        assert client.post(url, data=data).status_code == 404, url
    assert client.get(f"/en/persons/{world.head.id}/services").status_code == 404
    assert client.get(f"/en/persons/{world.head.id}/cases/new").status_code == 404
    listing = client.get("/en/cases").text
    assert f"/en/cases/{case.id}" not in listing
    assert world.head.surname not in listing
    case = _reload(case)
    assert case.status == CaseStatus.SCHEDULED
    assert not db.session.get(Appointment, appointment.id).cancelled


def test_a_coordinator_reads_cases_but_does_not_act(world, login, f):
    case = _open(world, "C8.1")
    client = login(f.user("coordinator", region_code="KZ-47"))
    assert client.get("/en/cases").status_code == 200
    assert client.get(f"/en/cases/{case.id}").status_code == 200
    assert client.get(f"/en/persons/{world.head.id}/services").status_code == 200
    assert client.get(f"/en/persons/{world.head.id}/cases/new").status_code == 403
    assert client.post(f"/en/persons/{world.head.id}/cases/new", data={}).status_code == 403
    assert client.post(f"/en/cases/{case.id}/start").status_code == 403
    assert client.post(f"/en/cases/{case.id}/close", data={"reason": "x"}).status_code == 403
    assert _reload(case).status == CaseStatus.REQUESTED


def test_residents_cannot_see_cases(world, login, f):
    case = _open(world, "C8.1")
    client = login(f.user("resident", person=world.head))
    assert client.get("/en/cases").status_code == 403
    assert client.get(f"/en/cases/{case.id}").status_code == 403
    assert client.post(f"/en/cases/{case.id}/start").status_code == 403
