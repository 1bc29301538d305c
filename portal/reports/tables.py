"""A report table once, three ways out: the page, CSV and XLSX, with the same numbers.

A `Table` holds raw values (ints, floats, ratios, dates, text); the page formats them for the
locale, CSV writes them plainly, XLSX writes numbers as numbers (ratios with a percent format).
A ratio is rounded once, here, to a tenth of a percent, so every output shows the same figure.

A number may lead somewhere (the list behind it, a record's page): a `Link` holds the endpoint
and its arguments, and becomes a URL only when the page is drawn, so a table is built without a
request (`portal.reports.queries`) and the exports never need one.

Text that a spreadsheet would take for a formula (it starts with = + - @, a tab or a carriage
return) is written with a leading apostrophe: a resident's name cannot run code in Excel.

No export holds its whole table: the CSV is written a few thousand rows at a time while it is
sent (`csv_download`), the XLSX in XlsxWriter's constant-memory mode, one row at a time, into a
temporary file it is then sent from (`xlsx_download`); so the lists behind the numbers give an
export's rows as a generator that reads them from the database as they are written.
"""

from __future__ import annotations

import contextvars
import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import IO

import xlsxwriter
from flask import Response, request
from flask.globals import request_ctx
from flask_babel import format_date
from werkzeug.wsgi import wrap_file

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
    # A page's rows are a list; an export's may be any iterable (a generator that reads its
    # rows from the database as they are written out), read once.
    rows: list[Row] | Iterable[Row]
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


def display(value, kind: Kind, code: str | None = None) -> str:
    """The value as the page shows it, in the locale `code` (the current one when None)."""
    if value is None:
        return "—"
    if kind is Kind.INT:
        return format_number(value, "#,##0", code)
    if kind is Kind.DECIMAL:
        return format_number(value, "#,##0.0", code)
    if kind is Kind.RATIO:
        return format_number(value, "#,##0.0%", code)
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


# A streamed CSV is sent in pieces of this many rows (a few hundred kilobytes at most).
CSV_CHUNK_ROWS = 2000


def csv_chunks(table: Table) -> Iterator[bytes]:
    """The table as CSV, in UTF-8 with a byte-order mark (so Excel opens Kazakh and Russian
    text correctly), in pieces of `CSV_CHUNK_ROWS` rows: the first starts with the mark and the
    header line. The rows are read as they are written, so a table whose rows are a generator
    is never held whole."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    out.write("\ufeff")
    writer.writerow([_header(c) for c in table.columns])
    kinds = [c.kind for c in table.columns]
    for n, row in enumerate(table.rows, start=1):
        writer.writerow([_plain(v, k) for v, k in zip(row.cells, kinds, strict=True)])
        if n % CSV_CHUNK_ROWS == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    rest = out.getvalue()
    if rest:
        yield rest.encode("utf-8")


def csv_bytes(table: Table) -> bytes:
    """The whole CSV at once (`csv_chunks` joined)."""
    return b"".join(csv_chunks(table))


SHEET_NAME_LENGTH = 31  # Excel's limit


def _shortened(text: str, limit: int) -> str:
    """`text` within `limit` characters, cut between words where it must be cut (an ellipsis
    says so): a sheet named after a long table title is not cut mid-word."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;—–-(") + "…"


def _sheet_name(title: str, taken: set[str]) -> str:
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in str(title)).strip() or "Sheet"
    name, n = _shortened(clean, SHEET_NAME_LENGTH), 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name = _shortened(clean, SHEET_NAME_LENGTH - len(suffix)) + suffix
        n += 1
    taken.add(name.lower())
    return name


class _Formats:
    """A workbook's cell formats: by kind, plain and bold (the totals line)."""

    def __init__(self, book: xlsxwriter.Workbook):
        self.bold = book.add_format({"bold": True})
        self.head = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        numbers = {
            Kind.INT: "#,##0",
            Kind.DECIMAL: "#,##0.0",
            Kind.RATIO: "0.0%",
            Kind.DATE: "yyyy-mm-dd",
        }
        self.plain = {k: book.add_format({"num_format": f}) for k, f in numbers.items()}
        self.total = {
            k: book.add_format({"num_format": f, "bold": True}) for k, f in numbers.items()
        }


