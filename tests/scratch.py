"""A database of its own for a test that runs the migrations (the suite's is shared)."""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url


def scratch_database(database_url: str, tmp_path, name: str) -> str:
    """An empty database called `name` beside the suite's: a file in `tmp_path` on SQLite,
    dropped and created again on PostgreSQL. Its URL."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path / (name + '.db')}"
    return recreated(url, name)


def recreated(url: URL, name: str) -> str:
    """A PostgreSQL database called `name` on `url`'s server, dropped and created empty."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)
