"""The lists' exports stream (issue 16): the CSV is sent a few rows at a time as it is written,
with the bytes the whole table gave at once; the XLSX is written in XlsxWriter's constant-memory
mode and leaves no file behind; the families, persons and deliveries are read in as many
statements whatever their number; and what is exported is still the user's scope, with text
that a spreadsheet would run as a formula made inert.

The worlds are those of the pipeline (families at every stage), the services (deliveries of
sessions and cases) and the occupancy tests (persons moving between beds and centres), all on
Wednesday 25 November 2026.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import openpyxl
import pytest
from flask_babel import force_locale

from portal.applications.models import State
from portal.extensions import db
from portal.reports import tables
from portal.reports.queries import deliveries as delivery_list
from portal.reports.queries import families as family_list
from portal.reports.queries import people as person_list
from portal.reports.queries.lists import Paging
from portal.reports.queries.months import Month
from portal.reports.queries.people import PersonFilter, persons
from portal.reports.queries.pipeline import NOT_OPENED, STAGE_LABELS
from portal.reports.queries.scope import scope_of
from portal.reports.queries.service_definitions import catalogue
from portal.reports.tables import Column, Kind, Row, Table, csv_bytes, write_xlsx
from portal.residents.models import Family
from tests.reports.conftest import TODAY, build_world, csv_rows, leave, xlsx_sheets
from tests.reports.test_pipeline import NOW, application, page_tables
from tests.reports.test_pipeline import world as pipeline_world
from tests.reports.test_service_lists import signed_in
from tests.reports.test_services import P, activity, held
from tests.reports.test_services import world as services_world

pytestmark = pytest.mark.clock(NOW)
D = date


@pytest.fixture
def small_pieces(monkeypatch):
    """Two rows a CSV piece, two rows a fetch: even a small list is sent and read in parts."""
    monkeypatch.setattr(tables, "CSV_CHUNK_ROWS", 2)
    for module in (family_list, person_list, delivery_list):
        monkeypatch.setattr(module, "FETCH_ROWS", 2)


def _pieces(client, url: str) -> list[bytes]:
    """The answer's body as the server sends it, piece by piece."""
    resp = client.get(url)
    assert resp.status_code == 200, url
    assert "Content-Length" not in resp.headers  # sent as it is written
    pieces = list(resp.response)
    resp.close()
    return pieces


def _whole_csv(columns: list[Column], cells: list[list]) -> bytes:
    """The CSV as the exports wrote it before they streamed: the whole table in one string."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([tables._header(c) for c in columns])
    for row in cells:
        writer.writerow([tables._plain(v, c.kind) for v, c in zip(row, columns, strict=True)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _family_cells(fam: Family) -> list:
    """A family's row as the list made it from its records (the ORM objects) before."""
    app = fam.application
    submissions = app.submissions if app else []
    open_now = next((s for s in submissions if s.outcome is None), None)
    return [
        fam.display_name,
        fam.centre.name,
        len(fam.members),
        str(STAGE_LABELS[app.state if app else NOT_OPENED]),
        min((s.received_on for s in submissions), default=None),
        open_now.due_on if open_now else None,
        app.decided_on if app else None,
        app.certificate_issued_on if app else None,
    ]


def test_the_families_csv_streams_the_bytes_the_whole_list_gave(f, login, small_pieces):
    a, b, _c, fam = pipeline_world(f)
    # Two rounds still open: the deadline is the first's (by number), the first day the
    # earliest; a family without any member is named by its number; a head with a patronymic.
    application(fam.setdefault("a_two_open", f.family(a, members=2)), State.SUBMITTED,
                (D(2026, 11, 10), D(2026, 11, 13), None),
                (D(2026, 11, 2), D(2026, 11, 5), None))  # fmt: skip
    fam["b_patronymic"] = f.family(b, patronymic="Серікұлы", registered_on=D(2026, 11, 1))
    headless = Family(centre_id=b.id, registered_on=D(2026, 11, 2))
    db.session.add(headless)
    db.session.commit()
    db.session.expire_all()
    client = login(f.user("coordinator", region_code="KZ-47"))

    pieces = _pieces(client, "/en/reports/families/export.csv")

    listed = [x for x in (*fam.values(), headless) if x.centre_id in (a.id, b.id)]
    listed.sort(key=lambda x: (x.registered_on, x.id), reverse=True)
    expected = _whole_csv(
        family_list._families_table([], None).columns, [_family_cells(x) for x in listed]
    )
    assert b"".join(pieces) == expected
    assert len(pieces) == 7  # the mark and the header with two rows, then two rows a piece
    assert pieces[0].startswith("\ufeffFamily,Centre,Members,".encode())
    rows = csv_rows(expected)
    assert rows[1][0] == f"#{headless.id}"
    assert rows[2][0] == "Қасымов Нұрлан Серікұлы"
    two_open = next(r for r in rows if r[2] == "3")
    assert two_open[2:6] == ["3", "Documents submitted", "2026-11-02", "2026-11-13"]


