"""The attendance summary (issue 16): each session's marks counted by the centre of the marked
persons' families, kept by `portal.services.courses.summary` whenever marks, a person's family
or a family's centre change, and read by the services report.

Held two ways: the kept rows equal the live count of the marks after every kind of change
(the listener), after the migration's backfill and after the national data generator (both
`rebuild`); and the services report's attendance figures equal those of the query it used
before (`live_attendance_by_activity`, kept here), for every role's scope, before and after a
session is cancelled or moved.

The world is the services report's (tests/reports/test_services.py: centres A and B in
KZ-47, C in KZ-61, November 2026), with marks of persons from other centres at A's course, so
that which persons a user may see decides some figures.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import case, func, inspect, select, text

from portal import create_app
from portal.accommodation.models import Centre, OccupancyDay
from portal.clock import KZ
from portal.demo import national
from portal.extensions import db
from portal.reports.queries import services as report
from portal.reports.queries.months import Month
from portal.reports.queries.scope import Scope, scope_of
from portal.reports.queries.service_definitions import attended, select_marks, sessions_held
from portal.residents.models import Family, Person
from portal.services.courses import summary
from portal.services.courses.attendance import record_attendance
from portal.services.courses.models import (
    Activity,
    ActivitySession,
    Attendance,
    AttendanceCode,
    AttendanceSummary,
    Enrolment,
    EnrolmentStatus,
)
from portal.services.courses.operations import move_session
from tests.reports.test_pipeline import figures
from tests.reports.test_services import L, P, X, activity, held
from tests.reports.test_services import world as services_world
from tests.scratch import scratch_database

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=KZ)
pytestmark = pytest.mark.clock(NOW)
NOVEMBER = Month(date(2026, 11, 1))
BEFORE_AGGREGATES = "6f27fbe825e1"  # the revision before 0015 and 0016 made their tables


# ---------------------------------------------------------------------------------------------
# Both ways
# ---------------------------------------------------------------------------------------------


def kept() -> dict[tuple[int, int], tuple[int, int]]:
    """(session, centre) → (marks, present or late), as kept."""
    rows = db.session.execute(
        select(
            AttendanceSummary.session_id,
            AttendanceSummary.centre_id,
            AttendanceSummary.marks,
            AttendanceSummary.attended,
        )
    )
    return {(s, c): (m, a) for s, c, m, a in rows}


def live() -> dict[tuple[int, int], tuple[int, int]]:
    """The same, counted here from every mark and its person's family."""
    marks: Counter = Counter()
    present: Counter = Counter()
    for session_id, centre_id, code in db.session.execute(
        select(Attendance.session_id, Family.centre_id, Attendance.code)
        .join(Person, Attendance.person_id == Person.id)
        .join(Family, Person.family_id == Family.id)
    ):
        marks[session_id, centre_id] += 1
        present[session_id, centre_id] += code in (AttendanceCode.PRESENT, AttendanceCode.LATE)
    return {k: (n, present[k]) for k, n in marks.items()}


def assert_kept_is_live() -> dict:
    db.session.flush()
    rows = kept()
    assert rows == live()
    return rows


def live_attendance_by_activity(sc: Scope, month: Month) -> list:
    """The services report's attendance query before issue 16, over every mark (kept here to
    compare; bench timings call it too)."""
    return list(
        db.session.execute(
            select_marks(
                Activity.id,
                Activity.centre_id,
                Activity.kind,
                Activity.service_id,
                Activity.title,
                func.count(Attendance.id),
                func.count(case((attended(), 1))),
            )
            .where(*sessions_held(sc.user, sc.centre_ids, month))
            .group_by(
                Activity.id, Activity.centre_id, Activity.kind, Activity.service_id, Activity.title
            )
        )
    )


