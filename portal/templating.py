"""Jinja filters and globals: locale-aware dates and numbers, country and language names."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, tzinfo
from functools import cache, lru_cache

from babel import Locale, dates
from babel.numbers import NumberPattern
from babel.numbers import parse_pattern as parse_number_pattern
from flask import Flask
from flask_babel import get_locale, get_timezone
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean
from sqlalchemy.types import TypeEngine

from portal.extensions import db
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


@lru_cache(maxsize=8192, typed=True)
def _date_text(value: date, fmt: str, locale: Locale, zone: tzinfo) -> str:
    """One date or moment as babel writes it, remembered: babel formats each field of the
    pattern with look-ups in the locale's data (a moment took 29 µs, a day 9 µs; now 4 µs
    remembered), and a person's page prints twenty-odd of them, mostly the same few days."""
    if isinstance(value, datetime):
        return dates.format_datetime(value, fmt, tzinfo=zone, locale=locale)
    return dates.format_date(value, fmt, locale=locale)


def date_filter(value: date | datetime | None, fmt: str = "medium") -> str:
    """What flask-babel's `format_date` / `format_datetime` print (the portal sets no formats
    of its own: `fmt` is babel's), in the request's locale and time zone."""
    if value is None:
        return ""
    return _date_text(value, fmt, get_locale(), get_timezone())


# A date as an official text cites an act (issue 19): kk «2013 жылғы 22 шілдедегі» (the
# month in its -дағы/-дегі/-тағы/-тегі form, by vowel harmony and its last sound), ru «22 июля
# 2013 года», en "22 July 2013". Babel has no such pattern.
_KK_MONTH_OF = ("қаңтардағы", "ақпандағы", "наурыздағы", "сәуірдегі", "мамырдағы", "маусымдағы",
                "шілдедегі", "тамыздағы", "қыркүйектегі", "қазандағы", "қарашадағы",
                "желтоқсандағы")  # fmt: skip


def official_date(value: date | None) -> str:
    """A date as a letter prints it: kk «2026 жылғы 29 қараша» (babel's long format abbreviates
    the year: «2026 ж. 29 қараша»), ru and en babel's long format («29 ноября 2026 г.»)."""
    if value is None:
        return ""
    if str(get_locale()) == "kk":
        return f"{value.year} жылғы {dates.format_date(value, 'd MMMM', locale='kk')}"
    return date_filter(value, "long")


def citation_date(value: date) -> str:
    """`value` as a legal citation gives the date of an act, in the current language."""
    lang = str(get_locale())
    if lang == "kk":
        return f"{value.year} жылғы {value.day} {_KK_MONTH_OF[value.month - 1]}"
    text = dates.format_date(value, "d MMMM y", locale=get_locale())
    return f"{text} года" if lang == "ru" else text


# Labels of the recorded fields, for the change history on the person's, the centre's and the
# administrator's pages (issue 15): by field, and by (record, field) where a record means
# something else by it (`register_audit_labels` adds a feature's own).
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
    "region_id": _l("Region"),
    "centre_id": _l("Centre"),
    "name_kk": _l("Name in Kazakh"),
    "name_ru": _l("Name in Russian"),
    "name_en": _l("Name in English"),
    "address_kk": _l("Postal address in Kazakh"),
    "address_ru": _l("Postal address in Russian"),
    "address_en": _l("Postal address in English"),
    "email": _l("Email"),
    "floor": _l("Floor"),
    "number": _l("Number"),
    "room_id": _l("Room"),
    "service_id": _l("Service"),
    "title": _l("Title"),
    "level": _l("Level"),
    "teacher_id": _l("Teacher"),
    "capacity": _l("Places"),
    "weekdays": _l("Days of the week"),
    "starts_at_time": _l("Starts at"),
    "ends_at_time": _l("Ends at"),
    "starts_at": _l("Starts at"),
    "ends_at": _l("Ends at"),
    "cancelled": _l("Cancelled"),
    "activity_id": _l("Course or event"),
    "session_id": _l("Session"),
    "case_id": _l("Case"),
    "staff_id": _l("Staff member"),
    "status": _l("Status"),
    "seat": _l("Seat"),
    "cancelled_at": _l("Cancelled on"),
    "decided_on": _l("Decided on"),
    "decided_by_id": _l("Decided by"),
    "application_id": _l("Kandas status application"),
    "registered_on": _l("Registered on"),
    "caseworker_id": _l("Caseworker"),
    "code": _l("Code"),
    "due_on": _l("Due by"),
    "opened_on": _l("Opened on"),
    "closed_on": _l("Closed on"),
    "outcome": _l("Outcome"),
    "file_name": _l("Scan"),
    "content_type": _l("Type of the scan"),
    "size": _l("Size of the scan, bytes"),
}
RECORD_FIELD_LABELS: dict[tuple[str, str], object] = {
    ("centre", "kind"): _l("Kind of centre"),
    ("room", "number"): _l("Room number"),
    ("room", "use"): _l("Room for"),
    ("bed", "label"): _l("Bed"),
    ("bed_in_service", "start_on"): _l("In service from"),
    ("bed_in_service", "end_on"): _l("Out of service from"),
    ("activity", "kind"): _l("Course or event"),
    ("activity", "language"): _l("Language of the course"),
    ("activity", "start_on"): _l("First day"),
    ("activity", "end_on"): _l("Last day"),
    ("attendance", "code"): _l("Mark"),
    ("calendar_override", "day"): _l("Date"),
    ("calendar_override", "kind"): _l("This day is"),
    ("calendar_override", "note"): _l("Reason"),
    ("quota_application", "submitted_on"): _l("Submitted on"),
    ("region", "kind"): _l("Kind of region"),
    ("service", "modes"): _l("How it is delivered"),
    ("service_case", "request"): _l("What the person asks for"),
    ("service_case", "assigned_to_id"): _l("Assigned to"),
    ("service_case", "close_reason"): _l("Reason for closing"),
}
ENTITY_LABELS = {
    "person": _l("Person"),
    "stay": _l("Stay"),
    "family": _l("Family"),
    "user": _l("Portal account"),
    "centre": _l("Centre"),
    "room": _l("Room"),
    "bed": _l("Bed"),
    "bed_in_service": _l("Bed in service"),
    "activity": _l("Course or event"),
    "activity_session": _l("Session"),
    "enrolment": _l("Enrolment"),
    "attendance": _l("Attendance"),
    "service_case": _l("Case"),
    "appointment": _l("Appointment"),
    "quota_application": _l("Regional-quota application"),
    "calendar_override": _l("Working-day correction"),
    "setting": _l("Setting"),
    "region": _l("Region"),
    "service": _l("Service"),
}
# How a recorded value of (record, field) is written, where the column's type does not say
# (`register_audit_values`, `register_audit_formatter`).
FORMATTERS: dict[tuple[str, str], Callable[[str], str]] = {}
YES_NO = {"true": _l("yes"), "false": _l("no")}


