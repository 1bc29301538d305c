"""The administrator's settings: typed, with defaults, read by the rest of the portal.

RULES.md Part 2 leaves these to the administrator: the longest stay per kind of centre, the
working days allowed for the status decision after the documents are accepted, and how long a
kandas certificate is valid; each is a whole number from 1 to 3650. Beside them, how long a
session may stay idle and how long it may last at most (ASVS V3.3). Stored as text in `Setting`.

    from portal.admin import settings
    days = settings.get(settings.DECISION_WORKING_DAYS)

Issue 16: the values are read once per process and kept until the settings change. Every
process (and host) sees a change through the settings' *stamp* (how many are stored and when the
newest changed): the user loader reads it within its one query per request (`stamp_columns`,
then `seen`); a request without a signed-in user reads it once. Saving a setting forgets the
values in this process at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import g, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import ScalarSelect, func, select
from sqlalchemy.exc import IntegrityError

from portal import templating
from portal.admin.models import Setting
from portal.auth.models import User
from portal.extensions import db

MAX_STAY_DAYS_ADAPTATION = "MAX_STAY_DAYS_ADAPTATION"
MAX_STAY_DAYS_TEMPORARY = "MAX_STAY_DAYS_TEMPORARY"
DECISION_WORKING_DAYS = "DECISION_WORKING_DAYS"
CERTIFICATE_VALIDITY_DAYS = "CERTIFICATE_VALIDITY_DAYS"
SESSION_IDLE_MINUTES = "SESSION_IDLE_MINUTES"
SESSION_MAX_HOURS = "SESSION_MAX_HOURS"

MIN_VALUE = 1
MAX_VALUE = 3650


RANGE_MESSAGE = _l("Enter a whole number from %(min)s to %(max)s.", min=MIN_VALUE, max=MAX_VALUE)


class SettingError(ValueError):
    """A refused setting value, with a translated message."""


@dataclass(frozen=True)
class Definition:
    key: str
    default: int
    label: str  # lazy strings: translated when shown
    hint: str
    minimum: int = MIN_VALUE
    maximum: int = MAX_VALUE

    @property
    def range_message(self):
        if (self.minimum, self.maximum) == (MIN_VALUE, MAX_VALUE):
            return RANGE_MESSAGE
        return _l(
            "Enter a whole number from %(min)s to %(max)s.", min=self.minimum, max=self.maximum
        )


DEFINITIONS: dict[str, Definition] = {
    d.key: d
    for d in (
        Definition(
            MAX_STAY_DAYS_ADAPTATION,
            180,
            _l("Longest stay in an adaptation and integration centre (days)"),
            _l("Calendar days a family may live in an adaptation and integration centre."),
        ),
        Definition(
            MAX_STAY_DAYS_TEMPORARY,
            90,
            _l("Longest stay in a temporary accommodation centre (days)"),
            _l("Calendar days a family may live in a temporary accommodation centre."),
        ),
        Definition(
            DECISION_WORKING_DAYS,
            10,
            _l("Time for the status decision (working days)"),
            _l(
                "Working days allowed for the decision on kandas status after the documents "
                "are accepted."
            ),
        ),
        Definition(
            CERTIFICATE_VALIDITY_DAYS,
            365,
            _l("Validity of a kandas certificate (days)"),
            _l("Calendar days a kandas certificate is valid from the day it is issued."),
        ),
        Definition(
            SESSION_IDLE_MINUTES,
            60,
            _l("Log-out after inactivity (minutes)"),
            _l("A session that has not been used for this long ends; the person logs in again."),
            minimum=10,  # "last seen" moves every 5 minutes (auth.user_sessions.TOUCH_EVERY)
            maximum=8 * 60,  # the session cookie's signature lasts 8 hours from its last use
        ),
        Definition(
            SESSION_MAX_HOURS,
            12,
            _l("Longest session (hours)"),
            _l("However busy, a session ends this many hours after the log-in."),
            minimum=1,
            maximum=24,
        ),
    )
}


# The history records a setting's key as the field (issue 15): shown by the setting's label.
templating.register_audit_labels("setting", {key: d.label for key, d in DEFINITIONS.items()})


@dataclass(frozen=True)
class Current:
    """A setting as the settings page shows it."""

    definition: Definition
    value: int
    updated_at: datetime | None
    updated_by: str | None

    @property
    def is_default(self) -> bool:
        return self.updated_at is None


def parse(key: str, text: str | None) -> int:
    """The stored value, or the default for a missing or unusable one."""
    d = DEFINITIONS[key]
    try:
        value = int(text) if text is not None else None
    except ValueError:
        value = None
    if value is None or not d.minimum <= value <= d.maximum:
        return d.default
    return value


Stamp = tuple[int, "datetime | None"]


class _Kept:
    """This process's values, and the stamp they were read under."""

    stamp: Stamp | None = None
    values: dict[str, int] = {}


