"""Browser journeys of a centre's staff member, driven through Debian's Chromium."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.accommodation.models import Stay
from portal.clock import today
from portal.extensions import db
from portal.residents.models import Person
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def _assert_russian(page: Page, base: str) -> None:
    assert page.url.startswith(f"{base}/ru/"), page.url
    expect(page.locator("html")).to_have_attribute("lang", "ru")


def _submit(page: Page) -> None:
    """Submit the page's main form (the header's log-out form is left alone)."""
    page.locator("#main form[method=post] button[type=submit]").click()


def test_staff_registers_and_admits_a_family_in_russian(
    page, live_server, staffed_centre, f, tr, trn
):
    centre, room, staff = staffed_centre
    # Another family of the centre, which the search below must leave out.
    f.family(centre, surname="Сейітов", given_name="Бақыт")
    base = live_server

    # Log in in Kazakh, the default language, then switch to Russian with the switcher.
    log_in(page, base, staff, lang="kk")
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    expect(page.locator("#beds-free")).to_have_text("4")

    page.locator('nav.languages button[lang="ru"]').click()  # a POST with its token
    page.wait_for_url(f"{base}/ru/centres/{centre.id}")
    _assert_russian(page, base)
    expect(page.locator('nav.languages [aria-current="true"]')).to_have_attribute("lang", "ru")

    # Register the family with its head, from the main menu.
    page.locator('nav.main-nav a[href="/ru/families/new"]').click()
    page.wait_for_url(f"{base}/ru/families/new")
    _assert_russian(page, base)
    expect(page.locator("#registered_on")).to_have_value(today().isoformat())
    page.locator("#surname").fill("Төлеубаев")
    page.locator("#given_name").fill("Ержан")
    page.locator("#patronymic").fill("Серікұлы")
    page.locator("#birth_date").fill("1980-05-17")
    page.locator('input[name="sex"][value="M"]').check()
    page.locator("#previous_country").select_option("CN")
    page.locator("#citizenship").select_option("CN")
    page.locator('input[name="languages"][value="kk"]').check()
    page.locator('input[name="languages"][value="zh"]').check()
    page.locator("#phone").fill("+7 701 234 5678")
    _submit(page)

    page.wait_for_url(re.compile(rf"^{re.escape(base)}/ru/families/(\d+)$"))
    _assert_russian(page, base)
    family_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("#messages .notice-success")).to_have_text(
        tr("ru", "The family has been registered. Add the other members now.")
    )
    expect(page.locator("h1")).to_have_text(
        tr("ru", "Family of %(name)s", name="Төлеубаев Ержан Серікұлы")
    )

    # Add the spouse through the UI.
    page.locator(f'#main a[href="/ru/families/{family_id}/members/new"]').click()
    page.wait_for_url(f"{base}/ru/families/{family_id}/members/new")
    _assert_russian(page, base)
    # The head's country is offered again for the new member.
    expect(page.locator("#previous_country")).to_have_value("CN")
    page.locator("#surname").fill("Төлеубаева")
    page.locator("#given_name").fill("Гүлнар")
    page.locator("#birth_date").fill("1983-09-02")
    page.locator('input[name="sex"][value="F"]').check()
    page.locator("#relation").select_option("spouse")
    page.locator("#citizenship").select_option("--")  # stateless
    page.locator('input[name="languages"][value="kk"]').check()
    _submit(page)

    page.wait_for_url(f"{base}/ru/families/{family_id}")
    _assert_russian(page, base)
    members = page.locator("#main table tbody tr")
    expect(members).to_have_count(2)
    expect(members.nth(1)).to_contain_text("Төлеубаева Гүлнар")
    expect(members.nth(1)).to_contain_text(tr("ru", "Not admitted yet"))

    # Admit both to beds through the admit page.
    page.locator(f'#main a[href="/ru/families/{family_id}/admit"]').click()
    page.wait_for_url(f"{base}/ru/families/{family_id}/admit")
    _assert_russian(page, base)
    bed_selects = page.locator('#placements select[name^="bed-"]')
    expect(bed_selects).to_have_count(2)
    for i in range(2):  # a free bed is suggested for everyone
        expect(bed_selects.nth(i)).not_to_have_value("")
    expect(page.locator("#start_on")).to_have_value(today().isoformat())

    # Changing the date refreshes the offered beds in place (htmx GET, #placements swapped).
    tomorrow = (today() + timedelta(days=1)).isoformat()
    old_placements = page.locator("#placements select").first.element_handle()
    with page.expect_response(
        lambda r: f"/ru/families/{family_id}/admit?" in r.url and "start_on=" + tomorrow in r.url
    ) as refreshed:
        page.locator("#start_on").fill(tomorrow)  # fires input and change
    assert refreshed.value.status == 200
    page.wait_for_function("el => !el.isConnected", arg=old_placements)
    expect(page.locator("#admit-form")).to_have_count(1)  # swapped into, not replaced
    expect(page.locator("#placements #placements")).to_have_count(0)
    expect(bed_selects).to_have_count(2)
    for i in range(2):
        expect(bed_selects.nth(i)).not_to_have_value("")

    # Back to today, so that the family lives in the centre now.
    with page.expect_response(
        lambda r: (
            f"/ru/families/{family_id}/admit?" in r.url
            and "start_on=" + today().isoformat() in r.url
        )
    ):
        page.locator("#start_on").fill(today().isoformat())
    expect(bed_selects).to_have_count(2)
    expect(bed_selects.nth(0)).not_to_have_value("")
    expect(bed_selects.nth(1)).not_to_have_value("")
    page.locator("#reason").select_option(index=0)
    page.locator("#admit-form button[type=submit]").click()

    page.wait_for_url(f"{base}/ru/families/{family_id}")
    _assert_russian(page, base)
    expect(page.locator("#messages .notice-success")).to_have_text(
        tr("ru", "The family has been admitted.")
    )

    db.session.rollback()
    people = list(
        db.session.scalars(
            select(Person).where(Person.family_id == family_id).order_by(Person.birth_date)
        )
    )
    assert [p.surname for p in people] == ["Төлеубаев", "Төлеубаева"]
    places = {}
    for p in people:
        stay = db.session.scalar(select(Stay).where(Stay.person_id == p.id))
        assert stay is not None
        assert stay.end_on is None
        assert stay.start_on == today()
        assert stay.bed.room_id == room.id
        places[p.id] = tr("ru", "Room %(room)s, bed %(bed)s", room=room.number, bed=stay.bed.label)
    assert len(set(places.values())) == 2  # two different beds
    for p in people:
        row = page.locator("#main table tbody tr", has_text=p.full_name)
        expect(row).to_contain_text(places[p.id])

    # The residents list: live search by surname, results swapped in by htmx.
    page.locator('nav.main-nav a[href="/ru/residents"]').click()
    page.wait_for_url(f"{base}/ru/residents")
    _assert_russian(page, base)
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(3)  # everyone in the centre before searching
    typed = "Төлеу"
    with page.expect_response(
        lambda r: "/ru/residents?" in r.url and f"q={quote(typed)}" in r.url
    ) as searched:
        page.locator("#q").fill(typed)  # one input event; htmx waits 300 ms
    assert searched.value.status == 200
    assert searched.value.request.headers.get("hx-request") == "true"
    expect(page.locator("#results .count")).to_have_text(
        trn("ru", "%(num)s person found", "%(num)s persons found", 2)
    )
    expect(rows).to_have_count(2)
    for p in people:
        row = rows.filter(has_text=p.full_name)
        expect(row).to_have_count(1)
        expect(row.locator("td").nth(4)).to_have_text(places[p.id])
    head_row = rows.filter(has_text="Төлеубаев Ержан")
    expect(head_row.locator("td").nth(3)).to_have_text(tr("ru", "Head of family"))
    # hx-push-url keeps the address bar (and the language prefix) in step.
    page.wait_for_url(re.compile(rf"^{re.escape(base)}/ru/residents\?.*q=%D0%A2"))
    _assert_russian(page, base)
    # The page itself was swapped into, not reloaded: only one search form.
    expect(page.locator("form#filters")).to_have_count(1)
    expect(page.locator("#results #results")).to_have_count(0)
