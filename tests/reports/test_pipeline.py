"""The application pipeline report and the families behind its numbers (R4-1, R9-1, R10, R22).

The world: region KZ-47 holds centres A and B, region KZ-61 centre C. The clock is frozen at
Wednesday 25 November 2026, 09:00 in Kazakhstan; the month reported is November 2026.
Applications are written straight into the tables at the stage each test needs (the workflow
has its own tests); the report only reads them.

The page/CSV/XLSX helpers at the top are shared by the services and population tests.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import openpyxl
import pytest

from portal.applications.models import Application, State, Submission, SubmissionOutcome
from portal.clock import KZ
from portal.extensions import db
from tests.reports.conftest import link_args, value
from tests.reports.conftest import page_tables as read_page_tables

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=KZ)
pytestmark = pytest.mark.clock(NOW)
TODAY = NOW.date()



# ---------------------------------------------------------------------------------------------
# Reading a report back: the page's tables, the CSV, the XLSX
# ---------------------------------------------------------------------------------------------


def page_tables(html: bytes | str) -> dict[str, list[list[tuple[str, str | None]]]]:
    """The page's tables (tests/reports/conftest.py), rows only, "Nothing to show." left out."""
    return {
        k: [r for r in t["rows"] if len(r) > 1 or r and r[0][0] != "Nothing to show."]
        for k, t in read_page_tables(html).items()
    }


def figures(html) -> dict[str, list[list]]:
    """The page's tables as values: numbers as floats (a percent as a fraction), "—" as None."""
    return {
        k: [[value(t) for t, _h in row] for row in rows] for k, rows in page_tables(html).items()
    }


def csv_figures(body: bytes) -> tuple[list[str], list[list]]:
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    header, data = rows[0], rows[1:]
    percent = [h.endswith(", %") for h in header]
    out = []
    for row in data:
        values = []
        for cell, is_percent in zip(row, percent, strict=True):
            v = value(cell)
            if is_percent and isinstance(v, float):
                v = round(v / 100, 6)
            values.append(v)
        out.append(values)
    return header, out


def xlsx_figures(body: bytes) -> list[tuple[str, list[list]]]:
    """Every sheet: (title in A1, rows of values from row 4, up to the first empty row)."""
    book = openpyxl.load_workbook(io.BytesIO(body))
    sheets = []
    for ws in book.worksheets:
        rows = []
        for row in ws.iter_rows(min_row=4, values_only=True):
            if all(v is None for v in row):
                break
            rows.append([round(float(v), 6) if isinstance(v, int | float) else v for v in row])
        sheets.append((ws["A1"].value, rows))
    return sheets


def assert_exports_match_page(client, name: str, query: str = "") -> dict[str, list[list]]:
    """Every table of the page equals its CSV, and the XLSX sheets equal them all."""
    base = f"/en/reports/{name}"
    page = client.get(f"{base}{query}")
    assert page.status_code == 200
    shown = figures(page.data)
    sep = "&" if query else "?"
    for key, rows in shown.items():
        resp = client.get(f"{base}/export.csv{query}{sep}table={key}")
        assert resp.status_code == 200
        assert resp.mimetype == "text/csv"
        _header, exported = csv_figures(resp.data)
        assert exported == rows, key
    resp = client.get(f"{base}/export.xlsx{query}")
    assert resp.status_code == 200
    sheets = xlsx_figures(resp.data)
    assert [rows for _t, rows in sheets] == list(shown.values())
    return shown


def row_of(table, label: str):
    return next(r for r in table if r[0] == label)


# ---------------------------------------------------------------------------------------------
# The world
# ---------------------------------------------------------------------------------------------


