"""Occupancy over a period: utilisation = person-days ÷ bed-days, worked out by hand.

The hand-made case, November 2026 (30 days):
Centre "Four beds" (region KZ-47):
- 4 beds in service since 2020: 4 × 30 = 120 bed-days;
- 2 beds added on 11 November: 2 × 20 (11–30) = 40 bed-days;
- 1 of the first beds out of service from 21 November: − 10 (21–30) bed-days;
  → 150 bed-days.
- a stay from 20 October to 6 November (leaves on the 6th): 1–5 → 5 person-days;
- a stay from 25 November, open: 25–30 → 6;
- a stay from 1 September, open (the whole period): 30;
- a stay from 10 November moving to another bed on 15 November, leaving 10 December:
  10–30 → 21 (counted once, not twice on the day of the move);
  → 62 person-days; utilisation 62 ÷ 150 = 41.3 %.
Centre "New beds" (same region): 2 beds from 16 November (2 × 15 = 30 bed-days), a stay from
20 November (11 person-days): 36.7 %.
Region: 180 bed-days, 73 person-days: 40.6 %.
"""

from __future__ import annotations

from datetime import date

import pytest

from portal.accommodation import operations as acc
from portal.accommodation.models import AdmissionReason, Stay
from portal.extensions import db
from portal.reports.queries.occupancy import buckets, daily_use
from tests.reports.conftest import (
    csv_rows,
    page_tables,
    page_values,
    xlsx_sheets,
    xlsx_values,
)

pytestmark = pytest.mark.clock("2026-11-25 12:00")

START, END = date(2026, 11, 1), date(2026, 11, 30)
PERIOD = "start=2026-11-01&end=2026-11-30"


def test_daily_use_by_hand_without_a_database():
    beds = [
        *[(1, date(2020, 1, 1), None)] * 3,
        (1, date(2020, 1, 1), date(2026, 11, 21)),  # out of service from the 21st
        (1, date(2026, 11, 11), None),
        (1, date(2026, 11, 11), None),
        (2, date(2026, 11, 16), None),
        (2, date(2026, 11, 16), None),
        (9, date(2020, 1, 1), None),  # a centre not asked for: ignored
    ]
    stays = [
        (1, date(2026, 10, 20), date(2026, 11, 6)),
        (1, date(2026, 11, 25), None),
        (1, date(2026, 9, 1), None),
        (1, date(2026, 11, 10), date(2026, 11, 15)),
        (1, date(2026, 11, 15), date(2026, 12, 10)),
        (2, date(2026, 11, 20), None),
        (1, date(2026, 12, 1), None),  # after the period
        (1, date(2026, 10, 1), date(2026, 11, 1)),  # left the day the period starts
    ]
    per_centre, total = daily_use(START, END, [1, 2], beds, stays)
    one, two = per_centre[1], per_centre[2]
    assert (one.total_bed_days, one.total_person_days, one.utilisation) == (150, 62, 0.413)
    assert (two.total_bed_days, two.total_person_days, two.utilisation) == (30, 11, 0.367)
    assert (total.total_bed_days, total.total_person_days, total.utilisation) == (180, 73, 0.406)
    # Day by day: the capacity in force on each day.
    assert one.bed_days[0] == 4
    assert one.bed_days[10] == 6
    assert one.bed_days[20] == 5
    assert one.person_days[0] == 2
    assert one.person_days[5] == 1
    assert one.person_days[14] == 2
    assert two.bed_days[14] == 0
    assert two.utilisation is not None
    assert daily_use(START, END, [3], [], [])[0][3].utilisation is None  # no beds: no ratio


def test_long_periods_are_charted_by_week_clipped_to_the_period():
    points = buckets(date(2026, 1, 1), date(2026, 4, 30))  # Thursday to Thursday, 120 days
    assert points[0] == (date(2026, 1, 1), 0, 4)  # Thu–Sun
    assert points[1] == (date(2026, 1, 5), 4, 11)
    assert points[-1][2] == 120
    assert len(buckets(START, END)) == 30


@pytest.fixture
def november(f, frozen_today):
    """The hand-made case above, written through the portal's own operations."""
    four = f.centre("KZ-47", name_en="Four beds", name_kk="Орталық 1")
    room = f.room(four, beds=4, since=date(2020, 1, 1))
    b1, b2, b3, b4 = room.beds
    b5, _b6 = acc.add_beds(room, 2, date(2026, 11, 11))
    acc.take_out_of_service(b4, date(2026, 11, 21))
    new = f.centre("KZ-47", name_en="New beds", name_kk="Орталық 2")
    (n1, _n2) = f.room(new, beds=2, since=date(2026, 11, 16)).beds
    db.session.commit()

    def stay(centre, bed, start, end=None):
        person = f.family(centre).head
        db.session.add(
            Stay(
                person=person,
                bed=bed,
                start_on=start,
                end_on=end,
                admission_reason=AdmissionReason.OTHER,
            )
        )
        db.session.commit()
        return person

    stay(four, b1, date(2026, 10, 20), date(2026, 11, 6))
    stay(four, b1, date(2026, 11, 25))
    stay(four, b2, date(2026, 9, 1))
    mover = stay(four, b3, date(2026, 11, 10), date(2026, 11, 15))
    db.session.add(
        Stay(
            person=mover,
            bed=b5,
            start_on=date(2026, 11, 15),
            end_on=date(2026, 12, 10),
            admission_reason=AdmissionReason.TRANSFER,
        )
    )
    stay(new, n1, date(2026, 11, 20))
    other = f.centre("KZ-61", name_en="Elsewhere")
    stay(other, f.room(other, beds=1).beds[0], date(2026, 1, 1))
    return four, new


