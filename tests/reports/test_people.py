"""The persons behind a figure (`reports.people`): the filters, the sentence that says what the
list is, and the scope: a coordinator never reaches another region's persons."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.reports.queries.ages import (
    AgeBand,
    age_band,
    age_band_column,
    age_band_criterion,
    born_by,
)
from portal.residents.models import Person, Sex
from tests.reports.conftest import csv_rows, page_tables, xlsx_sheets

pytestmark = pytest.mark.clock("2026-11-25 09:00")


def _names(client, url: str) -> list[str]:
    resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    return [row[0][0] for row in page_tables(resp.data)["persons"]["rows"]]


@pytest.mark.parametrize(
    ("born", "sex", "on", "band"),
    [
        (date(2008, 11, 26), Sex.MALE, date(2026, 11, 25), AgeBand.CHILD),  # 18 tomorrow
        (date(2008, 11, 25), Sex.MALE, date(2026, 11, 25), AgeBand.WORKING),  # 18 today
        (date(1963, 11, 26), Sex.MALE, date(2026, 11, 25), AgeBand.WORKING),  # 62
        (date(1963, 11, 25), Sex.MALE, date(2026, 11, 25), AgeBand.PENSION),  # 63
        (date(1965, 11, 25), Sex.FEMALE, date(2026, 11, 25), AgeBand.PENSION),  # 61
        (date(1965, 11, 26), Sex.FEMALE, date(2026, 11, 25), AgeBand.WORKING),  # 60
        (date(1965, 11, 25), Sex.MALE, date(2026, 11, 25), AgeBand.WORKING),  # a man of 61
        (date(2008, 2, 29), "F", date(2026, 2, 28), AgeBand.CHILD),
        (date(2008, 2, 29), "F", date(2026, 3, 1), AgeBand.WORKING),
    ],
)
def test_age_bands_use_kazakhstan_retirement_ages(f, born, sex, on, band):
    assert age_band(born, sex, on) is band
    # The SQL twins, which the persons list filters by and the population report groups by.
    head = f.family(f.centre(), birth_date=born, sex=str(sex)).members[0]
    column, criterion = age_band_column(on), age_band_criterion(band, on)
    found = db.session.execute(select(column, criterion).where(Person.id == head.id)).one()
    assert tuple(found) == (band.value, True)


def test_born_by_handles_the_29th_of_february():
    assert born_by(date(2028, 2, 29), 18) == date(2010, 2, 28)
    assert born_by(date(2026, 11, 25), 61) == date(1965, 11, 25)


def test_filters_combine_and_the_list_says_what_it_is(world, f, login):
    client = login(f.user("coordinator", region_code="KZ-47"))
    a1 = world.a1.id
    everyone = _names(client, "/en/reports/people")
    assert len(everyone) == 7
    assert _names(client, f"/en/reports/people?centre={a1}&sex=F") == ["Қасымова Айгүл"]
    assert _names(client, f"/en/reports/people?centre={a1}&age=child") == ["Қасымов Асқар"]
    assert len(_names(client, f"/en/reports/people?centre={a1}&age=working")) == 4
    assert _names(client, "/en/reports/people?country=MN") == []  # family B is in Turkistan
    assert len(_names(client, "/en/reports/people?country=CN&past_max=1")) == 5
    # Living on another day: on 2 November family 4 was still in the temporary centre.
    nov1 = _names(client, f"/en/reports/people?centre={world.a2.id}&living=2026-11-02")
    assert sorted(nov1) == sorted(["Үшінші Нұрлан", "Қасымова Айгүл", "Төртінші Нұрлан"])
    resp = client.get(f"/en/reports/people?centre={a1}&sex=F&age=working&country=CN")
    assert (
        "Persons living in Adaptation A1 on Nov 25, 2026, from China, women, working age"
        in resp.text
    )
    resp = client.get("/en/reports/people?past_max=1")
    assert "Persons living in Mangystau Region on Nov 25, 2026, past the maximum stay" in resp.text
    # Any date of the week names the week.
    assert _names(client, "/en/reports/people?arrived=2026-11-26") == ["Екінші Нұрлан"]


def test_each_person_links_to_their_page_and_the_list_pages(world, f, login, app):
    app.config["PAGE_SIZE"] = 3
    client = login(f.user("coordinator", region_code="KZ-47"))
    resp = client.get("/en/reports/people")
    rows = page_tables(resp.data)["persons"]["rows"]
    assert len(rows) == 3
    assert all(r[0][1].startswith("/en/persons/") for r in rows)
    assert "7 persons" in resp.text
    assert 'rel="next"' in resp.text
    last = client.get("/en/reports/people?page=3")
    assert len(page_tables(last.data)["persons"]["rows"]) == 1


@pytest.mark.parametrize(
    "query",
    ["living=yesterday", "arrived=2026-02-30", "sex=X", "age=old", "country=China", "centre=x"],
)
def test_an_unusable_filter_is_refused(world, f, login, query):
    client = login(f.user("coordinator", region_code="KZ-47"))
    assert client.get(f"/en/reports/people?{query}").status_code == 400
    assert client.get(f"/en/reports/people/export.csv?{query}").status_code == 400


def test_a_coordinator_never_reaches_another_region(world, f, login):
    client = login(f.user("coordinator", region_code="KZ-47"))
    b1 = world.b1.id
    for url in (
        f"/en/reports/people?centre={b1}",
        f"/en/reports/people/export.csv?centre={b1}",
        f"/en/reports/people/export.xlsx?centre={b1}",
        "/en/reports/people?region=KZ-61",
        "/en/reports/?region=KZ-61",
        "/en/reports/occupancy?region=KZ-61",
        "/en/reports/dashboard/export.xlsx?region=KZ-61",
        "/en/reports/occupancy/export.csv?region=KZ-61",
    ):
        assert client.get(url).status_code == 404, url
    # Her own region named explicitly is fine.
    assert client.get("/en/reports/people?region=KZ-47").status_code == 200
    body = client.get("/en/reports/people/export.csv").data.decode("utf-8-sig")
    assert "Батыс" not in body
    assert "Turkistan" not in body
    book = xlsx_sheets(client.get("/en/reports/people/export.xlsx?country=MN").data)
    assert book == [[]]


def test_the_administrator_narrows_the_list_by_region(world, f, login):
    client = login(f.user("admin"))
    assert len(_names(client, "/en/reports/people")) == 8
    assert _names(client, "/en/reports/people?region=KZ-61") == ["Батыс Айгүл"]
    assert client.get(f"/en/reports/people?region=KZ-61&centre={world.a1.id}").status_code == 404


def test_the_export_lists_the_filtered_persons_with_their_centre_and_dates(world, f, login):
    client = login(f.user("coordinator", region_code="KZ-47"))
    rows = csv_rows(
        client.get(f"/en/reports/people/export.csv?centre={world.a2.id}&past_max=1").data
    )
    assert rows[0] == [
        "Name",
        "IIN",
        "Date of birth",
        "Sex",
        "Country of previous residence",
        "Centre",
        "Since",
        "Until",
    ]
    assert sorted(rows[1:]) == [
        ["Қасымова Айгүл", "", "1987-06-02", "Female", "China", "Temporary A2", "2026-08-20", ""],
        ["Үшінші Нұрлан", "", "1985-03-14", "Male", "China", "Temporary A2", "2026-08-20", ""],
    ]
    sheet = xlsx_sheets(client.get("/en/reports/people/export.xlsx?departed=2026-11-23").data)[0]
    assert [(r[0], r[5], r[6].date(), r[7].date()) for r in sheet] == [
        ("Төртінші Нұрлан", "Temporary A2", date(2026, 11, 2), date(2026, 11, 24))
    ]


def test_staff_get_their_centre_whatever_they_ask(world, f, login):
    client = login(f.user("staff", centre=world.a1))
    assert len(_names(client, "/en/reports/people")) == 5
    assert client.get(f"/en/reports/people?centre={world.a2.id}").status_code == 404
    assert client.get(f"/en/reports/people?centre={world.b1.id}").status_code == 404
