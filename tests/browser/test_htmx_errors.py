"""htmx requests that fail show a translated message in the page instead of failing silently."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from portal.extensions import db
from portal.residents.models import Person
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_a_refused_htmx_action_shows_the_servers_message(
    page: Page, live_server, f, staffed_centre, tr
):
    """The record vanished meanwhile: the 404 fragment lands in the message area (kk)."""
    centre, _room, staff = staffed_centre
    fam = f.family(centre, members=1)
    spouse = next(m for m in fam.members if not m.is_head)
    log_in(page, live_server, staff)
    page.goto(f"{live_server}/kk/persons/{spouse.id}")
    ask = page.locator("#remove-member form")
    expect(ask).to_have_attribute("data-htmx-powered", "true")
    # someone else removes the record before this click (which asks first) arrives
    db.session.delete(db.session.get(Person, spouse.id))
    db.session.commit()
    ask.locator("button[type=submit]").click()
    message = page.locator("#messages [role=alert]")
    expect(message).to_have_text(
        tr("kk", "This page does not exist, or you do not have access to it.")
    )
    assert page.url.endswith(f"/kk/persons/{spouse.id}")  # the page stayed, nothing swapped away


def test_a_lost_connection_is_said_in_the_page(page: Page, live_server, f, staffed_centre, tr):
    centre, _room, staff = staffed_centre
    f.family(centre)
    log_in(page, live_server, staff, lang="ru")
    page.goto(f"{live_server}/ru/residents")
    page.route("**/ru/residents?*", lambda route: route.abort("connectionrefused"))
    page.locator("#q").fill("Қасым")
    expect(page.locator("#messages [role=alert]")).to_have_text(
        tr("ru", "The server could not be reached. Check the connection and try again.")
    )
