"""Kazakhstan working days (R4-1: documents are accepted or refused within three working days
of their arrival): weekends, public holidays of `holidays.KZ`, and the administrator's
corrections on top.

The 2026–2027 public holidays used below, as holidays 0.109 generates them: 1–2 Jan, 7 Jan,
8 Mar (Sun) observed 9 Mar, Nauryz 21–23 Mar (Sat–Mon) observed 24–25 Mar, …, 16 Dec 2026;
1 Jan 2027 (Fri), 2 Jan (Sat) observed 4 Jan (Mon), 7 Jan (Thu).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal import clock
from portal.admin.models import CalendarOverride
from portal.extensions import db
from portal.workdays import (
    DayKind,
    add_working_days,
    holiday_in_language,
    holiday_name,
    is_working_day,
    public_holidays,
    working_days_between,
)

pytestmark = pytest.mark.clock("2026-11-25 09:00")


def _override(day: date, kind: DayKind, note: str = "Decree No. 1") -> None:
    db.session.add(CalendarOverride(day=day, kind=kind, note=note))
    db.session.commit()


# Counted from whatever day it is (the faked-clock pass of `make test` moves it to hard days):
# the holiday library has decree transfers only up to 2025, so a worked day is seeded as the
# administrator would enter it.


@pytest.mark.clock(None)
def test_r4_1_a_sunday_worked_by_decree_counts_from_today(app):
    today = clock.today()
    sunday = today + timedelta(days=(6 - today.weekday()) % 7)  # today, if it is a Sunday
    assert not is_working_day(sunday)
    _override(sunday, DayKind.WORKDAY, "Decree: Sunday worked")
    assert is_working_day(sunday)
    assert add_working_days(sunday - timedelta(days=1), 1) == sunday


@pytest.mark.clock(None)
def test_r4_1_due_dates_from_today_are_working_days_three_working_days_on(app):
    today = clock.today()
    for arrival in (today - timedelta(days=1), today, today + timedelta(days=1)):
        due = add_working_days(arrival, 3)
        assert is_working_day(due), (arrival, due)
        assert working_days_between(arrival, due) == 3, (arrival, due)
        assert arrival < due <= arrival + timedelta(days=14), (arrival, due)


def test_the_library_dates_the_tests_rely_on(app):
    """Guards the expectations below against a change of the holidays package."""
    h2026, h2027 = public_holidays(2026), public_holidays(2027)
    assert {date(2026, 3, d) for d in range(21, 26)} <= h2026.keys()
    assert {date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 4), date(2027, 1, 7)} <= h2027.keys()
    assert date(2026, 3, 26) not in h2026
    assert date(2026, 3, 20) not in h2026
    assert date(2027, 1, 5) not in h2027
    assert date(2027, 1, 6) not in h2027


def test_r4_1_documents_arriving_before_nauryz_are_due_after_it(app):
    # Thu 19 Mar: Fri 20 (1), 21–25 Nauryz and observed days, Thu 26 (2), Fri 27 (3)
    assert add_working_days(date(2026, 3, 19), 3) == date(2026, 3, 27)


def test_r4_1_documents_arriving_on_new_years_eve_are_due_on_8_january(app):
    # Thu 31 Dec: 1 Jan, 2–3 weekend, 4 Jan observed, Tue 5 (1), Wed 6 (2), 7 Jan, Fri 8 (3)
    assert add_working_days(date(2026, 12, 31), 3) == date(2027, 1, 8)


def test_r4_1_a_friday_plus_one_working_day_is_the_next_monday(app):
    assert add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 23)


def test_r4_1_counting_starts_the_day_after_arrival(app):
    assert add_working_days(date(2026, 11, 23), 3) == date(2026, 11, 26)  # Mon → Thu


def test_r4_1_a_day_off_entered_by_the_administrator_is_skipped(app):
    _override(date(2026, 11, 25), DayKind.DAY_OFF)  # a Wednesday
    assert not is_working_day(date(2026, 11, 25))
    assert add_working_days(date(2026, 11, 23), 3) == date(2026, 11, 27)


def test_r4_1_a_saturday_worked_by_decree_counts(app):
    _override(date(2026, 11, 21), DayKind.WORKDAY)  # a Saturday
    assert is_working_day(date(2026, 11, 21))
    assert add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 21)


def test_r4_1_a_holiday_worked_by_decree_counts(app):
    _override(date(2026, 3, 24), DayKind.WORKDAY)  # Nauryz, observed
    assert add_working_days(date(2026, 3, 19), 3) == date(2026, 3, 26)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 11, 21), False),  # a Saturday
        (date(2026, 11, 22), False),  # a Sunday
        (date(2026, 12, 16), False),  # Independence Day, a Wednesday
        (date(2026, 3, 9), False),  # Women's Day, observed on the Monday
        (date(2026, 11, 25), True),  # an ordinary Wednesday
    ],
)
def test_is_working_day(app, day, working):
    assert is_working_day(day) is working


def test_library_working_weekends_count_up_to_2025(app):
    """Decrees up to 2025 come with the library: Sunday 5 Jan 2025 was worked, Fri 3 Jan not."""
    assert is_working_day(date(2025, 1, 5))
    assert not is_working_day(date(2025, 1, 3))


def test_working_days_between_counts_the_end_but_not_the_start(app):
    assert working_days_between(date(2026, 3, 19), date(2026, 3, 27)) == 3
    assert working_days_between(date(2026, 3, 27), date(2026, 3, 19)) == -3
    assert working_days_between(date(2026, 3, 19), date(2026, 3, 19)) == 0
    assert working_days_between(date(2026, 3, 20), date(2026, 3, 25)) == 0


def test_negative_n_counts_backwards(app):
    assert add_working_days(date(2026, 3, 27), -3) == date(2026, 3, 19)


def test_holiday_names_follow_the_language_and_a_day_off_has_its_note(app):
    from flask_babel import force_locale

    with app.test_request_context("/en/"), force_locale("en"):
        assert holiday_name(date(2026, 3, 21)) == "Nowruz Holiday"
    with app.test_request_context("/kk/"), force_locale("kk"):
        assert holiday_name(date(2026, 3, 21)) == "Наурыз мейрамы"
    assert holiday_name(date(2026, 11, 25)) is None
    _override(date(2026, 11, 25), DayKind.DAY_OFF, "Decree No. 77 of 1 Nov 2026")
    assert holiday_name(date(2026, 11, 25)) == "Decree No. 77 of 1 Nov 2026"


def test_one_query_per_call(app, count_queries):
    """The corrections are read once for the whole window, not day by day."""
    with count_queries() as q:
        add_working_days(date(2026, 3, 19), 60)
        working_days_between(date(2026, 1, 1), date(2026, 12, 31))
        is_working_day(date(2026, 3, 23))
    assert q.count == 3


def test_every_holiday_the_library_names_is_named_in_kazakh_and_russian(app):
    # The library speaks kk and English only; the portal's catalogs name its holidays in
    # Russian (and kk, en) — a holiday a library upgrade adds fails here, not on a page.
    import re

    import holidays
    from flask_babel import force_locale

    names = {name for year in range(2018, 2036)
             for name in holidays.KZ(years=year, categories=(holidays.PUBLIC,), language="en_US").values()}  # fmt: skip
    for lang in ("kk", "ru"):
        with app.test_request_context(f"/{lang}/"), force_locale(lang):
            latin = {n: holiday_in_language(n) for n in names if re.search("[A-Za-z]", holiday_in_language(n))}
        assert not latin, (lang, latin)


def test_a_russian_page_names_the_holidays_in_russian(app):
    from flask_babel import force_locale

    with app.test_request_context("/ru/"), force_locale("ru"):
        named = public_holidays(2026)
    assert named[date(2026, 3, 21)] == "Наурыз мейрамы"
    assert named[date(2026, 3, 24)] == "Наурыз мейрамы (перенесенный выходной день)"
    assert named[date(2026, 5, 27)] == "Курбан айт (дата предварительная)"
    assert public_holidays(2026, translated=False)[date(2026, 3, 8)] == "International Women's Day"
