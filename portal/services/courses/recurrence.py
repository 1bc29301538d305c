"""When the sessions of a course or event fall (C8.3, C8.4, C8.5, C8.9), as instants, and what
clashes with them.

- **Which days hold a session.** A course meets on the weekdays chosen, every week from its
  first to its last day. A chosen day is skipped when it is a *day off for a reason other than
  the weekend*: a public holiday of `holidays.KZ` (observed days included) or an
  administrator's DAY_OFF correction (`portal.workdays`). A WORKDAY correction keeps the day.
  So a course that meets on Saturdays keeps its Saturdays, except a Saturday that is a public
  holiday (Nauryz on 21 March 2026). An *event* takes place on the dates chosen even on a
  holiday (a Nauryz concert is held on Nauryz); with no weekday chosen it runs every day from
  its first to its last day.
- **Times.** Sessions start and end at the chosen local times in Kazakhstan (Asia/Almaty) and
  are stored as UTC instants (SQLite keeps no offset; every stored instant in the portal is UTC).
- **Clashes.** `clash_lines` asks `calendar.clashes.find_clashes` once for a whole span of
  slots and names, per slot, what it meets.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import format_date, format_datetime, to_user_timezone
from flask_babel import lazy_gettext as _l

from portal.clock import KZ, today
from portal.services.calendar.clashes import find_clashes
from portal.services.courses.models import Activity, ActivityKind
from portal.workdays import DayKind, WorkCalendar, public_holidays

MAX_LISTED_CLASHES = 10


def aware_instant(value: datetime) -> datetime:
    """An instant given by a caller, in UTC. A naive datetime is refused: it could be local
    time (a form) or UTC; attach `clock.KZ` first (stored instants come back aware)."""
    if value.tzinfo is None:
        raise ValueError("a timezone-aware datetime is required")
    return value.astimezone(UTC)


def at(day: date, clock_time: time) -> datetime:
    """The UTC instant of a local time in Kazakhstan on `day`."""
    return datetime.combine(day, clock_time, tzinfo=KZ).astimezone(UTC)


def parse_weekdays(value: str | Iterable[int] | None) -> list[int]:
    """Days of the week from "0,2,4" or [0, 2, 4] to [0, 2, 4] (Monday is 0)."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [int(v) for v in value.split(",") if v.strip()]
    return sorted({int(v) for v in value})


def when(starts_at: datetime, ends_at: datetime) -> str:
    """A session's time as "2 Dec 2026, 10:00–12:00" in the current language, local time."""
    local = to_user_timezone(starts_at)
    return str(
        _l(
            "%(day)s, %(start)s–%(end)s",
            day=format_date(local.date(), "medium"),
            start=format_datetime(starts_at, "HH:mm"),
            end=format_datetime(ends_at, "HH:mm"),
        )
    )


def eligibility_day(activity: Activity) -> date:
    """The day a person enrolling now would first attend: today, or the first day of a course
    that has not started yet (eligibility is judged on that day)."""
    return max(today(), activity.start_on)


def session_days(
    kind: ActivityKind | str, start_on: date, end_on: date, weekdays: Iterable[int]
) -> list[date]:
    """The days an activity meets (see the module's docstring: a course skips public holidays
    and days off decreed by the administrator, never its own chosen weekend days)."""
    kind = ActivityKind(kind)
    chosen = set(weekdays)
    calendar = WorkCalendar(start_on, end_on)
    holidays_of: dict[int, dict[date, str]] = {}

    def day_off(day: date) -> bool:
        correction = calendar.override(day)
        if correction is not None:
            return correction == DayKind.DAY_OFF
        if day.year not in holidays_of:
            holidays_of[day.year] = public_holidays(day.year, translated=False)
        return day in holidays_of[day.year]

    days = []
    day = start_on
    while day <= end_on:
        if (not chosen or day.weekday() in chosen) and (
            kind == ActivityKind.EVENT or not day_off(day)
        ):
            days.append(day)
        day += timedelta(days=1)
    return days


def clash_lines(
    slots: list[tuple[datetime, datetime]],
    *,
    person_ids: Iterable[int] = (),
    teacher_id: int | None = None,
    room_id: int | None = None,
    exclude_activity_id: int | None = None,
) -> list[str]:
    """What clashes with each slot, as translated lines naming both sides.

    `find_clashes` is asked once for the whole span (a handful of queries, however many
    sessions); what it returns is then matched to the slots it really overlaps.
    """
    person_ids = list(person_ids)
    if not slots or not (person_ids or teacher_id or room_id):
        return []
    first = min(s for s, _ in slots)
    last = max(e for _, e in slots)
    found = find_clashes(
        first,
        last,
        person_ids=person_ids,
        teacher_id=teacher_id,
        room_id=room_id,
        exclude_activity_id=exclude_activity_id,
    )
    if not found:
        return []
    lines: list[str] = []
    seen: set[tuple] = set()
    for starts_at, ends_at in sorted(slots):
        for clash in found:
            if not (clash.starts_at < ends_at and clash.ends_at > starts_at):
                continue
            key = (starts_at, clash.what, clash.subject_id, clash.other_kind, clash.other_id)
            if key in seen:
                continue
            seen.add(key)
            lines.append(
                str(_l("%(when)s — %(clash)s", when=when(starts_at, ends_at), clash=clash.message))
            )
    if len(lines) > MAX_LISTED_CLASHES:
        more = len(lines) - MAX_LISTED_CLASHES
        lines = lines[:MAX_LISTED_CLASHES]
        lines.append(str(_l("… and %(num)s more clashes.", num=more)))
    return lines
