"""The week grid in Chromium (issue 17): a session moved by dragging it, another with the
keyboard, and a move refused for a clash, in place — each through the item's move form and
the server's one clash check; and in the day's view by room, a session dragged into another
room's column moves there."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.clock import KZ, now_utc, today
from portal.extensions import db
from portal.services.courses.models import ActivitySession
from tests.browser.conftest import TIMEOUT_MS, log_in
from tests.services.test_courses import course

pytestmark = pytest.mark.browser

LANG = "ru"


def _when(session_id: int) -> tuple[str, str, str]:
    db.session.rollback()  # the live server wrote meanwhile
    s = db.session.get(ActivitySession, session_id)
    starts, ends = (m.replace(tzinfo=m.tzinfo or KZ) for m in (s.starts_at, s.ends_at))
    starts, ends = (m.astimezone(KZ) for m in (starts, ends))
    return starts.date().isoformat(), starts.strftime("%H:%M"), ends.strftime("%H:%M")


def _ready(locator) -> None:
    expect(locator).to_have_attribute("data-htmx-powered", "true")


def _drag(page: Page, item, column, row: int) -> None:
    """Drag `item` by its time into `column` so that it starts at quarter-hour row `row`."""
    handle = item.locator(".grid-when")
    grip = handle.bounding_box()
    top = item.bounding_box()["y"]
    box = column.bounding_box()
    rows = int(column.get_attribute("data-rows"))
    x, y = grip["x"] + 5, grip["y"] + 5
    target_y = box["y"] + row * box["height"] / rows + (y - top)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, target_y, steps=8)
    page.mouse.up()


def test_sessions_move_by_drag_and_keyboard_and_a_clash_is_refused_in_place(
    page: Page, live_server, staffed_centre, tr, f
):
    centre, room, staff = staffed_centre
    other_room = f.room(centre, beds=2, number="202")
    monday = today() + timedelta(days=7 - today().weekday())  # next week: all to come
    week = (monday, monday + timedelta(days=6))
    first = course(centre, title="Қазақ тілі", room=room, dates=week, weekdays=[0],
                   starts_at_time=time(10), ends_at_time=time(11, 30))  # fmt: skip
    second = course(centre, code="C8.4", title="Тарих", room=room, dates=week, weekdays=[0],
                    starts_at_time=time(14), ends_at_time=time(15))  # fmt: skip
    third = course(centre, code="C8.9", title="Заң", room=other_room, dates=week, weekdays=[0],
                   starts_at_time=time(16), ends_at_time=time(17))  # fmt: skip
    a, b = first.sessions[0].id, second.sessions[0].id
    log_in(page, live_server, staff, LANG)
    page.set_viewport_size({"width": 1366, "height": 1700})  # the whole grid on the screen
    page.goto(f"{live_server}/{LANG}/centres/{centre.id}/calendar?week={monday.isoformat()}")
    grid = page.locator("#week-grid")
    tuesday = grid.locator(f'.grid-day[data-day="{(monday + timedelta(days=1)).isoformat()}"]')
    first_hour = int(tuesday.get_attribute("data-first"))

    # Dragged by its time to Tuesday 12:00.
    item_b = page.locator(f"#item-session-{b}")
    _ready(item_b.locator("form"))
    _drag(page, item_b, tuesday, (12 - first_hour) * 4)
    expect(page.locator("#calendar .notice-success")).to_be_visible()
    expect(page.locator(f"#item-session-{b}")).to_contain_text("12:00–13:00")
    assert _when(b) == ((monday + timedelta(days=1)).isoformat(), "12:00", "13:00")

    # With the keyboard: Alt + ↓ on the other session, a quarter hour later.
    link = page.locator(f"#item-session-{a} .grid-title")
    _ready(page.locator(f"#item-session-{a} form"))
    link.focus()
    page.keyboard.press("Alt+ArrowDown")
    expect(page.locator(f"#item-session-{a}")).to_contain_text("10:15–11:45")
    assert _when(a) == (monday.isoformat(), "10:15", "11:45")
    expect(page.locator(f"#item-session-{a} .grid-title")).to_be_focused()

    # Dragged onto the first one's time in the same room: refused, said in its own form.
    item_b = page.locator(f"#item-session-{b}")
    _ready(item_b.locator("form"))
    _drag(page, item_b, grid.locator(f'.grid-day[data-day="{monday.isoformat()}"]'),
          (10 - first_hour) * 4 + 2)  # fmt: skip
    expect(page.locator(f"#move-session-{b}-error")).to_be_visible()
    assert _when(b) == ((monday + timedelta(days=1)).isoformat(), "12:00", "13:00")
    assert db.session.scalars(select(ActivitySession)).all()  # nothing else changed

    # One day by room: the first session dragged into room 202's column at 12:00 moves there.
    page.goto(f"{live_server}/{LANG}/centres/{centre.id}/calendar?day={monday.isoformat()}&by=room")
    assert third.sessions  # room 202 is used that day, so it has a column
    target = page.locator(f'#week-grid .grid-day[data-room="{other_room.id}"]')
    item_a = page.locator(f"#item-session-{a}")
    _ready(item_a.locator("form"))
    _drag(page, item_a, target, (12 - int(target.get_attribute("data-first"))) * 4)
    expect(target.locator(f"#item-session-{a}")).to_contain_text("12:00–13:30")
    assert _when(a) == (monday.isoformat(), "12:00", "13:30")
    db.session.rollback()
    assert db.session.get(ActivitySession, a).room_id == other_room.id


@pytest.fixture
def tablet(browser):
    """A touch screen wide enough for the seven days side by side (a tablet held landscape)."""
    context = browser.new_context(viewport={"width": 1366, "height": 1700}, has_touch=True)
    page = context.new_page()
    page.clock.install(time=now_utc())
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


def _touch_drag(page: Page, item, column, row: int) -> None:
    """Drag `item` with a finger (real touch input, through Chromium's DevTools protocol)."""
    grip = item.locator(".grid-when").bounding_box()
    top = item.bounding_box()["y"]
    box = column.bounding_box()
    rows = int(column.get_attribute("data-rows"))
    x, y = grip["x"] + 5, grip["y"] + 5
    to_x, to_y = box["x"] + box["width"] / 2, box["y"] + row * box["height"] / rows + (y - top)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for step in range(1, 9):
        at = {"x": x + (to_x - x) * step / 8, "y": y + (to_y - y) * step / 8}
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [at]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_a_session_moves_by_touch_as_by_mouse(tablet: Page, live_server, staffed_centre):
    # The handle takes the finger (touch-action: none), so the page does not scroll instead.
    centre, room, staff = staffed_centre
    monday = today() + timedelta(days=7 - today().weekday())
    taught = course(centre, title="Қазақ тілі", room=room, dates=(monday, monday + timedelta(days=6)),
                    weekdays=[0], starts_at_time=time(10), ends_at_time=time(11))  # fmt: skip
    moved = taught.sessions[0].id
    log_in(tablet, live_server, staff, LANG)
    tablet.goto(f"{live_server}/{LANG}/centres/{centre.id}/calendar?week={monday.isoformat()}")
    wednesday = tablet.locator(
        f'#week-grid .grid-day[data-day="{(monday + timedelta(days=2)).isoformat()}"]'
    )
    item = tablet.locator(f"#item-session-{moved}")
    _ready(item.locator("form"))

    _touch_drag(tablet, item, wednesday, (15 - int(wednesday.get_attribute("data-first"))) * 4)

    expect(tablet.locator(f"#item-session-{moved}")).to_contain_text("15:00–16:00")
    assert _when(moved) == ((monday + timedelta(days=2)).isoformat(), "15:00", "16:00")
