"""The timetable as a calendar: a download for the logged-in resident, and a subscribable
address with a revocable token that needs no log-in."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import icalendar
import pytest
from flask_babel import force_locale, gettext

from portal.extensions import db
from portal.services.courses import operations as ops
from tests.me.conftest import COURSE, EVENT, NOW, appointment

pytestmark = pytest.mark.clock(NOW)


def _calendar(resp) -> icalendar.Calendar:
    assert resp.status_code == 200, resp.status_code
    assert resp.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(resp.data)


def _events(cal) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def _token(client) -> str:
    assert client.post("/en/me/calendar/new").status_code == 303
    page = client.get("/en/me/calendar").get_data(as_text=True)
    url = page.split('id="feed-url" class="me-url" readonly value="')[1].split('"')[0]
    assert url.startswith("http://localhost/calendar/")
    assert url.endswith(".ics")
    return url.removeprefix("http://localhost/calendar/").removesuffix(".ics")


def _family_and_neighbours(world):
    neighbour = world.neighbours.members[0]
    ops.enrol(world.event, neighbour)  # the neighbours' place, not ours
    db.session.commit()
    mine = appointment(world.spouse, world.teacher, world.room, date(2026, 11, 26), time(11, 0),
                       time(11, 30))  # fmt: skip
    theirs = appointment(neighbour, world.teacher, None, date(2026, 11, 26), time(14, 0),
                         time(14, 30))  # fmt: skip
    return mine, theirs


def test_the_feed_holds_the_family_sessions_and_appointments_only(world, login, client):
    mine, theirs = _family_and_neighbours(world)
    token = _token(login(world.resident))
    client.post("/en/logout")

    resp = client.get(f"/calendar/{token}.ics")  # no log-in needed

    assert resp.headers["Cache-Control"] == "private, max-age=300"
    events = _events(_calendar(resp))
    # From four weeks back (28 October) to twelve weeks ahead: every session of the course.
    course = {f"session-{s.id}@kandas-portal" for s in world.course.sessions}
    assert set(events) == course | {f"appointment-{mine.id}@kandas-portal"}
    assert f"appointment-{theirs.id}@kandas-portal" not in events
    assert not any(str(e["SUMMARY"]) == EVENT for e in events.values())
    first = events[f"session-{world.course.sessions[0].id}@kandas-portal"]
    assert str(first["SUMMARY"]) == COURSE
    assert first.decoded("DTSTART") == datetime(2026, 11, 2, 5, 0, tzinfo=UTC)  # 10:00 in KZ
    assert first.decoded("DTEND") == datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
    assert str(first["LOCATION"]).startswith("Room 101, Aktau centre")
    assert "Teacher: Айгерім Сапарова" in str(first["DESCRIPTION"])
    assert world.head.full_name in str(first["DESCRIPTION"])
    visit = events[f"appointment-{mine.id}@kandas-portal"]
    assert visit.decoded("DTSTART") == datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
    assert world.spouse.full_name in str(visit["DESCRIPTION"])


def test_a_waiting_place_is_in_the_feed_marked_tentative(world, login, client):
    ops.enrol(world.event, world.neighbours.members[0])
    ops.enrol(world.event, world.spouse)  # waiting
    db.session.commit()
    token = _token(login(world.resident))

    events = _events(_calendar(client.get(f"/calendar/{token}.ics")))

    event = events[f"session-{world.event.sessions[0].id}@kandas-portal"]
    assert str(event["SUMMARY"]) == f"{EVENT} (on the waiting list)"
    assert str(event["STATUS"]) == "TENTATIVE"


def test_the_feed_speaks_the_user_language(world, login, client, app):
    token = _token(login(world.resident))
    world.resident.locale = "kk"  # the language the resident last chose
    db.session.commit()

    cal = _calendar(client.get(f"/calendar/{token}.ics"))

    with app.test_request_context("/kk/"), force_locale("kk"):
        name, room = gettext("My timetable"), gettext("Room %(number)s", number="101")
    assert str(cal["X-WR-CALNAME"]) == name
    first = _events(cal)[f"session-{world.course.sessions[0].id}@kandas-portal"]
    assert str(first["LOCATION"]).startswith(f"{room}, Ақтау орталығы")


def test_a_replaced_or_revoked_token_answers_404(world, login, client):
    resident = login(world.resident)
    old = _token(resident)
    new = _token(resident)  # a new address: the old one stops working

    assert new != old
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200
    assert resident.post("/en/me/calendar/revoke").status_code == 303
    assert client.get(f"/calendar/{new}.ics").status_code == 404
    assert "You have no calendar address yet." in resident.get("/en/me/calendar").get_data(
        as_text=True
    )
    db.session.expire_all()
    assert world.resident.calendar_token is None


def test_an_inactive_account_or_an_unknown_token_answers_404(world, login, client):
    token = _token(login(world.resident))
    world.resident.active = False
    db.session.commit()

    assert client.get(f"/calendar/{token}.ics").status_code == 404
    assert client.get("/calendar/not-a-token.ics").status_code == 404
    assert client.get("/calendar/.ics").status_code == 404


def test_the_download_holds_the_same_calendar_for_the_logged_in_resident(world, login):
    client = login(world.resident)
    token = _token(client)

    download = client.get("/en/me/timetable.ics")
    feed = client.get(f"/calendar/{token}.ics")

    assert download.headers["Content-Disposition"] == 'attachment; filename="timetable.ics"'
    assert set(_events(_calendar(download))) == set(_events(_calendar(feed)))
    assert download.headers["Cache-Control"] == "no-store"


# --- the address: from the configured server name, never from the request's Host -------------


def _as(client, host: str) -> dict:
    """Headers of a request for `host` that still carries the test client's session cookie."""
    name = host.rsplit(":", 1)[0]
    client.set_cookie("session", client.get_cookie("session").value, domain=name)
    return {"Host": host}


