"""Write the change history of personal data from the ORM session, in the same transaction.

Models that set `__audited__ = True` have every created, changed and deleted column recorded
as one `AuditEntry` per field (who, when, old → new). Views do not call this: it listens to the
session, so no operation can forget it.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

from flask import g, has_app_context, has_request_context
from flask_login import current_user
from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from portal.audit.models import AccessLog, AuditEntry
from portal.clock import now_utc
from portal.extensions import db


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
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


def _rows(session: Session) -> list[dict]:
    now = now_utc()
    actor = current_actor_id()
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
        {
            "at": now,
            "actor_id": actor,
            "action": action,
            "entity": obj.__tablename__,
            "entity_id": obj.id,
            "field": field,
            "old_value": _text(old),
            "new_value": _text(new),
            "person_id": getattr(obj, "audit_person_id", None),
            "family_id": getattr(obj, "audit_family_id", None),
        }
        for action, obj, fields in changes
        for field, old, new in fields
    ]


@event.listens_for(Session, "after_flush")
def _record_changes(session: Session, _ctx) -> None:
    rows = _rows(session)
    if rows:
        session.connection().execute(insert(AuditEntry), rows)


def log_view(person_id: int, view: str) -> None:
    """Record that the signed-in user opened a person's file (committed with the request)."""
    db.session.add(AccessLog(user_id=current_user.id, person_id=person_id, view=view))
