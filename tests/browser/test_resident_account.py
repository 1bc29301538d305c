"""A resident's first log-in, clicked through in Russian: staff open the account from the
person's page and read out the one-time code; the resident sets a password with it and lands
on their own page; the code does not work a second time."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

LANG = "ru"
NEW_PASSWORD = "Жаңа-құпиясөз-2026"


def test_staff_hand_over_a_code_and_the_resident_sets_a_password(
    page: Page, live_server, f, staffed_centre, tr
):
    centre, _room, staff = staffed_centre
    family = f.family(centre, members=1)
    f.admit(family)
    head = family.head
    base = live_server

    log_in(page, base, staff, LANG)
    page.goto(f"{base}/{LANG}/persons/{head.id}")
    account = page.locator("#portal-account")
    expect(account).to_contain_text(tr(LANG, "No account yet."))
    account.get_by_role("link", name=tr(LANG, "Open a portal account")).click()
    login_field = page.get_by_label(tr(LANG, "Login"))
    expect(login_field).to_have_value("qasymov.nurlan")  # suggested from the Latin spelling
    page.get_by_role("button", name=tr(LANG, "Open the account")).click()
    code = page.locator("#one-time-code").inner_text()
    assert len(code.replace("-", "")) == 10
    expect(page.locator("#account-login")).to_have_text("qasymov.nurlan")

    # Back on the person page the account waits for its first log-in; nobody sees a password.
    page.get_by_role("link", name=tr(LANG, "Done")).click()
    expect(page.locator("#portal-account")).to_contain_text("qasymov.nurlan")
    page.get_by_role("button", name=tr(LANG, "Log out")).click()

    # The resident, on the log-in page, follows the link for a first log-in.
    page.goto(f"{base}/{LANG}/login")
    page.get_by_role(
        "link", name=tr(LANG, "First time here, or got a new code? Set your password")
    ).click()
    page.get_by_label(tr(LANG, "Login")).fill("qasymov.nurlan")
    page.get_by_label(tr(LANG, "One-time code")).fill(code.lower())
    page.get_by_label(tr(LANG, "New password"), exact=True).fill(NEW_PASSWORD)
    page.get_by_label(tr(LANG, "New password again")).fill(NEW_PASSWORD)
    page.get_by_role("button", name=tr(LANG, "Set the password and log in")).click()
    page.wait_for_url(f"{base}/{LANG}/me")
    expect(page.locator("#messages")).to_contain_text(tr(LANG, "Your password is set. Welcome!"))
    expect(page.locator("h1")).to_contain_text(tr(LANG, "My family"))

    # The code was good once.
    page.get_by_role("button", name=tr(LANG, "Log out")).click()
    page.goto(f"{base}/{LANG}/activate")
    page.get_by_label(tr(LANG, "Login")).fill("qasymov.nurlan")
    page.get_by_label(tr(LANG, "One-time code")).fill(code)
    page.get_by_label(tr(LANG, "New password"), exact=True).fill("another-password-1")
    page.get_by_label(tr(LANG, "New password again")).fill("another-password-1")
    page.get_by_role("button", name=tr(LANG, "Set the password and log in")).click()
    expect(page.locator("#code-error")).to_be_visible()
    expect(page.get_by_label(tr(LANG, "Login"))).to_have_value("qasymov.nurlan")
