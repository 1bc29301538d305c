"""The ministry's figures: persons living in the centres on a day by country of previous
residence, by age band and sex, and by sex per centre; every count links to its persons.

The world: region KZ-47 holds centres A and B, region KZ-61 centre C. The clock is frozen at
25 November 2026 in Kazakhstan.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from urllib.parse import urlsplit

import pytest

from portal.accommodation import operations as acc
from portal.accommodation.models import DischargeReason
from portal.clock import KZ
from portal.extensions import db
from tests.reports.test_pipeline import (
    assert_exports_match_page,
    figures,
    link_args,
    page_tables,
    row_of,
    xlsx_figures,
)

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=KZ)
pytestmark = pytest.mark.clock(NOW)
TODAY = NOW.date()
D = date



JANUARY = D(2026, 1, 20)


def living(f, centre, start_on=JANUARY, members: int = 0, **head):
    f.room(centre, beds=members + 1)
    fam = f.family(centre, members=members, **head)
    f.admit(fam, start_on)
    return fam


def world(f):
    a = f.centre("KZ-47", name_en="Aktau centre", name_kk="Ақтау")
    b = f.centre("KZ-47", name_en="Beineu centre", name_kk="Бейнеу")
    c = f.centre("KZ-61", name_en="Turkistan centre", name_kk="Түркістан")
    # Aktau: a Chinese family of four (father, mother, two boys of 14 and 15) …
    living(f, a, members=3)
    # … a woman of 66 from Mongolia, a man from Uzbekistan who turns 63 today
    living(f, a, sex="F", given_name="Гүлнар", birth_date=D(1960, 5, 1), previous_country="MN",
           citizenship="MN")  # fmt: skip
    living(f, a, birth_date=D(1963, 11, 25), previous_country="UZ", citizenship="UZ")
    # a man who left this morning (his last night was the 24th)
    gone = living(f, a, previous_country="RU", citizenship="RU")
    acc.discharge(list(gone.head.stays), TODAY, DischargeReason.VOLUNTARY, None)
    db.session.commit()
    # Beineu: a man from Mongolia; a woman who arrives tomorrow
    living(f, b, birth_date=D(1990, 2, 2), previous_country="MN", citizenship="MN")
    living(f, b, start_on=D(2026, 11, 26), sex="F", given_name="Айжан", birth_date=D(2000, 1, 1))
    # Turkistan (another region)
    living(f, c, previous_country="AF", citizenship="AF")
    return a, b, c


def test_the_three_cuts_on_a_day(f, login):
    world(f)
    client = login(f.user("coordinator", region_code="KZ-47"))
    resp = client.get("/en/reports/population?on=2026-11-25")
    assert resp.status_code == 200
    t = figures(resp.data)
    assert t["countries"] == [
        ["China", 4, 0, 4],
        ["Mongolia", 1, 1, 2],
        ["Uzbekistan", 1, 0, 1],
        ["Total", 6, 1, 7],
    ]
    assert t["ages"] == [
        ["Children (under 18)", 0, 2, 2],
        ["Working age", 1, 2, 3],
        ["Pension age", 1, 1, 2],  # the woman of 66, the man of 63 today
        ["Total", 2, 5, 7],
    ]
    assert t["sexes"] == [
        ["Aktau centre", 2, 4, 6],
        ["Beineu centre", 0, 1, 1],
        ["Total", 2, 5, 7],
    ]
    text = resp.data.decode()
    assert "Turkistan" not in text
    assert "Afghanistan" not in text


def test_another_day(f, login):
    world(f)
    client = login(f.user("coordinator", region_code="KZ-47"))
    before = figures(client.get("/en/reports/population?on=2026-11-24").data)
    assert row_of(before["countries"], "Russia") == ["Russia", 1, 0, 1]  # still there
    assert row_of(before["ages"], "Pension age") == ["Pension age", 1, 0, 1]  # he is 62
    after = figures(client.get("/en/reports/population?on=2026-11-26").data)
    assert row_of(after["sexes"], "Beineu centre") == ["Beineu centre", 1, 1, 2]


def test_default_is_today_and_country_names_follow_the_language(f, login):
    world(f)
    client = login(f.user("coordinator", region_code="KZ-47"), "ru")
    resp = client.get("/ru/reports/population")
    assert resp.status_code == 200
    assert b'value="2026-11-25"' in resp.data
    assert "Китай" in resp.data.decode()


def test_admin_sees_every_region_or_one(f, login):
    world(f)
    client = login(f.user("admin"))
    t = figures(client.get("/en/reports/population").data)
    assert row_of(t["sexes"], "Total") == ["Total", 2, 6, 8]
    assert row_of(t["countries"], "Afghanistan") == ["Afghanistan", 0, 0, 1, 1]
    one = page_tables(client.get("/en/reports/population?region=KZ-61").data)
    assert [r[0][0] for r in one["sexes"]] == ["Turkistan centre", "Total"]
    assert link_args(one["sexes"][0][3][1])["region"] == "KZ-61"


def _people_count(client, href: str) -> int:
    """How many persons the list behind a link holds (its CSV export, same arguments)."""
    parts = urlsplit(href)
    assert parts.path.endswith("/reports/people")
    resp = client.get(f"{parts.path}/export.csv?{parts.query}")
    assert resp.status_code == 200, href
    return len(list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))) - 1


def test_every_count_links_to_that_many_persons(f, login):
    a, _b, _c = world(f)
    client = login(f.user("coordinator", region_code="KZ-47"))
    tables = page_tables(client.get("/en/reports/population?on=2026-11-25").data)
    checked = 0
    for rows in tables.values():
        for row in rows:
            for text, href in row[1:]:
                if href is None:
                    assert text == "0"
                    continue
                assert link_args(href)["living"] == "2026-11-25"
                assert _people_count(client, href) == int(text), href
                checked += 1
    assert checked >= 25
    women_in_a = next(r for r in tables["sexes"] if r[0][0] == "Aktau centre")[1][1]
    assert link_args(women_in_a) == {"centre": str(a.id), "living": "2026-11-25", "sex": "F"}


def test_exports_equal_the_page_and_hold_no_other_region(f, login):
    world(f)
    client = login(f.user("coordinator", region_code="KZ-47"))
    shown = assert_exports_match_page(client, "population", "?on=2026-11-25")
    assert set(shown) == {"countries", "ages", "sexes"}
    book = xlsx_figures(client.get("/en/reports/population/export.xlsx").data)
    assert "Turkistan" not in repr(book)
    assert "Afghanistan" not in repr(book)
    assert client.get("/en/reports/population?region=KZ-61").status_code == 404
    assert client.get("/en/reports/population/export.csv?region=KZ-61").status_code == 404


def test_staff_see_their_centre(f, login):
    _a, b, _c = world(f)
    client = login(f.user("staff", centre=b))
    t = figures(client.get("/en/reports/population").data)
    assert t["countries"] == [["Mongolia", 1, 1], ["Total", 1, 1]]


def test_a_bad_date_is_refused_next_to_the_field(f, login):
    client = login(f.user("coordinator", region_code="KZ-47"))
    for bad in ("2026-02-30", "yesterday", "25.11.2026"):
        resp = client.get(f"/en/reports/population?on={bad}")
        assert resp.status_code == 422, bad
        text = resp.data.decode()
        assert 'id="on-error"' in text
        assert f'value="{bad}"' in text
        assert "Enter a date such as 2026-11-25." in text
    assert client.get("/en/reports/population/export.xlsx?on=nope").status_code == 422


@pytest.mark.parametrize(
    "url", ["/en/reports/population?on=2026-11-25", "/en/reports/population/export.xlsx"]
)
def test_query_count_does_not_grow_with_the_data(f, login, count_queries, url):
    centres = [f.centre("KZ-47")]
    client = login(f.user("coordinator", region_code="KZ-47"))
    countries = ["CN", "MN", "UZ", "TR", "RU", "AF", "IR"]
    counts = []
    for n, more in ((1, 0), (10, 3)):
        centres += [f.centre("KZ-47") for _ in range(more)]
        for i in range(n):
            code = countries[i % len(countries)]
            living(f, centres[i % len(centres)], members=i % 4, previous_country=code,
                   citizenship=code, birth_date=D(1950 + 3 * i, 1 + i % 12, 1))  # fmt: skip
        client.get(url)
        with count_queries() as q:
            assert client.get(url).status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1], counts
