from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, StringField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, StopValidation

from portal.admin import settings
from portal.forms import DateField, strip
from portal.workdays import DAY_KIND_LABELS

FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)


def _calendar_date(_form, field) -> None:
    if field.data and not FIRST_DAY <= field.data <= LAST_DAY:
        raise ValidationError(_l("Enter a date between 2000 and 2099."))


class CalendarOverrideForm(FlaskForm):
    """One correction to the public-holiday calendar, from a government decree."""

    day = DateField(_l("Date"), validators=[InputRequired(), _calendar_date])
    kind = RadioField(
        _l("This day is"),
        choices=[],
        validators=[InputRequired()],
        description=_l(
            "A day off: a weekday that is not worked. A working day: a Saturday, Sunday or "
            "holiday that is worked."
        ),
    )
    note = StringField(
        _l("Reason"),
        filters=[strip],
        validators=[DataRequired(), Length(max=200)],
        description=_l("The decree that sets it, e.g. its number and date."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, str(v)) for k, v in DAY_KIND_LABELS.items()]


class WholeNumberField(IntegerField):
    """An integer field whose every problem (empty, not a number, out of range) has one message."""

    def __init__(self, *args, message=settings.RANGE_MESSAGE, **kwargs):
        super().__init__(*args, **kwargs)
        self.message = message

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = valuelist[0].strip()
        self.data = None
        if text:
            try:
                self.data = int(text)
            except ValueError as e:
                raise ValueError(str(self.message)) from e


def _setting_field(key: str) -> WholeNumberField:
    d = settings.DEFINITIONS[key]

    def in_range(_form, field) -> None:
        if field.process_errors:
            raise StopValidation()  # the field already says what is wrong
        if field.data is None or not d.minimum <= field.data <= d.maximum:
            raise StopValidation(str(d.range_message))

    return WholeNumberField(
        d.label, description=d.hint, validators=[in_range], message=d.range_message
    )


class SettingsForm(FlaskForm):
    """The administrator's settings; each field is named after its key in lower case."""

    max_stay_days_adaptation = _setting_field(settings.MAX_STAY_DAYS_ADAPTATION)
    max_stay_days_temporary = _setting_field(settings.MAX_STAY_DAYS_TEMPORARY)
    decision_working_days = _setting_field(settings.DECISION_WORKING_DAYS)
    certificate_validity_days = _setting_field(settings.CERTIFICATE_VALIDITY_DAYS)
    session_idle_minutes = _setting_field(settings.SESSION_IDLE_MINUTES)
    session_max_hours = _setting_field(settings.SESSION_MAX_HOURS)

    def values(self) -> dict[str, int]:
        return {key: self[key.lower()].data for key in settings.DEFINITIONS}
