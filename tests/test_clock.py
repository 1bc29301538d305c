"""`portal.clock` is the only source of time in `portal/`, and pinning it moves every date.

A module that read the machine's clock itself (`datetime.now()`, `date.today()`, `time.time()`,
`utcnow`) would escape the tests' pin and the faked clock of `make test`'s second pass: the
suite would pass today and fail on another day. The guard reads the source, so a new call is
caught in the commit that adds it.
"""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from portal import clock as portal_clock
from portal.clock import KZ
from portal.db import as_utc

PORTAL = Path(__file__).resolve().parent.parent / "portal"
CLOCK_MODULE = PORTAL / "clock.py"

# Calls that read the machine's clock: (what the call is made on, the attribute).
READS_THE_CLOCK = {
    ("datetime", "now"),
    ("datetime", "today"),
    ("datetime", "utcnow"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "localtime"),
    ("time", "gmtime"),
}


def _owner(node: ast.expr) -> str | None:
    """`datetime` for `datetime.now` and `dt.datetime.now` alike."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def clock_reads(source: str) -> list[str]:
    """Every place in `source` that reads the machine's clock, as 'line: what'."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and (_owner(node.value), node.attr) in READS_THE_CLOCK:
            found.append(f"{node.lineno}: {_owner(node.value)}.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module in {"time", "datetime"}:
            names = {a.name for a in node.names}
            if node.module == "time" and names & {"time", "time_ns", "localtime", "gmtime"}:
                found.append(f"{node.lineno}: from time import {', '.join(sorted(names))}")
        elif isinstance(node, ast.Name | ast.Attribute):
            name = node.id if isinstance(node, ast.Name) else node.attr
            if name == "utcnow":
                found.append(f"{node.lineno}: utcnow")
    return found


def test_the_guard_finds_every_way_of_reading_the_clock():
    source = (
        "import time, datetime as dt\n"
        "from datetime import date, datetime\n"
        "from time import time as now\n"
        "a = datetime.now()\n"
        "b = date.today()\n"
        "c = time.time()\n"
        "d = dt.datetime.now(dt.UTC)\n"
        "e = utcnow()\n"
        "f = clock.now()\n"  # the one allowed source
        "g = clock.today()\n"
    )
    assert clock_reads(source) == [
        "3: from time import time",
        "4: datetime.now",
        "5: date.today",
        "6: time.time",
        "7: datetime.now",
        "8: utcnow",
    ]


def test_only_portal_clock_reads_the_machine_clock():
    offenders = {
        str(path.relative_to(PORTAL.parent)): reads
        for path in sorted(PORTAL.rglob("*.py"))
        if path != CLOCK_MODULE and (reads := clock_reads(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}, "read the time through portal.clock instead"


@pytest.mark.clock("2027-12-31 23:30")
def test_late_evening_in_almaty_is_already_the_next_day_in_utc_terms_of_the_wall_clock():
    """23:30 on 31 December in Almaty is 18:30 UTC: today() is Almaty's date, not UTC's."""
    assert portal_clock.now() == datetime(2027, 12, 31, 23, 30, tzinfo=KZ)
    assert portal_clock.now_utc() == datetime(2027, 12, 31, 18, 30, tzinfo=UTC)
    assert portal_clock.today() == date(2027, 12, 31)


@pytest.mark.clock(datetime(2028, 1, 1, 2, 0, tzinfo=KZ))
def test_just_after_midnight_in_almaty_utc_is_still_on_the_old_year():
    assert portal_clock.today() == date(2028, 1, 1)
    assert portal_clock.now_utc().date() == date(2027, 12, 31)


@pytest.mark.clock("2028-02-29 12:00")
def test_the_pin_moves_model_timestamps_too(f):
    centre = f.centre()
    assert as_utc(centre.created_at) == datetime(2028, 2, 29, 7, 0, tzinfo=UTC)


@pytest.mark.clock("2027-03-22 09:30", tick=True)
def test_a_ticking_pin_starts_at_the_instant_and_runs_on(clock):
    first = portal_clock.now()
    assert (
        datetime(2027, 3, 22, 9, 30, tzinfo=KZ) <= first < datetime(2027, 3, 22, 9, 31, tzinfo=KZ)
    )
    clock.shift(timedelta(days=1))
    assert portal_clock.today() == date(2027, 3, 23)


def test_without_the_mark_the_clock_is_the_machines(clock):
    assert clock is None
    assert abs(portal_clock.now_utc() - datetime.now(UTC)) < timedelta(seconds=5)
