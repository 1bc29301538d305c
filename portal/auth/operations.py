"""Residents' accounts: staff open one from the person's page and hand over a one-time code;
the resident chooses a password with it. Staff can reset an account (a new code; the old
password and every session stop working) but never read a password. And every account's
password change, which ends the person's other sessions (`user_sessions`).

The code is random (10 characters from an alphabet without look-alikes), kept only as an
Argon2 hash, valid for ONE_TIME_CODE_DAYS, and void after MAX_ATTEMPTS wrong tries, so it
cannot be guessed through the activation form.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.auth import user_sessions
from portal.auth.models import SessionEnd, User, UserSession
from portal.auth.passwords import hash_secret, pretend_verify, verify_secret
from portal.clock import now_utc
from portal.extensions import db
from portal.refusals import Refusal
from portal.residents.models import Person
from portal.roles import Role

ONE_TIME_CODE_DAYS = 7
MAX_ATTEMPTS = 5
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CODE_LENGTH = 10


class AccountError(Refusal):
    """A refused change to an account (see `portal.refusals.Refusal`)."""


def normalise_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").upper()


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def account_of(person: Person) -> User | None:
    return db.session.scalar(select(User).where(User.person_id == person.id))


def suggest_username(person: Person) -> str:
    """surname.given in Latin letters, made unique with a number if needed."""
    latin = (person.name_latin or "").lower().split()
    base = ".".join(re.sub(r"[^a-z0-9]", "", part) for part in latin[:2]) or f"resident{person.id}"
    base = base.strip(".")[:56] or f"resident{person.id}"
    taken = set(
        db.session.scalars(
            select(func.lower(User.username)).where(func.lower(User.username).like(f"{base}%"))
        )
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}{n}" in taken:
        n += 1
    return f"{base}{n}"


def issue_code(user: User) -> str:
    """A new one-time code for `user`: the password, if any, and every session end here."""
    code = _new_code()
    user.one_time_code_hash = hash_secret(normalise_code(code))
    user.one_time_code_expires_at = now_utc() + timedelta(days=ONE_TIME_CODE_DAYS)
    user.one_time_code_attempts = 0
    user.password_hash = None
    user_sessions.end_all(user, SessionEnd.RESET)
    return code


def user_by_login(username: str | None) -> User | None:
    """The account with this login, whatever the letter case (None for none)."""
    return db.session.scalar(
        select(User).where(func.lower(User.username) == (username or "").strip().lower())
    )


def create_resident_account(person: Person, username: str) -> tuple[User, str]:
    if account_of(person) is not None:
        raise AccountError(_l("%(name)s already has an account.", name=person.full_name))
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise AccountError(_l("This login is taken; choose another."), field="username")
    user = User(
        username=username,
        full_name=person.full_name,
        role=Role.RESIDENT,
        person_id=person.id,
        locale="kk",
        password_hash=None,
    )
    db.session.add(user)
    code = issue_code(user)
    db.session.flush()
    return user, code


def reset(user: User) -> str:
    if user.role != Role.RESIDENT:
        raise AccountError(_l("Only residents' accounts are reset here."))
    user.active = True
    return issue_code(user)


def set_active(user: User, active: bool) -> None:
    user.active = active
    if not active:
        user_sessions.end_all(user, SessionEnd.LOCKED)  # logged out everywhere


def change_password(user: User, password: str, current: UserSession | None) -> None:
    """A new password chosen by the person: every other session of theirs ends, this one
    (`current`) goes on."""
    user.set_password(password)
    user_sessions.end_all(user, SessionEnd.PASSWORD_CHANGED, keep=current)


def code_pending(user: User, now: datetime | None = None) -> bool:
    now = now or now_utc()
    return bool(
        user.one_time_code_hash
        and user.one_time_code_expires_at
        and user.one_time_code_expires_at > now
        and user.one_time_code_attempts < MAX_ATTEMPTS
    )


def redeem(username: str, code: str, password: str) -> User | None:
    """Set the password of the account whose one-time code this is; None if the login, the
    code or its validity is wrong (a wrong code counts as an attempt)."""
    user = user_by_login(username)
    if user is None or not user.active or not code_pending(user):
        pretend_verify(code)  # as long as a wrong code takes
        return None
    if not verify_secret(user.one_time_code_hash, normalise_code(code)):
        user.one_time_code_attempts += 1
        return None
    user.set_password(password)
    user_sessions.end_all(user, SessionEnd.PASSWORD_SET)
    user.one_time_code_hash = None
    user.one_time_code_expires_at = None
    user.one_time_code_attempts = 0
    return user


def authenticate(username: str, password: str) -> User | None:
    """The active account with this login and password, or None. Every refusal costs one
    Argon2 verification, the unknown login's included (`pretend_verify`), so the time does
    not tell logins that exist from those that do not."""
    user = user_by_login(username)
    if user is None or not user.active or not user.password_hash:
        pretend_verify(password)
        return None
    if not user.check_password(password):
        return None
    user.last_login_at = now_utc()
    return user