def application(fam, state: State, *submissions, decided_on=None, certified_on=None):
    """An application at `state`; submissions as (received_on, due_on, outcome)."""
    a = Application(
        family_id=fam.id,
        state=state,
        decided_on=decided_on,
        protocol_number="P-1" if decided_on else None,
        protocol_date=decided_on,
        certificate_issued_on=certified_on,
        certificate_number=f"47-2026-{fam.id:06d}" if certified_on else None,
    )
    db.session.add(a)
    db.session.flush()
    for number, (received, due, outcome) in enumerate(submissions, start=1):
        db.session.add(
            Submission(
                application_id=a.id,
                number=number,
                received_on=received,
                due_on=due,
                outcome=outcome,
                decided_on=due if outcome else None,
            )
        )
    db.session.commit()
    return a


ACC, REF = SubmissionOutcome.ACCEPTED, SubmissionOutcome.REFUSED
D = date


def world(f):
    """Centres A, B (KZ-47) and C (KZ-61) with families at every stage."""
    a = f.centre("KZ-47", name_en="Aktau centre", name_kk="Ақтау")
    b = f.centre("KZ-47", name_en="Beineu centre", name_kk="Бейнеу")
    c = f.centre("KZ-61", name_en="Turkistan centre", name_kk="Түркістан")
    fam = {}
    fam["a_none"] = f.family(a)
    application(fam.setdefault("a_draft", f.family(a)), State.DRAFT)
    application(fam.setdefault("a_due", f.family(a)), State.SUBMITTED,
                (D(2026, 11, 20), TODAY, None))  # fmt: skip
    application(fam.setdefault("a_overdue", f.family(a)), State.SUBMITTED,
                (D(2026, 11, 16), D(2026, 11, 19), None))  # fmt: skip
    application(fam.setdefault("a_later", f.family(a)), State.SUBMITTED,
                (D(2026, 11, 24), D(2026, 11, 27), None))  # fmt: skip
    application(fam.setdefault("a_granted", f.family(a)), State.STATUS_GRANTED,
                (D(2026, 10, 1), D(2026, 10, 6), ACC), decided_on=D(2026, 11, 10))  # fmt: skip
    # 1 October (first submission, refused) → 12 November: 42 days
    application(fam.setdefault("a_cert", f.family(a)), State.CERTIFICATE_ISSUED,
                (D(2026, 10, 1), D(2026, 10, 6), REF), (D(2026, 10, 10), D(2026, 10, 15), ACC),
                decided_on=D(2026, 11, 3), certified_on=D(2026, 11, 12))  # fmt: skip
    application(fam.setdefault("a_refused", f.family(a)), State.STATUS_REFUSED,
                (D(2026, 10, 2), D(2026, 10, 7), ACC), decided_on=D(2026, 11, 5))  # fmt: skip
    application(fam.setdefault("a_october", f.family(a)), State.CERTIFICATE_ISSUED,
                (D(2026, 9, 1), D(2026, 9, 4), ACC),
                decided_on=D(2026, 10, 20), certified_on=D(2026, 10, 28))  # fmt: skip
    # 2 → 20 November: 18 days
    application(fam.setdefault("b_cert", f.family(b)), State.CERTIFICATE_ISSUED,
                (D(2026, 11, 2), D(2026, 11, 5), ACC),
                decided_on=D(2026, 11, 2), certified_on=D(2026, 11, 20))  # fmt: skip
    application(fam.setdefault("b_overdue", f.family(b)), State.SUBMITTED,
                (D(2026, 11, 2), D(2026, 11, 5), None))  # fmt: skip
    # The other region: 1 → 15 November, 14 days
    application(fam.setdefault("c_due", f.family(c)), State.SUBMITTED,
                (D(2026, 11, 20), TODAY, None))  # fmt: skip
    application(fam.setdefault("c_cert", f.family(c)), State.CERTIFICATE_ISSUED,
                (D(2026, 11, 1), D(2026, 11, 4), ACC),
                decided_on=D(2026, 11, 10), certified_on=D(2026, 11, 15))  # fmt: skip
    return a, b, c, fam


