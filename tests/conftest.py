"""Fixtures: one app per session, a database reset per test, a pinned clock, factories, log-in,
query counting.

The schema comes from the migrations (upgraded once per session), never from create_all, so
every run also exercises the migration chain. The database is SQLite in a temporary file unless
PORTAL_TEST_DATABASE_URL names another (PostgreSQL in CI, see .ci/with-postgres); under
pytest-xdist every worker gets a database of its own.

Isolation. A test runs inside one outer transaction on one connection that every session of the
test joins through savepoints (the test body's and each request's alike): a view's commit
releases a savepoint, and the outer transaction is rolled back when the test ends. Tests that
need separate committing connections (a live server or worker in another thread, two writers
racing, the migration chain) are marked `commits` (the browser tests and the users of
`live_server` and `background_worker` are marked automatically): they write for real, and the
tables are emptied after them.

Time. `@pytest.mark.clock("2026-11-25 09:00")` (Almaty wall clock; on a module as `pytestmark`)
pins `portal.clock` for the test with time-machine, and `tick=True` lets it run on from there;
the `clock` fixture is the traveller (`clock.shift(...)`, `clock.move_to(...)`). A test without
the mark (or marked `clock(None)` in a pinned module) runs at the real date, and so must compute its dates from `portal.clock`: `make test`
runs one pass with the whole process moved to a hard day by libfaketime to prove it.
"""

from __future__ import annotations

import contextvars
import os
import select
import threading
import time
from contextlib import contextmanager
from datetime import date, datetime

import pytest
import time_machine
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, text
from sqlalchemy.orm import Session as OrmSession
from werkzeug.serving import make_server

from portal import create_app
from portal.clock import KZ
from portal.extensions import db
from tests import factories

KEEP_TABLES = {"region", "service", "alembic_version"}

# Fixtures for the state-systems simulator and the outbox worker.
pytest_plugins = ["tests.fixtures_integrations"]

if "FAKETIME" in os.environ:
    # Under libfaketime (make test's faked-clock pass, FAKETIME_DONT_FAKE_MONOTONIC=1 so that
    # thread waits keep working), Debian's libfaketime 0.9.10 rejects the absolute monotonic
    # deadline of Python 3.11's time.sleep with EINVAL; select's relative time-out is passed
    # through, so sleeps in this process go through it.
    def _sleep(seconds: float) -> None:
        select.select([], [], [], seconds)

    time.sleep = _sleep

# Fixtures that mean "another thread or process writes to the database".
COMMITTING_FIXTURES = {"live_server", "background_worker"}


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "clock(instant, tick=False): pin portal.clock at this Almaty wall-clock instant "
        "('YYYY-MM-DD HH:MM', a date, or an aware datetime)",
    )
    config.addinivalue_line(
        "markers",
        "commits: needs separate committing connections; the tables are emptied afterwards",
    )
    config.addinivalue_line(
        "markers",
        "bulk: loads thousands of rows that are rolled back; PostgreSQL vacuums afterwards",
    )


def pytest_collection_modifyitems(items):
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if item.get_closest_marker("browser") or fixtures & COMMITTING_FIXTURES:
            item.add_marker(pytest.mark.commits)


def pinned_instant(value) -> datetime:
    """The instant a `clock` mark names: Almaty wall clock unless the value says otherwise."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=KZ)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, 9, 0, tzinfo=KZ)
    return datetime.fromisoformat(value).replace(tzinfo=KZ)


@contextmanager
def pinned_clock(node):
    """Pin the clock as `node`'s (a test's or a module's) `clock` mark says; else leave it."""
    mark = node.get_closest_marker("clock")
    if mark is None or mark.args[0] is None:  # `clock(None)`: the real clock, in a pinned module
        yield None
        return
    instant = pinned_instant(mark.args[0])
    with time_machine.travel(instant, tick=mark.kwargs.get("tick", False)) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def clock(request):
    """The time-machine traveller of a test marked `clock`, or None (the real clock)."""
    with pinned_clock(request.node) as traveller:
        yield traveller


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogs():
    """Compile the .po catalogs (the .mo files are built, never committed)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    from portal.catalogs import LANGUAGES, po_path

    for lang in LANGUAGES:
        po = po_path(lang)
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        with po.with_suffix(".mo").open("wb") as fh:
            write_mo(fh, catalog)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id) -> str:
    """SQLite in this session's temporary folder, or a PostgreSQL database of this worker's own
    beside the one PORTAL_TEST_DATABASE_URL names (created afresh)."""
    url = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if not url:
        return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "portal-test.db")
    if worker_id == "master":
        return url
    from sqlalchemy.engine import make_url

    from tests.scratch import recreated

    base = make_url(url)
    return recreated(base, f"{base.database}_{worker_id}")


def _config(database_url: str) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test-secret",
        "SERVER_NAME": None,
        # Messages raised by operations in a test body (outside any request) read in English;
        # pages still speak the language of their URL.
        "BABEL_DEFAULT_LOCALE": "en",
        # The cheapest costs argon2 takes: a log-in costs microseconds instead of ~50 ms.
        "PORTAL_ARGON2_TIME_COST": 1,
        "PORTAL_ARGON2_MEMORY_KIB": 8,
        # Throttling would count across tests (one app, one limiter): the test client's own
        # address is exempt, as the benchmark's is; tests/accounts/test_throttling.py sends
        # from other addresses.
        "PORTAL_RATELIMIT_EXEMPT": ("127.0.0.1",),
    }


def truncate_tables() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in KEEP_TABLES]
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        db.session.execute(text("UPDATE family SET caseworker_id = NULL"))  # the one cycle
        for t in tables:
            db.session.execute(t.delete())
        db.session.execute(text("DELETE FROM sqlite_sequence")) if _has_sqlite_sequence() else None
    db.session.commit()


def _has_sqlite_sequence() -> bool:
    return bool(
        db.session.execute(
            text("SELECT 1 FROM sqlite_master WHERE type='table' AND name='sqlite_sequence'")
        ).first()
    )


class IsolatedClient(FlaskClient):
    """Each request gets its own application context (and so its own `g`, session and
    current_user), as in production, although the test body keeps one pushed."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