def test_the_families_pages_and_the_export_list_the_same_rows_in_the_same_order(
    f, app, login, small_pieces
):
    a, b, _c, _fam = pipeline_world(f)
    application(f.family(a, members=2), State.SUBMITTED, (D(2026, 11, 2), D(2026, 11, 5), None))
    f.family(b, members=1)
    app.config["PAGE_SIZE"] = 4
    client = login(f.user("coordinator", region_code="KZ-47"))
    exported = csv_rows(b"".join(_pieces(client, "/en/reports/families/export.csv")))[1:]
    shown, n = [], 1
    while rows := family_list_page(client, n):
        shown += rows
        n += 1
    assert len(shown) == len(exported) == 13
    assert shown == [[_as_shown(cell) for cell in row] for row in exported]


def _as_shown(cell: str) -> str:
    """A CSV cell as the page writes it: a date as "Nov 19, 2026", nothing as "—"."""
    if not cell:
        return "—"
    try:
        day = date.fromisoformat(cell)
    except ValueError:
        return cell
    return f"{day:%b} {day.day}, {day.year}"


def family_list_page(client, n: int) -> list[list[str]]:
    resp = client.get(f"/en/reports/families?page={n}")
    assert resp.status_code == 200
    return [[text for text, _href in row] for row in page_tables(resp.data)["families"]]


def test_the_persons_csv_streams_the_bytes_of_the_whole_list(f, login, frozen_today, small_pieces):
    world = build_world(f)
    # Arrived at A1 on Monday, moved to A2 today: an arrival at each, the run at A2 the one
    # listed for A2.
    f.room(world.a1, beds=2)
    f.room(world.a2, beds=2)
    mover = f.family(world.a1, surname="Көшкен")
    f.admit(mover, D(2026, 11, 23))
    leave(mover, TODAY)
    mover.centre_id = world.a2.id
    db.session.commit()
    f.admit(mover, TODAY)
    coordinator = f.user("coordinator", region_code="KZ-47")
    client = login(coordinator)
    monday = D(2026, 11, 23)
    in_a2 = PersonFilter(day=TODAY, living=False, arrived=monday, centre=world.a2)
    for query, flt in (
        ("", PersonFilter(day=TODAY)),
        (f"?centre={world.a2.id}", PersonFilter(day=TODAY, centre=world.a2)),
        (f"?centre={world.a2.id}&arrived=2026-11-25", in_a2),
        ("?arrived=2026-11-25", PersonFilter(day=TODAY, living=False, arrived=monday)),
        ("?departed=2026-11-25", PersonFilter(day=TODAY, living=False, departed=monday)),
        ("?past_max=1", PersonFilter(day=TODAY, past_max=True)),
    ):
        with force_locale("en"):
            whole = csv_bytes(persons(scope_of(coordinator), flt).table)
        pieces = _pieces(client, f"/en/reports/people/export.csv{query}")
        assert b"".join(pieces) == whole, query
        if flt is in_a2:
            assert csv_rows(whole)[1][0] == "Көшкен Нұрлан"
            assert csv_rows(whole)[1][5:] == ["Temporary A2", "2026-11-25", ""]
    assert len(csv_rows(whole)) == 1 + 5  # families 1 and 3 are past the maximum
    assert len(pieces) == 3


def test_the_deliveries_csv_streams_the_rows_the_page_reads(f, login, small_pieces):
    a, _b, _c, _kazakh = services_world(f)
    # At 01:30 in Kazakhstan on 3 November: 2 November in UTC, as it is stored.
    night = f.family(a, surname="Түнгі")
    held(activity(a, "C8.9", "Night class"), datetime(2026, 11, 3, 1, 30), {night.head: P})
    coordinator = f.user("coordinator", region_code="KZ-47")
    client = login(coordinator)
    for query, centre in (("", None), (f"&centre={a.id}", a)):
        with force_locale("en"):
            sc = scope_of(coordinator)
            flt = delivery_list.DeliveryFilter(Month(D(2026, 11, 1)), None, centre)
            page = delivery_list.deliveries(sc, flt, catalogue(), Paging(1, 1000))
            whole = csv_bytes(page.table)
        pieces = _pieces(client, f"/en/reports/deliveries/export.csv?month=2026-11{query}")
        assert b"".join(pieces) == whole, query
    rows = csv_rows(whole)
    assert len(rows) == 1 + 14
    assert ["2026-11-03", "Түнгі Нұрлан", "Aktau centre"] in [r[:3] for r in rows]
    assert "Case delivered: Employer: KazMunayGas; Employed since: November 9, 2026" in [
        r[4] for r in rows
    ]