STAGE_COLUMNS = [
    "Centre", "No application", "Draft", "Documents submitted", "Documents refused",
    "Documents accepted", "Checks under way", "Ready for the decision",
    "Preliminary refusal, hearing", "Kandas status granted",
    "Kandas status refused", "Certificate issued", "Withdrawn", "All families",
]  # fmt: skip


# ---------------------------------------------------------------------------------------------
# The figures
# ---------------------------------------------------------------------------------------------


def test_coordinator_sees_their_region_figures_for_the_month(f, login):
    a, b, c, _fam = world(f)
    client = login(f.user("coordinator", region_code="KZ-47"))
    resp = client.get("/en/reports/pipeline?month=2026-11")
    assert resp.status_code == 200
    assert read_page_tables(resp.data)["stages"]["headers"] == STAGE_COLUMNS
    t = figures(resp.data)
    assert t["stages"] == [
        ["Aktau centre", 1, 1, 3, 0, 0, 0, 0, 0, 1, 1, 2, 0, 9],
        ["Beineu centre", 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2],
        ["Total", 1, 1, 4, 0, 0, 0, 0, 0, 1, 1, 3, 0, 11],
    ]
    # granted (decided in November: a_granted, a_cert; b_cert), refused, certificates
    assert t["decisions"] == [
        ["Aktau centre", 2, 1, 1],
        ["Beineu centre", 1, 0, 1],
        ["Total", 3, 1, 2],
    ]
    # R4-1 as of today: a_due due today; a_overdue and b_overdue past; a_later not yet
    assert t["r4-1"] == [
        ["Aktau centre", 1, 1],
        ["Beineu centre", 0, 1],
        ["Total", 1, 2],
    ]
    assert t["days"] == [
        ["Aktau centre", 1, 42.0],
        ["Beineu centre", 1, 18.0],
        ["Total", 2, 30.0],
    ]
    text = resp.data.decode()
    assert "Turkistan centre" not in text


def test_another_month_changes_the_month_figures_not_the_stages(f, login):
    world(f)
    client = login(f.user("coordinator", region_code="KZ-47"))
    t = figures(client.get("/en/reports/pipeline?month=2026-10").data)
    assert t["stages"][-1][-1] == 11
    assert t["decisions"][-1] == ["Total", 1, 0, 1]  # a_october
    assert t["days"][0] == ["Aktau centre", 1, 57.0]  # 1 September → 28 October
    assert t["days"][1] == ["Beineu centre", 0, None]


def test_the_default_month_is_the_current_one(f, login):
    world(f)
    client = login(f.user("coordinator", region_code="KZ-47"))
    default = client.get("/en/reports/pipeline")
    assert figures(default.data) == figures(client.get("/en/reports/pipeline?month=2026-11").data)
    assert b'value="2026-11"' in default.data


def test_admin_sees_every_region_and_may_narrow_to_one(f, login):
    world(f)
    client = login(f.user("admin"))
    t = figures(client.get("/en/reports/pipeline?month=2026-11").data)
    assert [r[0] for r in t["stages"]] == [
        "Aktau centre", "Beineu centre", "Turkistan centre", "Total",
    ]  # fmt: skip
    assert t["stages"][-1][-1] == 13
    assert t["r4-1"][-1] == ["Total", 2, 2]
    assert t["days"][-1] == ["Total", 3, 24.7]  # (42 + 18 + 14) / 3
    narrowed = client.get("/en/reports/pipeline?month=2026-11&region=KZ-61")
    rows = page_tables(narrowed.data)
    assert [r[0][0] for r in rows["stages"]] == ["Turkistan centre", "Total"]
    # the drill-down links keep the region
    assert link_args(rows["stages"][-1][-1][1])["region"] == "KZ-61"


def test_staff_see_their_own_centre_only(f, login):
    a, _b, _c, _fam = world(f)
    client = login(f.user("staff", centre=a))
    t = figures(client.get("/en/reports/pipeline?month=2026-11").data)
    assert [r[0] for r in t["stages"]] == ["Aktau centre", "Total"]
    assert t["stages"][-1][-1] == 9


