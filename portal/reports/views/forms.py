"""The reports' arguments as GET forms: each page binds a form to `request.args` and hands the
query functions typed values (a `Month`, a date, a choice, a centre id), never the raw request.

The fields are WTForms fields (no CSRF: a GET form writes nothing). An argument that does not
parse is a field error with a message that says what to enter; `parsed` raises it as `ArgError`,
which the page shows beside its field with status 422 and the input kept (`base.show`) and an
export answers with 422 (`base`'s error handler). The first refused argument, in the order of
the form's fields, is the one reported.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TypeVar

from flask import current_app
from flask_babel import gettext as _
from wtforms import Field, Form

from portal.bounds import OUT_OF_RANGE, in_window, page_number
from portal.reports.queries.lists import Paging
from portal.reports.queries.months import Month


class ArgError(ValueError):
    """A query argument that does not parse: `field` names it, `message` says what to enter."""

    def __init__(self, field: str, message: str, value: str = ""):
        super().__init__(message)
        self.field = field
        self.message = message
        self.value = value


F = TypeVar("F", bound=Form)


def parsed(form: F) -> F:
    """The form, once every argument parses; otherwise the first refused one as `ArgError`."""
    if not form.validate():
        name, messages = next(iter(form.errors.items()))
        raw = form[name].raw_data
        raise ArgError(name, messages[0], raw[0].strip() if raw else "")
    return form


# ---------------------------------------------------------------------------------------------
# The fields
# ---------------------------------------------------------------------------------------------


class Argument(Field):
    """One query argument: its first value (stripped unless `strip=False`), `parse`d into
    `data`; absent or empty, `data` is None. `parse` raises ValueError with the message shown."""

    def __init__(self, label=None, validators=None, *, strip: bool = True, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.strip = strip

    def process_formdata(self, valuelist):
        raw = valuelist[0] if valuelist else ""
        raw = raw.strip() if self.strip else raw
        self.data = self.parse(raw) if raw else None

    def parse(self, raw: str):
        return raw


_MONTH = re.compile(r"\d{4}-\d{2}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class MonthField(Argument):
    """`YYYY-MM` → a `Month`."""

    def parse(self, raw: str) -> Month:
        try:
            if not _MONTH.fullmatch(raw):
                raise ValueError(raw)
            first = date(int(raw[:4]), int(raw[5:7]), 1)
            if not in_window(first):
                raise ValueError(raw)
        except ValueError:
            raise ValueError(_("Enter a month such as 2026-11.")) from None
        return Month(first)


class DayField(Argument):
    """`YYYY-MM-DD` → a date."""

    def parse(self, raw: str) -> date:
        try:
            if not _DAY.fullmatch(raw):
                raise ValueError(raw)
            day = date.fromisoformat(raw)
            if not in_window(day):
                raise ValueError(raw)
        except ValueError:
            raise ValueError(_("Enter a date such as 2026-11-25.")) from None
        return day


class IsoDateField(Argument):
    """Any ISO 8601 date Python reads (the drill-down links of the persons list write them)."""

    def parse(self, raw: str) -> date:
        day = date.fromisoformat(raw)
        if not in_window(day):
            raise ValueError(str(OUT_OF_RANGE))
        return day


class ChoiceArgument(Argument):
    """One of `choices` (a value outside them is refused with `message`); absent, `otherwise`,
    or refused too when `required`."""

    def __init__(self, label=None, validators=None, *, choices, message="", required=False,
                 otherwise=None, **kwargs):  # fmt: skip
        super().__init__(label, validators, **kwargs)
        self.choices = tuple(choices)
        self.message = message
        self.required = required
        self.otherwise = otherwise

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is None:
            self.data = self.otherwise
            if self.required:
                raise ValueError(str(self.message))

    def parse(self, raw: str) -> str:
        if raw not in self.choices:
            raise ValueError(str(self.message))
        return raw


class CentreField(Argument):
    """`centre=<id>`: a value that is no id is `malformed` (no centre of anyone's: the view
    answers as for a centre outside the scope), never a refused argument."""

    malformed = False

    def parse(self, raw: str) -> int | None:
        try:
            if raw.isdigit():
                return int(raw)
        except ValueError:
            pass
        self.malformed = True
        return None


class FlagField(Argument):
    """`1` (anything given but `0`) → True."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = self.data not in (None, "0")


class PageField(Argument):
    """`page=<n>`, from 1: anything else is the first page (as an unusable page always was)."""

    def parse(self, raw: str) -> int:
        return page_number(raw)


# ---------------------------------------------------------------------------------------------
# What every report page takes
# ---------------------------------------------------------------------------------------------


class RegionForm(Form):
    """The administrator's region choice (`?region=KZ-47`): the scope, not a figure's argument."""

    region = Argument(strip=False)


class ListForm(Form):
    """A list behind a number: one page of it."""

    page = PageField()

    def paging(self) -> Paging:
        return Paging(self.page.data or 1, current_app.config["PAGE_SIZE"])