def _write_row(sheet, r: int, row: Row, kinds: list[Kind], formats: _Formats) -> None:
    by_kind = formats.total if row.total else formats.plain
    for col, (value, kind) in enumerate(zip(row.cells, kinds, strict=True)):
        fmt = by_kind.get(kind)
        if value is None:
            sheet.write_blank(r, col, None, fmt)
        elif kind is Kind.TEXT:
            sheet.write_string(r, col, safe_text(value), formats.bold if row.total else None)
        elif kind is Kind.DATE:
            sheet.write_datetime(r, col, datetime.combine(value, datetime.min.time()), fmt)
        else:
            sheet.write_number(r, col, value, fmt)


def _write_sheet(sheet, table: Table, formats: _Formats) -> None:
    """In constant-memory mode a row is written out once the next one begins, so the cells go
    strictly in row order: the title (row 0), the header (row 2), the rows (from 3), the note
    one blank row after the last."""
    for col in range(len(table.columns)):
        sheet.set_column(col, col, 28 if col == 0 else 14)
    sheet.write_string(0, 0, safe_text(table.title), formats.bold)
    for col, column in enumerate(table.columns):
        sheet.write_string(2, col, safe_text(column.label), formats.head)
    kinds = [c.kind for c in table.columns]
    r = 2
    for r, row in enumerate(table.rows, start=3):
        _write_row(sheet, r, row, kinds, formats)
    if table.note:
        sheet.write_string(r + 2, 0, safe_text(table.note))


def write_xlsx(tables: Sequence[Table], target: str | IO[bytes], title: str = "") -> None:
    """One worksheet per table into `target` (a path or a binary file): numbers as numbers,
    ratios with a percent format. XlsxWriter's constant-memory mode keeps one row in memory,
    the rest in temporary files it removes when the workbook is closed (also when a table's
    rows fail half-way)."""
    book = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            # Never turn text into formulas, numbers or URLs: what is written is what is shown.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    try:
        if title:
            book.set_properties({"title": str(title)})
        formats = _Formats(book)
        taken: set[str] = set()
        for table in tables:
            _write_sheet(book.add_worksheet(_sheet_name(table.title, taken)), table, formats)
    finally:
        book.close()


def xlsx_bytes(tables: Sequence[Table], title: str = "") -> bytes:
    """The whole workbook at once (`write_xlsx` into memory)."""
    out = io.BytesIO()
    write_xlsx(tables, out, title)
    return out.getvalue()


CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(body: bytes | Iterable[bytes], mimetype: str, filename: str) -> Response:
    """`body` whole, or an iterable of pieces sent as they come."""
    resp = Response(body, content_type=mimetype)  # as given: no second "; charset="
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


def in_request(pieces: Iterator[bytes]) -> Iterator[bytes]:
    """`pieces` read, as the answer is sent, inside a copy of the request's context with an
    application context (and so a database session) of its own: pushed when the first piece is
    asked for, popped after the last or when the answer is closed unread.

    Like `flask.stream_with_context`, but every push and pop runs in one `contextvars` context
    kept for the purpose: stream_with_context pushes in the view's context and pops in whichever
    reads the last piece, which fails when that is another one (the test client reads the first
    piece inside the request and the rest in the test; a server could hand the body to another
    thread). Whatever the pieces need of the request (the scope, the locale's words) is taken
    when the table is built; the view's own session is closed before the first piece."""
    ctx = request_ctx.copy()
    own = contextvars.Context()

    def pushed() -> Iterator[bytes]:
        with ctx:
            yield from pieces

    def each(inner: Iterator[bytes]) -> Iterator[bytes]:
        # One piece ahead: the context is popped as soon as the last piece is made, so a table
        # of one piece is done (its session closed) before the body is read at all.
        try:
            ahead = own.run(next, inner, None)
            while ahead is not None:
                piece, ahead = ahead, own.run(next, inner, None)
                yield piece
        finally:
            own.run(inner.close)

    return each(pushed())


def csv_download(table: Table, filename: str) -> Response:
    """The table's CSV streamed: each piece is written as it is sent (`in_request`)."""
    return download(in_request(csv_chunks(table)), CSV_TYPE, filename)


def xlsx_download(tables: Sequence[Table], title: str, filename: str) -> Response:
    """The workbook written into an anonymous temporary file (no name on disk: it is gone when
    closed), then sent from it; the file is closed when the answer is, sent or not."""
    fh = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the response)
    try:
        write_xlsx(tables, fh, title)
        size = fh.seek(0, io.SEEK_END)
        fh.seek(0)
    except BaseException:
        fh.close()
        raise
    resp = download(wrap_file(request.environ, fh), XLSX_TYPE, filename)
    resp.direct_passthrough = True
    resp.content_length = size
    return resp
