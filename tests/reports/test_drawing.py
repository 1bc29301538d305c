"""A report table's links are built without `url_for` for each cell (`reports.views.drawing`):
the endpoint's path once per request, the query string encoded as werkzeug encodes it. Both
must give the address `url_for` gives, whatever the arguments."""

from __future__ import annotations

from datetime import date

import pytest
from flask import url_for

from portal.reports.tables import Column, Kind, Link, Row, Table
from portal.reports.views.drawing import drawn_rows, link_url

ARGUMENTS = [
    {},
    {"centre": 12},
    {"centre": 12, "sex": "F", "age": None},
    {"living": date(2026, 11, 30).isoformat(), "country": "CN"},
    {"q": "Қасымов Нұрлан & Co/50%+?", "month": "2026-11"},
    {"outcome": "employed", "flag": True, "n": 0},
    {"odd": "!$'()*,/:;?@ ~#[]"},
]


@pytest.mark.parametrize("args", ARGUMENTS)
@pytest.mark.parametrize("region", [None, "KZ-47"])
def test_a_drill_down_is_what_url_for_gives(app, args, region):
    query = f"?region={region}" if region else ""
    with app.test_request_context(f"/en/reports/{query}"):
        app.preprocess_request()
        expected = url_for("reports.people", **({"region": region} if region else {}),
                           **args)  # fmt: skip
        assert link_url(Link.drill_down("reports.people", **args)) == expected
        # a record's page: its path arguments in the path, no region
        assert link_url(Link.to("accommodation.rooms", centre_id=7, **args)) == url_for(
            "accommodation.rooms", centre_id=7, **args
        )


def test_rows_are_drawn_with_the_same_links(app):
    table = Table(
        "t",
        "T",
        [Column("Centre", Kind.TEXT), Column("Persons")],
        [
            Row(["A", 3], {1: Link.drill_down("reports.people", centre=1)}),
            Row(["B", 0], {1: Link.drill_down("reports.people", centre=2)}),  # nothing to open
            Row(["C", 5], {0: Link.to("accommodation.rooms", centre_id=3)}),
        ],
    )
    with app.test_request_context("/en/reports/?region=KZ-47"):
        app.preprocess_request()
        hrefs = [[cell.href for cell in cells] for _row, cells in drawn_rows(table)]
        assert hrefs == [
            [None, url_for("reports.people", region="KZ-47", centre=1)],
            [None, None],
            [url_for("accommodation.rooms", centre_id=3), None],
        ]
