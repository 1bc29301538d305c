"""The user account: one role, and the one region, centre or person that role is bound to;
and its sessions, one record per log-in (see `portal.auth.user_sessions`)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accommodation.models import Centre, Region
from portal.auth.passwords import hash_secret, needs_rehash, verify_secret
from portal.clock import now_utc
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
            "last_login_at",
            "one_time_code_hash",
            "one_time_code_attempts",
            "calendar_token",
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
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A one-time code handed over by staff: the resident sets (or resets) a password with it.
    # Only its hash is kept; it expires, and a few wrong tries void it.
    one_time_code_hash: Mapped[str | None] = mapped_column(String(200))
    one_time_code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    one_time_code_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    # Consecutive wrong passwords, and until when log-in is refused after too many of them
    # (counted in the database, so the limit holds across every gunicorn worker and host).
    # The secret part of the resident's subscribable timetable URL (.ics); None = no feed.
    # Kept readable (not hashed) so the page can show the address again; replacing or
    # clearing it revokes every calendar app that subscribed with the old one.
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    region: Mapped[Region | None] = relationship()
    centre: Mapped[Centre | None] = relationship()
    person = relationship("Person")

    # The log-in this object was loaded with (or has just started): set by
    # `portal.auth.user_sessions`, never stored on the account.
    login_session = None
    login_cookie_id = None

    # Flask-Login: what the session cookie carries is the session record's id and secret, not
    # the account's id, so that each log-in can end on its own.
    def get_id(self) -> str:
        if self.login_cookie_id is None:
            raise RuntimeError("no session: start one with portal.auth.user_sessions.start")
        return self.login_cookie_id

    @property
    def is_active(self) -> bool:
        return self.active

    def set_password(self, password: str) -> None:
        """Only the hash: which sessions end with the old password is the operation's choice
        (`portal.auth.operations`)."""
        self.password_hash = hash_secret(password)

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


class SessionEnd(StrEnum):
    """Why a session ended (a session that runs out of time is not marked: it is refused)."""

    LOGGED_OUT = "logged_out"
    ENDED_FROM_ANOTHER = "ended_from_another"  # "end all other sessions"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_SET = "password_set"  # a new password with a one-time code
    RESET = "reset"  # staff issued a new one-time code
    LOCKED = "locked"


class UserSession(db.Model):
    """One log-in: the session cookie names it by id and carries its secret, of which only the
    SHA-256 is kept (the secret is 256 random bits, so a plain hash is enough: no guessing
    to slow down).

    Rows are never deleted, so the table is itself the record of who logged in when, from
    which address and browser, and when, why and by whom each session was ended; it is not
    copied field by field into the change history (`__audited__`), which is for personal
    data and would show every log-in on the resident's person page.
    """

    __tablename__ = "user_session"
    __table_args__ = (
        CheckConstraint(
            "(ended_at IS NULL AND end_reason IS NULL)"
            " OR (ended_at IS NOT NULL AND end_reason IS NOT NULL)",
            name="ended_with_reason",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # Moved on at most every few minutes (`user_sessions.TOUCH_EVERY`), not on every request.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[SessionEnd | None] = mapped_column(str_enum(SessionEnd, "session_end"))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))