def stamp_columns() -> tuple[ScalarSelect, ScalarSelect]:
    """The settings' stamp as two scalar subqueries, to read within another query."""
    return (
        select(func.count()).select_from(Setting).scalar_subquery(),
        select(func.max(Setting.updated_at)).scalar_subquery(),
    )


def seen(count: int, newest: datetime | None) -> None:
    """The stamp as this request read it (the user loader): no query of its own."""
    if has_app_context():
        g.settings_stamp = (count, newest)


def _stamp() -> Stamp:
    found = g.get("settings_stamp") if has_app_context() else None
    if found is None:
        found = tuple(db.session.execute(select(*stamp_columns())).one())
        if has_app_context():
            g.settings_stamp = found
    return found


def forget() -> None:
    """Read the values again at the next `get` (a setting was saved in this process)."""
    _Kept.stamp = None
    if has_app_context():
        g.pop("settings_stamp", None)


def get(key: str) -> int:
    """The value of setting `key` (one of the constants above), or its default."""
    if key not in DEFINITIONS:
        raise KeyError(key)
    stamp = _stamp()
    if stamp != _Kept.stamp:
        rows = dict(db.session.execute(select(Setting.key, Setting.value)).all())
        _Kept.values = {k: parse(k, rows.get(k)) for k in DEFINITIONS}
        _Kept.stamp = stamp
    return _Kept.values[key]


def all_settings() -> list[Current]:
    """Every setting, in the order of DEFINITIONS, with who changed it last and when."""
    rows = {
        s.key: (s, name)
        for s, name in db.session.execute(
            select(Setting, User.full_name).outerjoin(User, User.id == Setting.updated_by_id)
        )
    }
    result = []
    for key, d in DEFINITIONS.items():
        stored, name = rows.get(key, (None, None))
        result.append(
            Current(
                definition=d,
                value=parse(key, stored.value if stored else None),
                updated_at=stored.updated_at if stored else None,
                updated_by=name,
            )
        )
    return result


def check(key: str, value: int) -> None:
    """Refuse anything but a whole number in the setting's range (SettingError)."""
    if key not in DEFINITIONS:
        raise KeyError(key)
    d = DEFINITIONS[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise SettingError(d.range_message)
    if not d.minimum <= value <= d.maximum:
        raise SettingError(d.range_message)


def set_value(key: str, value: int, user: User | None) -> None:
    """Store one setting (the view commits). An unchanged value is left as it was."""
    check(key, value)
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=str(value), updated_by_id=user.id if user else None))
    elif row.value != str(value):
        row.value = str(value)
        row.updated_by_id = user.id if user else None
    else:
        return
    forget()
    try:
        db.session.flush()
    except IntegrityError as e:  # the same setting first saved at the same moment elsewhere
        db.session.rollback()
        raise SettingError(
            _l("Someone else saved the settings at the same moment. Try again.")
        ) from e


def save_settings(values: dict[str, int], user: User | None) -> None:
    """Store several settings together: every value is checked before any is written."""
    for key, value in values.items():
        check(key, value)
    for key, value in values.items():
        set_value(key, value, user)
