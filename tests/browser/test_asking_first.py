"""Actions that ask first (issue 17), clicked through in Chromium: cancelling an enrolment
shows, in place, who would move up from the waiting list; "Keep it" puts the button back and
changes nothing; only the second button cancels, and the first waiting person moves up then."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.clock import today
from portal.extensions import db
from portal.services.courses import operations as ops
from portal.services.courses.models import Enrolment, EnrolmentStatus
from tests.browser.conftest import log_in
from tests.services.test_courses import course

pytestmark = pytest.mark.browser

LANG = "ru"


def _ready(locator) -> None:
    """Wait until htmx has taken the element in hand (it marks what it has processed): a
    click before that is the browser's own, the page's no-JavaScript path."""
    expect(locator).to_have_attribute("data-htmx-powered", "true")


def _statuses(activity_id: int) -> list[str]:
    db.session.rollback()  # the live server wrote meanwhile
    db.session.expire_all()
    rows = db.session.scalars(
        select(Enrolment.status).where(Enrolment.activity_id == activity_id).order_by(Enrolment.id)
    )
    return [EnrolmentStatus(s).value for s in rows]


def test_an_enrolment_is_cancelled_only_after_confirming(
    page: Page, live_server, staffed_centre, f, tr
):
    centre, _room, staff = staffed_centre
    family = f.family(centre, members=2)
    f.admit(family)
    first, second, third = family.members
    activity = course(centre, capacity=1, dates=(today() + timedelta(days=1),
                                                 today() + timedelta(days=60)))  # fmt: skip
    for person in (first, second, third):
        ops.enrol(activity, person)
    db.session.commit()
    enrolment = db.session.scalars(select(Enrolment).where(Enrolment.person_id == first.id)).one()
    log_in(page, live_server, staff, LANG)
    page.goto(f"{live_server}/{LANG}/courses/{activity.id}")

    slot = page.locator(f"#cancel-{enrolment.id}")
    ask = slot.locator("form[method=get]")  # the button that asks (not the question's "Yes")
    _ready(ask)
    ask.get_by_role("button", name=tr(LANG, "Cancel the enrolment")).click()
    question = page.locator(f"#cancel-{enrolment.id}.ask-open")
    expect(question).to_contain_text(tr(LANG, "Cancel the enrolment?"))
    expect(question).to_contain_text(
        tr(LANG, "%(name)s moves up from the waiting list to this seat.", name=second.full_name)
    )
    expect(page).to_have_url(f"{live_server}/{LANG}/courses/{activity.id}")  # asked in place
    assert _statuses(activity.id) == ["enrolled", "waitlisted", "waitlisted"]

    keep = question.get_by_role("link", name=tr(LANG, "Keep it"))
    _ready(keep)
    keep.click()  # the button comes back, taken from the page
    expect(question).to_have_count(0)
    expect(ask.get_by_role("button", name=tr(LANG, "Cancel the enrolment"))).to_be_visible()
    expect(page).to_have_url(f"{live_server}/{LANG}/courses/{activity.id}")
    assert _statuses(activity.id) == ["enrolled", "waitlisted", "waitlisted"]

    _ready(ask)
    ask.get_by_role("button", name=tr(LANG, "Cancel the enrolment")).click()
    answer = question.locator("form[method=post]")
    _ready(answer)
    with page.expect_navigation():
        answer.get_by_role("button", name=tr(LANG, "Yes, cancel the enrolment")).click()
    expect(page.locator("#messages")).to_contain_text(
        tr(LANG, "%(name)s has moved up from the waiting list to seat %(seat)s.",
           name=second.full_name, seat=1)  # fmt: skip
    )
    assert _statuses(activity.id) == ["cancelled", "enrolled", "waitlisted"]
