"""On a phone (390 × 844 CSS pixels) the pages fit the screen: no sideways scrolling."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from portal.accommodation.models import RoomUse
from portal.clock import today
from tests.browser.conftest import TIMEOUT_MS, log_in

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 390, 844

# Measures the page; `limit` is the phone's width. In mobile emulation a page that is too wide
# is zoomed out (window.innerWidth grows with it), so innerWidth is checked too.
OVERFLOW = """(limit) => {
  const wide = [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > limit + 0.5)
    .slice(0, 5)
    .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '')
      + ' right=' + Math.round(el.getBoundingClientRect().right));
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    wide: wide,
  };
}"""


def _assert_no_sideways_scroll(page, what: str) -> None:
    page.wait_for_load_state("load")
    m = page.evaluate(OVERFLOW, WIDTH)
    assert m["innerWidth"] == WIDTH, f"{what} is zoomed out to fit: {m}"
    assert m["scrollWidth"] <= m["innerWidth"], f"{what} scrolls sideways: {m}"


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": WIDTH, "height": HEIGHT},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


def test_dashboard_and_residents_list_fit_a_phone_screen(phone, live_server, f):
    centre = f.centre(
        name_kk="Маңғыстау облысы бойынша қандастарға арналған бейімдеу және интеграциялау орталығы",
    )
    f.room(centre, beds=6, use=RoomUse.FAMILY)
    f.room(centre, beds=2, use=RoomUse.WOMEN)
    staff = f.user("staff", centre=centre)
    # Residents with long names and IINs, living in the centre and arriving this week…
    living = f.family(
        centre,
        members=3,
        surname="Нұрмұхамбетов",
        given_name="Сейітқасым",
        patronymic="Жұмабайұлы",
        iin=f.valid_iin(date(1985, 3, 14), "M"),
    )
    f.admit(living, start_on=today())
    # …and a family registered but not admitted yet.
    f.family(centre, members=1, surname="Әбдірахманов", given_name="Ерболат")

    page = phone
    base = live_server
    log_in(page, base, staff, lang="kk")
    expect(page.locator("#beds-free")).to_have_text("4")
    _assert_no_sideways_scroll(page, "the dashboard")

    page.goto(f"{base}/kk/residents")
    expect(page.locator("#results tbody tr")).to_have_count(6)
    _assert_no_sideways_scroll(page, "the residents list")

    # Still so after a live search has swapped new results in.
    with page.expect_response(lambda r: "/kk/residents?" in r.url):
        page.locator("#q").fill("Нұрмұхамбет")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    _assert_no_sideways_scroll(page, "the residents list after a search")
