"""A resident on a phone (390 × 844 CSS pixels), in Kazakh: reads the family's stage and
courses, signs up for an event with one tap, sees the place, and downloads the timetable as an
.ics calendar.

The live server runs in threads of this process with the real clock, so the dates are relative
to `portal.clock.today()`.
"""

from __future__ import annotations

import re
from datetime import time, timedelta

import icalendar
import pytest
from flask_babel import force_locale
from playwright.sync_api import expect
from sqlalchemy import select

from portal.applications import operations as apps
from portal.clock import today
from portal.extensions import db
from portal.me.status import STAGE
from portal.services.catalogue.models import Service
from portal.services.courses import operations as ops
from portal.services.courses.models import ActivityKind, Enrolment, EnrolmentStatus
from tests.applications.helpers import add_all_documents
from tests.browser.conftest import TIMEOUT_MS
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 390, 844
LANG = "kk"
COURSE = "Қазақ тілі A1 · ересектер"
EVENT = "Домбыра кеші"

# The page is as wide as the phone: no sideways scrolling, no zooming out to fit.
WIDTHS = "() => [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": WIDTH, "height": HEIGHT},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        accept_downloads=True,
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    yield page
    context.close()


def _fits(page, what: str) -> None:
    page.wait_for_load_state("load")
    scroll_width, inner_width = page.evaluate(WIDTHS)
    assert inner_width == WIDTH, f"{what} is zoomed out to fit: {inner_width}"
    assert scroll_width <= inner_width, f"{what} scrolls sideways: {scroll_width}"


def _service(code: str) -> Service:
    return db.session.scalar(select(Service).where(Service.code == code))


def test_a_resident_on_a_phone_reads_the_stage_signs_up_and_downloads_the_calendar(
    phone, live_server, app, f, tr
):
    base, page = live_server, phone
    centre = f.centre(name_kk="Ақтау бейімдеу орталығы")
    room = f.room(centre, beds=4, number="204")
    teacher = f.user("staff", centre=centre)
    teacher.full_name = "Айгерім Сапарова"
    db.session.commit()
    family = f.family(centre, members=1)
    f.admit(family)
    head = family.members[0]
    resident = f.user("resident", person=head)
    resident.locale = LANG
    db.session.commit()
    # The documents were handed in today: staff are checking them (R4-1).
    application = apps.open_application(family)
    add_all_documents(application, today())
    apps.submit(application, today())
    db.session.commit()
    # The head learns Kazakh every day at 10:00; a dombyra evening in two days has places.
    day0 = today()
    course = ops.create_activity(
        centre, ActivityKind.COURSE, _service("C8.9"), COURSE, "kk", "A1", teacher, room, 10,
        day0 - timedelta(days=7), day0 + timedelta(days=20), range(7), time(10, 0), time(11, 30),
    )  # fmt: skip
    event = ops.create_activity(
        centre, ActivityKind.EVENT, _service("C8.5"), EVENT, None, None, teacher, room, 5,
        day0 + timedelta(days=2), day0 + timedelta(days=2), [], time(18, 0), time(20, 0),
    )  # fmt: skip
    ops.enrol(course, head)
    db.session.commit()
    course_id, event_id, event_session_id = course.id, event.id, event.sessions[0].id
    course_session_ids = {s.id for s in course.sessions}
    with app.test_request_context(f"/{LANG}/"), force_locale(LANG):
        stage = str(STAGE[application.state])

    # --- Log in through the form, in Kazakh -----------------------------------------------
    page.goto(f"{base}/{LANG}/login")
    page.locator("#username").fill(resident.username)
    page.locator("#password").fill(PASSWORD)
    page.locator("#main form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"^{re.escape(base)}/{LANG}/"))

    # --- The home page: the stage, in big letters, and the course coming next ---------------
    page.goto(f"{base}/{LANG}/me")
    expect(page.locator("html")).to_have_attribute("lang", LANG)
    expect(page.locator("#stage")).to_have_text(stage)
    expect(page.locator("#upcoming")).to_contain_text(COURSE)
    expect(page.locator(f"#member-{head.id}")).to_contain_text(head.full_name)
    # The header keeps to a few short lines: the stage is in the first half of the screen
    # (it was below 470 of the 844 pixels; issue 17).
    header = page.locator(".site-header").evaluate("el => el.getBoundingClientRect().height")
    stage_top = page.locator("#stage").evaluate("el => el.getBoundingClientRect().top")
    assert header <= 140 and stage_top <= HEIGHT / 2, (header, stage_top)
    font_size = page.locator("#stage").evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    assert font_size >= 24, font_size  # large type
    _fits(page, "the home page")

    # --- The timetable: the course with its room and teacher --------------------------------
    page.locator(".me-nav a[href$='/me/timetable']").click()
    page.wait_for_url(f"{base}/{LANG}/me/timetable")
    expect(page.locator(".me-nav [aria-current=page]")).to_have_attribute(
        "href", f"/{LANG}/me/timetable"
    )
    first_week = page.locator("#week-1")
    expect(first_week).to_contain_text(COURSE)
    expect(first_week).to_contain_text(tr(LANG, "Room %(number)s", number="204"))
    expect(first_week).to_contain_text(teacher.full_name)
    _fits(page, "the timetable")

    # --- Sign up for the event with one tap --------------------------------------------------
    page.locator(".me-nav a[href$='/me/activities']").click()
    page.wait_for_url(f"{base}/{LANG}/me/activities")
    card = page.locator(f"#activity-{event_id}")
    expect(card).to_contain_text(EVENT)
    _fits(page, "the courses and events")
    with (
        page.expect_response(
            lambda r: (
                r.request.method == "POST" and r.url.endswith(f"/me/activities/{event_id}/sign-up")
            )
        ) as posted,
        page.expect_navigation(),
    ):
        card.locator(f"#signup-{event_id}-{head.id} button[type=submit]").click()
    assert posted.value.status == 303
    page.wait_for_url(f"{base}/{LANG}/me/activities")
    expect(page.locator("#messages .notice-success")).to_have_text(
        tr(LANG, "%(name)s is enrolled, seat %(seat)s.", name=head.full_name, seat=1)
    )
    expect(page.locator(f"#status-{event_id}-{head.id}")).to_have_text(
        tr(LANG, "Enrolled, seat %(seat)s", seat=1)
    )
    db.session.rollback()
    db.session.expire_all()
    status = db.session.scalar(
        select(Enrolment.status).where(
            Enrolment.activity_id == event_id, Enrolment.person_id == head.id
        )
    )
    assert status == EnrolmentStatus.ENROLLED
    db.session.rollback()

    # --- Download the timetable as a calendar ------------------------------------------------
    page.locator(".me-nav a[href$='/me/calendar']").click()
    page.wait_for_url(f"{base}/{LANG}/me/calendar")
    with page.expect_download() as downloading:
        page.locator("#download-ics").click()
    download = downloading.value
    assert download.suggested_filename == "timetable.ics"
    with open(download.path(), "rb") as fh:
        cal = icalendar.Calendar.from_ical(fh.read())
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert f"session-{event_session_id}@kandas-portal" in events
    assert str(events[f"session-{event_session_id}@kandas-portal"]["SUMMARY"]) == EVENT
    assert {f"session-{i}@kandas-portal" for i in course_session_ids} <= set(events)
    assert all(str(events[f"session-{i}@kandas-portal"]["SUMMARY"]) == COURSE
               for i in course_session_ids)  # fmt: skip
    assert course_id
