"""Forms of the courses and events pages (C8.3, C8.4, C8.5, C8.9)."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TimeField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import DateField, MultiCheckboxField, near_today, strip
from portal.services.courses.models import ACTIVITY_KIND_LABELS


def int_or_none(value):
    """Coerce a select's value: "" (no choice) is None."""
    if value in (None, "", "None"):
        return None
    return int(value)


def weekday_choices() -> list[tuple[int, str]]:
    """Monday … Sunday, named in the current language (CLDR data, no translation needed)."""
    from babel import Locale

    names = Locale.parse(str(get_locale() or "kk")).days["format"]["wide"]
    return [(d, names[d].capitalize()) for d in range(7)]


class ActivityForm(FlaskForm):
    """A new course or event. The centre and the kind decide the other fields' choices."""

    centre_id = SelectField(_l("Centre"), coerce=int, choices=[], validators=[InputRequired()])
    kind = SelectField(_l("Course or event"), choices=[], validators=[InputRequired()])
    service_id = SelectField(
        _l("Service"), coerce=int_or_none, choices=[], validators=[InputRequired()]
    )
    title = StringField(_l("Title"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    language = SelectField(
        _l("Language of the course"),
        choices=[],
        validators=[Optional()],
        description=_l("Required for Kazakh and Russian language courses (C8.9)."),
    )
    level = StringField(
        _l("Level"),
        filters=[strip],
        validators=[Optional(), Length(max=20)],
        description=_l("For example A1, A2, B1, or beginners."),
    )
    teacher_id = SelectField(_l("Teacher"), coerce=int_or_none, choices=[])
    room_id = SelectField(_l("Room"), coerce=int_or_none, choices=[])
    capacity = IntegerField(
        _l("Places"), default=12, validators=[InputRequired(), NumberRange(min=1, max=500)]
    )
    start_on = DateField(_l("First day"), validators=[InputRequired(), near_today(1, 2)])
    end_on = DateField(_l("Last day"), validators=[InputRequired()])
    weekdays = MultiCheckboxField(
        _l("Days of the week"),
        coerce=int,
        choices=[],
        description=_l(
            "A course meets on these days every week; public holidays are skipped. For an event, "
            "leave them empty to hold it on every day from the first to the last day."
        ),
    )
    starts_at_time = TimeField(_l("Starts at"), validators=[InputRequired()])
    ends_at_time = TimeField(_l("Ends at"), validators=[InputRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, str(label)) for k, label in ACTIVITY_KIND_LABELS.items()]
        self.language.choices = [("", _l("— none —")), ("kk", _l("Kazakh")), ("ru", _l("Russian"))]
        self.weekdays.choices = weekday_choices()

    def validate_end_on(self, field):
        if field.data and self.start_on.data and field.data < self.start_on.data:
            raise ValidationError(_l("The last day cannot be before the first day."))
        if field.data and self.start_on.data and (field.data - self.start_on.data).days > 366:
            # its sessions are written out week by week: a course of decades is a typing slip
            raise ValidationError(_l("A course or event lasts a year at most."))

    def validate_ends_at_time(self, field):
        if field.data and self.starts_at_time.data and field.data <= self.starts_at_time.data:
            raise ValidationError(_l("A session must end after it starts."))


class EnrolForm(FlaskForm):
    person_id = SelectField(
        _l("Resident"), coerce=int_or_none, choices=[], validators=[InputRequired()]
    )