def register_audit_labels(entity: str, fields: Mapping[str, object]) -> None:
    """A feature names the fields of its record `entity` for the history (lazy strings), e.g.
    the settings, whose entries carry the setting's key as the field."""
    RECORD_FIELD_LABELS.update({(entity, field): label for field, label in fields.items()})


def register_audit_entity(entity: str, label: object) -> None:
    """A feature names its record `entity` for the history (a lazy string)."""
    ENTITY_LABELS[entity] = label


def register_audit_values(entity: str, field: str, labels: Mapping[str, object]) -> None:
    """A feature names the stored values of a field of `entity` (an enumeration's values,
    where the labels do not live on the enumeration)."""
    FORMATTERS[entity, field] = lambda value: str(labels.get(value, value))


def register_audit_formatter(entity: str, field: str, show: Callable[[str], str]) -> None:
    """A feature writes a recorded value of `entity`.`field` in words (a structured value)."""
    FORMATTERS[entity, field] = show


register_audit_values(
    "region", "kind", {"region": _l("Region"), "city": _l("City of republican significance")}
)


def audit_field(entry) -> str:
    entity = ENTITY_LABELS.get(entry.entity, entry.entity)
    field = RECORD_FIELD_LABELS.get((entry.entity, entry.field)) or FIELD_LABELS.get(
        entry.field, entry.field
    )
    return f"{entity}: {field}"


@cache
def _column_types() -> dict[tuple[str, str], TypeEngine]:
    return {(t.name, c.name): c.type for t in db.metadata.tables.values() for c in t.columns}


def audit_value(value: str | None, entry) -> str:
    """A recorded value as the history shows it: yes or no, an enumeration's label, otherwise
    the text as stored (dates in ISO form); a dash for nothing."""
    if value is None:
        return "—"
    show = FORMATTERS.get((entry.entity, entry.field))
    if show is not None:
        return show(value)
    kind = _column_types().get((entry.entity, entry.field))
    if isinstance(kind, Boolean):
        return str(YES_NO.get(value, value))
    labelled = getattr(kind, "enum_class", None)
    if labelled is not None and hasattr(labelled, "label"):
        try:
            return labelled(value).label
        except ValueError:
            return value
    return value


@cache
def _number_pattern(pattern: str | None, code: str) -> NumberPattern:
    """A number pattern parsed once per process and locale, not once per cell (babel parses
    it on every call: 8,160 percentages of a national occupancy report took 0.3 s; issue 16)."""
    locale = Locale.parse(code)
    return parse_number_pattern(pattern or locale.decimal_formats[None].pattern)


@lru_cache(maxsize=8192, typed=True)
def _formatted(value, pattern: str | None, code: str) -> str:
    """One number as babel writes it, remembered: a report's cells repeat the same counts and
    ratios (a ratio has at most 1,001 values), and babel's `apply` costs some 25 µs a call."""
    return _number_pattern(pattern, code).apply(value, Locale.parse(code))


def format_number(value, pattern: str | None = None, code: str | None = None) -> str:
    """`value` in the locale `code` (the current one when None) with a babel number pattern
    (the locale's decimal one when None): what flask-babel's `format_decimal`/`format_percent`
    print, the pattern parsed once and each figure formatted once per process and locale."""
    return _formatted(value, pattern, code or str(get_locale()))


def number(value) -> str:
    return format_number(value)


def percent(value) -> str:
    return format_number(value, "#,##0%")


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        audit_field=audit_field,
        audit_value=audit_value,
        number=number,
        percent=percent,
        date=date_filter,
        citation_date=citation_date,
        official_date=official_date,
        country=country_name,
        language=language_name,
    )
    app.jinja_env.globals.update(format_datetime=date_filter)  # a moment with a pattern
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.after_request(add_vary)
