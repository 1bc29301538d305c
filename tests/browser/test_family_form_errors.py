"""A failed form shows its errors in place and keeps everything that was typed."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.clock import today
from portal.extensions import db
from portal.residents.models import Person
from tests.browser.conftest import log_in
from tests.factories import valid_iin

# The live server and Chromium run on the real (or faked) clock: dates count from it.
REGISTERED_ON = today() - timedelta(days=23)

pytestmark = pytest.mark.browser

BORN = date(1985, 3, 14)


def _wrong_check_digit(iin: str) -> str:
    return iin[:11] + str((int(iin[11]) + 1) % 10)


def test_new_family_form_shows_errors_in_place_and_keeps_the_input(
    page, live_server, staffed_centre, tr
):
    centre, _room, staff = staffed_centre
    base = live_server
    good_iin = valid_iin(BORN, "M", serial=4321)
    bad_iin = _wrong_check_digit(good_iin)

    log_in(page, base, staff, lang="kk")
    page.goto(f"{base}/kk/families/new")
    page.locator("#surname").fill("Kasymov")  # Latin: refused
    page.locator("#given_name").fill("Нұрлан")
    page.locator("#patronymic").fill("Ерланұлы")
    page.locator("#birth_date").fill(BORN.isoformat())
    page.locator('input[name="sex"][value="M"]').check()
    page.locator("#previous_country").select_option("MN")
    page.locator("#citizenship").select_option("--")
    page.locator("#iin").fill(bad_iin)
    page.locator("#phone").fill("+7 701 234 5678")
    page.locator('input[name="languages"][value="kk"]').check()
    page.locator('input[name="languages"][value="mn"]').check()
    page.locator("#registered_on").fill(REGISTERED_ON.isoformat())
    page.locator("#note").fill("Келді автобуспен")

    with page.expect_response(lambda r: r.url == f"{base}/kk/families/new") as posted:
        page.locator("#main form[method=post] button[type=submit]").click()
    assert posted.value.status == 422
    page.wait_for_load_state()
    assert page.url == f"{base}/kk/families/new"
    expect(page.locator("html")).to_have_attribute("lang", "kk")

    cyrillic = tr("kk", "Write the name in Cyrillic letters, as in the translated documents.")
    check_digit = tr(
        "kk", "The last digit of this IIN does not match the others: check it for a typo."
    )

    # The summary comes first, has focus, and links each problem to its field.
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()
    expect(summary.locator("h2")).to_have_text(tr("kk", "There is a problem"))
    links = summary.locator("li a")
    expect(links).to_have_count(2)
    expect(links.nth(0)).to_have_attribute("href", "#surname")
    expect(links.nth(0)).to_have_text(f"{tr('kk', 'Surname')}: {cyrillic}")
    expect(links.nth(1)).to_have_attribute("href", "#iin")
    expect(links.nth(1)).to_contain_text(check_digit)
    # The summary's links lead to the fields.
    for link in (links.nth(0), links.nth(1)):
        target = page.locator(link.get_attribute("href"))
        expect(target).to_have_count(1)

    # Each error sits next to its field, tied to the input for assistive technology.
    for name, message in (("surname", cyrillic), ("iin", check_digit)):
        expect(page.locator(f"#{name}-field")).to_have_class(re.compile(r"\bfield-error\b"))
        expect(page.locator(f"#{name}-field #{name}-error")).to_have_text(message)
        expect(page.locator(f"#{name}")).to_have_attribute("aria-invalid", "true")
        expect(page.locator(f"#{name}")).to_have_attribute(
            "aria-describedby", re.compile(rf"\b{name}-error\b")
        )
    # No other field is marked.
    expect(page.locator(".field-error")).to_have_count(2)

    # Nothing typed was lost.
    expect(page.locator("#surname")).to_have_value("Kasymov")
    expect(page.locator("#given_name")).to_have_value("Нұрлан")
    expect(page.locator("#patronymic")).to_have_value("Ерланұлы")
    expect(page.locator("#birth_date")).to_have_value(BORN.isoformat())
    expect(page.locator('input[name="sex"][value="M"]')).to_be_checked()
    expect(page.locator('input[name="sex"][value="F"]')).not_to_be_checked()
    expect(page.locator("#previous_country")).to_have_value("MN")
    expect(page.locator("#citizenship")).to_have_value("--")
    expect(page.locator("#iin")).to_have_value(bad_iin)
    expect(page.locator("#phone")).to_have_value("+7 701 234 5678")
    expect(page.locator('input[name="languages"][value="kk"]')).to_be_checked()
    expect(page.locator('input[name="languages"][value="mn"]')).to_be_checked()
    expect(page.locator('input[name="languages"][value="ru"]')).not_to_be_checked()
    expect(page.locator("#registered_on")).to_have_value(REGISTERED_ON.isoformat())
    expect(page.locator("#note")).to_have_value("Келді автобуспен")
    db.session.rollback()
    assert db.session.scalar(select(Person.id)) is None  # nothing was saved

    # Correcting only the two fields is enough: the rest was kept.
    page.locator("#surname").fill("Қасымов")
    page.locator("#iin").fill(good_iin)
    page.locator("#main form[method=post] button[type=submit]").click()
    page.wait_for_url(re.compile(rf"^{re.escape(base)}/kk/families/\d+$"))
    expect(page.locator("#error-summary")).to_have_count(0)

    db.session.rollback()
    person = db.session.scalar(select(Person))
    assert person.full_name == "Қасымов Нұрлан Ерланұлы"
    assert person.birth_date == BORN
    assert person.sex.value == "M"
    assert person.previous_country == "MN"
    assert person.stateless
    assert person.citizenship is None
    assert person.iin == good_iin
    assert person.phone == "+7 701 234 5678"
    assert person.language_codes == ["kk", "mn"]
    assert person.family.registered_on == REGISTERED_ON
    assert person.family.note == "Келді автобуспен"
    assert person.family.centre_id == centre.id