def _feed_address(resp) -> str:
    page = resp.get_data(as_text=True)
    return page.split('id="feed-url" class="me-url" readonly value="')[1].split('"')[0]


def test_a_foreign_host_never_reaches_the_feed_address(world, login):
    """Unset PORTAL_SERVER_NAME serves loopback only: a poisoned Host is refused outright."""
    client = login(world.resident)
    token = _token(client)

    resp = client.get("/en/me/calendar", headers=_as(client, "evil.example"))

    assert resp.status_code == 400
    assert "This portal does not answer at this address." in resp.get_data(as_text=True)
    assert token not in resp.get_data(as_text=True)
    # X-Forwarded-Host counts only behind a proxy (PORTAL_BEHIND_PROXY), and is then checked
    # as the Host is; without one it is ignored.
    forwarded = client.get("/en/me/calendar", headers={"X-Forwarded-Host": "evil.example"})
    assert _feed_address(forwarded) == f"http://localhost/calendar/{token}.ics"


def test_the_feed_address_uses_the_configured_server_name(world, login, app):
    client = login(world.resident)
    token = _token(client)
    app.config.update(  # PORTAL_SERVER_NAME=portal.example.kz (tests/test_config.py)
        SERVER_NAME="portal.example.kz",
        TRUSTED_HOSTS=["portal.example.kz", "localhost", "127.0.0.1"],
    )

    # Even a request on the machine itself shows the public address.
    local = client.get("/en/me/calendar", headers=_as(client, "127.0.0.1:8000"))
    assert _feed_address(local) == f"http://portal.example.kz/calendar/{token}.ics"
    assert client.get("/en/me/calendar", headers=_as(client, "evil.example")).status_code == 400
    # The feed itself answers on the configured name.
    feed = client.get(f"/calendar/{token}.ics", headers={"Host": "portal.example.kz"})
    assert feed.status_code == 200
