"""Rows written in bulk: ids handed out here, rows kept per table and inserted in batches
(one executemany per table and batch), parents before children.

The national data set has millions of rows; building ORM objects for them would take most of
an hour. The generator instead writes plain rows through SQLAlchemy Core, which still applies
each column's type (UTC instants, enumerations) and the database still checks every
constraint and trigger (no double-booked bed, one head per family).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable
from enum import Enum
from functools import cache
from itertools import groupby

from sqlalchemy import Connection, func, insert, select, text

from portal.extensions import db

# Parents before children: a batch is written in this order, so a row never reaches the
# database before the row it points to. (The user table comes before `family`, whose
# caseworker it names; residents' accounts, which name a person, are added in a later step,
# after the persons are written.)
ORDER = (
    "centre",
    "room",
    "bed",
    "bed_in_service",
    "user",
    "family",
    "person",
    "stay",
    "application",
    "submission",
    "document",
    "person_check",
    "application_event",
    "outbox_message",
    "activity",
    "activity_session",
    "enrolment",
    "attendance",
    "service_case",
    "appointment",
    "quota_application",
    "audit_entry",
    "access_log",
)


@cache
def _defaults(table: str) -> tuple:
    """The Python-side defaults of `table`'s columns (COPY does not apply them)."""
    return tuple(
        (c.name, c.default)
        for c in db.metadata.tables[table].columns
        if c.default is not None and (c.default.is_scalar or c.default.is_callable)
    )


def _copy(connection: Connection, table: str, columns: tuple[str, ...], rows) -> None:
    """PostgreSQL's COPY, several times faster than INSERT for this many rows. It bypasses
    SQLAlchemy's types, so values go in as the database stores them: enumerations as their
    values, JSON as text (instants are aware, for timestamptz)."""
    names = ", ".join(f'"{c}"' for c in columns)
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([_plain(v) for v in row.values()])


def _plain(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


class Writer:
    """Hands out ids and writes rows in batches of about `batch` rows."""

    def __init__(
        self,
        connection: Connection,
        progress: Callable[[int], None] | None = None,
        batch: int = 50_000,
    ) -> None:
        self.connection = connection
        self.progress = progress or (lambda _n: None)
        self.batch = batch
        self.counts: Counter[str] = Counter()
        self._rows: dict[str, list[dict]] = defaultdict(list)
        self._ids: dict[str, int] = {}
        self._pending = 0

    def next_id(self, table: str) -> int:
        if table not in self._ids:
            column = db.metadata.tables[table].c.id
            self._ids[table] = self.connection.scalar(select(func.coalesce(func.max(column), 0)))
        self._ids[table] += 1
        return self._ids[table]

    def add(self, table: str, **row) -> int:
        """Keep a row for `table` (with a new id unless given) and return its id. Columns left
        out take their model's default, as the ORM would give them."""
        if "id" not in row and "id" in db.metadata.tables[table].c:
            row["id"] = self.next_id(table)
        for name, default in _defaults(table):
            if name not in row:
                row[name] = default.arg if default.is_scalar else default.arg(None)
        self._rows[table].append(row)
        self._pending += 1
        if self._pending >= self.batch:
            self.flush()
        return row.get("id", 0)

    def flush(self) -> None:
        """Write every row kept so far, table by table in `ORDER`."""
        for name in ORDER:
            rows = self._rows.pop(name, None)
            if not rows:
                continue
            table = db.metadata.tables[name]
            # one statement needs the same columns in every row: consecutive runs of one shape
            for keys, run in groupby(rows, key=lambda r: tuple(r)):
                if self.connection.dialect.name == "postgresql":
                    _copy(self.connection, name, keys, run)
                else:
                    self.connection.execute(insert(table), list(run))
            self.counts[name] += len(rows)
            self.progress(len(rows))
        assert not self._rows, f"tables missing from ORDER: {sorted(self._rows)}"
        self._pending = 0

    def finish(self) -> None:
        """Write what is left; gather the planner's statistics of every table written (a
        freshly loaded table has none, and PostgreSQL then plans the reports' joins as if
        it were empty: a report that takes milliseconds ran for minutes); on PostgreSQL,
        move each id sequence past the ids given here."""
        self.flush()
        for name in self.counts:  # every table written, in ORDER
            self.connection.execute(text(f'ANALYZE "{name}"'))
        if self.connection.dialect.name != "postgresql":
            return
        for name in self._ids:
            self.connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                    f'(SELECT max(id) FROM "{name}"))'
                )
            )
