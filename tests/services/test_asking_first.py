"""Actions that ask first (issue 17, `portal.asking`): cancelling an enrolment takes a question
and its answer. The question says who would move up from the waiting list; a POST that is not
the answer changes nothing; the answer does what the question said. The resident's question
does not name who is waiting (another family)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.services.courses import operations as ops
from portal.services.courses.models import Enrolment
from tests.services.test_courses import NOW, course, residents, statuses

pytestmark = pytest.mark.clock(NOW)


def _text(html: str) -> str:
    return " ".join(html.replace("<", " <").split())


def _enrolled(f, n: int, capacity: int = 1):
    """A course of `capacity` seats and n persons of one family who asked for it, in order."""
    centre = f.centre()
    people = residents(f, centre, n)
    activity = course(centre, capacity=capacity)
    for person in people:
        ops.enrol(activity, person)
    db.session.commit()
    rows = db.session.scalars(select(Enrolment).order_by(Enrolment.id)).all()
    return centre, activity, people, rows


def test_the_question_names_who_moves_up_and_changes_nothing(f, login):
    centre, activity, (a, b, c), (first, _b, _c) = _enrolled(f, 3)
    client = login(f.user("staff", centre=centre))
    before = statuses(activity.id)

    page = client.get(f"/en/enrolments/{first.id}/cancel")

    assert page.status_code == 200
    text = _text(page.text)
    assert "Cancel the enrolment?" in text
    assert f"{a.full_name}: {activity.title}, seat 1." in text
    assert f"{b.full_name} moves up from the waiting list to this seat." in text
    assert 'name="confirmed" value="1"' in page.text
    assert statuses(activity.id) == before  # asking changed nothing


def test_a_post_that_is_not_the_answer_does_nothing(f, login):
    centre, activity, _people, (first, *_rest) = _enrolled(f, 2)
    client = login(f.user("staff", centre=centre))
    before = statuses(activity.id)

    resp = client.post(f"/en/enrolments/{first.id}/cancel")

    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/en/enrolments/{first.id}/cancel"
    assert statuses(activity.id) == before


def test_the_answer_does_what_the_question_said(f, login):
    centre, activity, (a, b, c), (first, *_rest) = _enrolled(f, 3)
    client = login(f.user("staff", centre=centre))
    said = _text(client.get(f"/en/enrolments/{first.id}/cancel").text)

    resp = client.post(f"/en/enrolments/{first.id}/cancel", data={"confirmed": "1"})

    assert resp.status_code == 303
    assert statuses(activity.id) == [
        (a.id, "cancelled", None),
        (b.id, "enrolled", 1),
        (c.id, "waitlisted", None),
    ]
    assert f"{b.full_name} moves up" in said


def test_for_htmx_the_question_takes_the_place_of_the_button(f, login):
    centre, activity, _people, (first, *_rest) = _enrolled(f, 1)
    client = login(f.user("staff", centre=centre))
    course_page = client.get(f"/en/courses/{activity.id}").text
    assert f'id="cancel-{first.id}"' in course_page  # the slot the question replaces

    fragment = client.get(f"/en/enrolments/{first.id}/cancel", headers={"HX-Request": "true"})

    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert fragment.text.lstrip().startswith(f'<div id="cancel-{first.id}"')
    assert "Nobody on the waiting list can take the seat: it stays free." in fragment.text
    # "Keep it" takes the slot back from the course page
    assert f'hx-select="#cancel-{first.id}"' in fragment.text


def test_a_place_on_the_waiting_list_moves_nobody_up(f, login):
    centre, activity, (_a, b), (_first, waiting) = _enrolled(f, 2)
    client = login(f.user("staff", centre=centre))

    text = _text(client.get(f"/en/enrolments/{waiting.id}/cancel").text)

    assert "Remove from the waiting list?" in text
    assert f"{b.full_name}: {activity.title}, waiting list position 1." in text
    assert "Nobody moves up: only the place on the waiting list is given up." in text


def test_next_up_is_who_the_cancellation_promotes(f):
    """The question's answer and the operation's agree, a passed-over person included."""
    from datetime import date

    from portal.accommodation import operations as acc
    from portal.accommodation.models import DischargeReason, Stay

    _centre, activity, (_a, b, c), (first, *_rest) = _enrolled(f, 3)
    stay = db.session.scalars(select(Stay).where(Stay.person_id == b.id)).one()
    acc.discharge([stay], date(2026, 11, 20), DischargeReason.HOUSING, None)
    db.session.commit()

    said = ops.next_up(first)
    done = ops.cancel(first)

    assert said is not None and said.person_id == c.id == done.person_id


def test_a_cancelled_enrolment_is_not_asked_about_again(f, login):
    centre, activity, _people, (first, *_rest) = _enrolled(f, 1)
    ops.cancel(first)
    db.session.commit()
    client = login(f.user("staff", centre=centre))

    resp = client.get(f"/en/enrolments/{first.id}/cancel")

    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/en/courses/{activity.id}"
