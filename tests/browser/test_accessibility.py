"""Accessibility checked by axe-core (issue 17): the main pages of staff, coordinator and
resident, in Kazakh and Russian, at 1366 and 390 CSS pixels, on one database; a serious or
critical finding fails. axe-core is vendored and pinned (`tests/browser/vendor/`, with its
licence) and injected into the page (the context bypasses the CSP for that script only: the
portal's own pages are unchanged)."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from portal.applications import operations as apps
from portal.clock import today
from portal.extensions import db
from portal.services.courses import operations as ops
from tests.browser.conftest import TIMEOUT_MS
from tests.factories import PASSWORD
from tests.services.test_courses import course

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-core-4.10.2" / "axe.min.js"
BLOCKING = ("serious", "critical")
# Both languages at both widths: Kazakh's longer words wrap differently on a phone.
RUNS = [("kk", 1366), ("kk", 390), ("ru", 1366), ("ru", 390)]


def _findings(page: Page) -> list[str]:
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    return [f"{v['impact']} {v['id']}: {v['help']} @ {v['nodes']}" for v in result
            if v["impact"] in BLOCKING]  # fmt: skip


def _log_in(page: Page, base: str, username: str, lang: str) -> None:
    page.goto(f"{base}/{lang}/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("#main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.fixture
def centre_pages(f, staffed_centre) -> dict[str, tuple[str, list[str]]]:
    """One centre's world, and by role the log-in and the pages to check."""
    centre, room, staff = staffed_centre
    family = f.family(centre, members=2)
    f.admit(family)
    apps.open_application(family)
    day = today()
    activity = course(centre, room=room, dates=(day, day + timedelta(days=30)),
                      weekdays=[day.weekday()], starts_at_time=time(0), ends_at_time=time(0, 45))  # fmt: skip
    ops.enrol(activity, family.members[0])
    resident = f.user("resident", person=family.members[0])
    coordinator = f.user("coordinator", region_code=centre.region.code)
    db.session.commit()
    staff_pages = [
        f"/centres/{centre.id}", "/residents", f"/persons/{family.members[0].id}",
        f"/families/{family.id}", f"/families/{family.id}/application",
        f"/centres/{centre.id}/calendar", f"/centres/{centre.id}/calendar?by=room", "/my-day",
        f"/courses/{activity.id}", f"/centres/{centre.id}/details",
    ]  # fmt: skip
    return {
        "staff": (staff.username, staff_pages),
        "coordinator": (coordinator.username, ["/reports/", "/reports/occupancy"]),
        "resident": (resident.username, ["/me", "/me/timetable", "/me/activities"]),
    }


# Split by language and role, so that the parts spread over the test workers.
@pytest.mark.parametrize("lang, width", RUNS)
@pytest.mark.parametrize("role", ["staff", "coordinator", "resident"])
def test_the_main_pages_have_no_serious_accessibility_finding(
    browser: Browser, live_server, centre_pages, lang, width, role
):
    username, paths = centre_pages[role]
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    found = []
    try:
        page.goto(f"{live_server}/{lang}/login")
        if role == "resident":  # the log-in page once per language, and the check checked
            found += [f"login: {x}" for x in _findings(page)]
            page.evaluate("() => document.body.append(Object.assign(new Image(), {src: '/x.png'}))")
            assert any("image-alt" in x for x in _findings(page))  # it finds what it should
        _log_in(page, live_server, username, lang)
        for path in paths:
            answer = page.goto(f"{live_server}/{lang}{path}")
            assert answer.status == 200 and page.url.endswith(path), (username, path)
            found += [f"{path}: {x}" for x in _findings(page)]
    finally:
        context.close()
    assert found == []
