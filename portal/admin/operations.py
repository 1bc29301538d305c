"""The administrator's corrections to the working-day calendar (the view commits), and the
loader through which `portal.workdays` reads them."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import workdays
from portal.admin.models import CalendarOverride
from portal.extensions import db
from portal.workdays import DayKind


class CalendarError(ValueError):
    """A refused calendar correction, with a translated message."""


DATE_TAKEN = _l("This date already has a correction. Delete it first.")


def corrections(first: date, last: date) -> list[tuple[date, DayKind, str]]:
    """The corrections of first..last, for `portal.workdays` (one query)."""
    rows = db.session.execute(
        select(CalendarOverride.day, CalendarOverride.kind, CalendarOverride.note).where(
            CalendarOverride.day >= first, CalendarOverride.day <= last
        )
    )
    return [tuple(row) for row in rows]


workdays.register_corrections(corrections)


def overrides_between(first: date, last: date) -> list[CalendarOverride]:
    return list(
        db.session.scalars(
            select(CalendarOverride)
            .where(CalendarOverride.day >= first, CalendarOverride.day <= last)
            .order_by(CalendarOverride.day)
        )
    )


def add_override(day: date, kind: DayKind, note: str, user) -> CalendarOverride:
    """Record a correction to the calendar from a government decree; one per date."""
    if db.session.scalar(select(CalendarOverride.id).where(CalendarOverride.day == day)):
        raise CalendarError(DATE_TAKEN)
    row = CalendarOverride(day=day, kind=kind, note=note, created_by_id=user.id if user else None)
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError as e:  # the same date entered at the same moment by someone else
        db.session.rollback()
        raise CalendarError(DATE_TAKEN) from e
    return row


def delete_override(row: CalendarOverride) -> None:
    """Remove a correction: the day follows the public-holiday calendar again."""
    db.session.delete(row)
    db.session.flush()