def test_a_bad_month_is_refused_next_to_the_field_and_kept(f, login):
    world(f)
    client = login(f.user("coordinator", region_code="KZ-47"))
    for bad in ("2026-13", "November", "2026-1", "2026-11-01"):
        resp = client.get(f"/en/reports/pipeline?month={bad}")
        assert resp.status_code == 422, bad
        text = resp.data.decode()
        assert 'id="month-error"' in text
        assert "Enter a month such as 2026-11." in text
        assert f'value="{bad}"' in text
        assert page_tables(resp.data) == {}
    assert client.get("/en/reports/pipeline/export.csv?month=2026-13").status_code == 422
    assert client.get("/en/reports/pipeline/export.xlsx?month=nope").status_code == 422


def test_a_bad_month_is_refused_in_every_language(f, login):
    world(f)
    client = login(f.user("coordinator", region_code="KZ-47"), "ru")
    resp = client.get("/ru/reports/pipeline?month=13")
    assert resp.status_code == 422
    assert 'id="month-error"' in resp.data.decode()


# ---------------------------------------------------------------------------------------------
# Exports
# ---------------------------------------------------------------------------------------------


def test_csv_and_xlsx_carry_the_numbers_of_the_page(f, login):
    world(f)
    client = login(f.user("coordinator", region_code="KZ-47"))
    shown = assert_exports_match_page(client, "pipeline", "?month=2026-11")
    assert set(shown) == {"stages", "decisions", "r4-1", "days"}


def test_exports_of_a_coordinator_hold_no_other_region(f, login):
    world(f)
    client = login(f.user("coordinator", region_code="KZ-47"))
    book = client.get("/en/reports/pipeline/export.xlsx?month=2026-11")
    assert book.status_code == 200
    for _title, rows in xlsx_figures(book.data):
        assert all("Turkistan" not in str(r[0]) for r in rows)
    csv_body = client.get("/en/reports/pipeline/export.csv?month=2026-11&table=days").data
    assert b"Turkistan" not in csv_body
    assert client.get("/en/reports/pipeline?region=KZ-61").status_code == 404
    assert client.get("/en/reports/pipeline/export.xlsx?region=KZ-61").status_code == 404


def test_a_centre_named_like_a_formula_is_exported_as_text(f, login):
    f.centre("KZ-47", name_en='=HYPERLINK("http://x")')
    client = login(f.user("coordinator", region_code="KZ-47"))
    body = client.get("/en/reports/pipeline/export.csv?table=stages").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in body
    sheets = xlsx_figures(client.get("/en/reports/pipeline/export.xlsx").data)
    assert sheets[0][1][0][0] == '\'=HYPERLINK("http://x")'


# ---------------------------------------------------------------------------------------------
# The families behind a number
# ---------------------------------------------------------------------------------------------


def _family_count(client, href: str) -> int:
    resp = client.get(href)
    assert resp.status_code == 200, href
    return len(page_tables(resp.data)["families"])


def test_every_number_links_to_a_list_of_that_many_families(f, login):
    world(f)
    client = login(f.user("coordinator", region_code="KZ-47"))
    tables = page_tables(client.get("/en/reports/pipeline?month=2026-11").data)
    checked = 0
    for key in ("stages", "decisions", "r4-1", "days"):
        for row in tables[key]:
            for text, href in row[1:]:
                if href is None:
                    continue
                n = _family_count(client, href)
                assert n == int(float(text)), (key, row[0][0], href)
                checked += 1
    assert checked > 30


