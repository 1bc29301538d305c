"""Fixtures for the state-systems simulator and the outbox worker (see portal/integrations).

- `simulator`: the simulator served on a free loopback port for this test; `.url`,
  `.set(latency_ms=…, failure_rate=…, lost_reply_rate=…)`, `.stop()` / `.start()` (an outage,
  then the same port again, state kept), `.requests()` (every request_id received, with
  counts), `.counts()`, `.add_person(...)`, `.persons()`.
- `state_systems`: the portal app pointed at that simulator, with short backoff (0.05 s) and
  time-out; yields the simulator.
- `run_worker_once(app)` (also the `run_worker` fixture): one worker pass over every message
  due now, in its own application context like a separate worker process. Commit first; the
  test's session is expired afterwards so that its objects show the worker's changes.
- `background_worker`: a worker thread polling every 0.05 s until the test ends;
  `.wait_idle()` waits until no message is PENDING.
- `outbox_handlers`: `outbox_handlers(kind, fn)` replaces a kind's handler for this test only.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import date

import pytest
from flask import Flask, has_app_context
from sqlalchemy import func, select
from werkzeug.serving import make_server

from portal.extensions import db
from portal.integrations import outbox
from portal.integrations.models import MessageStatus, OutboxMessage
from portal.integrations.simulator.app import (
    Known,
    QuietRequestHandler,
    SimulatorState,
    create_app,
)
from portal.integrations.worker import Worker


class SimulatorServer:
    """The simulator app on a loopback port, in a thread; stop and start keep port and state."""

    def __init__(self, host: str = "127.0.0.1"):
        self.host = host
        self.port = 0
        self.state = SimulatorState(seed=2026)
        self.app = create_app(self.state)
        self._server = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> SimulatorServer:
        if self._server is None:
            self._server = make_server(
                self.host, self.port, self.app, threaded=True, request_handler=QuietRequestHandler
            )
            self.port = self._server.server_port
            self._thread = threading.Thread(
                target=self._server.serve_forever, args=(0.05,), name="simulator", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """An outage: nothing listens on the port until `start()`."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def set(self, latency_ms=None, failure_rate=None, lost_reply_rate=None) -> dict:
        return self.state.configure(latency_ms, failure_rate, lost_reply_rate)

    def reset(self) -> None:
        self.state.reset()

    def requests(self) -> list[dict]:
        """[{"endpoint", "request_id", "count"}] for every request received (failed ones too)."""
        return self.state.requests()

    def counts(self) -> Counter:
        """request_id → how many times it was received, over all endpoints."""
        counts: Counter = Counter()
        for r in self.requests():
            counts[r["request_id"]] += r["count"]
        return counts

    def add_person(
        self,
        iin: str,
        surname: str,
        given_name: str,
        birth_date: date,
        sex: str,
        patronymic: str | None = None,
        document_number: str | None = None,
    ) -> None:
        """Make a person known to the "Individuals" database."""
        self.state.add_person(
            Known(iin, surname, given_name, patronymic, birth_date, sex, document_number)
        )

    def persons(self) -> list[dict]:
        with self.state.lock:
            return [p.as_json() for p in self.state.persons.values()]


@pytest.fixture
def simulator():
    server = SimulatorServer().start()
    yield server
    server.stop()


@pytest.fixture
def state_systems(app, simulator):
    """The portal app talks to this test's simulator, with quick retries."""
    app.config.update(
        PORTAL_INDIVIDUALS_URL=simulator.url + "/individuals",
        PORTAL_MIGRATION_POLICE_URL=simulator.url + "/mia",
        PORTAL_OUTBOX_BACKOFF_SECONDS=0.05,
        PORTAL_INTEGRATIONS_TIMEOUT=5.0,
    )
    return simulator


def run_worker_once(app: Flask, *, batch: int = 1000, worker_id: str = "test-worker") -> int:
    """One worker pass: claim every message due now (up to `batch`), send, apply.

    Runs in its own application context (its own session), as a worker process would; the
    caller must have committed what the worker should see. Returns the number processed.
    """
    outer = db.session() if has_app_context() else None
    with app.app_context():
        n = outbox.process_due(worker_id, batch)
    if outer is not None:
        outer.expire_all()
    return n


@pytest.fixture
def run_worker(app, state_systems):
    """`run_worker()`: `run_worker_once(app)` against this test's simulator."""

    def _run(**kw) -> int:
        return run_worker_once(app, **kw)

    return _run


def pending_count() -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.status == MessageStatus.PENDING)
    )


class BackgroundWorker:
    """A worker loop in a thread with its own application context."""

    def __init__(self, app: Flask, interval: float = 0.05, worker_id: str = "background"):
        self.app = app
        self.worker = Worker(worker_id, interval=interval)
        self.errors: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, name=worker_id, daemon=True)

    def _run(self) -> None:
        with self.app.app_context():
            try:
                self.worker.run(handle_signals=False)
            except BaseException as e:  # reported when the test ends
                self.errors.append(e)

    def start(self) -> BackgroundWorker:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.worker.stop()
        self._thread.join(timeout=10)

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait until no message is PENDING (sent or failed), or raise TimeoutError."""
        deadline = time.monotonic() + timeout
        while True:
            with self.app.app_context():
                if pending_count() == 0:
                    break
            if time.monotonic() > deadline:
                raise TimeoutError("outbox messages still pending")
            time.sleep(0.02)
        if has_app_context():
            db.session.expire_all()


@pytest.fixture
def background_worker(app, state_systems):
    worker = BackgroundWorker(app).start()
    yield worker
    worker.stop()
    if worker.errors:
        raise worker.errors[0]


@pytest.fixture
def outbox_handlers(monkeypatch):
    """`outbox_handlers(kind, fn)`: use `fn` for `kind`'s answers during this test only."""

    def _register(kind, fn):
        monkeypatch.setitem(outbox._handlers, kind, fn)
        return fn

    return _register
