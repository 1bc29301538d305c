"""The one scoping layer: every query that reads personal data goes through it.

What a user may see, by role:
- admin: everything;
- coordinator: the centres of their region and everything in them;
- staff: their centre and everything in it;
- resident: their own family (and its centre's public details).

The same rules cover everything that hangs off those records: stays, status applications and
their documents and checks, and the C8 services (activities and sessions by centre; a person's
enrolments, cases and appointments by centre for the staff side, by family for a resident).

Each feature declares the scope of its models beside them (`portal/<feature>/scopes.py`, with
`@scope(Model)`); this module keeps the registry and names no feature model. `scoped(Model)` is
the select to start from; `get_or_404(Model, id)` loads one record or answers 404, so a record outside the user's scope is indistinguishable from a missing one.
Which roles may use a page at all is a separate step: `roles_required(...)` answers 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import ColumnElement, Select, select, true

from portal.bounds import valid_id
from portal.extensions import db
from portal.roles import EDITORS, STAFF_SIDE, Role, ScopeFacts

__all__ = [
    "EDITORS",
    "STAFF_SIDE",
    "get_or_404",
    "roles_required",
    "scope",
    "scoped",
    "visible",
    "visible_ids",
]

Criterion = Callable[[ScopeFacts], ColumnElement[bool]]

# model → its criterion for a user who is not the administrator; filled by each feature's
# `scopes.py` (imported with the models), so that this module names no feature model.
_criteria: dict[type, Criterion] = {}


def scope(model: type) -> Callable[[Criterion], Criterion]:
    """Declare, beside a feature's models, what of `model` a user who is not the administrator
    may see: `@scope(Room)` on a function from the user to a WHERE criterion."""

    def register(criterion: Criterion) -> Criterion:
        _criteria[model] = criterion
        return criterion

    return register


def visible(model, user: ScopeFacts) -> ColumnElement[bool]:
    """The WHERE criterion that limits `model` to what `user` may see."""
    if user.role == Role.ADMIN:
        return true()
    try:
        criterion = _criteria[model]
    except KeyError:
        raise LookupError(f"no scope is defined for {model.__name__}") from None
    return criterion(user)


def visible_ids(model, user: ScopeFacts) -> Select:
    """A subquery of the ids of the `model` records the user may see."""
    if user.role == Role.ADMIN:
        return select(model.id)
    return select(model.id).where(visible(model, user))


def scoped(model, *entities) -> Select:
    """`select(model)` limited to what the current user may see."""
    return select(model, *entities).where(visible(model, current_user))


def get_or_404(model, ident: int, *options):
    """One record the current user may see, or 404 (an id no table can hold included)."""
    if not valid_id(ident):
        abort(404)
    stmt = scoped(model).where(model.id == ident)
    if options:
        stmt = stmt.options(*options)
    obj = db.session.scalar(stmt)
    if obj is None:
        abort(404)
    return obj


def roles_required(*roles: Role):
    """Only these roles may use the page (403 for the others); requires log-in."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator

