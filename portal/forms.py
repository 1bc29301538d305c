"""Form pieces shared by the features: translated validators and choice helpers."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.clock import today

CYRILLIC_NAME = re.compile(
    r"^[А-ЯЁӘҒҚҢӨҰҮҺІа-яёәғқңөұүһі]+(?:[-' ][А-ЯЁӘҒҚҢӨҰҮҺІа-яёәғқңөұүһі]+)*$"
)
PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{6,19}$")


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


def past_date(_form, field) -> None:
    if field.data and not (date(1900, 1, 1) <= field.data <= today()):
        raise ValidationError(_l("Enter a date between 1900 and today."))
