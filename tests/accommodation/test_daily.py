"""Issue 16: the occupancy per centre and day (`portal.accommodation.daily`) is kept current by
every change to stays and beds in service, equals the computation from the intervals, and the
occupancy report reads the same figures from it as from the intervals themselves."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, select

from portal.accommodation import daily
from portal.accommodation import operations as acc
from portal.accommodation.models import AdmissionReason, DischargeReason, OccupancyDay, Stay
from portal.clock import today
from portal.extensions import db
from portal.reports.queries import occupancy as report
from portal.reports.queries.scope import scope_of

pytestmark = pytest.mark.clock("2026-11-25 12:00")

SINCE = date(2026, 1, 1)


def kept(centre_ids) -> dict[tuple[int, date], tuple[int, int]]:
    rows = db.session.execute(
        select(OccupancyDay).where(OccupancyDay.centre_id.in_(centre_ids))
    ).scalars()
    return {(r.centre_id, r.day): (r.beds, r.persons) for r in rows}


def live(centre_ids, start: date, end: date) -> dict[tuple[int, date], tuple[int, int]]:
    counts = daily.computed(db.session, list(centre_ids), start, end)
    return {
        (c, start + timedelta(days=i)): (b, p)
        for c, (beds, persons) in counts.items()
        for i, (b, p) in enumerate(zip(beds, persons, strict=True))
    }


def assert_kept_equals_live(centre_ids, start: date = SINCE) -> None:
    rows = kept(centre_ids)
    expected = live(centre_ids, start, today())
    assert {k: v for k, v in rows.items() if start <= k[1] <= today()} == expected
    assert all(day >= start for _, day in rows), "no row before anything happened"
    assert all(r.week == r.day - timedelta(days=r.day.weekday()) for r in _rows(centre_ids))


def _rows(centre_ids):
    return db.session.scalars(select(OccupancyDay).where(OccupancyDay.centre_id.in_(centre_ids)))


@pytest.fixture
def two_centres(f):
    one, two = f.centre(), f.centre()
    f.room(one, beds=4, since=SINCE)
    f.room(one, beds=2, since=date(2026, 3, 1))
    f.room(two, beds=3, since=SINCE)
    db.session.commit()
    return one, two


def test_every_kind_of_change_keeps_the_rows_equal_to_the_intervals(f, two_centres):
    one, two = two_centres
    ids = [one.id, two.id]
    assert_kept_equals_live(ids)
    first = f.family(one, members=2)
    f.admit(first, date(2026, 2, 10))
    db.session.commit()
    assert_kept_equals_live(ids)
    second = f.family(two, members=1)
    f.admit(second, date(2026, 6, 1))
    db.session.commit()
    assert kept([two.id])[(two.id, date(2026, 6, 1))] == (3, 2)
    acc.discharge(list(first.head.stays), date(2026, 9, 15), DischargeReason.HOUSING, None)
    db.session.commit()
    assert_kept_equals_live(ids)
    bed = one.rooms[1].beds[0]
    acc.take_out_of_service(bed, date(2026, 10, 1))
    db.session.commit()
    assert (
        kept([one.id])[(one.id, date(2026, 10, 1))][0]
        == kept([one.id])[(one.id, date(2026, 9, 30))][0] - 1
    )
    acc.return_to_service(bed, date(2026, 11, 1))
    acc.add_beds(two.rooms[0], 2, date(2026, 4, 1))
    db.session.commit()
    assert_kept_equals_live(ids)
    # A stay corrected by hand, back in time, and one deleted: both centres' rows follow.
    stay = second.head.stays[0]
    stay.start_on = date(2026, 5, 20)
    db.session.delete(first.members[1].stays[0])
    db.session.commit()
    assert_kept_equals_live(ids)
    # A room in service from before the centre's first row: written from that day on.
    f.room(two, beds=1, since=date(2025, 12, 1))
    assert_kept_equals_live([two.id], start=date(2025, 12, 1))
    assert_kept_equals_live([one.id])
    assert kept([two.id])[(two.id, date(2025, 12, 1))] == (1, 0)


def test_a_rolled_back_change_leaves_the_rows_as_they_were(f, two_centres):
    one, _ = two_centres
    before = kept([one.id])
    fam = f.family(one, members=1)
    beds = acc.free_beds(one.id, date(2026, 4, 1))[:2]
    placements = [acc.Placement(m, b) for m, b in zip(fam.members, beds, strict=True)]
    acc.admit_family(fam, placements, date(2026, 4, 1), AdmissionReason.STATUS_PENDING)
    db.session.expire_all()
    assert kept([one.id]) != before  # written with the flush, in the same transaction
    db.session.rollback()
    assert kept([one.id]) == before


def test_rebuild_writes_what_the_listener_wrote(f, two_centres):
    one, two = two_centres
    f.admit(f.family(one, members=2), date(2026, 2, 10))
    f.admit(f.family(two), date(2026, 7, 3))
    db.session.commit()
    by_listener = kept([one.id, two.id])
    daily.rebuild(db.session.connection())
    assert kept([one.id, two.id]) == by_listener


def test_reading_computes_the_days_after_a_centre_s_last_row(f, two_centres):
    """Until the daily job has run, a quiet centre's rows stop before today: `read` computes
    those days from the intervals, per day and per week."""
    one, two = two_centres
    f.admit(f.family(one, members=2), date(2026, 2, 10))
    f.admit(f.family(two), date(2026, 7, 3))
    db.session.commit()
    db.session.execute(delete(OccupancyDay).where(OccupancyDay.day > date(2026, 10, 20)))
    db.session.execute(
        delete(OccupancyDay).where(
            OccupancyDay.centre_id == two.id, OccupancyDay.day > date(2026, 8, 1)
        )
    )
    ids = [one.id, two.id]
    start, end = date(2026, 7, 1), today()
    expected = daily.computed(db.session, ids, start, end)
    assert daily.read(db.session, ids, start, end) == expected
    weekly = daily.read(db.session, ids, start, end, weekly=True)
    points = report.buckets(start, end)
    for c in ids:
        assert weekly[c][1] == [
            sum(expected[c][1][lo:hi]) for _, lo, hi in report.buckets(start, end)
        ]
        assert len(weekly[c][0]) == len(points)
    assert daily.extend(db.session.connection()) == 2  # the daily job: both centres written
    assert_kept_equals_live(ids)
    assert daily.extend(db.session.connection()) == 0


def test_the_daily_command_writes_up_to_today(app, f, two_centres, clock):
    one, _ = two_centres
    f.admit(f.family(one), date(2026, 3, 2))
    db.session.commit()
    clock.move_to("2026-12-03 07:00")
    assert max(day for _, day in kept([one.id])) == date(2026, 11, 25)
    result = app.test_cli_runner().invoke(args=["occupancy-days"])
    assert result.exit_code == 0, result.output
    assert "for 2 centre(s)" in result.output  # both centres were behind
    assert max(day for _, day in kept([one.id])) == date(2026, 12, 3)
    assert_kept_equals_live([one.id])


@pytest.mark.parametrize(
    ("start", "end"), [("2026-11-01", "2026-11-25"), ("2025-12-01", "2026-11-25")]
)
def test_the_report_reads_the_figures_the_intervals_give(f, start, end):
    """Several centres with random stays: the report's tables (from the kept rows) equal those
    computed from the intervals themselves, by day and by week."""
    rng = random.Random(16)
    centres = [f.centre("KZ-47") for _ in range(3)]
    for c in centres:
        for _ in range(3):
            f.room(c, beds=4, since=date(2025, 6, 1))
        for _ in range(4):
            fam = f.family(c, members=rng.randint(0, 1))
            f.admit(fam, date(2025, 6, 1) + timedelta(days=rng.randint(0, 500)))
    db.session.commit()
    for stay in db.session.scalars(select(Stay)).all()[::3]:
        acc.discharge(
            [stay],
            stay.start_on + timedelta(days=rng.randint(1, 90)),
            DischargeReason.VOLUNTARY,
            None,
        )
    db.session.commit()
    sc = scope_of(f.user("coordinator", region_code="KZ-47"), None)
    period = report.Period(date.fromisoformat(start), date.fromisoformat(end))
    tables = report.occupancy(sc, period)
    beds, stays = daily.intervals(db.session, sc.centre_ids, period.start, period.end)
    per_centre, total = report.daily_use(period.start, period.end, sc.centre_ids, beds, stays)
    summary = {r.cells[0]: r.cells[1:] for r in tables[0].rows}
    for c in sc.centres:
        use = per_centre[c.id]
        assert summary[c.name] == [use.total_bed_days, use.total_person_days, use.utilisation]
    assert summary[next(iter(summary.keys() - {c.name for c in sc.centres}))] == [
        total.total_bed_days,
        total.total_person_days,
        total.utilisation,
    ]
    points = report.buckets(period.start, period.end)
    from portal.reports.tables import ratio

    expected_series = [
        [ratio(sum(total.person_days[lo:hi]), sum(total.bed_days[lo:hi]))]
        + [
            ratio(sum(per_centre[c.id].person_days[lo:hi]), sum(per_centre[c.id].bed_days[lo:hi]))
            for c in sc.centres
        ]
        for _, lo, hi in points
    ]
    assert [r.cells[1:] for r in tables[1].rows] == expected_series
    assert any(v for row in expected_series for v in row), "the figures are not all empty"