def both_ways(sc: Scope, month: Month = NOVEMBER) -> list:
    """The report's figures per activity, asserted equal to the live query's."""
    figures_ = [tuple(r) for r in report._attendance_by_activity(sc, month)]
    assert figures_ == sorted(tuple(r) for r in live_attendance_by_activity(sc, month))
    return figures_


def world(f):
    """The services report's world, with marks at A's course of a person of centre B (same
    region) and of one of centre C (another region)."""
    a, b, c, kazakh = services_world(f)
    q1 = db.session.scalar(select(Person).join(Family).where(Family.centre_id == b.id))
    r1 = db.session.scalar(select(Person).join(Family).where(Family.centre_id == c.id))
    held(kazakh, datetime(2026, 11, 16, 10), {q1: P, r1: L})
    held(kazakh, datetime(2026, 11, 18, 10), {q1: X, r1: P})
    return a, b, c, kazakh


def session_of(act: Activity, local: datetime) -> ActivitySession:
    starts = local.replace(tzinfo=KZ).astimezone(UTC)
    return db.session.scalar(
        select(ActivitySession).where(
            ActivitySession.activity_id == act.id, ActivitySession.starts_at == starts
        )
    )


# ---------------------------------------------------------------------------------------------
# Kept current by the listener
# ---------------------------------------------------------------------------------------------


def test_marks_written_as_objects_are_kept_per_session_and_family_centre(f):
    a, b, c, kazakh = world(f)
    rows = assert_kept_is_live()
    s = session_of(kazakh, datetime(2026, 11, 16, 10))
    assert {k: v for k, v in rows.items() if k[0] == s.id} == {
        (s.id, b.id): (1, 1),
        (s.id, c.id): (1, 1),
    }
    first = session_of(kazakh, datetime(2026, 11, 2, 10))
    assert rows[(first.id, a.id)] == (4, 2)  # present, late, absent, absent for a valid reason


def test_recording_and_correcting_attendance_keeps_the_summary(f):
    centre = f.centre("KZ-47")
    p1, p2, p3 = f.family(centre, members=2).members
    act = activity(centre, "C8.9", "Kazakh A2")
    for seat, p in enumerate((p1, p2, p3), start=1):
        db.session.add(Enrolment(activity_id=act.id, person_id=p.id,
                                 status=EnrolmentStatus.ENROLLED, seat=seat))  # fmt: skip
    held(act, datetime(2026, 11, 23, 10), {})
    s = session_of(act, datetime(2026, 11, 23, 10))

    record_attendance(s, {p1.id: "present", p2.id: "absent"})
    assert assert_kept_is_live() == {(s.id, centre.id): (2, 1)}
    record_attendance(s, {p2.id: "late", p3.id: "excused"})  # a correction and a new mark
    assert assert_kept_is_live() == {(s.id, centre.id): (3, 2)}


def test_deleting_marks_keeps_the_summary(f):
    a, b, _c, kazakh = world(f)
    s = session_of(kazakh, datetime(2026, 11, 16, 10))
    q1_mark = db.session.scalar(
        select(Attendance)
        .join(Person, Attendance.person_id == Person.id)
        .join(Family, Person.family_id == Family.id)
        .where(Attendance.session_id == s.id, Family.centre_id == b.id)
    )
    db.session.delete(q1_mark)
    rows = assert_kept_is_live()
    assert (s.id, b.id) not in rows  # its only mark gone, the row goes
    first = session_of(kazakh, datetime(2026, 11, 2, 10))
    for mark in db.session.scalars(select(Attendance).where(Attendance.session_id == first.id)):
        db.session.delete(mark)
    assert not any(k[0] == first.id for k in assert_kept_is_live())


