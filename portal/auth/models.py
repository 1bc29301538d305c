"""The user account: one role, and the one region, centre or person that role is bound to."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accommodation.models import Centre, Region
from portal.auth.passwords import hash_secret, needs_rehash, verify_secret
from portal.db import Timestamped, UTCDateTime
from portal.enums import str_enum
from portal.extensions import db
from portal.roles import Role


class User(UserMixin, Timestamped, db.Model):
    # Accounts are recorded like personal data (who created a resident's account, who reset
    # it, who locked it); secrets and log-in bookkeeping are not.
    __audited__ = True
    __audit_ignore__ = frozenset(
        {
            "password_hash",
            "session_token",
            "last_login_at",
            "one_time_code_hash",
            "one_time_code_attempts",
            "calendar_token",
            "failed_logins",
            "login_blocked_until",
        }
    )
    __table_args__ = (
        CheckConstraint(
            "(role = 'admin' AND region_id IS NULL AND centre_id IS NULL AND person_id IS NULL)"
            " OR (role = 'coordinator' AND region_id IS NOT NULL AND centre_id IS NULL"
            " AND person_id IS NULL)"
            " OR (role = 'staff' AND centre_id IS NOT NULL AND region_id IS NULL"
            " AND person_id IS NULL)"
            " OR (role = 'resident' AND person_id IS NOT NULL AND region_id IS NULL"
            " AND centre_id IS NULL)",
            name="role_binding",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    # None until a resident sets a password with their one-time code.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centre.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), unique=True)
    locale: Mapped[str] = mapped_column(String(5), default="kk")
    # Part of the session cookie's user id: rotating it logs out every session of the user.
    session_token: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16))
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A one-time code handed over by staff: the resident sets (or resets) a password with it.
    # Only its hash is kept; it expires, and a few wrong tries void it.
    one_time_code_hash: Mapped[str | None] = mapped_column(String(200))
    one_time_code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    one_time_code_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    # Consecutive wrong passwords, and until when log-in is refused after too many of them
    # (counted in the database, so the limit holds across every gunicorn worker and host).
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    login_blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The secret part of the resident's subscribable timetable URL (.ics); None = no feed.
    # Kept readable (not hashed) so the page can show the address again; replacing or
    # clearing it revokes every calendar app that subscribed with the old one.
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    region: Mapped[Region | None] = relationship()
    centre: Mapped[Centre | None] = relationship()
    person = relationship("Person")

    # Flask-Login
    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = hash_secret(password)
        self.session_token = secrets.token_hex(16)

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            return False
        if not verify_secret(self.password_hash, password):
            return False
        if needs_rehash(self.password_hash):
            self.password_hash = hash_secret(password)
        return True

    @property
    def audit_person_id(self) -> int | None:
        return self.person_id

    @property
    def can_edit(self) -> bool:
        """Staff and the administrator change records; coordinators and residents read."""
        return self.role in (Role.ADMIN, Role.STAFF)

    @property
    def is_staff_side(self) -> bool:
        return self.role != Role.RESIDENT