def test_the_families_list_says_what_it_is_and_links_each_family(f, login):
    a, _b, _c, fam = world(f)
    client = login(f.user("coordinator", region_code="KZ-47"))
    resp = client.get(f"/en/reports/families?centre={a.id}&r41=overdue")
    text = resp.data.decode()
    assert "Documents past the R4-1 deadline on November 25, 2026 — Aktau centre." in text
    assert "1 family" in text
    rows = page_tables(resp.data)["families"]
    assert rows[0][0][1].endswith(f"/en/families/{fam['a_overdue'].id}")
    assert rows[0][5][0] == "Nov 19, 2026"  # R4-1 decision due
    resp = client.get("/en/reports/families?stage=none")
    assert "Families without a status application — Mangystau" in resp.data.decode()


def test_the_families_list_is_scoped(f, login):
    _a, _b, c, fam = world(f)
    client = login(f.user("coordinator", region_code="KZ-47"))
    assert client.get(f"/en/reports/families?centre={c.id}").status_code == 404
    assert client.get(f"/en/reports/families/export.csv?centre={c.id}").status_code == 404
    assert client.get(f"/en/reports/families/export.xlsx?centre={c.id}").status_code == 404
    assert client.get("/en/reports/families?centre=999999").status_code == 404
    everything = client.get("/en/reports/families?stage=certificate_issued")
    links = [r[0][1] for r in page_tables(everything.data)["families"]]
    assert len(links) == 3
    assert not any(link.endswith(f"/families/{fam['c_cert'].id}") for link in links)
    body = client.get("/en/reports/families/export.csv").data.decode("utf-8-sig")
    assert len(body.strip().splitlines()) == 1 + 11


def test_the_families_list_is_paginated_and_exported_whole(f, app, login):
    a = f.centre("KZ-47", name_en="Aktau centre", name_kk="Ақтау")
    for _ in range(5):
        f.family(a)
    app.config["PAGE_SIZE"] = 2
    client = login(f.user("coordinator", region_code="KZ-47"))
    first = client.get("/en/reports/families?stage=none")
    assert len(page_tables(first.data)["families"]) == 2
    assert "5 families" in first.data.decode()
    third = client.get("/en/reports/families?stage=none&page=3")
    assert len(page_tables(third.data)["families"]) == 1
    body = client.get("/en/reports/families/export.csv?stage=none").data.decode("utf-8-sig")
    assert len(body.strip().splitlines()) == 1 + 5


def test_bad_families_arguments_answer_422(f, login):
    world(f)
    client = login(f.user("coordinator", region_code="KZ-47"))
    for query in ("certified=2026-13", "decided=soon", "stage=flying", "r41=late"):
        resp = client.get(f"/en/reports/families?{query}")
        assert resp.status_code == 422, query
        assert 'class="error-summary"' in resp.data.decode()


# ---------------------------------------------------------------------------------------------
# A constant number of queries
# ---------------------------------------------------------------------------------------------


def _grow(f, centres, n: int) -> None:
    for i in range(n):
        centre = centres[i % len(centres)]
        application(f.family(centre), State.SUBMITTED, (D(2026, 11, 16), D(2026, 11, 19), None))
        application(f.family(centre), State.CERTIFICATE_ISSUED,
                    (D(2026, 11, 2), D(2026, 11, 5), ACC),
                    decided_on=D(2026, 11, 6), certified_on=D(2026, 11, 9 + i % 10))  # fmt: skip


@pytest.mark.parametrize(
    "url",
    [
        "/en/reports/pipeline?month=2026-11",
        "/en/reports/families?r41=overdue",
        "/en/reports/families?certified=2026-11",
        "/en/reports/pipeline/export.xlsx?month=2026-11",
        "/en/reports/families/export.csv",
    ],
)
def test_query_count_does_not_grow_with_the_data(f, login, count_queries, url):
    centres = [f.centre("KZ-47"), f.centre("KZ-47")]
    client = login(f.user("coordinator", region_code="KZ-47"))
    counts = []
    for n, more_centres in ((1, 0), (12, 3)):
        for _ in range(more_centres):
            centres.append(f.centre("KZ-47"))
        _grow(f, centres, n)
        client.get(url)
        with count_queries() as q:
            assert client.get(url).status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1], counts
