"""Helpers shared by the browser tests: a staffed centre, log-in through the real form,
and translated strings computed with the app's own Flask-Babel catalogs (so assertions hold
whatever state the translations are in)."""

from __future__ import annotations

import pytest
from flask_babel import force_locale, gettext, ngettext
from playwright.sync_api import Page, expect

from portal.clock import now_utc
from tests.factories import PASSWORD

TIMEOUT_MS = 10_000


@pytest.fixture
def page(page: Page) -> Page:
    # The page's Date agrees with the portal's clock (which a faked-clock run moves, while
    # Chromium itself runs on the machine's clock); timers keep running naturally.
    page.clock.install(time=now_utc())
    page.set_default_timeout(TIMEOUT_MS)
    page.set_default_navigation_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    return page


@pytest.fixture
def tr(app):
    """`tr("ru", msgid, **vars)`: the string the app renders for `msgid` in that language."""

    def _tr(lang: str, msgid: str, **kw) -> str:
        with app.test_request_context(f"/{lang}/"), force_locale(lang):
            return gettext(msgid, **kw)

    return _tr


@pytest.fixture
def trn(app):
    """`trn("ru", singular, plural, n)`: the plural form the app renders for `n`."""

    def _trn(lang: str, singular: str, plural: str, n: int, **kw) -> str:
        with app.test_request_context(f"/{lang}/"), force_locale(lang):
            return ngettext(singular, plural, n, **kw)

    return _trn


@pytest.fixture
def staffed_centre(f):
    """A centre with one family room of four beds and a staff member; (centre, room, user)."""
    centre = f.centre()
    room = f.room(centre, beds=4)
    staff = f.user("staff", centre=centre)
    return centre, room, staff


def log_in(page: Page, base: str, user, lang: str = "kk") -> None:
    """Log in through the form at /<lang>/login and land on the staff dashboard."""
    page.goto(f"{base}/{lang}/login")
    page.locator("#username").fill(user.username)
    page.locator("#password").fill(PASSWORD)
    page.locator("#main form button[type=submit]").click()
    page.wait_for_url(f"{base}/{lang}/centres/{user.centre_id}")
    expect(page.locator("#beds-free")).to_be_visible()