EXPECTED = [
    ["Four beds", 150, 62, 0.413],
    ["New beds", 30, 11, 0.367],
    ["Total", 180, 73, 0.406],
]


def test_the_page_shows_the_hand_computed_figures(november, f, login):
    client = login(f.user("coordinator", region_code="KZ-47"))
    resp = client.get(f"/en/reports/occupancy?{PERIOD}")
    assert resp.status_code == 200
    assert page_values(resp.data, "utilisation") == EXPECTED
    assert "Elsewhere" not in resp.text
    # The chart: an accessible inline SVG with one line per centre and one for the total.
    html = resp.text
    assert 'role="img"' in html
    assert "<title" in html
    assert "<desc" in html
    assert html.count('class="chart-line"') == 3
    assert "Daily utilisation from Nov 1, 2026 to Nov 30, 2026: 40.6% over the period." in html
    # Beside it, the figures the chart draws, day by day.
    by_day = page_values(resp.data, "by_day")
    assert len(by_day) == 30
    assert by_day[0][1:] == [0.5, 0.5, None]  # 1 Nov: 2 of 4 beds; no beds yet in "New beds"


def test_csv_and_xlsx_carry_the_page_figures(november, f, login):
    client = login(f.user("coordinator", region_code="KZ-47"))
    rows = csv_rows(client.get(f"/en/reports/occupancy/export.csv?{PERIOD}").data)
    assert rows[0] == ["Centre", "Bed-days", "Person-days", "Utilisation, %"]
    assert rows[1:] == [
        ["Four beds", "150", "62", "41.3"],
        ["New beds", "30", "11", "36.7"],
        ["Total", "180", "73", "40.6"],
    ]
    body = client.get(f"/en/reports/occupancy/export.xlsx?{PERIOD}").data
    assert xlsx_values(body, 0) == EXPECTED
    page = client.get(f"/en/reports/occupancy?{PERIOD}")
    by_day = page_values(page.data, "by_day")
    assert [r[1:] for r in xlsx_values(body, 1)] == [r[1:] for r in by_day]
    assert len(xlsx_sheets(body)) == 2


def test_the_default_period_is_the_thirty_days_up_to_today(november, f, login):
    client = login(f.user("coordinator", region_code="KZ-47"))
    resp = client.get("/en/reports/occupancy")
    assert resp.status_code == 200
    assert "Utilisation from Oct 27, 2026 to Nov 25, 2026" in resp.text
    assert 'value="2026-10-27"' in resp.text
    assert 'value="2026-11-25"' in resp.text


@pytest.mark.parametrize(
    ("query", "message", "kept"),
    [
        ("start=2026-11-01&end=30.11.2026", "Enter a date such as 2026-11-01.", "30.11.2026"),
        ("start=2026-13-01&end=2026-11-30", "Enter a date such as 2026-11-01.", "2026-13-01"),
        ("start=2026-11-30&end=2026-11-01", "The end must be on or after the start.", None),
        ("start=2025-01-01&end=2026-01-02", "Choose a period of at most 366 days.", None),
    ],
)
def test_an_unusable_period_is_refused_beside_the_field(
    f, login, frozen_today, query, message, kept
):
    f.centre("KZ-47")
    client = login(f.user("coordinator", region_code="KZ-47"))
    resp = client.get(f"/en/reports/occupancy?{query}")
    assert resp.status_code == 422
    assert '<p class="error-message" id="' in resp.text
    assert message in resp.text
    assert 'aria-invalid="true"' in resp.text
    if kept:
        assert f'value="{kept}"' in resp.text
    assert "table-utilisation" not in resp.text
    assert client.get(f"/en/reports/occupancy/export.xlsx?{query}").status_code == 422
    assert client.get(f"/en/reports/occupancy/export.csv?{query}").status_code == 422


def test_a_full_year_is_accepted_and_charted_by_week(november, f, login):
    client = login(f.user("coordinator", region_code="KZ-47"))
    resp = client.get("/en/reports/occupancy?start=2026-01-01&end=2027-01-01")  # 366 days
    assert resp.status_code == 200
    assert "Weekly utilisation" in resp.text
    assert page_tables(resp.data)["by_week"]["headers"][0] == "Week from"
