"""The transactional outbox: requests to the state systems, sent at least once, applied once.

An operation that needs a state system calls `enqueue(...)` in its own transaction, so the
request exists exactly when the change that needs it was committed. A worker
(`flask --app wsgi worker`) calls `process_due()` in a loop:

1. claim: due PENDING messages whose lease is free get a lease (`locked_by`, `locked_until`),
   committed at once; while a lease holds no other worker takes the message;
2. send each claimed message with no transaction open (a slow system never holds a lock);
3. apply each answer in its own transaction: the message is taken again (row lock), and only
   if it is still PENDING and still leased by this worker is the registered handler called and
   the message marked SENT, in the same commit. A failure counts an attempt and schedules the
   next one with exponential backoff; after the last attempt the message is FAILED, and
   `retry()` puts it back.

A message may be *sent* twice (a worker dies after sending, its lease runs out), but the
systems answer a repeated request_id with their first answer, and an answer is *applied* once.

Settings (app config, else environment): `PORTAL_OUTBOX_BACKOFF_SECONDS` (2: the first retry
waits about 2 s, then 4, 8, … capped at 10 minutes), `PORTAL_OUTBOX_MAX_ATTEMPTS` (12),
`PORTAL_OUTBOX_LEASE_SECONDS` (120).
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import or_, select, update

from portal.clock import now_utc
from portal.extensions import db
from portal.integrations.clients import Gateway, GatewayError, HttpGateway, setting
from portal.integrations.models import MessageKind, MessageStatus, OutboxMessage

log = logging.getLogger("portal.integrations")

DEFAULT_BACKOFF_SECONDS = 2.0
MAX_BACKOFF_SECONDS = 600.0
DEFAULT_MAX_ATTEMPTS = 12
DEFAULT_LEASE_SECONDS = 120.0

Handler = Callable[[OutboxMessage, dict], None]
FailureHandler = Callable[[OutboxMessage], None]
_handlers: dict[MessageKind, Handler] = {}
_failure_handlers: dict[MessageKind, FailureHandler] = {}


# --- Writing messages (called by operations, in the caller's transaction) -------------------


def enqueue(
    kind: MessageKind,
    payload: dict,
    *,
    key: str | None = None,
    application_id: int | None = None,
    person_id: int | None = None,
) -> OutboxMessage:
    """Add a request to the caller's transaction (flushed, not committed).

    `key` is the idempotency key sent as request_id (a fresh uuid4 by default). Dates and enums
    in the payload are stored as ISO strings and their values.
    """
    message = OutboxMessage(
        kind=MessageKind(kind),
        key=key or uuid.uuid4().hex,
        payload=_jsonable(payload),
        status=MessageStatus.PENDING,
        attempts=0,
        next_attempt_at=now_utc(),
        application_id=application_id,
        person_id=person_id,
    )
    db.session.add(message)
    db.session.flush()
    return message


def retry(message: OutboxMessage) -> OutboxMessage:
    """Put a FAILED message back in the queue with a fresh set of attempts (flushed).

    A message still PENDING is left as it is; a SENT one cannot be sent again.
    """
    if message.status == MessageStatus.SENT:
        raise ValueError(f"outbox message {message.id} was already sent")
    if message.status == MessageStatus.FAILED:
        message.status = MessageStatus.PENDING
        message.attempts = 0
        message.next_attempt_at = now_utc()
        message.locked_by = None
        message.locked_until = None
        db.session.flush()
        log.info("retry %s #%s key=%s", message.kind, message.id, message.key)
    return message


def register_handler(kind: MessageKind, fn: Handler | None = None):
    """Register `fn(message, answer)` to apply the answers of one kind of message.

    The handler runs inside the transaction that marks the message SENT: it changes the
    database through `db.session` (flush, never commit). It may enqueue further messages. A
    kind without a handler only keeps its answer in `message.response`. Registering again
    replaces the previous handler. Usable as a decorator: `@register_handler(kind)`.
    """
    kind = MessageKind(kind)
    if fn is None:
        return lambda f: register_handler(kind, f)
    _handlers[kind] = fn
    return fn


def handler_for(kind: MessageKind) -> Handler | None:
    return _handlers.get(MessageKind(kind))


def register_failure_handler(kind: MessageKind, fn: FailureHandler) -> FailureHandler:
    """Register `fn(message)`, called when a message of this kind used its last attempt, in
    the transaction that marks it FAILED (flush, never commit): the feature that asked shows
    "no answer" where staff can send it again."""
    _failure_handlers[MessageKind(kind)] = fn
    return fn


# --- The worker's side -----------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """A claimed message, copied out of the session so that sending needs no database."""

    id: int
    kind: MessageKind
    key: str
    payload: dict
    attempts: int


def process_due(worker_id: str, batch: int = 10, *, gateway: Gateway | None = None) -> int:
    """Claim up to `batch` due messages, send them and record each outcome.

    Returns how many messages were claimed (0: nothing was due). Commits the session: call it
    from a worker's own application context, not in the middle of a request's work.
    """
    worker_id = worker_id[:64]
    claims = _claim(worker_id, batch)
    if not claims:
        return 0
    own_gateway = gateway is None
    gw = gateway or HttpGateway()
    try:
        for claim in claims:
            try:
                answer = gw.send(claim)
            except GatewayError as e:
                _record_failure(claim, worker_id, str(e))
            else:
                _apply(claim, worker_id, answer)
    finally:
        if own_gateway:
            gw.close()
    return len(claims)


def _claim(worker_id: str, batch: int) -> list[Claim]:
    """Lease up to `batch` due messages to this worker and commit the lease.

    PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED, then one UPDATE; concurrent workers skip each
    other's rows. SQLite: one conditional UPDATE per candidate, kept when it changed the row;
    SQLite serialises writers, so two workers never both win a row.
    """
    now = now_utc()
    lease_until = now + timedelta(
        seconds=setting("PORTAL_OUTBOX_LEASE_SECONDS", DEFAULT_LEASE_SECONDS, float)
    )
    m = OutboxMessage
    due = (
        m.status == MessageStatus.PENDING,
        m.next_attempt_at <= now,
        or_(m.locked_until.is_(None), m.locked_until < now),
    )
    candidates = select(m.id, m.kind, m.key, m.payload, m.attempts).where(*due)
    candidates = candidates.order_by(m.next_attempt_at, m.id).limit(batch)
    lease = {"locked_by": worker_id, "locked_until": lease_until}
    try:
        if db.session.get_bind().dialect.name == "postgresql":
            rows = db.session.execute(candidates.with_for_update(skip_locked=True)).all()
            if rows:
                db.session.execute(
                    update(m)
                    .where(m.id.in_([r.id for r in rows]))
                    .values(**lease)
                    .execution_options(synchronize_session=False)
                )
        else:
            rows = []
            for row in db.session.execute(candidates).all():
                result = db.session.execute(
                    update(m)
                    .where(m.id == row.id, *due)
                    .values(**lease)
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount == 1:
                    rows.append(row)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return [Claim(r.id, MessageKind(r.kind), r.key, dict(r.payload), r.attempts) for r in rows]


def _take(claim: Claim, worker_id: str) -> OutboxMessage | None:
    """Lock the message for this transaction and count the attempt, if the lease is still ours.

    The conditional UPDATE is the row lock (PostgreSQL) or the write lock (SQLite), taken
    before anything is read, so nothing can change the message until this transaction ends.
    """
    m = OutboxMessage
    result = db.session.execute(
        update(m)
        .where(m.id == claim.id, m.status == MessageStatus.PENDING, m.locked_by == worker_id)
        .values(attempts=m.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        log.warning(
            "%s #%s key=%s: lease lost to another worker; answer dropped",
            claim.kind,
            claim.id,
            claim.key,
        )
        return None
    return db.session.get(m, claim.id, with_for_update=True, populate_existing=True)


def _apply(claim: Claim, worker_id: str, answer: dict) -> None:
    """Apply an answer and mark the message SENT, atomically."""
    try:
        message = _take(claim, worker_id)
        if message is None:
            db.session.rollback()
            return
        handler = handler_for(message.kind)
        if handler is not None:
            handler(message, answer)
        attempts = message.attempts
        message.status = MessageStatus.SENT
        message.sent_at = now_utc()
        message.response = answer
        message.last_error = None
        message.locked_by = None
        message.locked_until = None
        db.session.commit()
    except Exception as e:
        # Handlers are trusted; an exception here is a bug (or the database went away). The
        # answer is not lost: the request is retried and the system repeats its first answer.
        db.session.rollback()
        log.exception("%s #%s key=%s: applying the answer failed", claim.kind, claim.id, claim.key)
        _record_failure(claim, worker_id, f"applying the answer failed: {type(e).__name__}: {e}")
        return
    log.info(
        "sent %s #%s key=%s (attempt %s)%s",
        claim.kind,
        claim.id,
        claim.key,
        attempts,
        "" if handler else ", no handler: answer kept",
    )


def _record_failure(claim: Claim, worker_id: str, error: str) -> None:
    """Count a failed attempt: schedule the next one with backoff, or give up (FAILED)."""
    try:
        message = _take(claim, worker_id)
        if message is None:
            db.session.rollback()
            return
        max_attempts = setting("PORTAL_OUTBOX_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS, int)
        attempts = message.attempts
        delay = None
        message.last_error = error[:2000]
        message.locked_by = None
        message.locked_until = None
        if attempts >= max_attempts:
            message.status = MessageStatus.FAILED
            on_failure = _failure_handlers.get(message.kind)
            if on_failure is not None:
                on_failure(message)
        else:
            delay = backoff(attempts)
            message.next_attempt_at = now_utc() + timedelta(seconds=delay)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    if delay is None:
        log.error(
            "failed %s #%s key=%s after %s attempts: %s",
            claim.kind,
            claim.id,
            claim.key,
            attempts,
            error,
        )
    else:
        log.warning(
            "attempt %s/%s of %s #%s key=%s failed, next in %.1fs: %s",
            attempts,
            max_attempts,
            claim.kind,
            claim.id,
            claim.key,
            delay,
            error,
        )


def backoff(attempts: int) -> float:
    """Seconds to wait after `attempts` failed attempts: base·2^(n−1), capped at 10 minutes,
    less up to a quarter at random so that workers retrying together spread out."""
    base = setting("PORTAL_OUTBOX_BACKOFF_SECONDS", DEFAULT_BACKOFF_SECONDS, float)
    delay = min(MAX_BACKOFF_SECONDS, base * 2 ** max(attempts - 1, 0))
    return delay * random.uniform(0.75, 1.0)


# --- Small helpers ---------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
