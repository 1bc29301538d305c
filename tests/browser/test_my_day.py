"""My day in Chromium (issue 17): a staff member opens it from the menu and takes the
attendance of a session that has started with one action; the exceptions are then changed on
the session's attendance page."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.clock import today
from portal.extensions import db
from portal.services.courses import operations as ops
from portal.services.courses.models import Attendance, AttendanceCode
from tests.browser.conftest import log_in
from tests.services.test_courses import course

pytestmark = pytest.mark.browser

LANG = "kk"


def test_attendance_is_taken_from_my_day(page: Page, live_server, staffed_centre, f, tr):
    centre, _room, staff = staffed_centre
    family = f.family(centre, members=1)
    f.admit(family)
    day = today()
    # A session at midnight today has started whenever the test runs.
    activity = course(centre, dates=(day, day + timedelta(days=6)), weekdays=[day.weekday()],
                      starts_at_time=time(0, 0), ends_at_time=time(0, 45))  # fmt: skip
    for person in family.members:
        ops.enrol(activity, person)
    db.session.commit()
    log_in(page, live_server, staff, LANG)

    page.get_by_role("link", name=tr(LANG, "My day")).click()
    expect(page.locator("h1")).to_contain_text(tr(LANG, "My day"))
    item = page.locator("#my-sessions li", has_text=activity.title)
    expect(item).to_contain_text(tr(LANG, "Attendance: %(marked)s of %(enrolled)s marked",
                                    marked=0, enrolled=2))  # fmt: skip
    with page.expect_navigation():
        item.get_by_role("button", name=tr(LANG, "All present")).click()

    expect(page.locator("#messages")).to_contain_text(activity.title)
    expect(item).to_contain_text(tr(LANG, "Attendance: %(marked)s of %(enrolled)s marked",
                                    marked=2, enrolled=2))  # fmt: skip
    db.session.rollback()
    codes = db.session.scalars(select(Attendance.code)).all()
    assert sorted(codes) == [AttendanceCode.PRESENT, AttendanceCode.PRESENT]
    item.get_by_role("link", name=tr(LANG, "Exceptions and corrections")).click()
    expect(page).to_have_url(f"{live_server}/{LANG}/sessions/"
                             f"{activity.sessions[0].id}/attendance")  # fmt: skip
