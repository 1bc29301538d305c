"""Forms of the individual services: open a case, make an appointment, deliver, close."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.clock import KZ
from portal.forms import DateField, strip
from portal.services.cases.outcomes import CHOICE_LABELS, CHOICES, OUTCOMES


def optional_int(value):
    """A select's value as an id, or None for the empty choice."""
    if value in (None, "", "None"):
        return None
    return int(value)


class OpenCaseForm(FlaskForm):
    """The service (the ones the person cannot have now are offered disabled, with the reason),
    the request in the person's words, and who handles it."""

    service = SelectField(_l("Service"), choices=[], validators=[InputRequired()])
    request = TextAreaField(
        _l("What the person asks for"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Write down what the person asks for.")),
            Length(max=4000),
        ],
    )
    assigned_to = SelectField(
        _l("Staff member in charge"), choices=[], coerce=optional_int, validators=[Optional()]
    )


class AppointmentForm(FlaskForm):
    staff_id = SelectField(
        _l("With the staff member"), choices=[], coerce=optional_int, validators=[InputRequired()]
    )
    day = DateField(_l("Date"), validators=[InputRequired()])
    starts = TimeField(_l("From"), validators=[InputRequired()])
    ends = TimeField(_l("Until"), validators=[InputRequired()])
    room_id = SelectField(
        _l("Room (if any)"), choices=[], coerce=optional_int, validators=[Optional()]
    )
    note = TextAreaField(_l("Note"), filters=[strip], validators=[Optional(), Length(max=2000)])

    def validate_ends(self, field) -> None:
        if self.starts.data and field.data and field.data <= self.starts.data:
            raise ValidationError(_l("The appointment must end after it starts."))

    def times(self) -> tuple[datetime, datetime]:
        """The start and the end in Kazakhstan time."""
        day = self.day.data
        return (
            datetime.combine(day, self.starts.data, tzinfo=KZ),
            datetime.combine(day, self.ends.data, tzinfo=KZ),
        )


def _choice(key: str) -> list[tuple[str, str]]:
    return [("", "—")] + [(v, CHOICE_LABELS[key, v]) for v in CHOICES[key]]


class DeliverForm(FlaskForm):
    """Every outcome field of every case service; the page shows those of the case's service
    (`OUTCOMES`), and `outcome()` reads only those."""

    answered = TextAreaField(
        _l("The answer given"), filters=[strip], validators=[Optional(), Length(max=2000)]
    )
    translated = TextAreaField(
        _l("What was translated (document, accompaniment)"),
        filters=[strip],
        validators=[Optional(), Length(max=2000)],
    )
    employer = StringField(
        _l("Employer"), filters=[strip], validators=[Optional(), Length(max=2000)]
    )
    since = DateField(_l("Employed since"), validators=[Optional()])
    training = StringField(
        _l("Or: the training taken (vocational training, retraining, skills)"),
        filters=[strip],
        validators=[Optional(), Length(max=2000)],
    )
    quota = SelectField(_l("Regional-quota application"), choices=[], validators=[Optional()])
    advice = TextAreaField(
        _l("Or: the advice given (civil matters, benefits, registration)"),
        filters=[strip],
        validators=[Optional(), Length(max=2000)],
    )
    documents_submitted_on = DateField(
        _l("Citizenship documents submitted on"), validators=[Optional()]
    )
    clinic = StringField(
        _l("Clinic the person is attached to"),
        filters=[strip],
        validators=[Optional(), Length(max=2000)],
    )
    referral = StringField(
        _l("Or: the referral issued"), filters=[strip], validators=[Optional(), Length(max=2000)]
    )
    assistance = SelectField(_l("Targeted social assistance"), choices=[], validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.quota.choices = _choice("quota")
        self.assistance.choices = _choice("assistance")

    def fields_for(self, code: str) -> list:
        """The fields of the service's outcome, in the order of its alternatives."""
        return [self[k] for alt in OUTCOMES.get(code, ()) for k in alt]

    def outcome(self, code: str) -> dict:
        return {f.name: f.data for f in self.fields_for(code) if f.data not in (None, "")}


class CloseForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for closing without delivery"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Give the reason for closing the case.")),
            Length(max=2000),
        ],
    )


class ActionForm(FlaskForm):
    """A button alone (start, cancel an appointment): only the CSRF token."""
