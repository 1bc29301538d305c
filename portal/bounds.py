"""Input bounded at the edge (issue 15): no id or date outside what the database and the
domain can hold reaches a query or a date calculation.

- **Ids.** Every table's key is an `INTEGER`: 32 bits on PostgreSQL, 64 on SQLite, so the
  smaller bounds them all. `<int:…>` in every route is `IdConverter` (beyond the bound the
  route does not match: 404), `id_arg` reads one from a query string or a form, and the scoping
  layer refuses one (404) before it builds a statement.
- **Dates.** 1 January 1900 to 31 December 2100 (`FIRST_DAY`…`LAST_DAY`) unless the domain is
  tighter; `date_arg` reads one from a query string, `portal.forms.DateField` from a form,
  both with the same translated message.
- **Pages** of a list: 1 to `MAX_PAGE`.
"""

from __future__ import annotations

from datetime import date

from flask import abort, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import UnprocessableEntity
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2100, 12, 31)
MAX_PAGE = 100_000

OUT_OF_RANGE = _l("Enter a date between 1900 and 2100.")


class OutOfRange(UnprocessableEntity):
    """A date or week outside the window in a query string: 422, with `message` shown."""

    message = OUT_OF_RANGE


class IdConverter(IntegerConverter):
    """`<int:name>`: a whole number from 0 to `MAX_ID`, or no match (404)."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def valid_id(value) -> bool:
    """Whether `value` could be a record's id (an int, or text of one)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return False
    return 0 < number <= MAX_ID


def id_arg(value: str) -> int:
    """`request.args.get(name, type=id_arg)`: a record's id, or ValueError (the default)."""
    if not valid_id(value):
        raise ValueError(value)
    return int(value)


def date_arg(value: str) -> date:
    """`request.args.get(name, type=date_arg)`: an ISO date within the window; ValueError (the
    default) for text that is no date, `OutOfRange` (422) for a date outside the window."""
    day = date.fromisoformat(value)
    if not in_window(day):
        raise OutOfRange()
    return day


def in_window(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def page_number(raw: str) -> int:
    """A list's page from its text: 1 when it is not a number; 404 beyond `MAX_PAGE` (no list
    is that long, and its offset would overflow a database's integers)."""
    if not raw.isdigit():
        return 1
    number = int(raw)
    if number > MAX_PAGE:
        abort(404)
    return max(number, 1)


def page_arg() -> int:
    """`?page=<n>` of the current request (see `page_number`)."""
    return page_number(request.args.get("page", ""))
