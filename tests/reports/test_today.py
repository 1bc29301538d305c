"""The region dashboard ("Today"): figures of the small world of `conftest.py`, worked out by
hand there; every count equals the length of the list it links to; who sees what; a constant
number of queries."""

from __future__ import annotations

from datetime import date

import pytest

from portal.extensions import db
from portal.reports.queries.stays import max_stay_days
from tests.reports.conftest import build_world, link_args, page_tables, page_values

pytestmark = pytest.mark.clock("2026-11-25 12:00")

BEDS = [
    ["Adaptation A1", 6, 5, 1, 0.833, 3, 5],
    ["Temporary A2", 3, 2, 1, 0.667, 1, 2],
    ["Total", 9, 7, 2, 0.778, 4, 7],
]
WEEK = [["Adaptation A1", 1, 0], ["Temporary A2", 0, 1], ["Total", 1, 1]]
PAST_MAX = [["Adaptation A1", 180, 3], ["Temporary A2", 90, 2], ["Total", None, 5]]


def test_the_coordinator_sees_the_figures_of_the_region(world, f, login):
    client = login(f.user("coordinator", region_code="KZ-47"))
    resp = client.get("/en/reports/")
    assert resp.status_code == 200
    assert page_values(resp.data, "beds") == BEDS
    assert page_values(resp.data, "week") == WEEK
    assert page_values(resp.data, "past_max") == PAST_MAX
    assert "Turkistan B1" not in resp.text
    assert "Arrivals and departures this week (Nov 23, 2026 – Nov 29, 2026)" in resp.text


def test_every_count_equals_the_length_of_the_list_behind_it(world, f, login):
    client = login(f.user("coordinator", region_code="KZ-47"))
    tables = page_tables(client.get("/en/reports/").data)
    checked = 0
    for key in ("beds", "week", "past_max"):
        for row in tables[key]["rows"]:
            for text, href in row[1:]:
                if not href or "/reports/people" not in href:
                    continue
                listed = client.get(href)
                assert listed.status_code == 200, href
                names = page_tables(listed.data)["persons"]["rows"]
                assert len(names) == int(text), (key, row[0][0], href)
                checked += 1
    assert checked == 13  # occupied, persons living ×3; arrivals, departures: 4; past max: 3


def test_the_drill_down_lists_the_right_persons(world, f, login):
    client = login(f.user("coordinator", region_code="KZ-47"))
    tables = page_tables(client.get("/en/reports/").data)
    arrived = tables["week"]["rows"][0][1][1]
    assert link_args(arrived) == {"centre": str(world.a1.id), "arrived": "2026-11-23"}
    listed = client.get(arrived)
    rows = page_tables(listed.data)["persons"]["rows"]
    assert [r[0][0] for r in rows] == ["Екінші Нұрлан"]  # the bed change (family 5) is not one
    assert rows[0][0][1] == f"/en/persons/{world.families['2'].head.id}"
    assert "Persons who arrived at Adaptation A1 in the week Nov 23, 2026 – Nov 29, 2026" in (
        listed.text
    )
    departed = tables["week"]["rows"][1][2][1]
    rows = page_tables(client.get(departed).data)["persons"]["rows"]
    assert [(r[0][0], r[6][0], r[7][0]) for r in rows] == [
        ("Төртінші Нұрлан", "Nov 2, 2026", "Nov 24, 2026")
    ]
    # Past the maximum: family 3's run began on 20 August although one of them changed bed.
    past = client.get(tables["past_max"]["rows"][1][2][1])
    rows = page_tables(past.data)["persons"]["rows"]
    assert sorted(r[6][0] for r in rows) == ["Aug 20, 2026", "Aug 20, 2026"]
    # Beds in service link to the centre's rooms.
    assert tables["beds"]["rows"][0][1][1] == f"/en/centres/{world.a1.id}/rooms"


def test_the_maximum_stay_counts_from_the_first_day_of_the_unbroken_run(f, login, frozen_today):
    """Max 90 days in a temporary centre: admitted 27 August is day 91 on 25 November (past),
    admitted 28 August is day 90 (not yet); a gap in the run starts the count again."""
    from portal.accommodation.models import CentreKind
    from tests.reports.conftest import leave, move, other_free_bed

    assert max_stay_days()[CentreKind.TEMPORARY] == 90
    centre = f.centre("KZ-47", CentreKind.TEMPORARY)
    f.room(centre, beds=6)
    over = f.family(centre, surname="Асқан")
    f.admit(over, date(2026, 8, 27))
    move(over.head, other_free_bed(over.head, date(2026, 9, 30)), date(2026, 9, 30))
    not_yet = f.family(centre, surname="Жетпеген")
    f.admit(not_yet, date(2026, 8, 28))
    came_back = f.family(centre, surname="Қайтқан")
    f.admit(came_back, date(2026, 6, 1))
    leave(came_back, date(2026, 9, 1))
    f.admit(came_back, date(2026, 9, 2))
    client = login(f.user("coordinator", region_code="KZ-47"))
    tables = page_tables(client.get("/en/reports/").data)
    assert tables["past_max"]["rows"][0][2][0] == "1"
    rows = page_tables(client.get("/en/reports/people?past_max=1").data)["persons"]["rows"]
    assert [r[0][0] for r in rows] == ["Асқан Нұрлан"]


