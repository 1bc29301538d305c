"""Every report table exports to CSV and XLSX with the numbers the page shows, and text that a
spreadsheet would run as a formula comes out inert."""

from __future__ import annotations

from datetime import date

import pytest

from tests.reports.conftest import csv_rows, page_values, xlsx_sheets, xlsx_values

pytestmark = pytest.mark.clock("2026-11-25 12:00")


def _csv_values(rows: list[list[str]]) -> list[list]:
    """CSV cells as the page's values: "41.3" in a "…, %" column is 0.413."""
    header, body = rows[0], rows[1:]
    out = []
    for row in body:
        cells = []
        for label, text in zip(header, row, strict=True):
            if text == "":
                cells.append(None)
            elif label.endswith(", %"):
                cells.append(round(float(text) / 100, 6))
            else:
                try:
                    cells.append(float(text))
                except ValueError:
                    cells.append(text)
        out.append(cells)
    return out


def test_dashboard_exports_carry_the_page_figures(world, f, login):
    client = login(f.user("coordinator", region_code="KZ-47"))
    page = client.get("/en/reports/").data
    book = client.get("/en/reports/dashboard/export.xlsx")
    assert book.status_code == 200
    assert book.headers["Content-Disposition"] == 'attachment; filename="dashboard-KZ-47.xlsx"'
    for index, key in enumerate(("beds", "week", "past_max")):
        on_page = page_values(page, key)
        assert xlsx_values(book.data, index) == on_page, key
        csv = client.get(f"/en/reports/dashboard/export.csv?table={key}")
        assert csv.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert _csv_values(csv_rows(csv.data)) == on_page, key
    assert b"Turkistan" not in book.data


def test_occupancy_exports_carry_the_page_figures_for_the_chosen_period(world, f, login):
    client = login(f.user("coordinator", region_code="KZ-47"))
    query = "start=2026-08-01&end=2026-11-25"
    page = client.get(f"/en/reports/occupancy?{query}").data
    book = client.get(f"/en/reports/occupancy/export.xlsx?{query}").data
    assert xlsx_values(book, 0) == page_values(page, "utilisation")
    rows = csv_rows(client.get(f"/en/reports/occupancy/export.csv?{query}").data)
    assert _csv_values(rows) == page_values(page, "utilisation")
    weekly = client.get(f"/en/reports/occupancy/export.csv?{query}&table=by_week").data
    assert [r[1:] for r in _csv_values(csv_rows(weekly))] == [
        r[1:] for r in page_values(page, "by_week")
    ]


def test_formulas_in_names_come_out_inert(f, login, frozen_today):
    centre = f.centre("KZ-47", name_en="=SUM(A1:A9)")
    f.room(centre, beds=4)
    plus = f.family(centre, surname="+Тест", given_name="@Ат")
    f.admit(plus, date(2026, 11, 1))
    client = login(f.user("coordinator", region_code="KZ-47"))

    beds = csv_rows(client.get("/en/reports/dashboard/export.csv?table=beds").data)
    assert beds[1][0] == "'=SUM(A1:A9)"
    sheet = xlsx_sheets(client.get("/en/reports/dashboard/export.xlsx").data)[0]
    assert sheet[0][0] == "'=SUM(A1:A9)"  # a string, never a formula

    persons = csv_rows(client.get("/en/reports/people/export.csv").data)
    assert persons[1][0] == "'+Тест @Ат"
    assert persons[1][5] == "'=SUM(A1:A9)"
    rows = xlsx_sheets(client.get("/en/reports/people/export.xlsx").data)[0]
    assert rows[0][0] == "'+Тест @Ат"
    assert rows[0][5] == "'=SUM(A1:A9)"

    import io

    import openpyxl

    book = openpyxl.load_workbook(
        io.BytesIO(client.get("/en/reports/people/export.xlsx").data), data_only=False
    )
    cell = book.worksheets[0]["A4"]
    assert cell.data_type == "s"
    assert cell.value == "'+Тест @Ат"


def test_export_links_ignore_stray_arguments_named_like_the_export_url(world, f, login):
    """`?name=…&fmt=…` on a report page must not clash with the export link's own arguments."""
    client = login(f.user("coordinator", region_code="KZ-47"))
    resp = client.get("/en/reports/people?name=x&fmt=pdf&table=y")
    assert resp.status_code == 200
    assert "/en/reports/people/export.xlsx" in resp.text
    assert "name=x" not in resp.text
    assert "fmt=pdf" not in resp.text


def test_long_table_titles_become_sheet_names_cut_between_words():
    from portal.reports.tables import SHEET_NAME_LENGTH, _sheet_name

    taken: set[str] = set()
    title = "Arrivals and departures this week (23 Nov 2026 – 29 Nov 2026)"
    first, second = _sheet_name(title, taken), _sheet_name(title, taken)
    assert first == "Arrivals and departures this…"
    assert second == "Arrivals and departures… (2)"
    for name in (first, second):
        assert len(name) <= SHEET_NAME_LENGTH
        kept = name.split("…")[0]
        assert title.startswith(kept) and title[len(kept)] == " "  # cut where a word ends
    assert _sheet_name("Short: [list]", taken) == "Short_ _list_"  # Excel's forbidden signs
