from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal import iin as iin_rules
from portal.forms import (
    DateField,
    MultiCheckboxField,
    cyrillic_name,
    past_date,
    phone_number,
    strip,
)
from portal.residents.models import RELATION_LABELS, SEX_LABELS, Relation
from portal.templating import country_choices, language_choices

STATELESS = "--"

IIN_MESSAGES = {
    "format": _l("An IIN has exactly 12 digits."),
    "century": _l("The 7th digit of an IIN must be from 1 to 6."),
    "date": _l("The first six digits of an IIN must be a real birth date (YYMMDD)."),
    "check_digit": _l("The last digit of this IIN does not match the others: check it for a typo."),
    "birth_date_mismatch": _l("This IIN is for a different birth date than the one entered."),
    "sex_mismatch": _l("The 7th digit of this IIN is for a different sex than the one entered."),
}


class PersonForm(FlaskForm):
    surname = StringField(
        _l("Surname"), filters=[strip], validators=[DataRequired(), Length(max=80), cyrillic_name]
    )
    given_name = StringField(
        _l("Given name"),
        filters=[strip],
        validators=[DataRequired(), Length(max=80), cyrillic_name],
    )
    patronymic = StringField(
        _l("Patronymic (if any)"),
        filters=[strip],
        validators=[Optional(), Length(max=80), cyrillic_name],
    )
    birth_date = DateField(_l("Date of birth"), validators=[InputRequired(), past_date])
    sex = RadioField(_l("Sex"), choices=[], validators=[InputRequired()])
    relation = SelectField(
        _l("Relation to the head of family"), choices=[], validators=[InputRequired()]
    )
    previous_country = SelectField(
        _l("Country of previous residence"), choices=[], validators=[InputRequired()]
    )
    citizenship = SelectField(_l("Citizenship"), choices=[], validators=[InputRequired()])
    phone = StringField(
        _l("Phone"), filters=[strip], validators=[Optional(), Length(max=32), phone_number]
    )
    languages = MultiCheckboxField(_l("Languages spoken"), choices=[])
    iin = StringField(
        _l("IIN (if the person has one)"),
        filters=[strip],
        validators=[Optional()],
        description=_l("12 digits. Leave empty if the person has no IIN yet."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sex.choices = [(s.value, str(label)) for s, label in SEX_LABELS.items()]
        if self.relation is not None:
            self.relation.choices = [
                (r.value, str(label)) for r, label in RELATION_LABELS.items() if r != Relation.HEAD
            ]
        countries = country_choices()
        self.previous_country.choices = [("", "—")] + countries
        self.citizenship.choices = [("", "—"), (STATELESS, str(_l("Stateless person")))] + countries
        self.languages.choices = language_choices()

    def validate_previous_country(self, field):
        if not field.data:
            raise ValidationError(_l("Choose the country."))

    def validate_citizenship(self, field):
        if not field.data:
            raise ValidationError(_l("Choose the citizenship, or “Stateless person”."))

    def validate_iin(self, field):
        if not field.data:
            return
        try:
            iin_rules.validate_for(field.data, self.birth_date.data, self.sex.data or None)
        except iin_rules.IINError as e:
            raise ValidationError(IIN_MESSAGES[e.code]) from None

    def person_data(self) -> dict:
        """The person's fields as the operations take them."""
        citizenship = self.citizenship.data
        data = {
            "surname": self.surname.data,
            "given_name": self.given_name.data,
            "patronymic": self.patronymic.data or None,
            "birth_date": self.birth_date.data,
            "sex": self.sex.data,
            "previous_country": self.previous_country.data,
            "citizenship": None if citizenship == STATELESS else citizenship,
            "stateless": citizenship == STATELESS,
            "phone": self.phone.data or None,
            "languages": ",".join(self.languages.data or []),
            "iin": self.iin.data or None,
        }
        if self.relation is not None:
            data["relation"] = self.relation.data
        return data

    def fill_from(self, person) -> None:
        """Prefill the form from a person (on GET)."""
        for key in ("surname", "given_name", "patronymic", "birth_date", "phone", "iin"):
            getattr(self, key).data = getattr(person, key)
        self.sex.data = person.sex.value
        if self.relation is not None:
            self.relation.data = person.relation.value
        self.previous_country.data = person.previous_country
        self.citizenship.data = STATELESS if person.stateless else person.citizenship
        self.languages.data = person.language_codes


class NewFamilyForm(PersonForm):
    """A new family is registered with its head; members are added on the family page."""

    relation = None
    centre_id = SelectField(_l("Centre"), coerce=int, choices=[])
    registered_on = DateField(_l("Registered at the centre on"), validators=[InputRequired()])
    note = TextAreaField(_l("Note"), filters=[strip], validators=[Optional(), Length(max=2000)])


class FamilyForm(FlaskForm):
    registered_on = DateField(_l("Registered at the centre on"), validators=[InputRequired()])
    note = TextAreaField(_l("Note"), filters=[strip], validators=[Optional(), Length(max=2000)])


class TransferHeadForm(FlaskForm):
    new_head_id = SelectField(_l("New head of family"), coerce=int, choices=[])
    former_head_relation = SelectField(
        _l("Relation of the former head to the new head"), choices=[], validators=[InputRequired()]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.former_head_relation.choices = [
            (r.value, str(label)) for r, label in RELATION_LABELS.items() if r != Relation.HEAD
        ]
