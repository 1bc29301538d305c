"""Write the change history of personal and operational data from the ORM session, in the
same transaction.

Models that set `__audited__ = True` have every created, changed and deleted column recorded
as one `AuditEntry` per field (who, when, old → new; on deletion the old values). Views do not
call this: it listens to the session, so no operation can forget it. A model says whose
history an entry belongs to with `audit_person_id`, `audit_family_id` and `audit_centre_id`,
and leaves columns out with `__audit_ignore__`.

Issue 15: every mapped table is audited or named in `AUDIT_EXEMPT` below, with its reason
(tests/audit/test_audited_tables.py holds every table to it). The session's listener does not
see bulk statements, so an ORM `insert()`, `update()` or `delete()` of an audited model through
the session is refused (`UnauditedWrite`): change such records as objects.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import Enum

from flask import g, has_app_context, has_request_context
from flask_login import current_user
from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import ORMExecuteState, Session

from portal.audit.models import AccessLog, AuditEntry
from portal.clock import now_utc
from portal.extensions import db

# Tables left out of the change history, each for its reason; every other mapped table is
# audited (issue 15). Only machinery and records that are themselves a history belong here.
AUDIT_EXEMPT = frozenset(
    {
        "audit_entry",  # the change history itself
        "access_log",  # the log of who opened whose file: itself a record, only ever added to
        "user_session",  # log-ins: never deleted, itself the record of who logged in when
        "outbox_message",  # delivery machinery; what was sent is kept on the message itself
        "application_event",  # the application's timeline: itself who did what when
        "occupancy_day",  # derived from stays and beds in service (audited), rewritten from them
        "attendance_summary",  # derived from attendance marks (audited), rewritten from them
        "scan_blob",  # a scan's bytes, written once, never changed; the document that names it
        # (audited) records its name, size and type; its hash is checked on every read
    }
)


class UnauditedWrite(RuntimeError):
    """A bulk INSERT, UPDATE or DELETE of an audited model: the history would miss it."""


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):  # a JSON column, as JSON (a case's outcome)
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def current_actor_id() -> int | None:
    """The signed-in user, or the actor a CLI command set in `g.actor_id`."""
    actor = g.get("actor_id") if has_app_context() else None
    if actor is not None:
        return actor
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id
    return None


def _columns(obj):
    mapper = inspect(obj).mapper
    ignore = getattr(obj, "__audit_ignore__", frozenset()) | {"id", "created_at"}
    for attr in mapper.column_attrs:
        if attr.key not in ignore:
            yield attr.key


def _audited(objects):
    return (obj for obj in objects if getattr(obj, "__audited__", False))


def _created(obj):
    """(field, old, new) for each value a new record is created with."""
    for key in _columns(obj):
        value = getattr(obj, key)
        if value is not None and value != "":
            yield key, None, value


def _updated(obj):
    """(field, old, new) for each value changed in this flush."""
    state = inspect(obj)
    for key in _columns(obj):
        hist = state.attrs[key].history
        if hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if _text(old) != _text(new):
                yield key, old, new


def _deleted(obj):
    for key in _columns(obj):
        yield key, getattr(obj, key), None


def _where(obj, field: str) -> tuple[int, str]:
    """The entry's record id and field name. A record keyed by name rather than by number (a
    setting) names its key in `__audit_name_key__`: its entries have record id 0 and the key
    as the field (such a model audits one column, its value)."""
    name_key = getattr(obj, "__audit_name_key__", None)
    if name_key:
        return 0, getattr(obj, name_key)
    return obj.id, field


def _entry(obj, action: str, field: str, old, new) -> dict:
    entity_id, name = _where(obj, field)
    return {
        "action": action,
        "entity": obj.__tablename__,
        "entity_id": entity_id,
        "field": name,
        "old_value": _text(old),
        "new_value": _text(new),
        "person_id": getattr(obj, "audit_person_id", None),
        "family_id": getattr(obj, "audit_family_id", None),
        "centre_id": getattr(obj, "audit_centre_id", None),
    }


def _rows(session: Session) -> list[dict]:
    stamp = {"at": now_utc(), "actor_id": current_actor_id()}
    changes = [
        *(("create", obj, _created(obj)) for obj in _audited(session.new)),
        *(
            ("update", obj, _updated(obj))
            for obj in _audited(session.dirty)
            if session.is_modified(obj)
        ),
        *(("delete", obj, _deleted(obj)) for obj in _audited(session.deleted)),
    ]
    return [
        {**stamp, **_entry(obj, action, field, old, new)}
        for action, obj, fields in changes
        for field, old, new in fields
    ]


@event.listens_for(Session, "after_flush")
def _record_changes(session: Session, _ctx) -> None:
    rows = _rows(session)
    if rows:
        session.connection().execute(insert(AuditEntry), rows)


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_writes(state: ORMExecuteState) -> None:
    """Issue 15: a bulk statement on an audited model would change records behind the
    history's back; load the records and change (or delete) them as objects instead."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    if mapper is not None and getattr(mapper.class_, "__audited__", False):
        raise UnauditedWrite(
            f"bulk {type(state.statement).__name__.lower()} of {mapper.class_.__name__}: "
            "change audited records as ORM objects so that the history records them"
        )


def log_view(person_id: int, view: str) -> None:
    """Record that the signed-in user opened a person's file (committed with the request)."""
    db.session.add(AccessLog(user_id=current_user.id, person_id=person_id, view=view))
