"""A regional coordinator reads the reports in Chromium: today's dashboard, the occupancy of a
chosen period, and its XLSX download, whose figures are those of the page."""

from __future__ import annotations

import re
from datetime import timedelta

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from portal.accommodation import operations as acc
from portal.accommodation.models import CentreKind
from portal.clock import today
from portal.extensions import db
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def region_with_residents(f):
    """Two centres of the coordinator's region with residents and a capacity change, and one
    centre of another region that must never appear. Dates relative to the real today."""
    day = today()
    aktau = f.centre("KZ-47", CentreKind.ADAPTATION, name_en="Aktau centre", name_kk="Ақтау")
    room = f.room(aktau, beds=4, since=day - timedelta(days=400))
    acc.add_beds(room, 2, day - timedelta(days=10))
    db.session.commit()
    beineu = f.centre("KZ-47", CentreKind.TEMPORARY, name_en="Beineu centre", name_kk="Бейнеу")
    f.room(beineu, beds=3, since=day - timedelta(days=400))
    f.admit(f.family(aktau, members=2), day - timedelta(days=50))
    f.admit(f.family(aktau, surname="Жаңа"), day - timedelta(days=3))
    f.admit(f.family(beineu, members=1, surname="Бейнеулік"), day - timedelta(days=20))
    elsewhere = f.centre("KZ-61", name_en="Turkistan centre", name_kk="Түркістан")
    f.room(elsewhere, beds=2)
    f.admit(f.family(elsewhere, surname="Басқа"), day - timedelta(days=5))
    return aktau, beineu


def _log_in(page: Page, base: str, user) -> None:
    page.goto(f"{base}/en/login")
    page.locator("#username").fill(user.username)
    page.locator("#password").fill(PASSWORD)
    page.locator("#main form button[type=submit]").click()
    page.wait_for_url(f"{base}/en/reports/")  # a coordinator's start page


def _table(page: Page, key: str) -> list[list[str]]:
    rows = page.locator(f"#table-{key} tbody tr")
    return [
        [" ".join(t.split()) for t in rows.nth(i).locator("th, td").all_inner_texts()]
        for i in range(rows.count())
    ]


def _number(text: str):
    if text == "—":
        return None
    plain = text.replace(",", "")
    if plain.endswith("%"):
        return round(float(plain[:-1]) / 100, 6)
    return float(plain)


def test_a_coordinator_exports_the_occupancy_of_a_period(
    page: Page, live_server, f, region_with_residents, tmp_path
):
    base = live_server
    coordinator = f.user("coordinator", region_code="KZ-47")
    _log_in(page, base, coordinator)

    # The dashboard is the start page, and the header's menu leads back to it.
    page.locator("nav.main-nav").get_by_role("link", name="Centres").click()
    page.wait_for_url(f"{base}/en/centres")
    page.locator("nav.main-nav").get_by_role("link", name="Reports").click()
    page.wait_for_url(f"{base}/en/reports/")
    expect(page.locator("h1")).to_have_text("Today")
    beds = _table(page, "beds")
    assert [r[0] for r in beds] == ["Aktau centre", "Beineu centre", "Total"]
    assert beds[-1][1:4] == ["9", "6", "3"]  # beds in service, occupied, free
    expect(page.locator("#main")).not_to_contain_text("Turkistan centre")

    # Occupancy over a chosen period, from the reports' menu.
    page.locator('nav.report-nav a[href="/en/reports/occupancy"]').click()
    page.wait_for_url(f"{base}/en/reports/occupancy")
    start, end = today() - timedelta(days=60), today() - timedelta(days=1)
    page.locator("#start").fill(start.isoformat())
    page.locator("#end").fill(end.isoformat())
    page.locator("form.report-period button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/en/reports/occupancy\?start={start}&end={end}$"))
    expect(page.locator("#occupancy-chart svg[role=img]")).to_be_visible()
    on_page = _table(page, "utilisation")
    assert [r[0] for r in on_page] == ["Aktau centre", "Beineu centre", "Total"]

    # The XLSX download holds the same figures.
    with page.expect_download() as info:
        page.locator(".report-export a").click()
    download = info.value
    assert download.suggested_filename == "occupancy-KZ-47.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    book = openpyxl.load_workbook(saved)
    sheet = book.worksheets[0]
    exported = []
    for row in sheet.iter_rows(min_row=4, values_only=True):
        if all(v is None for v in row):
            break
        exported.append(list(row))
    assert [r[0] for r in exported] == [r[0] for r in on_page]
    for page_row, file_row in zip(on_page, exported, strict=True):
        figures = [_number(t) for t in page_row[1:]]
        assert figures == [round(float(v), 6) if v is not None else None for v in file_row[1:]]
    # Aktau: 4 beds for the 60 days, 2 more for the last 10 of them (added 10 days ago).
    assert exported[0][1] == 4 * 60 + 2 * 10