def test_a_mark_moved_to_another_session_counts_there(f):
    a, _b, _c, kazakh = world(f)
    first = session_of(kazakh, datetime(2026, 11, 2, 10))
    second = session_of(kazakh, datetime(2026, 11, 4, 10))
    mark = db.session.scalar(
        select(Attendance).where(
            Attendance.session_id == first.id, Attendance.code == AttendanceCode.EXCUSED
        )
    )  # p4, who has no mark on the 4th
    mark.session_id = second.id
    rows = assert_kept_is_live()
    assert rows[(first.id, a.id)] == (3, 2)
    assert rows[(second.id, a.id)] == (4, 2)
    mark.session = first  # through the relationship
    rows = assert_kept_is_live()
    assert rows[(first.id, a.id)] == (4, 2)


def test_a_person_or_a_family_moved_to_another_centre_is_counted_there(f):
    a, b, c, kazakh = world(f)
    first = session_of(kazakh, datetime(2026, 11, 2, 10))
    p4 = db.session.scalar(
        select(Person)
        .join(Attendance, Attendance.person_id == Person.id)
        .where(Attendance.session_id == first.id, Attendance.code == AttendanceCode.EXCUSED)
    )
    p4.family = f.family(b)  # through the relationship
    rows = assert_kept_is_live()
    assert rows[(first.id, a.id)] == (3, 2)
    assert rows[(first.id, b.id)] == (1, 0)

    family_a = db.session.get(Family, db.session.scalar(
        select(Person.family_id).join(Attendance, Attendance.person_id == Person.id)
        .where(Attendance.session_id == first.id, Attendance.code == AttendanceCode.PRESENT)
    ))  # fmt: skip
    family_a.centre_id = c.id
    rows = assert_kept_is_live()
    assert (first.id, a.id) not in rows
    assert rows[(first.id, c.id)] == (3, 2)


def test_a_session_deleted_with_its_marks_takes_its_rows(f):
    a, _b, _c, kazakh = world(f)
    s = session_of(kazakh, datetime(2026, 11, 16, 10))
    for mark in db.session.scalars(select(Attendance).where(Attendance.session_id == s.id)):
        db.session.delete(mark)
    db.session.delete(s)
    rows = assert_kept_is_live()  # one flush: the marks, then the session
    assert not any(k[0] == s.id for k in rows)
    assert rows


def test_a_rollback_takes_the_kept_rows_back(f):
    _a, _b, _c, kazakh = world(f)
    before = kept()
    savepoint = db.session.begin_nested()
    db.session.delete(db.session.scalar(select(Attendance).limit(1)))
    db.session.flush()
    assert kept() != before
    savepoint.rollback()
    assert kept() == before == live()


def test_rebuild_writes_what_the_listener_kept(f):
    world(f)
    rows = assert_kept_is_live()
    assert rows
    db.session.execute(text("UPDATE attendance_summary SET marks = 99"))
    db.session.execute(text(f"DELETE FROM attendance_summary WHERE session_id = {min(rows)[0]}"))
    summary.rebuild(db.session.connection())
    assert kept() == rows


@pytest.mark.bulk  # rolled back, then vacuumed (tests/conftest.py)
def test_the_national_data_set_comes_with_its_summary(app):
    national.build(national.SCALES["1x"])
    db.session.expire_all()
    rows = kept()
    assert len(rows) > 50
    assert rows == live()


# ---------------------------------------------------------------------------------------------
# The services report: the same figures both ways
# ---------------------------------------------------------------------------------------------


