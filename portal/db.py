"""Declarative base with the constraint naming convention, and SQLite connection settings."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    Date,
    DateTime,
    MetaData,
    TypeDecorator,
    and_,
    event,
    or_,
)
from sqlalchemy.engine import Engine
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from portal.bounds import FIRST_DAY, LAST_DAY
from portal.clock import now_utc

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def bound_dates(metadata: MetaData) -> None:
    """Every date column holds a day from 1900 to 2100 (`portal.bounds`), enforced by the
    database as well as by the forms: `ck_<table>_<column>_window` (issue 15; migration 0013)."""
    for table in metadata.tables.values():
        names = {c.name for c in table.constraints}
        for column in table.columns:
            name = f"{column.name}_window"
            if isinstance(column.type, Date) and name not in names:
                sql = f"{column.name} >= '{FIRST_DAY.isoformat()}' AND {column.name} <= '{LAST_DAY.isoformat()}'"
                table.append_constraint(CheckConstraint(sql, name=name))


def as_utc(value: datetime | None) -> datetime | None:
    """An instant as an aware UTC datetime (a naive one is taken to be UTC already). Stored
    instants come back that way through `UTCDateTime`; this is for values from elsewhere."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class UTCDateTime(TypeDecorator):
    """An instant, stored in UTC and always read back aware in UTC, on SQLite (which keeps no
    offset and hands timestamps back naive) as on PostgreSQL (timestamptz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("an instant needs a time zone (use portal.clock)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return as_utc(value)


class DatePeriod:
    """Days from `start_on` up to, not including, `end_on` (open while it is None): a stay, a
    bed's time in service. `covers(day)` answers for a row in Python and as SQL in a query."""

    @hybrid_method
    def covers(self, day: date) -> bool:
        return self.start_on <= day and (self.end_on is None or day < self.end_on)

    @covers.expression
    @classmethod
    def covers(cls, day: date) -> ColumnElement[bool]:  # noqa: F811  (the SQL side)
        return and_(cls.start_on <= day, or_(cls.end_on.is_(None), cls.end_on > day))


class Timestamped:
    """Creation time stamped in Python, so that tests can move the clock."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - exercised by every SQLite run
    """Foreign keys on, and SQLite tuned for a web server (issue 16): the WAL journal (readers
    never wait for the writer), `synchronous=NORMAL` (a commit is not an fsync in WAL mode; the
    database stays consistent after a power cut, which may take the last commits), a busy
    timeout, the file mapped into memory, a 32 MiB page cache and temporary tables in memory."""
    if isinstance(dbapi_conn, sqlite3.Connection):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA mmap_size=268435456")
        cur.execute("PRAGMA cache_size=-32000")
        cur.execute("PRAGMA temp_store=MEMORY")
        cur.close()
