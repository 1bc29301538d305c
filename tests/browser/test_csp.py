"""The strict Content-Security-Policy holds in a real browser: htmx swaps (a refused calendar
move, three times over, then an accepted one) write no inline style, and the language switcher
(a POST with its CSRF token) works from the keyboard and keeps the page.

Chromium reports every blocked inline style twice over: a `securitypolicyviolation` event
(collected by a script added before the page's own) and a console error naming the Content
Security Policy; both must stay empty.
"""

from __future__ import annotations

from datetime import time

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.auth.models import User
from portal.clock import today
from portal.extensions import db
from portal.services.calendar import week as cal
from portal.services.catalogue.models import Service
from portal.services.courses.models import Activity, ActivityKind, ActivitySession
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

COLLECT = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.sourceFile}:${e.lineNumber}`);
});
"""


class CspWatch:
    def __init__(self, page: Page):
        self.page = page
        self.console: list[str] = []
        page.on("console", lambda msg: self.console.append(msg.text))
        page.add_init_script(COLLECT)

    def violations(self) -> list[str]:
        events = self.page.evaluate("window.__cspViolations || []")
        logged = [text for text in self.console if "Content Security Policy" in text]
        return events + logged


def _session(centre, room, title: str, starts: time, ends: time) -> ActivitySession:
    """A one-day C8.9 course with its one session today, in `room`."""
    day = today()
    c89 = db.session.scalar(select(Service).where(Service.code == "C8.9"))
    activity = Activity(
        kind=ActivityKind.COURSE, service=c89, centre_id=centre.id, title=title, room_id=room.id,
        capacity=10, start_on=day, end_on=day, weekdays="", starts_at_time=starts,
        ends_at_time=ends,
    )  # fmt: skip
    session = ActivitySession(
        activity=activity, starts_at=cal.at(day, starts), ends_at=cal.at(day, ends),
        room_id=room.id,
    )  # fmt: skip
    db.session.add_all([activity, session])
    db.session.commit()
    return session


def test_refused_calendar_moves_log_no_csp_violation(
    page: Page, live_server, f, staffed_centre, tr
):
    centre, room, staff = staffed_centre
    other_room = f.room(centre, beds=2, number="202")
    _session(centre, room, "Қазақ тілі A1", time(10), time(11))
    moving = _session(centre, other_room, "Қазақстан тарихы", time(14), time(15))
    watch = CspWatch(page)
    log_in(page, live_server, staff)
    page.goto(f"{live_server}/kk/centres/{centre.id}/calendar")

    form = f"#move-session-{moving.id}"
    page.locator(f"#item-session-{moving.id} summary").click()
    refusals = [
        ("10:00", "11:00", room.id),  # the room is taken
        ("10:30", "11:30", room.id),  # again, over the refusal shown
        ("16:00", "15:00", other_room.id),  # the end before the start
    ]
    for starts, ends, room_id in refusals:
        page.locator(f"{form}-starts").fill(starts)
        page.locator(f"{form}-ends").fill(ends)
        page.locator(f"{form}-room").select_option(str(room_id))
        # Mark the fragment that is sent: the refusal before this one is still on the page,
        # so only a fragment without the mark shows that this answer has been swapped in.
        page.locator(form).evaluate("el => { el.dataset.sent = 'yes'; }")
        with page.expect_response(lambda r: r.request.method == "POST") as posted:
            page.locator(f"{form} button[type=submit]").click()
        assert posted.value.status == 422
        expect(page.locator(f"{form}:not([data-sent])")).to_be_attached()
        expect(page.locator(f"{form}-error")).to_be_visible()
        expect(page.locator(f"{form}-starts")).to_have_value(starts)
    # Accepted: the whole grid is swapped in again, with the message.
    page.locator(f"{form}-starts").fill("16:00")
    page.locator(f"{form}-ends").fill("17:00")
    page.locator(f"{form} button[type=submit]").click()
    expect(page.locator("#calendar .notice-success")).to_be_visible()
    expect(page.locator(f"#item-session-{moving.id}")).to_contain_text("16:00–17:00")

    assert watch.violations() == []


def test_the_language_switcher_is_a_post_that_keyboards_reach_and_keeps_the_page(
    page: Page, live_server, app, f, staffed_centre
):
    app.config["WTF_CSRF_ENABLED"] = True  # the switcher's form carries its token
    centre, _room, staff = staffed_centre
    f.family(centre, surname="Сейітов")
    watch = CspWatch(page)
    log_in(page, live_server, staff, lang="kk")
    page.goto(f"{live_server}/kk/residents?q=Сейітов")

    # From the top of the page: the skip link, the portal's name, then the first language
    # that is not the page's own (Kazakh is shown, not offered).
    page.locator("body").focus()
    for _ in range(3):
        page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.tagName, document.activeElement.lang]")
    assert focused == ["BUTTON", "ru"]
    with page.expect_navigation():
        page.keyboard.press("Enter")

    page.wait_for_url(f"{live_server}/ru/residents?q=%D0%A1%D0%B5%D0%B9%D1%96%D1%82%D0%BE%D0%B2")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator('nav.languages [aria-current="true"]')).to_have_attribute("lang", "ru")
    expect(page.locator("#main")).to_contain_text("Сейітов")
    db.session.expire_all()
    assert db.session.get(User, staff.id).locale == "ru"
    assert watch.violations() == []