# ---------------------------------------------------------------------------------------------
# The XLSX
# ---------------------------------------------------------------------------------------------


def test_the_families_xlsx_holds_the_csv_rows_under_its_title_and_header(f, login, small_pieces):
    pipeline_world(f)
    client = login(f.user("coordinator", region_code="KZ-47"))
    exported = csv_rows(b"".join(_pieces(client, "/en/reports/families/export.csv")))
    resp = client.get("/en/reports/families/export.xlsx")
    assert resp.headers["Content-Disposition"] == 'attachment; filename="families-KZ-47.xlsx"'
    assert int(resp.headers["Content-Length"]) == len(resp.data)
    book = openpyxl.load_workbook(io.BytesIO(resp.data))
    assert book.properties.title == "Families"
    sheet = book.worksheets[0]
    assert sheet.title == "Families"
    assert sheet["A1"].value == "Families"
    assert [c.value for c in sheet[3]] == exported[0]
    rows = xlsx_sheets(resp.data)[0]
    assert len(rows) == len(exported) - 1 == 11
    as_text = [
        ["" if v is None else v.date().isoformat() if hasattr(v, "date") else str(v) for v in r]
        for r in rows
    ]
    assert as_text == exported[1:]
    assert sheet.cell(3 + len(rows) + 2, 1).value.startswith("All families — Mangystau")
    assert sheet["C4"].number_format == "#,##0"
    assert sheet["E4"].number_format == "yyyy-mm-dd"


def test_an_xlsx_leaves_no_file_behind_even_when_its_rows_fail(
    f, login, tmp_path, monkeypatch, small_pieces
):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    pipeline_world(f)
    client = login(f.user("coordinator", region_code="KZ-47"))
    resp = client.get("/en/reports/families/export.xlsx")
    assert resp.status_code == 200
    resp.close()
    assert list(tmp_path.iterdir()) == []

    def failing():
        yield Row(["one"])
        raise RuntimeError("the database went away")

    broken = Table("t", "T", [Column("Name", Kind.TEXT)], failing())
    with pytest.raises(RuntimeError):
        write_xlsx([broken], io.BytesIO())
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------
# Statements, scope, formulas
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/en/reports/families/export.csv", "/en/reports/families/export.xlsx"]
)
def test_a_families_export_runs_as_many_statements_for_3_families_as_for_30(
    f, login, count_queries, small_pieces, url
):
    """Two rows a fetch: loading each batch's details (members, submissions) would add
    statements as the families grow."""
    centres = [f.centre("KZ-47"), f.centre("KZ-47")]
    client = login(f.user("coordinator", region_code="KZ-47"))
    counts = []
    for n in (3, 27):
        for i in range(n):
            fam = f.family(centres[i % 2], members=i % 3)
            if i % 2:
                application(fam, State.SUBMITTED, (D(2026, 11, 16), D(2026, 11, 19), None))
        assert client.get(url).data
        with count_queries() as q:
            resp = client.get(url)
            body = resp.data
        counts.append(q.count)
        assert body
    assert counts[0] == counts[1], counts


def test_an_export_holds_only_the_users_scope(f, app, login):
    a, b, _c, _fam = pipeline_world(f)
    staff = f.user("staff", centre=b)
    client = login(staff)
    rows = csv_rows(client.get("/en/reports/families/export.csv").data)[1:]
    assert {r[1] for r in rows} == {"Beineu centre"}
    assert len(rows) == 2
    sheet = xlsx_sheets(client.get("/en/reports/families/export.xlsx").data)[0]
    assert {r[1] for r in sheet} == {"Beineu centre"}
    assert client.get(f"/en/reports/families/export.csv?centre={a.id}").status_code == 404

    admin = signed_in(app, f.user("admin"))
    rows = csv_rows(admin.get("/en/reports/families/export.csv?region=KZ-61").data)[1:]
    assert {r[1] for r in rows} == {"Turkistan centre"}
    assert len(rows) == 2


def test_formulas_in_a_family_name_come_out_inert(f, login, frozen_today):
    centre = f.centre("KZ-47", name_en="@Centre")
    f.family(centre, surname='=HYPERLINK("x")', given_name="Ат")
    client = login(f.user("coordinator", region_code="KZ-47"))
    rows = csv_rows(client.get("/en/reports/families/export.csv").data)
    assert rows[1][:2] == ['\'=HYPERLINK("x") Ат', "'@Centre"]
    book = openpyxl.load_workbook(
        io.BytesIO(client.get("/en/reports/families/export.xlsx").data), data_only=False
    )
    name, place = book.worksheets[0]["A4"], book.worksheets[0]["B4"]
    assert (name.data_type, name.value) == ("s", '\'=HYPERLINK("x") Ат')
    assert (place.data_type, place.value) == ("s", "'@Centre")
