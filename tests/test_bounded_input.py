"""Issue 15: ids and dates outside what the database and the domain hold answer 404 or 422,
never 500 — each of the server errors found by the attack, as a test."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from portal.accommodation.models import BedInService
from portal.bounds import MAX_ID, id_arg, page_number
from portal.extensions import db
from portal.services.catalogue.models import Service
from portal.services.courses import operations as course_ops
from portal.services.courses.models import ActivityKind

pytestmark = pytest.mark.clock("2026-11-25 09:00")

HUGE = ["9223372036854775808", "99999999999999999999", str(2**63 - 1), str(MAX_ID + 1)]


@pytest.fixture
def people(f, login):
    """A centre with a family, and a client signed in for each role (the resident is the head)."""
    centre = f.centre()
    family = f.family(centre, members=1)
    users = {
        "admin": f.user("admin"),
        "coordinator": f.user("coordinator", region_code=centre.region.code),
        "staff": f.user("staff", centre=centre),
        "resident": f.user("resident", person=family.head),
    }
    return centre, family, users


@pytest.mark.parametrize("role", ["admin", "coordinator", "staff", "resident"])
@pytest.mark.parametrize("number", HUGE)
def test_an_id_beyond_the_databases_integers_is_not_found(people, login, role, number):
    _centre, _family, users = people
    client = login(users[role])
    for path in (f"/en/persons/{number}", f"/en/families/{number}",
                 f"/en/families/{number}/application", f"/en/documents/{number}/file"):  # fmt: skip
        assert client.get(path).status_code == 404, path


def test_the_largest_id_a_table_holds_is_looked_up_and_not_found(people, login):
    _centre, _family, users = people
    client = login(users["admin"])
    assert client.get(f"/en/persons/{MAX_ID}").status_code == 404
    assert client.get("/en/persons/0").status_code == 404


def test_a_page_beyond_any_list_is_not_found_and_a_bad_one_is_the_first(people, login):
    _centre, _family, users = people
    client = login(users["staff"])
    assert client.get("/en/residents?page=9223372036854775808").status_code == 404
    assert client.get("/en/residents?page=100001").status_code == 404
    assert client.get("/en/residents?page=abc").status_code == 200
    assert client.get("/en/residents?page=100000").status_code == 200  # an empty page
    assert client.get("/en/work?page=99999999999999999999").status_code == 404
    assert client.get("/en/residents?centre=9223372036854775808").status_code == 200


def test_enrolling_a_person_id_beyond_the_integers_is_not_found(people, login, f):
    centre, _family, users = people
    c89 = db.session.scalar(select(Service).where(Service.code == "C8.9"))
    course = course_ops.create_activity(
        centre, ActivityKind.COURSE, c89, "Қазақ тілі", "kk", "A1", None, None, 10,
        date(2026, 12, 1), date(2026, 12, 20), [0, 2], time(10), time(12),
    )  # fmt: skip
    db.session.commit()
    client = login(users["staff"])
    for number in HUGE:
        resp = client.post(f"/en/courses/{course.id}/enrol", data={"person_id": number})
        assert resp.status_code == 404, number


@pytest.mark.parametrize("week", ["0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01"])
def test_weeks_outside_the_window_are_refused_with_a_message(people, login, week):
    centre, _family, users = people
    client = login(users["staff"])
    for path in (f"/en/centres/{centre.id}/calendar?week={week}",
                 f"/en/centres/{centre.id}/timetable.pdf?week={week}"):  # fmt: skip
        resp = client.get(path)
        assert resp.status_code == 422, path
        assert "Enter a date between 1900 and 2100." in resp.text
    ru = client.get(f"/ru/centres/{centre.id}/calendar?week={week}")
    assert ru.status_code == 422 and "1900" in ru.text and "Enter a date" not in ru.text
    # text that is no date at all is this week, as before
    assert client.get(f"/en/centres/{centre.id}/calendar?week=junk").status_code == 200


def test_a_form_date_outside_the_window_is_the_fields_error(people, login):
    _centre, family, users = people
    client = login(users["staff"])
    resp = client.post(f"/en/families/{family.id}/admit",
                       data={"start_on": "9999-12-31", "reason": "status_pending"})  # fmt: skip
    assert resp.status_code == 422
    assert "Enter a date between 1900 and 2100." in resp.text
    assert 'value="9999-12-31"' in resp.text  # what was typed is kept


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2015-01-01", "2028-01-01"])
def test_beds_go_in_and_out_of_service_only_near_today(people, login, f, day):
    """A bed's service writes the capacity history behind every occupancy figure: five years
    back at most, one year ahead."""
    centre, _family, users = people
    room = f.room(centre, beds=1)
    bed = room.beds[0]
    client = login(users["staff"])
    before = db.session.scalars(select(BedInService.end_on)).all()
    resp = client.post(f"/en/beds/{bed.id}/service", data={"action": "out", "on": day})
    assert resp.status_code in (303, 422)
    db.session.expire_all()
    assert db.session.scalars(select(BedInService.end_on)).all() == before
    resp = client.post(f"/en/rooms/{room.id}/beds", data={"count": "1", "on": day})
    assert resp.status_code in (303, 422)
    assert len(db.session.scalars(select(BedInService)).all()) == 1


def test_the_database_refuses_a_date_outside_the_window(people):
    """The same window, by the database itself (ck_<table>_<column>_window)."""
    _centre, family, _users = people
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(
            text("UPDATE family SET registered_on = :day WHERE id = :id"),
            {"day": date(2101, 1, 1), "id": family.id},
        )
    db.session.rollback()


def test_the_readers_of_ids_and_pages():
    assert id_arg("12") == 12
    for bad in ("0", "-1", str(MAX_ID + 1), "1e3"):
        with pytest.raises(ValueError):
            id_arg(bad)
    assert page_number("") == 1 and page_number("-3") == 1 and page_number("7") == 7
