"""Jinja filters and globals: locale-aware dates and numbers, country and language names."""

from __future__ import annotations

from datetime import date, datetime

from babel import Locale
from flask import Flask
from flask_babel import format_date, format_datetime, format_decimal, format_percent, get_locale
from flask_babel import lazy_gettext as _l

from portal.htmx import add_vary

# Countries kandas most often come from are listed first in forms.
COMMON_COUNTRIES = ("CN", "MN", "UZ", "TM", "RU", "KG", "TJ", "IR", "AF", "TR")
COMMON_LANGUAGES = ("kk", "ru", "zh", "mn", "uz", "tk", "ky", "fa", "tr", "en")


def _locale() -> Locale:
    return Locale.parse(str(get_locale() or "kk"))


def country_name(code: str | None) -> str:
    if not code:
        return ""
    return _locale().territories.get(code, code)


def language_name(code: str) -> str:
    return _locale().languages.get(code, code)


def country_choices() -> list[tuple[str, str]]:
    """ISO 3166 countries named in the current language, the usual ones first."""
    territories = _locale().territories
    codes = [
        c
        for c in territories
        if len(c) == 2 and c.isalpha() and c not in ("KZ", "ZZ", "EU", "EZ", "UN", "QO")
    ]
    rest = sorted((c for c in codes if c not in COMMON_COUNTRIES), key=lambda c: territories[c])
    return [(c, territories[c]) for c in (*COMMON_COUNTRIES, *rest)]


def language_choices() -> list[tuple[str, str]]:
    return [(c, language_name(c)) for c in COMMON_LANGUAGES]


def date_filter(value: date | datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, fmt)
    return format_date(value, fmt)


# Labels of the recorded fields, for the history on a person's page.
FIELD_LABELS = {
    "surname": _l("Surname"),
    "given_name": _l("Given name"),
    "patronymic": _l("Patronymic (if any)"),
    "birth_date": _l("Date of birth"),
    "sex": _l("Sex"),
    "relation": _l("Relation to the head of family"),
    "is_head": _l("Head of family"),
    "previous_country": _l("Country of previous residence"),
    "citizenship": _l("Citizenship"),
    "stateless": _l("Stateless person"),
    "phone": _l("Phone"),
    "languages": _l("Languages spoken"),
    "iin": _l("IIN"),
    "family_id": _l("Family"),
    "bed_id": _l("Bed"),
    "person_id": _l("Person"),
    "start_on": _l("Admission date"),
    "end_on": _l("Discharge date"),
    "admission_reason": _l("Reason for admission"),
    "discharge_reason": _l("Reason for discharge"),
    "note": _l("Note"),
    "username": _l("Login"),
    "full_name": _l("Name"),
    "role": _l("Role"),
    "locale": _l("Language"),
    "active": _l("Account open"),
    "one_time_code_expires_at": _l("One-time code valid until"),
}
ENTITY_LABELS = {
    "person": _l("Person"),
    "stay": _l("Stay"),
    "family": _l("Family"),
    "user": _l("Portal account"),
}


def audit_field(entry) -> str:
    entity = ENTITY_LABELS.get(entry.entity, entry.entity)
    field = FIELD_LABELS.get(entry.field, entry.field)
    return f"{entity}: {field}"


def number(value) -> str:
    return format_decimal(value)


def percent(value) -> str:
    return format_percent(value, "#,##0%")


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        audit_field=audit_field,
        number=number,
        percent=percent,
        date=date_filter,
        country=country_name,
        language=language_name,
    )
    app.jinja_env.globals.update(format_datetime=format_datetime)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.after_request(add_vary)
