"""Fixtures: a fresh app and an empty database per test, factories, log-in, query counting.

The schema comes from the migrations (upgraded once per session), never from create_all, so
every test also exercises the migration chain. The database is SQLite in a temporary file
unless PORTAL_TEST_DATABASE_URL names another (PostgreSQL in CI, see .ci/with-postgres).
"""

from __future__ import annotations

import contextvars
import os
import threading
from contextlib import contextmanager
from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, text
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db
from tests import factories

KEEP_TABLES = {"region", "service", "alembic_version"}

# Fixtures for the state-systems simulator and the outbox worker.
pytest_plugins = ["tests.fixtures_integrations"]


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
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "portal-test.db")


def _config(database_url: str, tmp_path) -> dict:
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
        **({"PORTAL_UPLOAD_DIR": str(tmp_path / "uploads")} if tmp_path else {}),
    }


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    """Bring an empty database to the newest migration, once per session."""
    from flask_migrate import upgrade

    app = create_app(_config(database_url, None))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        db.engine.dispose()
    return database_url


def _truncate() -> None:
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


@pytest.fixture
def app(_schema, tmp_path):
    app = create_app(_config(_schema, tmp_path))
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.rollback()
        _truncate()
        db.session.remove()
        db.engine.dispose()


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


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Playwright drives Debian's Chromium; no browser is downloaded."""
    return {
        **browser_type_launch_args,
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
