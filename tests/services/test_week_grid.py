"""The week as a time grid (issue 17, `portal.services.calendar.grid`): items placed by their
time and length in quarter hours, side by side where they overlap, the hours widened for an
item outside 07:00–21:00, and today's line; the page places them with the same classes."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest

from portal.clock import KZ, today, week_of
from portal.services.calendar import week as cal
from portal.services.calendar.grid import grid, resource_grid
from tests.services.test_calendar import MONDAY, WEDNESDAY, centre_world, session  # noqa: F401

pytestmark = pytest.mark.clock("2026-11-25 09:00")  # the week of test_calendar's world


def _rows(placed) -> tuple[int, int]:
    return placed.row_start, placed.row_end


def test_items_are_placed_by_time_and_side_by_side_when_they_overlap(centre_world):  # noqa: F811
    w = centre_world
    overlap = session(w.kazakh, MONDAY, time(10, 30), time(12))  # the course is at 10:00–11:30
    early = session(w.kazakh, MONDAY + timedelta(days=1), time(6), time(6, 45))

    g = grid(cal.week_items(w.centre.id, WEDNESDAY), datetime.combine(WEDNESDAY, time(9, 7), KZ))

    assert (g.first_hour, g.last_hour) == (6, 21)  # widened for the 06:00 session
    assert g.rows == 15 * 4 and g.hours[0] == (6, 1) and g.hours[-1] == (20, 57)
    monday = {p.item.id: p for p in g.columns[0].placed}
    first, second = monday[w.monday.id], monday[overlap.id]
    assert _rows(first) == (17, 23)  # 10:00 is the 17th quarter hour from 06:00; 11:30 ends
    assert _rows(second) == (19, 25)
    assert (first.lane, second.lane, first.lanes, second.lanes) == (1, 2, 2, 2)
    assert g.columns[0].lanes == 2
    (tuesday,) = g.columns[1].placed
    assert tuesday.item.id == early.id and _rows(tuesday) == (1, 4) and tuesday.lanes == 1
    assert "lane-all" in tuesday.classes and "svc-c8-9" in tuesday.classes
    assert [d.now_row for d in g.columns] == [None, None, 13, None, None, None, None]  # 09:07


def test_the_page_places_the_items_with_those_classes(f, login, centre_world):  # noqa: F811
    w = centre_world
    page = login(w.staff).get(f"/en/centres/{w.centre.id}/calendar?week={MONDAY.isoformat()}")
    assert page.status_code == 200
    item = re.search(rf'<li class="grid-item[^"]*" id="item-session-{w.monday.id}"', page.text)
    assert item and "gs-13 ge-19 lane-all svc-c8-9" in item.group(0)  # 10:00–11:30 from 07:00
    assert 'href="/static/css/calendar.css"' in page.text


# --- one day with its rooms or staff across (the resource view) ------------------------------


def test_a_day_by_room_has_a_column_per_room_used_and_one_for_no_room(centre_world):  # noqa: F811
    w = centre_world
    beside = session(w.kazakh, MONDAY, time(10), time(11), room=w.room2, teacher=w.teacher2)
    roomless = session(w.kazakh, MONDAY, time(16), time(17))
    items = cal.day_items(w.centre.id, MONDAY)
    rooms = cal.centre_rooms(w.centre.id)

    g = resource_grid(items, MONDAY, "room", rooms, datetime.combine(MONDAY, time(9), KZ))

    assert g.by == "room"
    assert [c.resource for c in g.columns] == [w.room1, w.room2, None]
    assert [[p.item.id for p in c.placed] for c in g.columns] == [
        [w.monday.id], [beside.id], [roomless.id]]  # fmt: skip
    # Side by side in time but in different rooms: each alone in its column.
    assert all(p.lanes == 1 for c in g.columns for p in c.placed)
    assert [c.now_row for c in g.columns] == [9, 9, 9]  # 09:00, the 9th quarter hour from 07


def test_a_day_by_staff_shows_every_staff_member_free_or_not(centre_world):  # noqa: F811
    w = centre_world
    staff = [w.staff, w.teacher1, w.teacher2]
    items = cal.day_items(w.centre.id, WEDNESDAY)  # only the appointment with teacher 2

    g = resource_grid(items, WEDNESDAY, "staff", staff, datetime.combine(MONDAY, time(9), KZ))

    assert [c.resource for c in g.columns] == staff  # no "nobody" column: all have someone
    assert [len(c.placed) for c in g.columns] == [0, 0, 1]
    assert g.columns[2].placed[0].item.id == w.meeting.id
    assert all(c.now_row is None for c in g.columns)  # not today


def test_the_page_shows_a_day_by_room_and_moves_keep_it(f, login, centre_world):  # noqa: F811
    w = centre_world
    client = login(w.staff)
    url = f"/en/centres/{w.centre.id}/calendar?day={WEDNESDAY.isoformat()}&by=room"

    page = client.get(url)

    assert page.status_code == 200
    assert "Wednesday, November 25, 2026, by room" in page.text
    heads = re.findall(r'<h3 class="grid-head" id="col-\d+">(.*?)</h3>', page.text)
    assert heads == ["Room 102"]  # the only room used that day
    assert f'data-room="{w.room2.id}"' in page.text
    assert f'id="item-appointment-{w.meeting.id}"' in page.text
    assert f'id="item-session-{w.monday.id}"' not in page.text  # Monday's
    assert "day=2026-11-24&amp;by=room" in page.text and "day=2026-11-26&amp;by=room" in page.text
    assert 'name="view_by" value="room"' in page.text

    moved = client.post(
        f"/en/calendar/appointments/{w.meeting.id}/move",
        data={"on": WEDNESDAY.isoformat(), "starts": "16:00", "ends": "17:00",
              "view_day": WEDNESDAY.isoformat(), "view_by": "room"},  # fmt: skip
        headers={"HX-Request": "true"},
    )
    assert moved.status_code == 200
    assert "by room" in moved.text and "16:00–17:00" in moved.text


def test_a_day_by_room_from_a_week_starts_today_when_the_week_holds_it(f, login, centre_world):  # noqa: F811
    client = login(centre_world.staff)
    base = f"/en/centres/{centre_world.centre.id}/calendar"
    this_week = client.get(f"{base}?week={week_of(today())[0].isoformat()}&by=staff")
    assert today().strftime("%Y") in this_week.text and "by staff member" in this_week.text
    assert f'name="view_day" value="{today().isoformat()}"' in this_week.text
    other = client.get(f"{base}?week={MONDAY.isoformat()}&by=staff&day=bad")
    assert other.status_code == 200
