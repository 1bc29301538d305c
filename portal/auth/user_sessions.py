"""Sessions as records: each log-in is a `UserSession`, named in the session cookie by its id and
a random secret, so that one session can end while the person's others go on (OWASP ASVS V3).

The cookie (Flask's signed session) carries `"<id>.<secret>"` as Flask-Login's user id. The
user loader (`load`) reads the account and the session in one query, together with the two
limits from the administrator's settings, and accepts the session only if

- the secret's SHA-256 matches (compared in constant time),
- it has not been ended (log-out, "end all other sessions", a password change, a reset by
  staff, a lock),
- it has been used within the idle timeout (`SESSION_IDLE_MINUTES`) and is younger than the
  absolute lifetime (`SESSION_MAX_HOURS`), and
- the account is active.

Anything else, an old-format cookie included, is simply not logged in.

How "last seen" moves without a write on every request, and without a commit in a hook
--------------------------------------------------------------------------------------
The portal's rule is that no request hook writes and a view commits at most once, itself: a GET
that changes nothing must not take the database's write lock. Idle time, though, has to be
counted from reads too: a coordinator reading reports for an hour is not idle. So:

- `last_seen_at` moves only when it is older than `TOUCH_EVERY` (5 minutes): at most one small
  write per session per 5 minutes, whatever the traffic; a page inside that window sends the
  one SELECT of the loader and nothing else. (The idle timeout is therefore counted to within
  5 minutes, and may not be set below 10.)
- When it is due, the loader sends one conditional `UPDATE user_session SET last_seen_at`
  on a connection and transaction of its own (`_touch`), committed at once, not in the
  request's ORM session. In the request's transaction it would either be lost (a GET view
  does not commit) or force a commit outside the view, and it would ride on the view's fate:
  a refused form rolls back, yet the person was there. Its own transaction holds the row for
  a moment only; `SKIP LOCKED` (PostgreSQL; SQLite has one writer and waits its busy
  timeout) means a second request touching the same session at once skips instead of
  waiting, and the `last_seen_at < …` condition makes a touch by a parallel request a no-op.
  A failed touch is logged and the request goes on: it is bookkeeping, not the request.
- Touching only in views that already commit was the alternative; it would leave sessions
  that only read to time out while in use.

Where the ORM session is bound to one connection rather than the engine (the test suite joins
every request to one rolled-back transaction), the touch runs in a savepoint of that
connection instead, since a second connection could neither see the test's rows nor (on
SQLite) write beside its open transaction; there it lasts only as long as the request's own
changes, so the tests of the touch itself run with committing connections (`commits`), on the
production path.

The CSRF token and the language stay in the Flask session across log-in; what identifies the
login (`_user_id`, a new session record with a new secret) is replaced. Rows are kept: the
table is the record of log-ins and of how each session ended (`models.UserSession`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from flask import has_request_context
from flask import session as cookie
from flask_babel import gettext as _
from sqlalchemy import Connection, Engine, Select, bindparam, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.attributes import set_committed_value

from portal.admin import settings
from portal.audit.recorder import current_actor_id
from portal.auth.models import SessionEnd, User, UserSession
from portal.clock import now_utc
from portal.extensions import db

log = logging.getLogger(__name__)

TOUCH_EVERY = timedelta(minutes=5)
USER_AGENT_LENGTH = 200
# Ids beyond a 32-bit integer are refused before they reach the database (PostgreSQL would
# answer "integer out of range" with an error instead of no row).
_MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class Limits:
    """How long a session may stay idle and how long it may last at all."""

    idle: timedelta
    lifetime: timedelta

    @classmethod
    def from_settings(cls, idle_minutes: int, max_hours: int) -> Limits:
        return cls(timedelta(minutes=idle_minutes), timedelta(hours=max_hours))

    def live(self, row: UserSession, now: datetime) -> bool:
        """Not ended, used recently enough and young enough at `now`."""
        return (
            row.ended_at is None
            and now - row.last_seen_at <= self.idle
            and now - row.created_at <= self.lifetime
        )


def limits() -> Limits:
    """The limits in force (two reads of the settings: for the pages that list sessions)."""
    return Limits.from_settings(
        settings.get(settings.SESSION_IDLE_MINUTES), settings.get(settings.SESSION_MAX_HOURS)
    )


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _parse(cookie_id: str) -> tuple[int, str] | None:
    """(session id, secret) from the cookie's user id, or None for anything else."""
    ident, dot, secret = (cookie_id or "").partition(".")
    if not dot or not secret or not (ident.isascii() and ident.isdigit()):
        return None
    session_id = int(ident)
    return (session_id, secret) if 0 < session_id <= _MAX_ID else None


# ---------------------------------------------------------------------------------------------
# Start, load, end
# ---------------------------------------------------------------------------------------------


def start(user: User, *, ip_address: str | None, user_agent: str | None) -> UserSession:
    """A new session for `user` (flushed); `user.get_id()` names it from now on, so that
    `login_user(user)` puts it in the cookie. The view commits."""
    secret = secrets.token_urlsafe(32)
    now = now_utc()
    row = UserSession(
        user_id=user.id,
        token_hash=_digest(secret),
        created_at=now,
        last_seen_at=now,
        ip_address=(ip_address or None) and ip_address[:45],
        user_agent=(user_agent or None) and user_agent[:USER_AGENT_LENGTH],
    )
    db.session.add(row)
    db.session.flush()
    user.login_session = row
    user.login_cookie_id = f"{row.id}.{secret}"
    return row


