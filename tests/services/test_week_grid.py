"""The week as a time grid (issue 17, `portal.services.calendar.grid`): items placed by their
time and length in quarter hours, side by side where they overlap, the hours widened for an
item outside 07:00–21:00, and today's line; the page places them with the same classes."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from portal.clock import KZ
from portal.services.calendar import week as cal
from portal.services.calendar.grid import grid
from tests.services.test_calendar import MONDAY, WEDNESDAY, centre_world, session  # noqa: F401


def _rows(placed) -> tuple[int, int]:
    return placed.row_start, placed.row_end


def test_items_are_placed_by_time_and_side_by_side_when_they_overlap(centre_world):  # noqa: F811
    w = centre_world
    overlap = session(w.kazakh, MONDAY, time(10, 30), time(12))  # the course is at 10:00–11:30
    early = session(w.kazakh, MONDAY + timedelta(days=1), time(6), time(6, 45))

    g = grid(cal.week_items(w.centre.id, WEDNESDAY), datetime.combine(WEDNESDAY, time(9, 7), KZ))

    assert (g.first_hour, g.last_hour) == (6, 21)  # widened for the 06:00 session
    assert g.rows == 15 * 4 and g.hours[0] == (6, 1) and g.hours[-1] == (20, 57)
    monday = {p.item.id: p for p in g.days[0].placed}
    first, second = monday[w.monday.id], monday[overlap.id]
    assert _rows(first) == (17, 23)  # 10:00 is the 17th quarter hour from 06:00; 11:30 ends
    assert _rows(second) == (19, 25)
    assert (first.lane, second.lane, first.lanes, second.lanes) == (1, 2, 2, 2)
    assert g.days[0].lanes == 2
    (tuesday,) = g.days[1].placed
    assert tuesday.item.id == early.id and _rows(tuesday) == (1, 4) and tuesday.lanes == 1
    assert "lane-all" in tuesday.classes and "svc-c8-9" in tuesday.classes
    assert [d.now_row for d in g.days] == [None, None, 13, None, None, None, None]  # 09:07


def test_the_page_places_the_items_with_those_classes(f, login, centre_world):  # noqa: F811
    w = centre_world
    page = login(w.staff).get(f"/en/centres/{w.centre.id}/calendar?week={MONDAY.isoformat()}")
    assert page.status_code == 200
    item = re.search(rf'<li class="grid-item[^"]*" id="item-session-{w.monday.id}"', page.text)
    assert item and "gs-13 ge-19 lane-all svc-c8-9" in item.group(0)  # 10:00–11:30 from 07:00
    assert 'href="/static/css/calendar.css"' in page.text
