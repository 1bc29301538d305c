"""The lists behind the numbers of the services report: the deliveries (`reports.deliveries`)
and the persons behind an outcome (`reports.outcomes`).

The world is that of `test_services.py` (region KZ-47: centres A and B; KZ-61: centre C; the
clock frozen at 25 November 2026 in Kazakhstan). Every linked number of the report must equal
the length of the list it links to, on the page (across its pages) and in the export.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from portal.extensions import db
from portal.residents.models import Person
from portal.services.cases.models import QuotaStatus
from tests.factories import PASSWORD
from tests.reports.conftest import csv_rows, link_args
from tests.reports.test_pipeline import page_tables
from tests.reports.test_services import NOW, D, P, X, _grow, activity, case, held, quota, world

pytestmark = pytest.mark.clock(NOW)



def _list_rows(client, href: str, key: str) -> list[list[tuple[str, str | None]]]:
    """Every row of the list at `href`, page after page."""
    rows, n = [], 1
    while True:
        resp = client.get(f"{href}&page={n}")
        assert resp.status_code == 200, href
        found = page_tables(resp.data)[key]
        if not found:
            return rows
        rows += found
        n += 1


def _export_rows(client, href: str, name: str) -> list[list[str]]:
    path, _sep, query = href.partition("?")
    assert path.endswith(f"/reports/{name}")
    resp = client.get(f"{path}/export.csv?{query}")
    assert resp.status_code == 200, href
    return csv_rows(resp.data)[1:]


def _check_links(client, report_url: str, table: str, name: str) -> int:
    """Every number of the table links to a list of that many rows (page and CSV); a zero is
    not a link. How many links were followed."""
    tables = page_tables(client.get(report_url).data)
    checked = 0
    for row in tables[table]:
        for text, href in row[1:]:
            n = int(float(text.replace(",", "")))
            if n == 0:
                assert href is None, (table, row[0][0])
                continue
            assert href is not None, (table, row[0][0], text)
            assert len(_list_rows(client, href, name)) == n, (table, row[0][0], href)
            if name == "deliveries":  # the total it says is counted apart (kept counts)
                said = "1 delivery" if n == 1 else f"{n} deliveries"
                assert said in client.get(href).get_data(as_text=True), (row[0][0], href)
            assert len(_export_rows(client, href, name)) == n, (table, row[0][0], href)
            checked += 1
    return checked


def signed_in(app, user):
    """A client of its own signed in as `user` (the `login` fixture signs in one client)."""
    client = app.test_client()
    resp = client.post("/en/login", data={"username": user.username, "password": PASSWORD})
    assert resp.status_code == 302
    return client


@pytest.fixture
def small_pages(app):
    app.config["PAGE_SIZE"] = 2


def test_every_delivery_number_links_to_a_list_of_that_many_deliveries(f, login, small_pages):
    world(f)
    client = login(f.user("coordinator", region_code="KZ-47"))
    url = "/en/reports/services?month=2026-11"
    assert _check_links(client, url, "deliveries", "deliveries") == 20


def test_every_outcome_number_links_to_a_list_of_that_many_persons(f, login, small_pages):
    world(f)
    client = login(f.user("coordinator", region_code="KZ-47"))
    assert _check_links(client, "/en/reports/services?month=2026-11", "outcomes", "outcomes") == 12
    october = "/en/reports/services?month=2026-10"
    assert _check_links(client, october, "outcomes", "outcomes") == 6


def test_the_administrator_s_links_keep_the_region_and_match_their_lists(f, login):
    world(f)
    client = login(f.user("admin"))
    for url in (
        "/en/reports/services?month=2026-11",
        "/en/reports/services?month=2026-11&region=KZ-61",
    ):
        assert _check_links(client, url, "deliveries", "deliveries") > 0
        assert _check_links(client, url, "outcomes", "outcomes") > 0
    tables = page_tables(client.get("/en/reports/services?month=2026-11&region=KZ-61").data)
    hrefs = [h for r in tables["deliveries"] + tables["outcomes"] for _t, h in r[1:] if h]
    assert hrefs
    assert all(link_args(h)["region"] == "KZ-61" for h in hrefs)
    assert all(link_args(h)["month"] == "2026-11" for h in hrefs)


def test_the_deliveries_list_says_what_it_is_and_shows_each_delivery(f, login):
    a, _b, _c, _k = world(f)
    client = login(f.user("coordinator", region_code="KZ-47"))
    resp = client.get(f"/en/reports/deliveries?month=2026-11&service=C8.3&centre={a.id}")
    text = resp.data.decode()
    assert "Deliveries of C8.3 · " in text
    assert " in November 2026 — Aktau centre." in text
    assert "2 deliveries" in text
    rows = page_tables(resp.data)["deliveries"]
    assert [(r[0][0], r[2][0], r[3][0].split(" · ")[0]) for r in rows] == [
        ("Nov 10, 2026", "Aktau centre", "C8.3"),
        ("Nov 15, 2026", "Aktau centre", "C8.3"),
    ]
    assert (
        rows[0][4][0] == "Case delivered: Employer: KazMunayGas; Employed since: November 9, 2026"
    )
    assert rows[1][4][0] == "Case delivered: Training: Welder"
    assert all("/en/persons/" in r[1][1] for r in rows)
    assert client.get(rows[0][1][1]).status_code == 200
    # Sessions: the course's title, in date order; the session at 23:30 on the 30th is November.
    rows = page_tables(
        client.get(f"/en/reports/deliveries?month=2026-11&service=C8.9&centre={a.id}").data
    )["deliveries"]
    assert [(r[0][0], r[4][0]) for r in rows] == [
        ("Nov 2, 2026", "Kazakh A1"),
        ("Nov 2, 2026", "Kazakh A1"),
        ("Nov 4, 2026", "Kazakh A1"),
        ("Nov 4, 2026", "Kazakh A1"),
        ("Nov 30, 2026", "Kazakh A1"),
    ]
    resp = client.get("/en/reports/deliveries?month=2026-11")
    assert "Deliveries of every service in November 2026 — Mangystau" in resp.data.decode()


def test_the_outcomes_list_shows_each_person_with_the_detail(f, login):
    a, _b, _c, _k = world(f)
    client = login(f.user("coordinator", region_code="KZ-47"))
    base = f"/en/reports/outcomes?month=2026-11&centre={a.id}"
    resp = client.get(f"{base}&outcome=employed&period=to_date")
    assert "Persons employed (C8.3) up to the end of November 2026 — Aktau centre." in (
        resp.data.decode()
    )
    rows = page_tables(resp.data)["outcomes"]
    assert sorted((r[2][0], r[3][0]) for r in rows) == [
        ("Nov 10, 2026", "KazMunayGas"),
        ("Oct 20, 2026", "Aktau port"),
    ]
    assert all("/en/persons/" in r[0][1] for r in rows)
    rows = page_tables(client.get(f"{base}&outcome=quota&period=to_date").data)["outcomes"]
    assert sorted(r[2][0] for r in rows) == ["Nov 6, 2026", "Sep 1, 2026"]
    assert {r[3][0] for r in rows} == {"included in the regional quota"}
    rows = page_tables(client.get(f"{base}&outcome=citizenship").data)["outcomes"]
    assert [(r[1][0], r[2][0], r[3][0]) for r in rows] == [
        ("Aktau centre", "Nov 18, 2026", "Nov 17, 2026")
    ]


def test_a_person_with_two_placements_is_listed_once(f, login):
    a, _b, _c, _k = world(f)
    client = login(f.user("coordinator", region_code="KZ-47"))
    url = f"/en/reports/outcomes?month=2026-11&centre={a.id}&outcome=employed&period=to_date"
    first = page_tables(client.get(url).data)["outcomes"]
    person = next(r[0] for r in first if r[3][0] == "KazMunayGas")
    p1 = db.session.get(Person, int(person[1].rsplit("/", 1)[1]))
    case(a, p1, "C8.3", closed_on=D(2026, 11, 20), employer="Caspian port", since="2026-11-19")
    rows = page_tables(client.get(url).data)["outcomes"]
    assert len(rows) == len(first) == 2
    assert next(r[3][0] for r in rows if r[0][1] == person[1]) == "Caspian port"  # the latest
    tables = page_tables(client.get("/en/reports/services?month=2026-11").data)
    assert tables["outcomes"][0][2][0] == "2"


def test_the_lists_are_scoped(f, app, login):
    a, b, c, kazakh = world(f)
    client = login(f.user("coordinator", region_code="KZ-47"))
    for name, args in (
        ("deliveries", "month=2026-11"),
        ("outcomes", "month=2026-11&outcome=employed"),
    ):
        base = f"/en/reports/{name}"
        for url in (base, f"{base}/export.csv", f"{base}/export.xlsx"):
            assert client.get(f"{url}?{args}&centre={c.id}").status_code == 404, url
        assert client.get(f"{base}?{args}&centre=999999").status_code == 404
        assert client.get(f"{base}?{args}&centre=abc").status_code == 404
        assert client.get(f"{base}?{args}&region=KZ-61").status_code == 404
    everything = client.get("/en/reports/deliveries?month=2026-11").data.decode()
    assert "Turkistan" not in everything
    assert "Kazakh B1" not in everything
    body = client.get("/en/reports/deliveries/export.csv?month=2026-11").data.decode("utf-8-sig")
    assert "Turkistan" not in body
    assert "Kazakh B1" not in body
    assert len(csv_rows(body.encode("utf-8-sig"))) == 1 + 15
    to_date = "/en/reports/outcomes/export.csv?month=2026-11&outcome=employed&period=to_date"
    body = client.get(to_date).data.decode("utf-8-sig")
    assert "Shymkent plant" not in body
    assert len(body.strip().splitlines()) == 1 + 2
    staff = signed_in(app, f.user("staff", centre=b))
    rows = page_tables(staff.get("/en/reports/deliveries?month=2026-11").data)["deliveries"]
    assert {r[2][0] for r in rows} == {"Beineu centre"}
    assert len(rows) == 2
    assert staff.get(f"/en/reports/deliveries?month=2026-11&centre={a.id}").status_code == 404


def test_a_person_the_user_may_not_see_is_neither_counted_nor_listed(f, app, login):
    """A person of another region's family at a session or with a case of centre A: the
    coordinator's figure and list leave them out alike; the administrator's count them."""
    a, _b, c, kazakh = world(f)
    (stranger,) = f.family(c).members
    held(kazakh, datetime(2026, 11, 16, 10), {stranger: P})
    case(a, stranger, "C8.3", closed_on=D(2026, 11, 16), employer="Far away", since="2026-11-16")
    quota(stranger, QuotaStatus.INCLUDED, D(2026, 11, 16))
    coordinator = login(f.user("coordinator", region_code="KZ-47"))
    t = page_tables(coordinator.get("/en/reports/services?month=2026-11").data)
    nine = next(r for r in t["deliveries"] if r[0][0].startswith("C8.9 "))
    assert nine[1][0] == "5"
    assert _check_links(
        coordinator, "/en/reports/services?month=2026-11", "deliveries", "deliveries"
    )
    assert _check_links(coordinator, "/en/reports/services?month=2026-11", "outcomes", "outcomes")
    admin = signed_in(app, f.user("admin"))
    t = page_tables(admin.get("/en/reports/services?month=2026-11&region=KZ-47").data)
    nine = next(r for r in t["deliveries"] if r[0][0].startswith("C8.9 "))
    assert nine[1][0] == "6"
    assert _check_links(admin, "/en/reports/services?month=2026-11", "deliveries", "deliveries")
    assert _check_links(admin, "/en/reports/services?month=2026-11", "outcomes", "outcomes")


def test_the_lists_are_paginated_and_exported_whole(f, app, login):
    a, _b, _c, _k = world(f)
    app.config["PAGE_SIZE"] = 2
    client = login(f.user("coordinator", region_code="KZ-47"))
    url = f"/en/reports/deliveries?month=2026-11&centre={a.id}&service=C8.9"
    first = client.get(url)
    assert len(page_tables(first.data)["deliveries"]) == 2
    assert "5 deliveries" in first.data.decode()
    assert 'rel="next"' in first.data.decode()
    assert len(page_tables(client.get(f"{url}&page=3").data)["deliveries"]) == 1
    assert len(_export_rows(client, url, "deliveries")) == 5
    xlsx = client.get(url.replace("/deliveries?", "/deliveries/export.xlsx?"))
    assert xlsx.status_code == 200
    url = "/en/reports/outcomes?month=2026-11&outcome=quota&period=to_date"
    assert "2 persons" in client.get(url).data.decode()


@pytest.mark.parametrize(
    "query",
    [
        "deliveries?month=2026-13",
        "deliveries?month=soon",
        "deliveries?month=2026-11&service=C8.11",
        "deliveries?month=2026-11&service=kazakh",
        "outcomes?month=2026-11",
        "outcomes?month=2026-11&outcome=rich",
        "outcomes?month=2026-11&outcome=quota&period=week",
        "outcomes?month=2026-00&outcome=quota",
    ],
)
def test_bad_list_arguments_answer_422(f, login, query):
    world(f)
    client = login(f.user("coordinator", region_code="KZ-47"))
    resp = client.get(f"/en/reports/{query}")
    assert resp.status_code == 422, query
    assert 'class="error-summary"' in resp.data.decode()
    name, _sep, args = query.partition("?")
    assert client.get(f"/en/reports/{name}/export.csv?{args}").status_code == 422
    ru = client.get(f"/ru/reports/{query}")
    assert ru.status_code == 422
    # The reason is in words of the page's language, not the address's codes (issue 17).
    for code in ("“employed”", "“quota”", "“to_date”", "“month”"):
        assert code not in ru.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "/en/reports/deliveries?month=2026-11",
        "/en/reports/deliveries?month=2026-11&service=C8.3",
        "/en/reports/deliveries/export.xlsx?month=2026-11",
        "/en/reports/outcomes?month=2026-11&outcome=employed&period=to_date",
        "/en/reports/outcomes?month=2026-11&outcome=quota&period=to_date",
        "/en/reports/outcomes/export.csv?month=2026-11&outcome=citizenship",
        "/en/reports/outcomes/export.xlsx?month=2026-11&outcome=quota&period=to_date",
    ],
)
def test_query_count_does_not_grow_with_the_data(f, login, count_queries, url):
    centres = [f.centre("KZ-47")]
    client = login(f.user("coordinator", region_code="KZ-47"))
    counts = []
    for n, more in ((1, 0), (9, 3)):
        centres += [f.centre("KZ-47") for _ in range(more)]
        _grow(f, centres, n)
        client.get(url)
        with count_queries() as q:
            assert client.get(url).status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1], counts


def test_an_empty_list_says_so(f, login):
    centre = f.centre("KZ-47", name_en="Aktau centre")
    (p,) = f.family(centre).members
    held(activity(centre, "C8.9", "Kazakh A1"), datetime(2026, 11, 2, 10), {p: X})
    client = login(f.user("coordinator", region_code="KZ-47"))
    resp = client.get("/en/reports/deliveries?month=2026-11")
    assert resp.status_code == 200
    assert "0 deliveries" in resp.data.decode()
    assert "Nothing to show." in resp.data.decode()
