"""Form pieces shared by the features: translated validators and choice helpers."""

from __future__ import annotations

import re

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from wtforms import DateField as _DateField
from wtforms import IntegerField, SelectMultipleField, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.bounds import FIRST_DAY, LAST_DAY, OUT_OF_RANGE, in_window, valid_id
from portal.clock import add_months, today

CYRILLIC_NAME = re.compile(
    r"^[А-ЯЁӘҒҚҢӨҰҮҺІа-яёәғқңөұүһі]+(?:[-' ][А-ЯЁӘҒҚҢӨҰҮҺІа-яёәғқңөұүһі]+)*$"
)
PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{6,19}$")


class DateField(_DateField):
    """Every date field of the portal: one from 1900 to 2100 (`portal.bounds`), or the field's
    error; a date outside it never reaches a calculation or the database (issue 15)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("render_kw", {})
        kwargs["render_kw"] = {"min": FIRST_DAY.isoformat(), "max": LAST_DAY.isoformat(),
                               **kwargs["render_kw"]}  # fmt: skip
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist) -> None:
        super().process_formdata(valuelist)
        if self.data is not None and not in_window(self.data):
            self.data = None
            raise ValueError(str(OUT_OF_RANGE))


class IdField(IntegerField):
    """A record's id typed into a form (a hidden or free field, not a choice of a list): one
    beyond what a table holds is the field's error, never a query (issue 15)."""

    def process_formdata(self, valuelist) -> None:
        super().process_formdata(valuelist)
        if self.data is not None and not valid_id(self.data):
            self.data = None
            raise ValueError(str(_l("Choose one from the list.")))


class MultiCheckboxField(SelectMultipleField):
    """A choice of several, as a list of check boxes (a fieldset in `macros/forms.html`)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def strip(value):
    """A filter: trims white space and drops NUL characters (PostgreSQL rejects them)."""
    if isinstance(value, str):
        return value.replace("\x00", "").strip()
    return value


def cyrillic_name(_form, field) -> None:
    if field.data and not CYRILLIC_NAME.match(field.data):
        raise ValidationError(
            _l("Write the name in Cyrillic letters, as in the translated documents.")
        )


def phone_number(_form, field) -> None:
    if field.data and not PHONE.match(field.data):
        raise ValidationError(_l("Enter a phone number such as +7 701 234 5678."))


def near_today(years_before: int, years_after: int):
    """A validator: a date no more than `years_before` years before today and `years_after`
    after it, where the domain is tighter than 1900–2100 (a bed's service, a stay, a course)."""

    def check(_form, field) -> None:
        if field.data is None:
            return
        day = today()
        first = add_months(day, -12 * years_before)
        last = add_months(day, 12 * years_after)
        if not first <= field.data <= last:
            raise ValidationError(_l("Enter a date from %(first)s to %(last)s.",
                                     first=format_date(first), last=format_date(last)))  # fmt: skip

    return check


def past_date(_form, field) -> None:
    if field.data and not (FIRST_DAY <= field.data <= today()):
        raise ValidationError(_l("Enter a date between 1900 and today."))