class _JoinedSession(FlaskSession):
    """A Flask-SQLAlchemy session that uses the connection it was given (Flask-SQLAlchemy's
    own `get_bind` would take a fresh one from the engine)."""

    def get_bind(self, *args, **kwargs):
        return OrmSession.get_bind(self, *args, **kwargs)


@contextmanager
def rolled_back():
    """Every session made inside joins one outer transaction through savepoints; all of it is
    rolled back at the end. SQLite is driven with explicit BEGIN (pysqlite would otherwise let
    the first SAVEPOINT start, and its RELEASE commit, the transaction)."""
    connection = db.engine.connect()
    sqlite = connection.dialect.name == "sqlite"
    raw = connection.connection.dbapi_connection
    if sqlite:
        raw.isolation_level = None
    outer = connection.begin()
    if sqlite:
        connection.exec_driver_sql("BEGIN")
    real_session = db.session
    db.session = db._make_scoped_session(
        {"class_": _JoinedSession, "bind": connection, "join_transaction_mode": "create_savepoint"}
    )
    try:
        yield
    finally:
        db.session.remove()
        db.session = real_session
        outer.rollback()
        if sqlite:
            raw.isolation_level = ""
        connection.close()


@pytest.fixture(scope="session")
def _app(database_url, tmp_path_factory):
    """The one application of the session (create_app costs ~0.15 s), on a database brought
    from empty to the newest migration (never create_all: every run exercises the chain)."""
    from flask_migrate import upgrade

    app = create_app(
        {**_config(database_url), "PORTAL_UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads"))}
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def _vacuum() -> None:
    """PostgreSQL keeps the pages of rolled-back rows until it vacuums them, and ANALYZE (the
    national data's writer runs it) records the row counts it saw even when rolled back. A
    later test on the worker then met thousands of dead rows that the planner took for live:
    a report's nested EXISTS ran for 7 minutes on a dozen families. Vacuumed at once, the next
    test meets the tables as they are."""
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


@pytest.fixture
def app(_app, request):
    """The session's app with a pushed application context; its settings are restored and its
    database changes undone when the test ends. (Scans go to one folder for the session: they
    are named by their content.)"""
    saved = dict(_app.config)
    committing = request.node.get_closest_marker("commits") is not None
    try:
        with _app.app_context():
            if committing:
                yield _app
                db.session.rollback()
                db.session.remove()
                truncate_tables()
                db.session.remove()
            else:
                with rolled_back():
                    yield _app
                if request.node.get_closest_marker("bulk"):
                    _vacuum()
    finally:
        _app.config.clear()
        _app.config.update(saved)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def f(app):
    """The factories, bound to this test's database."""
    return factories


@pytest.fixture
def login(client):
    """`login(user)` signs the test client in as `user` through the real log-in form."""

    def _login(user, lang: str = "en"):
        resp = client.post(
            f"/{lang}/login",
            data={"username": user.username, "password": factories.PASSWORD},
        )
        assert resp.status_code == 302, resp.data[:500]
        return client

    return _login


# What the test isolation itself sends (see `rolled_back`); a page's count leaves them out.
ISOLATION_STATEMENTS = ("SAVEPOINT ", "RELEASE SAVEPOINT ", "ROLLBACK TO SAVEPOINT ")


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as q: …; q.count` counts the SQL statements sent."""

    @contextmanager
    def _count():
        counter = QueryCounter()

        def listener(conn, cursor, statement, *args):
            if not statement.startswith(ISOLATION_STATEMENTS):
                counter.statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)

    return _count


@pytest.fixture
def live_server(app):
    """The app served on a free loopback port by a threaded server, for the browser tests."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


# libfaketime's variables: Chromium is kept out of the faked clock (it stalls under it); its
# pages are given the portal's time through Playwright's clock instead (tests/browser/conftest).
FAKETIME_VARIABLES = {"LD_PRELOAD", "FAKETIME", "FAKETIME_DONT_FAKE_MONOTONIC"}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Playwright drives Debian's Chromium; no browser is downloaded."""
    return {
        **browser_type_launch_args,
        "env": {k: v for k, v in os.environ.items() if k not in FAKETIME_VARIABLES},
        "executable_path": os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium"),
        "args": [
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


TODAY = date(2026, 11, 25)
