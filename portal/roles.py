"""The four roles and what the scoping layer needs to know of a user (ground floor: no feature
imports this module's callers' models, so `access` can read a user without importing `auth`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    STAFF = "staff"
    RESIDENT = "resident"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.ADMIN: _l("National administrator"),
    Role.COORDINATOR: _l("Regional coordinator"),
    Role.STAFF: _l("Centre staff"),
    Role.RESIDENT: _l("Resident"),
}

STAFF_SIDE = (Role.ADMIN, Role.COORDINATOR, Role.STAFF)
EDITORS = (Role.ADMIN, Role.STAFF)


class ScopeFacts(Protocol):
    """What decides a user's scope: the role and the one region, centre or person it is bound
    to (`auth.models.User` has them, and so may a CLI's or a nightly export's stand-in)."""

    role: Role
    region_id: int | None
    centre_id: int | None
    person_id: int | None


@dataclass(frozen=True)
class Facts:
    """A user's `ScopeFacts` as a value: the key under which a statement built for that scope
    is kept and used again (issue 16: building a report's or the menu's statements cost as
    much as running them)."""

    role: Role
    region_id: int | None
    centre_id: int | None
    person_id: int | None

    @classmethod
    def of(cls, user: ScopeFacts) -> Facts:
        return cls(user.role, user.region_id, user.centre_id, user.person_id)