def test_every_roles_scope_counts_the_same_marks(f):
    a, b, c, kazakh = world(f)
    scopes = {
        "admin": scope_of(f.user("admin")),
        "admin, KZ-47": scope_of(f.user("admin"), "KZ-47"),
        "coordinator KZ-47": scope_of(f.user("coordinator", region_code="KZ-47")),
        "coordinator KZ-61": scope_of(f.user("coordinator", region_code="KZ-61")),
        **{f"staff {x.name_en}": scope_of(f.user("staff", centre=x)) for x in (a, b, c)},
    }
    marks = {name: {r[0]: r[5] for r in both_ways(sc)} for name, sc in scopes.items()}
    # A's course: 8 marks of A's persons in November, 2 of B's, 2 of C's; each sees their own.
    assert marks["admin"][kazakh.id] == 12
    assert marks["admin, KZ-47"][kazakh.id] == 12  # the region narrows centres, not persons
    assert marks["coordinator KZ-47"][kazakh.id] == 10
    assert marks["staff Aktau centre"][kazakh.id] == 8
    assert kazakh.id not in marks["coordinator KZ-61"] | marks["staff Turkistan centre"]
    assert len(marks["admin"]) == 5
    assert len(marks["staff Beineu centre"]) == 1
    resident = f.user("resident", person=db.session.scalar(select(Person).limit(1)))
    with pytest.raises(LookupError):  # a resident's scope is a family: not what is kept
        report._attendance_by_activity(Scope(resident, [a], None), NOVEMBER)


def test_cancelled_and_moved_sessions_count_the_same_both_ways(f):
    _a, _b, _c, kazakh = world(f)
    sc = scope_of(f.user("coordinator", region_code="KZ-47"))

    def kazakh_marks():
        return next(r[5:] for r in both_ways(sc) if r[0] == kazakh.id)

    assert kazakh_marks() == (10, 6)  # A's 8 marks (5 present or late), B's 2 (1)
    session_of(kazakh, datetime(2026, 11, 18, 10)).cancelled = True  # B's person absent
    db.session.flush()
    assert kazakh_marks() == (9, 6)
    s = session_of(kazakh, datetime(2026, 11, 2, 10))
    starts = datetime(2026, 12, 2, 10, tzinfo=KZ)
    move_session(s, starts, starts + timedelta(hours=2), None)
    assert kazakh_marks() == (5, 4)
    december = next(r for r in both_ways(sc, Month(date(2026, 12, 1))) if r[0] == kazakh.id)
    assert december[5:] == (5, 3)  # the 1 December session and the one moved there
    assert kept() == live()  # sessions changed, no kept row did


def test_the_services_page_shows_the_same_figures_both_ways(f, login, monkeypatch):
    world(f)
    client = login(f.user("coordinator", region_code="KZ-47"))
    url = "/en/reports/services?month=2026-11"
    kept_figures = figures(client.get(url).data)
    monkeypatch.setattr(report, "_attendance_by_activity", live_attendance_by_activity)
    assert figures(client.get(url).data) == kept_figures
    assert kept_figures["attendance"][0] == ["Aktau centre", 11, 7, 0.636]  # with B's person


# ---------------------------------------------------------------------------------------------
# The migration's backfill
# ---------------------------------------------------------------------------------------------


def occupancy_rows() -> list[tuple]:
    rows = db.session.execute(
        select(
            OccupancyDay.centre_id, OccupancyDay.day, OccupancyDay.beds, OccupancyDay.persons
        ).order_by(OccupancyDay.centre_id, OccupancyDay.day)
    )
    return [tuple(r) for r in rows]


def test_the_migration_backfills_what_the_listener_kept(database_url, tmp_path):
    url = scratch_database(database_url, tmp_path, "portal_summary_migration")
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": {}, "SECRET_KEY": "x"}
    )
    with app.app_context():
        upgrade()
        from tests import factories

        world(factories)
        listener = kept()
        assert len(listener) == 14  # every session with marks, two of them with two centres
        centre = db.session.scalars(select(Centre).order_by(Centre.id)).first()
        factories.room(centre, beds=2)
        factories.admit(factories.family(centre))
        days = occupancy_rows()
        assert any(persons for *_, persons in days), "a family lives in the room"
        db.session.remove()
        downgrade(revision=BEFORE_AGGREGATES)
        assert not {"attendance_summary", "occupancy_day"} & set(
            inspect(db.engine).get_table_names()
        )
        upgrade()
        assert kept() == listener == live()
        assert occupancy_rows() == days  # 0015's backfill: what the listener wrote
        db.session.remove()
        db.engine.dispose()
