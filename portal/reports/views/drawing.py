"""A report table as its page draws it, worked out row by row in Python: each cell's text in
the locale, the address it leads to and its class, so that the template only writes them out.

A national report has thousands of cells (the services report 150 centres × 11 services with
a link each, the occupancy series 150 centres × 53 weeks): formatting and linking them one
macro call per cell took two thirds of the page's time (issue 16). Here a row is one Python
pass; each column's label and class are worked out once per table; a drill-down's address is
its endpoint's path, built once per request by `url_for`, plus its query string, encoded as
werkzeug encodes it (`tests/reports/test_drawing.py` holds both equal).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from urllib.parse import urlencode

from flask import current_app, g, request, url_for
from flask_babel import get_locale

from portal.reports.tables import Kind, Link, Row, Table, display

# The characters werkzeug leaves unencoded in a query string (`werkzeug.urls._urlencode`).
_QUERY_SAFE = "!$'()*,/:;?@"


@dataclass(frozen=True, slots=True)
class Head:
    """A column as each of its cells repeats it: the label (a phone's stacked rows show it
    beside the value) and whether it holds a number (right-aligned)."""

    label: str
    numeric: bool


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    href: str | None
    head: Head


def region_args() -> dict:
    """The administrator's region choice, kept when moving between reports."""
    code = request.args.get("region")
    return {"region": code} if code else {}


@cache
def _path_arguments(endpoint: str) -> frozenset[str] | None:
    """The arguments an endpoint takes in its path; None when it has several rules (or none),
    whose choice only `url_for` knows."""
    rules = list(current_app.url_map.iter_rules(endpoint))
    if len(rules) != 1 or rules[0].defaults:
        return None
    return frozenset(rules[0].arguments)


@lru_cache(maxsize=8192, typed=True)
def _pair(key: str, value) -> str:
    """One argument of a query string as werkzeug encodes it, remembered: a table's links
    repeat the same few (`centre=12`, `month=2026-11`) thousands of times."""
    return urlencode(((key, value),), safe=_QUERY_SAFE)


class _Linker:
    """The links of one page's tables as URLs: what they share (the region choice, the paths
    already built in this request) is read once, not for each of a national table's cells."""

    def __init__(self):
        self.region = region_args()
        self.paths = g.setdefault("report_link_paths", {})

    def url(self, link: Link) -> str:
        """Equal to `url_for(link.endpoint, **args)`, a drill-down keeping the region choice;
        the path built once per request."""
        args = {**self.region, **link.args} if link.drill else link.args
        in_path = _path_arguments(link.endpoint)
        if in_path is None:
            return url_for(link.endpoint, **args)
        path_args = {k: v for k, v in args.items() if k in in_path}
        key = (link.endpoint, *sorted(path_args.items()))
        path = self.paths.get(key)
        if path is None:
            path = self.paths[key] = url_for(link.endpoint, **path_args)
        # werkzeug's query string: the arguments in their order, None left out
        query = "&".join(
            _pair(k, v) for k, v in args.items() if k not in in_path and v is not None
        )
        return f"{path}?{query}" if query else path


def link_url(link: Link) -> str:
    """A table's link as a URL (see `_Linker.url`)."""
    return _Linker().url(link)


def drawn_rows(table: Table) -> Iterator[tuple[Row, list[Cell]]]:
    """Each row of the table with its cells as the page writes them."""
    heads = [Head(str(c.label), c.kind is not Kind.TEXT) for c in table.columns]
    kinds = [c.kind for c in table.columns]
    code = str(get_locale())
    linker = _Linker()
    for row in table.rows:
        links = row.links
        cells = []
        for i, value in enumerate(row.cells):
            link = links.get(i) if links else None
            href = linker.url(link) if link is not None and value else None
            cells.append(Cell(display(value, kinds[i], code), href, heads[i]))
        yield row, cells
