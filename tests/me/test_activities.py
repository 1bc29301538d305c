"""Signing up for courses and events and cancelling, with the same capacity, clash and
eligibility rules as staff use; a resident acts for their own family only."""

from __future__ import annotations

import re
from datetime import date, time

import pytest
from sqlalchemy import select

from portal.accommodation import operations as acc
from portal.accommodation.models import DischargeReason
from portal.extensions import db
from portal.services.courses import operations as ops
from portal.services.courses.models import ActivityKind, Enrolment, EnrolmentStatus
from tests.me.conftest import COURSE, EVENT, FAR_COURSE, NOW, activity

pytestmark = pytest.mark.clock(NOW)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _places(activity_id: int) -> list[tuple[int, str, int | None]]:
    db.session.expire_all()
    rows = db.session.execute(
        select(Enrolment.person_id, Enrolment.status, Enrolment.seat)
        .where(Enrolment.activity_id == activity_id)
        .order_by(Enrolment.id)
    )
    return [(p, EnrolmentStatus(s).value, seat) for p, s, seat in rows]


def _flash(client) -> str:
    return _text(client.get("/en/me/activities").get_data(as_text=True))


def test_the_open_courses_and_events_of_the_family_centre_with_free_places(world, login):
    activity(world.centre, "Аяқталған курс", dates=(date(2026, 10, 1), date(2026, 11, 20)))
    gone = activity(world.centre, "Тоқтатылған курс", weekdays=(4,))
    gone.cancelled = True
    db.session.commit()

    resp = login(world.resident).get("/en/me/activities")

    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    titles = re.findall(r'<span class="me-title-text">([^<]+)</span>', html)
    assert titles == [COURSE, EVENT]  # not another centre's, not ended, not cancelled
    assert FAR_COURSE not in html
    course = _text(html.split(f'id="activity-{world.course.id}"')[1].split('class="me-signups"')[0])
    assert "Room Room 101" in course
    assert "Teacher Айгерім Сапарова" in course
    assert "Mon, Wed · 10:00–12:00" in course
    assert "9 places free" in course
    event = _text(html.split(f'id="activity-{world.event.id}"')[1].split('class="me-signups"')[0])
    assert "1 place free" in event
    # Each family member's place: the head holds seat 1 of the course.
    assert (
        _text(
            html.split(f'id="status-{world.course.id}-{world.head.id}">')[1].split("</span>")[0]
        ).strip()
        == "Enrolled, seat 1"
    )
    assert (
        _text(
            html.split(f'id="status-{world.course.id}-{world.spouse.id}">')[1].split("</span>")[0]
        ).strip()
        == "Not signed up"
    )


def test_sign_up_takes_a_seat(world, login):
    client = login(world.resident)

    resp = client.post(
        f"/en/me/activities/{world.course.id}/sign-up", data={"person_id": world.spouse.id}
    )

    assert resp.status_code == 303
    assert resp.headers["Location"].endswith("/en/me/activities")
    assert _places(world.course.id) == [
        (world.head.id, "enrolled", 1),
        (world.spouse.id, "enrolled", 2),
    ]
    assert f"{world.spouse.full_name} is enrolled, seat 2." in _flash(client)


def test_sign_up_to_a_full_event_gives_the_waiting_list_position(world, login):
    ops.enrol(world.event, world.neighbours.members[0])  # the only place
    db.session.commit()
    client = login(world.resident)

    resp = client.post(
        f"/en/me/activities/{world.event.id}/sign-up", data={"person_id": world.spouse.id}
    )

    assert resp.status_code == 303
    page = _flash(client)
    assert (
        f"Every place is taken: {world.spouse.full_name} is on the waiting list, position 1."
        in page
    )
    assert "Waiting list, position 1" in page
    assert "Every place is taken: new sign-ups go on the waiting list." in page
    client.post(f"/en/me/activities/{world.event.id}/sign-up", data={"person_id": world.head.id})
    html = client.get("/en/me/activities").get_data(as_text=True)
    status = html.split(f'id="status-{world.event.id}-{world.head.id}">')[1].split("</span>")[0]
    assert _text(status).strip() == "Waiting list, position 2"


def test_a_clash_is_refused_with_the_reason(world, login):
    clash = activity(
        world.centre, "Дүйсенбі кеші", kind=ActivityKind.EVENT, code="C8.5",
        dates=(date(2026, 11, 30), date(2026, 11, 30)), weekdays=(),
        times=(time(11, 0), time(13, 0)),
    )  # fmt: skip
    client = login(world.resident)

    resp = client.post(f"/en/me/activities/{clash.id}/sign-up", data={"person_id": world.head.id})

    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    refused = _text(html.split(f'id="refused-{clash.id}"')[1].split("</div>")[0])
    assert f"{world.head.full_name} is busy at the time of some sessions:" in refused
    assert COURSE in refused  # what it clashes with
    assert 'id="error-summary"' in html
    assert _places(clash.id) == []


