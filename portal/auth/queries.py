"""What other features read of the accounts: a centre's active staff (who may teach a course,
take a case, receive a resident). Plain functions; never the request."""

from __future__ import annotations

from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.roles import Role


def centre_staff(centre_id: int) -> list[User]:
    """The active staff accounts of a centre, by name."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == Role.STAFF, User.centre_id == centre_id, User.active.is_(True))
            .order_by(User.full_name, User.id)
        )
    )
