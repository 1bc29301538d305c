"""The change history as pages show it: the newest entries of a person, of a centre's
operational records, or of some kinds of record (the administrator's settings and calendar
corrections), with who made them. Each is one statement, and one more for the actors,
however long the history (issue 15); the centre's is read a page at a time.

Plain functions of typed arguments; the caller has already checked through the scoping layer
that the user may see the person or the centre.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import selectinload

from portal.audit.models import AuditEntry

HISTORY_ROWS = 20  # the newest on a person's page; the rest on their history's pages
PERSON_ROWS = 50  # a page of a person's whole history
CENTRE_ROWS = 50  # a page of the centre's history
CENTRE_LATEST = 10  # the newest, on the centre's dashboard
ADMIN_ROWS = 100  # the settings and the calendar

# What the centre's page calls its own records (issue 15): rooms, beds and their time in
# service, courses and events and their sessions, the centre itself. Sessions are created with
# their course, whose own entries say when they fall: the centre's page leaves their creation
# out (it stays recorded) and shows them moved or cancelled.
CENTRE_RECORDS = ("centre", "room", "bed", "bed_in_service", "activity", "activity_session")
SETTING = "setting"
CALENDAR = "calendar_override"


def _newest(condition: ColumnElement[bool], limit: int | None) -> Select:
    stmt = (
        select(AuditEntry)
        .where(condition)
        .options(selectinload(AuditEntry.actor))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    )
    return stmt if limit is None else stmt.limit(limit)


def of_person(person_id: int, limit: int | None = HISTORY_ROWS) -> Select:
    """The newest changes to a person's data (all of them, a page at a time, without limit)."""
    return _newest(AuditEntry.person_id == person_id, limit)


def of_centre(centre_id: int, limit: int | None = None) -> Select:
    """The changes to a centre's operational records (see CENTRE_RECORDS), newest first: the
    newest `limit`, or all of them to be read a page (CENTRE_ROWS) at a time."""
    created_session = and_(AuditEntry.entity == "activity_session", AuditEntry.action == "create")
    return _newest(and_(AuditEntry.centre_id == centre_id, ~created_session), limit)


def of_entities(entities: Iterable[str], limit: int = ADMIN_ROWS) -> Select:
    """The newest changes to every record of these kinds (table names)."""
    return _newest(AuditEntry.entity.in_(tuple(entities)), limit)
