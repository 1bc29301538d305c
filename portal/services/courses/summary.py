"""Attendance per session and centre (issue 16): the marks of each session counted by the
centre of the marked persons' families, kept in `AttendanceSummary` so that the services
report over a month of 150 centres adds up a row per session instead of counting every mark.

- **The computation** (`counted`): one grouped select over `Attendance`, each mark counted at
  its person's family's centre — the centre that decides which staff may see the person
  (`portal.residents.scopes`: a person is visible where their family's centre is) — as
  `marks` (every code) and `attended` (present or late). It is the definition: the kept rows
  are only ever written from it, by one INSERT … SELECT.
- **What a row does not hold**: the session's activity, time and cancellation. The report
  reads them from the session at the time it runs, so moving, cancelling or reassigning a
  session changes no kept row.
- **Kept current** by a listener on the session: whenever a flush adds, changes or deletes a
  mark, moves a person to another family or a family to another centre (no operation does
  either today; were one added, it would be followed), the sessions concerned are counted
  again in the same transaction. No operation has to remember it, and a rollback takes the
  rows back with it. A deleted session's rows go with it (`ON DELETE CASCADE`).
- **Bulk writers** (the migration that created the table, the national data generator)
  bypass the listener and call `rebuild`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, case, delete, event, func, insert, inspect, select
from sqlalchemy.orm import Session

from portal.residents.models import Family, Person
from portal.services.courses.models import Attendance, AttendanceCode, AttendanceSummary

# A mark that is a delivery (the services report's `attended()`; the test holds them equal).
ATTENDED = (AttendanceCode.PRESENT, AttendanceCode.LATE)
COLUMNS = ("session_id", "centre_id", "marks", "attended")
CHUNK = 500  # session ids per statement


# ---------------------------------------------------------------------------------------------
# The computation (the definition) and the kept rows
# ---------------------------------------------------------------------------------------------


def counted(session_ids: Iterable[int] | None = None) -> Select:
    """(session, centre of the persons' family, marks, present or late) for these sessions, or
    for every session with marks."""
    stmt = (
        select(
            Attendance.session_id,
            Family.centre_id,
            func.count(Attendance.id),
            func.count(case((Attendance.code.in_(ATTENDED), 1))),
        )
        .join(Person, Attendance.person_id == Person.id)
        .join(Family, Person.family_id == Family.id)
        .group_by(Attendance.session_id, Family.centre_id)
    )
    if session_ids is not None:
        stmt = stmt.where(Attendance.session_id.in_(list(session_ids)))
    return stmt


def _write(conn, stmt: Select) -> None:
    conn.execute(
        insert(AttendanceSummary).from_select(
            [getattr(AttendanceSummary, c) for c in COLUMNS], stmt
        )
    )


def refresh(conn, session_ids: Iterable[int]) -> None:
    """Count these sessions again: their rows deleted and written from the marks (two
    statements per `CHUNK` sessions)."""
    ids = sorted(set(session_ids))
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        conn.execute(delete(AttendanceSummary).where(AttendanceSummary.session_id.in_(chunk)))
        _write(conn, counted(chunk))


def rebuild(conn) -> None:
    """Every session's rows from every mark (after bulk writes: the migration that made the
    table, the national data generator)."""
    conn.execute(delete(AttendanceSummary))
    _write(conn, counted())


# ---------------------------------------------------------------------------------------------
# The listener
# ---------------------------------------------------------------------------------------------


def _sessions(mark) -> set[int]:
    """The sessions a mark belongs to before and after the flush (the history holds a session
    set through the relationship too: the flush copies its id into `session_id`)."""
    hist = inspect(mark).attrs.session_id.history
    return {v for v in (*hist.added, *hist.deleted, *hist.unchanged) if v is not None}


def _moved(obj, column: str) -> bool:
    return inspect(obj).attrs[column].history.has_changes()


def touched(session: Session) -> tuple[set[int], set[int], set[int]]:
    """The sessions whose marks this flush added, changed or deleted; the persons moved to
    another family; the families moved to another centre."""
    sessions: set[int] = set()
    persons: set[int] = set()
    families: set[int] = set()
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, Attendance):
            sessions |= _sessions(obj)
    for obj in session.dirty:
        if isinstance(obj, Attendance) and session.is_modified(obj):
            sessions |= _sessions(obj)
        elif isinstance(obj, Person) and _moved(obj, "family_id"):
            persons.add(obj.id)
        elif isinstance(obj, Family) and _moved(obj, "centre_id"):
            families.add(obj.id)
    return sessions, persons, families


def sessions_of(conn, persons: set[int], families: set[int]) -> set[int]:
    """The sessions with marks of these persons or of the members of these families."""
    stmt = select(Attendance.session_id).distinct().join(Person, Attendance.person_id == Person.id)
    found: set[int] = set()
    if persons:
        found |= set(conn.execute(stmt.where(Person.id.in_(list(persons)))).scalars())
    if families:
        found |= set(conn.execute(stmt.where(Person.family_id.in_(list(families)))).scalars())
    return found


@event.listens_for(Session, "after_flush")
def _keep_current(session: Session, _ctx) -> None:
    sessions, persons, families = touched(session)
    if not (sessions or persons or families):
        return
    conn = session.connection()
    if persons or families:
        sessions |= sessions_of(conn, persons, families)
    refresh(conn, sessions)