def test_staff_see_their_own_centre_only(world, f, login):
    client = login(f.user("staff", centre=world.a2))
    resp = client.get("/en/reports/")
    assert resp.status_code == 200
    assert page_values(resp.data, "beds") == [
        ["Temporary A2", 3, 2, 1, 0.667, 1, 2],
        ["Total", 3, 2, 1, 0.667, 1, 2],
    ]
    assert "Adaptation A1" not in resp.text
    assert "Turkistan B1" not in resp.text
    assert client.get(f"/en/reports/people?centre={world.a1.id}").status_code == 404


def test_the_administrator_sees_every_region_and_can_narrow_to_one(world, f, login):
    client = login(f.user("admin"))
    everything = page_values(client.get("/en/reports/").data, "beds")
    assert [r[0] for r in everything] == ["Adaptation A1", "Temporary A2", "Turkistan B1", "Total"]
    assert everything[-1] == ["Total", 11, 8, 3, 0.727, 5, 8]
    narrowed = client.get("/en/reports/?region=KZ-47")
    assert page_values(narrowed.data, "beds") == BEDS
    # The drill-down keeps the region chosen.
    href = page_tables(narrowed.data)["beds"]["rows"][-1][6][1]
    assert link_args(href) == {"region": "KZ-47"}
    assert client.get("/en/reports/?region=KZ-99").status_code == 404


def test_residents_and_visitors_cannot_open_the_reports(world, f, login, client):
    assert client.get("/en/reports/").status_code in (302, 401)
    resident = f.user("resident", person=world.families["1"].head)
    login(resident)
    assert client.get("/en/reports/").status_code == 403
    assert client.get("/en/reports/people").status_code == 403
    assert client.get("/en/reports/people/export.csv").status_code == 403


def _grow(f, centre, families: int, day: date) -> None:
    from tests.reports.conftest import leave

    for i in range(families):
        f.room(centre, beds=3)
        fam = f.family(centre, members=2, given_name=["Нұрлан", "Ерлан", "Серік"][i % 3])
        f.admit(fam, day if i % 2 else date(2026, 3, 1))
        if i % 3 == 2:
            leave(fam, date(2026, 11, 24))


@pytest.mark.parametrize(
    "url",
    [
        "/en/reports/",
        "/en/reports/occupancy?start=2026-09-01&end=2026-11-25",
        "/en/reports/people",
        "/en/reports/people?past_max=1&sex=M&age=working",
        "/en/reports/people?arrived=2026-11-23&country=CN",
        "/en/reports/dashboard/export.xlsx",
        "/en/reports/people/export.csv",
    ],
)
def test_report_pages_run_a_constant_number_of_queries(
    app, f, login, count_queries, frozen_today, url
):
    app.config["PAGE_SIZE"] = 1  # more than one page in both worlds: the count query runs
    a = f.centre("KZ-47", name_kk="Орталық A")
    b = f.centre("KZ-47", name_kk="Орталық B")
    client = login(f.user("coordinator", region_code="KZ-47"))
    counts = []
    for families in (2, 14):
        grow = families if not counts else families - 1
        _grow(f, a, grow, date(2026, 11, 23))
        _grow(f, b, grow, date(2026, 10, 1))
        db.session.commit()
        client.get(url)
        with count_queries() as q:
            resp = client.get(url)
        assert resp.status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1], f"{url}: {counts}"


def test_the_dashboard_reads_a_world_of_any_size_in_the_same_queries_as_a_tiny_one(
    f, login, count_queries, frozen_today
):
    client = login(f.user("coordinator", region_code="KZ-47"))
    f.centre("KZ-47")
    client.get("/en/reports/")
    with count_queries() as small:
        client.get("/en/reports/")
    build_world(f)
    for _ in range(3):
        c = f.centre("KZ-47")
        _grow(f, c, 4, date(2026, 11, 23))
    with count_queries() as large:
        client.get("/en/reports/")
    assert small.count == large.count