def test_a_person_who_left_the_centre_is_refused_with_the_reason(world, login):
    acc.discharge([world.child.stays[0]], date(2026, 11, 24), DischargeReason.HOUSING, None)
    db.session.commit()

    resp = login(world.resident).post(
        f"/en/me/activities/{world.event.id}/sign-up", data={"person_id": world.child.id}
    )

    assert resp.status_code == 422
    refused = _text(resp.get_data(as_text=True).split(f'id="refused-{world.event.id}"')[1])
    assert f"{world.child.full_name} cannot have this service:" in refused
    assert "Not living in the centre: services go to its residents." in refused
    assert _places(world.event.id) == []


def test_cancel_frees_the_seat_for_the_first_waiting_without_naming_them(world, login):
    ops.enrol(world.event, world.spouse)  # the resident's family holds the one place
    neighbour = world.neighbours.members[0]
    ops.enrol(world.event, neighbour)  # waiting, first
    ops.enrol(world.event, world.head)  # waiting, second
    db.session.commit()
    seat = db.session.scalar(
        select(Enrolment).where(
            Enrolment.activity_id == world.event.id, Enrolment.person_id == world.spouse.id
        )
    )
    client = login(world.resident)

    resp = client.post(f"/en/me/enrolments/{seat.id}/cancel", data={"confirmed": "1"})

    assert resp.status_code == 303
    assert _places(world.event.id) == [
        (world.spouse.id, "cancelled", None),
        (neighbour.id, "enrolled", 1),
        (world.head.id, "waitlisted", None),
    ]
    page = _flash(client)
    assert f"The enrolment of {world.spouse.full_name} has been cancelled." in page
    assert neighbour.full_name not in page
    html = client.get("/en/me/activities").get_data(as_text=True)
    status = html.split(f'id="status-{world.event.id}-{world.head.id}">')[1].split("</span>")[0]
    assert _text(status).strip() == "Waiting list, position 1"  # the head moved up the list


def test_a_resident_cannot_act_for_another_family_or_another_centre(world, login):
    neighbour = world.neighbours.members[0]
    theirs = ops.enrol(world.course, neighbour)
    far = ops.enrol(world.far_course, world.far.members[0])
    db.session.commit()
    client = login(world.resident)

    # Another family's person, another family's enrolment, another centre's activity: 404.
    assert (
        client.post(
            f"/en/me/activities/{world.course.id}/sign-up", data={"person_id": neighbour.id}
        ).status_code
        == 404
    )
    assert client.post(f"/en/me/enrolments/{theirs.id}/cancel").status_code == 404
    assert client.post(f"/en/me/enrolments/{far.id}/cancel").status_code == 404
    assert (
        client.post(
            f"/en/me/activities/{world.far_course.id}/sign-up", data={"person_id": world.head.id}
        ).status_code
        == 404
    )
    assert (
        client.post(
            "/en/me/activities/999999/sign-up", data={"person_id": world.head.id}
        ).status_code
        == 404
    )
    assert _places(world.course.id) == [
        (world.head.id, "enrolled", 1),
        (neighbour.id, "enrolled", 2),
    ]
    assert _places(world.far_course.id) == [(world.far.members[0].id, "enrolled", 1)]


def test_a_sign_up_without_a_member_is_refused_with_a_message(world, login):
    resp = login(world.resident).post(f"/en/me/activities/{world.course.id}/sign-up", data={})
    assert resp.status_code == 422
    assert "Choose the family member to sign up." in resp.get_data(as_text=True)


def test_cancelling_twice_says_it_is_already_cancelled(world, login):
    place = db.session.scalar(select(Enrolment).where(Enrolment.person_id == world.head.id))
    client = login(world.resident)
    assert client.post(f"/en/me/enrolments/{place.id}/cancel", data={"confirmed": "1"}).status_code == 303
    resp = client.post(f"/en/me/enrolments/{place.id}/cancel", data={"confirmed": "1"})
    assert resp.status_code == 422
    assert "This enrolment has already been cancelled." in resp.get_data(as_text=True)


def test_the_resident_is_asked_first_and_not_told_who_is_waiting(world, login):
    ops.enrol(world.event, world.spouse)  # the resident's family holds the one place
    neighbour = world.neighbours.members[0]
    ops.enrol(world.event, neighbour)  # waiting
    db.session.commit()
    seat = db.session.scalar(
        select(Enrolment).where(
            Enrolment.activity_id == world.event.id, Enrolment.person_id == world.spouse.id
        )
    )
    client = login(world.resident)
    page = client.get("/en/me/activities").get_data(as_text=True)
    slot = f"signup-{world.event.id}-{world.spouse.id}-cancel"
    assert f'id="{slot}"' in page and f'action="/en/me/enrolments/{seat.id}/cancel"' in page

    question = client.get(f"/en/me/enrolments/{seat.id}/cancel").get_data(as_text=True)
    assert "Cancel the sign-up?" in question
    assert "The seat goes to the first person on the waiting list who can take it" in question
    assert neighbour.full_name not in question

    assert client.post(f"/en/me/enrolments/{seat.id}/cancel").status_code == 303  # no answer
    assert _places(world.event.id)[0] == (world.spouse.id, "enrolled", 1)
    client.post(f"/en/me/enrolments/{seat.id}/cancel", data={"confirmed": "1"})
    assert _places(world.event.id)[0] == (world.spouse.id, "cancelled", None)
