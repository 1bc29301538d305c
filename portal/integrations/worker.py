"""The outbox worker: `flask --app wsgi worker` sends what is due, in a loop, until stopped.

Run one or several (on one host or many): leases keep them from sending the same message at
once. SIGTERM or SIGINT stops the loop after the batch in hand, so no answer is dropped
half-applied (and if one were, the lease runs out and the message is sent again, idempotently).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import uuid

from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db
from portal.integrations import outbox
from portal.integrations.clients import endpoint_url
from portal.integrations.models import MessageKind

log = logging.getLogger("portal.integrations")

MAX_ERROR_PAUSE_SECONDS = 30.0


def default_worker_id() -> str:
    """Unique per process: host, pid and a few random characters."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    """Calls `outbox.process_due` in a loop inside the current application context."""

    def __init__(self, worker_id: str | None = None, interval: float = 1.0, batch: int = 10):
        self.id = (worker_id or default_worker_id())[:64]
        self.interval = interval
        self.batch = batch
        self.stopping = threading.Event()

    def stop(self, *_args) -> None:
        """Finish the batch in hand, then leave the loop (also a signal handler)."""
        self.stopping.set()

    def run_once(self) -> int:
        """Process until nothing is due; return how many messages were processed."""
        total = 0
        while not self.stopping.is_set():
            n = outbox.process_due(self.id, self.batch)
            total += n
            if n == 0:
                break
        return total

    def run(self, *, handle_signals: bool = True) -> None:
        """Loop until `stop()` (or SIGTERM/SIGINT): sleep `interval` when nothing was due, and
        keep going through errors (the database away, say), pausing longer each time."""
        previous = self._install_signals() if handle_signals else {}
        self._announce()
        errors = 0
        try:
            while not self.stopping.is_set():
                try:
                    n = outbox.process_due(self.id, self.batch)
                    errors = 0
                except Exception as e:
                    # The database is away (or a bug): leases run out, nothing is lost.
                    errors += 1
                    db.session.rollback()
                    pause = min(MAX_ERROR_PAUSE_SECONDS, self.interval * 2**errors)
                    if isinstance(e, SQLAlchemyError):
                        log.error("worker %s: database error, pausing %.1fs: %s", self.id, pause, e)
                    else:
                        log.exception("worker %s: unexpected error, pausing %.1fs", self.id, pause)
                    self.stopping.wait(pause)
                    continue
                if n == 0:
                    self.stopping.wait(self.interval)
        finally:
            db.session.remove()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            log.info("worker %s stopped", self.id)

    def _install_signals(self) -> dict:
        if threading.current_thread() is not threading.main_thread():
            return {}
        previous = {}
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, self.stop)
        return previous

    def _announce(self) -> None:
        log.info(
            "worker %s: individuals %s, migration police %s, every %.1fs",
            self.id,
            endpoint_url(MessageKind.IIN_LOOKUP).removesuffix("/v1/persons/search"),
            endpoint_url(MessageKind.IIN_GENERATION).removesuffix("/v1/iins"),
            self.interval,
        )
        missing = [kind.value for kind in MessageKind if outbox.handler_for(kind) is None]
        if missing:
            log.warning("worker %s: no handler for %s (answers only kept)", self.id, missing)
