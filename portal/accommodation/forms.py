from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from portal.accommodation.models import (
    ADMISSION_REASON_LABELS,
    DISCHARGE_REASON_LABELS,
    ROOM_USE_LABELS,
)
from portal.forms import DateField, near_today, phone_number, strip


def _choices(labels) -> list[tuple[str, str]]:
    return [(k.value, str(v)) for k, v in labels.items()]


# A bed's service dates write the capacity history behind every occupancy figure (issue 15):
# five years back at most (records caught up), one year ahead (planned works).
BED_SERVICE = near_today(5, 1)


class AdmissionForm(FlaskForm):
    """The date and reason; the bed for each member comes as `bed-<person id>` fields."""

    start_on = DateField(_l("Admission date"), validators=[InputRequired(), near_today(1, 1)])
    reason = SelectField(_l("Reason for admission"), choices=[], validators=[InputRequired()])
    note = TextAreaField(_l("Note"), filters=[strip], validators=[Optional(), Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = _choices(ADMISSION_REASON_LABELS)


class DischargeForm(FlaskForm):
    """The date and reason; the persons come as `stay` checkboxes."""

    end_on = DateField(_l("Discharge date (the day they leave)"),
                       validators=[InputRequired(), near_today(1, 1)])  # fmt: skip
    reason = SelectField(_l("Reason for discharge"), choices=[], validators=[InputRequired()])
    note = TextAreaField(_l("Note"), filters=[strip], validators=[Optional(), Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = _choices(DISCHARGE_REASON_LABELS)


class RoomForm(FlaskForm):
    floor = IntegerField(_l("Floor"), validators=[InputRequired(), NumberRange(min=-2, max=50)])
    number = StringField(
        _l("Room number"), filters=[strip], validators=[DataRequired(), Length(max=16)]
    )
    use = SelectField(_l("Room for"), choices=[], validators=[InputRequired()])
    beds = IntegerField(
        _l("Number of beds"), default=2, validators=[InputRequired(), NumberRange(min=1, max=20)]
    )
    in_service_from = DateField(_l("In service from"), validators=[InputRequired(), BED_SERVICE])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.use.choices = _choices(ROOM_USE_LABELS)


class BedServiceForm(FlaskForm):
    on = DateField(_l("From"), validators=[InputRequired(), BED_SERVICE])


class AddBedsForm(FlaskForm):
    count = IntegerField(
        _l("Beds to add"), default=1, validators=[InputRequired(), NumberRange(min=1, max=20)]
    )
    on = DateField(_l("In service from"), validators=[InputRequired(), BED_SERVICE])


class CentreDetailsForm(FlaskForm):
    """The centre's contact details as its letters, timetables and calendar print them: the
    postal address in each language (Kazakh required; the others fall back to it)."""

    address_kk = StringField(_l("Postal address in Kazakh"), filters=[strip],
                             validators=[DataRequired(), Length(max=300)])  # fmt: skip
    address_ru = StringField(_l("Postal address in Russian"), filters=[strip],
                             validators=[Optional(), Length(max=300)])  # fmt: skip
    address_en = StringField(_l("Postal address in English"), filters=[strip],
                             validators=[Optional(), Length(max=300)])  # fmt: skip
    phone = StringField(_l("Phone"), filters=[strip],
                        validators=[Optional(), Length(max=32), phone_number])  # fmt: skip
    email = StringField(_l("Email"), filters=[strip], validators=[
        Optional(), Length(max=120),
        Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
               message=_l("Enter an e-mail address such as name@example.kz."))])  # fmt: skip

    FIELDS = ("address_kk", "address_ru", "address_en", "phone", "email")

    @property
    def values(self) -> dict[str, str | None]:
        return {name: self[name].data or None for name in self.FIELDS}