@cache
def _loading() -> Select:
    """The loader's one statement, built once per process (only its parameter changes)."""
    return (
        select(User, UserSession, *settings.stamp_columns())
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.id == bindparam("session_id"))
    )


def load(cookie_id: str) -> User | None:
    """Flask-Login's user loader: the account whose live session the cookie names, or None.
    One query (account, session and the settings' stamp); a second, separate one every
    `TOUCH_EVERY` at most (see the module's docstring)."""
    parsed = _parse(cookie_id)
    if parsed is None:
        return None
    session_id, secret = parsed
    found = db.session.execute(_loading(), {"session_id": session_id}).first()
    if found is None:
        return None
    user, row, *stamp = found
    if not hmac.compare_digest(row.token_hash, _digest(secret)):
        return None
    now = now_utc()
    settings.seen(*stamp)  # the limits below are read again only if the settings changed
    in_force = Limits.from_settings(
        settings.get(settings.SESSION_IDLE_MINUTES), settings.get(settings.SESSION_MAX_HOURS)
    )
    if not user.active or not in_force.live(row, now):
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        _touch(row, now)
        if has_request_context():
            # Re-sign the cookie too: Flask refuses a signature older than
            # PERMANENT_SESSION_LIFETIME (8 h), which would cut a session in use at 8 h after
            # the log-in whatever the settings say; refreshed with each touch, it only ever
            # outlives an idle session (the idle timeout is at most 8 h).
            cookie.modified = True
    user.login_session = row
    user.login_cookie_id = cookie_id
    return user


@contextmanager
def _own_transaction() -> Iterator[Connection]:
    """A transaction apart from the request's, committed at the end of the block: on a fresh
    connection from the engine's pool, or in a savepoint where the ORM session is bound to one
    connection (the test suite)."""
    bind = db.session.get_bind()
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            yield conn
    else:
        with bind.begin_nested():
            yield bind


def _touch(row: UserSession, now: datetime) -> None:
    """Move `last_seen_at` to `now`, committed on its own (see the module's docstring)."""
    due = (
        select(UserSession.id)
        .where(UserSession.id == row.id, UserSession.last_seen_at <= now - TOUCH_EVERY)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    try:
        with _own_transaction() as conn:
            conn.execute(update(UserSession).where(UserSession.id == due).values(last_seen_at=now))
    except OperationalError:  # the database busy beyond its timeout: try again next time
        log.warning("could not record the use of session %s", row.id, exc_info=True)
        return
    set_committed_value(row, "last_seen_at", now)  # this request sees what was written


def end(row: UserSession, reason: SessionEnd) -> None:
    """End one session (the view commits)."""
    if row.ended_at is None:
        row.ended_at = now_utc()
        row.end_reason = reason
        row.ended_by_id = current_actor_id()


def end_all(user: User, reason: SessionEnd, keep: UserSession | None = None) -> int:
    """End every session of `user` that has not ended, except `keep`; how many ended.
    Sessions that ran out of time are ended too, so that a longer limit set later cannot
    bring them back."""
    if user.id is None:  # an account being created has no session yet
        return 0
    query = select(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)
    )
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    rows = db.session.scalars(query).all()
    for row in rows:
        end(row, reason)
    return len(rows)


# ---------------------------------------------------------------------------------------------
# The list on the password page
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenSession:
    started: datetime
    last_seen: datetime
    address: str
    browser: str  # "Firefox on Windows", in the page's language
    user_agent: str
    current: bool


def open_sessions(user: User, in_force: Limits) -> list[OpenSession]:
    """The sessions of `user` that are live now, the current one first, then the newest."""
    now = now_utc()
    current = user.login_session.id if user.login_session is not None else None
    rows = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .order_by(UserSession.created_at.desc(), UserSession.id.desc())
    )
    found = [
        OpenSession(
            started=row.created_at,
            last_seen=row.last_seen_at,
            address=row.ip_address or "",
            browser=describe_browser(row.user_agent),
            user_agent=row.user_agent or "",
            current=row.id == current,
        )
        for row in rows
        if in_force.live(row, now)
    ]
    return sorted(found, key=lambda s: not s.current)


# Most specific first: Edge, Opera and Yandex also name Chrome and Safari in their user agent.
_BROWSERS = (
    ("Edg", "Edge"),
    ("OPR", "Opera"),
    ("YaBrowser", "Yandex Browser"),
    ("SamsungBrowser", "Samsung Internet"),
    ("Firefox", "Firefox"),
    ("FxiOS", "Firefox"),
    ("CriOS", "Chrome"),
    ("Chromium", "Chromium"),
    ("Chrome", "Chrome"),
    ("Version/[0-9.]+ (Mobile/[0-9A-Z]+ )?Safari", "Safari"),
)
_SYSTEMS = (
    ("Windows", "Windows"),
    ("Android", "Android"),
    ("iPhone|iPad|iPod", "iOS"),
    ("Mac OS X|Macintosh", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def describe_browser(user_agent: str | None) -> str:
    """A browser and system a person recognises, from the User-Agent header."""
    ua = user_agent or ""
    browser = next((name for pattern, name in _BROWSERS if re.search(pattern, ua)), None)
    system = next((name for pattern, name in _SYSTEMS if re.search(pattern, ua)), None)
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or system or _("Unknown browser")
