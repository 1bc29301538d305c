"""A report table once, three ways out: the page, CSV and XLSX, with the same numbers.

A `Table` holds raw values (ints, floats, ratios, dates, text); the page formats them for the
locale, CSV writes them plainly, XLSX writes numbers as numbers (ratios with a percent format).
A ratio is rounded once, here, to a tenth of a percent, so every output shows the same figure.

A number may lead somewhere (the list behind it, a record's page): a `Link` holds the endpoint
and its arguments, and becomes a URL only when the page is drawn, so a table is built without a
request (`portal.reports.queries`) and the exports never need one.

Text that a spreadsheet would take for a formula (it starts with = + - @, a tab or a carriage
return) is written with a leading apostrophe: a resident's name cannot run code in Excel.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

import xlsxwriter
from flask import Response
from flask_babel import format_date

from portal.templating import format_number


class Kind(StrEnum):
    TEXT = "text"
    INT = "int"  # a count
    DECIMAL = "decimal"  # e.g. average days, one decimal
    RATIO = "ratio"  # 0.875 → 87.5 %
    DATE = "date"


@dataclass
class Column:
    label: str
    kind: Kind = Kind.INT


@dataclass(frozen=True)
class Link:
    """Where a cell leads: an endpoint and its arguments, made a URL when the page is drawn.
    A drill-down (`Link.drill_down`, to the list behind a number) keeps the region chosen on the
    page it is on; a link to a record's page (`Link.to`) does not need it."""

    endpoint: str
    args: dict = field(default_factory=dict)
    drill: bool = False

    @classmethod
    def to(cls, endpoint: str, **args) -> Link:
        return cls(endpoint, args)

    @classmethod
    def drill_down(cls, endpoint: str, **args) -> Link:
        """The list behind a number, with the filters that give exactly what it counts (an
        argument that is None is left out)."""
        return cls(endpoint, {k: v for k, v in args.items() if v is not None}, drill=True)


@dataclass
class Row:
    cells: list
    # The index of a cell → where it leads: the (scoped) list behind the number, or a page.
    links: dict[int, Link] = field(default_factory=dict)
    total: bool = False  # the totals line: bold on the page, last in the exports


@dataclass
class Table:
    key: str  # unique within its report; names the export (?table=key)
    title: str
    columns: list[Column]
    rows: list[Row]
    note: str | None = None  # how the figures are counted, shown under the table

    def link(self, row: Row, index: int) -> Link | None:
        return row.links.get(index)


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator ÷ denominator rounded to 0.1 % (None when there is nothing to divide by)."""
    if not denominator:
        return None
    return round(numerator / denominator, 3)


def average(total: float, count: int) -> float | None:
    if not count:
        return None
    return round(total / count, 1)


# ---------------------------------------------------------------------------------------------
# On the page
# ---------------------------------------------------------------------------------------------


def display(value, kind: Kind) -> str:
    """The value as the page shows it, in the current locale."""
    if value is None:
        return "—"
    if kind is Kind.INT:
        return format_number(value, "#,##0")
    if kind is Kind.DECIMAL:
        return format_number(value, "#,##0.0")
    if kind is Kind.RATIO:
        return format_number(value, "#,##0.0%")
    if kind is Kind.DATE:
        return format_date(value, "medium")
    return str(value)


# ---------------------------------------------------------------------------------------------
# Exports
# ---------------------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def _plain(value, kind: Kind):
    """The value for CSV: numbers as the page shows them but without grouping."""
    if value is None:
        return ""
    if kind is Kind.RATIO:
        return f"{value * 100:.1f}"
    if kind is Kind.DECIMAL:
        return f"{value:.1f}"
    if kind is Kind.INT:
        return str(int(value))
    if kind is Kind.DATE and isinstance(value, date | datetime):
        return value.isoformat()
    return safe_text(value)


def _header(column: Column) -> str:
    label = safe_text(column.label)
    return f"{label}, %" if column.kind is Kind.RATIO else label


def csv_bytes(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens Kazakh and Russian text correctly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_header(c) for c in table.columns])
    for row in table.rows:
        writer.writerow([_plain(v, c.kind) for v, c in zip(row.cells, table.columns, strict=True)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sheet_name(title: str, taken: set[str]) -> str:
    name = "".join("_" if ch in "[]:*?/\\" else ch for ch in str(title))[:31] or "Sheet"
    base, n = name, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(name.lower())
    return name


def xlsx_bytes(tables: Sequence[Table], title: str = "") -> bytes:
    """One worksheet per table: numbers as numbers, ratios with a percent format."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out,
        {
            "in_memory": True,
            # Never turn text into formulas, numbers or URLs: what is written is what is shown.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    if title:
        book.set_properties({"title": str(title)})
    bold = book.add_format({"bold": True})
    head = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    formats = {
        Kind.INT: book.add_format({"num_format": "#,##0"}),
        Kind.DECIMAL: book.add_format({"num_format": "#,##0.0"}),
        Kind.RATIO: book.add_format({"num_format": "0.0%"}),
        Kind.DATE: book.add_format({"num_format": "yyyy-mm-dd"}),
    }
    bold_formats = {
        k: book.add_format({"num_format": f.num_format, "bold": True}) for k, f in formats.items()
    }
    taken: set[str] = set()
    for table in tables:
        sheet = book.add_worksheet(_sheet_name(table.title, taken))
        sheet.write_string(0, 0, safe_text(table.title), bold)
        for col, column in enumerate(table.columns):
            sheet.write_string(2, col, safe_text(column.label), head)
            sheet.set_column(col, col, 28 if col == 0 else 14)
        for r, row in enumerate(table.rows, start=3):
            for col, (value, column) in enumerate(zip(row.cells, table.columns, strict=True)):
                fmt = (bold_formats if row.total else formats).get(column.kind)
                if value is None:
                    sheet.write_blank(r, col, None, fmt)
                elif column.kind is Kind.TEXT:
                    sheet.write_string(r, col, safe_text(value), bold if row.total else None)
                elif column.kind is Kind.DATE:
                    sheet.write_datetime(r, col, datetime.combine(value, datetime.min.time()), fmt)
                else:
                    sheet.write_number(r, col, value, fmt)
        if table.note:
            sheet.write_string(len(table.rows) + 4, 0, safe_text(table.note))
    book.close()
    return out.getvalue()


CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(body: bytes, mimetype: str, filename: str) -> Response:
    resp = Response(body, content_type=mimetype)  # as given: no second "; charset="
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp
