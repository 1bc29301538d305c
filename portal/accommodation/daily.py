"""Occupancy per centre and day (issue 16): the beds in service and the persons living there,
computed from the intervals and kept in `OccupancyDay` so that a report over a month or a
year of 150 centres adds up rows instead of sweeping every stay.

- **The computation** (`intervals`, `daily_counts`): bed-days come from `BedInService`
  periods, person-days from `Stay`s (both end exclusive) in the beds of the centre; a +1/−1
  sweep over the intervals clipped to the days asked for. It is the definition: the kept rows
  are only ever written from it.
- **Kept current** by a listener on the session: whenever a flush adds, changes or deletes a
  stay or a bed's period in service, the centres concerned are computed again from the
  earliest day the change touches up to today (or the last day kept, if later), in the same
  transaction. No operation has to remember it, and a rollback takes the rows back with it.
- **Days without rows**: a centre's rows run from the first day anything happened in it to
  the last day written. `extend` (the daily `flask occupancy-days`, and the outbox worker
  once a day) writes the days up to today; until it has run, `read` computes the missing
  days after a centre's last row from the intervals, so a figure never depends on it.
- **Bulk writers** (the migration that created the table, the national data generator)
  bypass the listener and call `rebuild`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import delete, event, func, inspect, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from portal.accommodation.models import Bed, BedInService, OccupancyDay, Room, Stay
from portal.clock import today

Interval = tuple[int, date, "date | None"]  # (centre id, first day, end exclusive or open)


# ---------------------------------------------------------------------------------------------
# The computation (the definition)
# ---------------------------------------------------------------------------------------------


def sweep(spans: Iterable[tuple[date, date | None]], start: date, days: int) -> list[int]:
    """How many of the intervals cover each of `days` days from `start`: a +1/−1 sweep over
    the clipped intervals."""
    delta = [0] * (days + 1)
    for first, end in spans:
        lo = max((first - start).days, 0)
        hi = days if end is None else min((end - start).days, days)
        if lo < hi:
            delta[lo] += 1
            delta[hi] -= 1
    out, running = [], 0
    for d in delta[:days]:
        running += d
        out.append(running)
    return out


def _overlapping(model, start: date, end: date):
    return model.start_on <= end, or_(model.end_on.is_(None), model.end_on > start)


def _spans(conn, model, centre_ids: list[int], start: date, end: date) -> list:
    """(centre id, first day, end) of `model`'s periods (a bed's, in service; a stay) that
    overlap `start`…`end`, in the beds of these centres."""
    return conn.execute(
        select(Room.centre_id, model.start_on, model.end_on)
        .join(Bed, Bed.room_id == Room.id)
        .join(model, model.bed_id == Bed.id)
        .where(Room.centre_id.in_(centre_ids), *_overlapping(model, start, end))
    ).all()


def intervals(conn, centre_ids: list[int], start: date, end: date) -> tuple[list, list]:
    """The beds' periods in service and the stays that overlap `start`…`end` (both included),
    each as (centre id, first day, end): two queries on `conn` (a session or a connection)."""
    return (
        _spans(conn, BedInService, centre_ids, start, end),
        _spans(conn, Stay, centre_ids, start, end),
    )


def daily_counts(
    centre_ids: Iterable[int], beds: Iterable[Interval], stays: Iterable[Interval], start, days
) -> dict[int, tuple[list[int], list[int]]]:
    """Centre → (beds in service, persons) on each of `days` days from `start`."""
    ids = list(centre_ids)
    bed_iv: dict[int, list] = {c: [] for c in ids}
    stay_iv: dict[int, list] = {c: [] for c in ids}
    for centre_id, first, last in beds:
        if centre_id in bed_iv:
            bed_iv[centre_id].append((first, last))
    for centre_id, first, last in stays:
        if centre_id in stay_iv:
            stay_iv[centre_id].append((first, last))
    return {c: (sweep(bed_iv[c], start, days), sweep(stay_iv[c], start, days)) for c in ids}


def computed(conn, centre_ids: list[int], start: date, end: date):
    """`daily_counts` from the database, `start`…`end` (both included)."""
    beds, stays = intervals(conn, centre_ids, start, end)
    return daily_counts(centre_ids, beds, stays, start, (end - start).days + 1)


# ---------------------------------------------------------------------------------------------
# Kept rows
# ---------------------------------------------------------------------------------------------


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def write(conn, centre_ids: list[int], start: date, end: date) -> None:
    """Compute and (re)write the rows of these centres from `start` to `end`."""
    if not centre_ids or start > end:
        return
    counts = computed(conn, centre_ids, start, end)
    conn.execute(
        delete(OccupancyDay).where(
            OccupancyDay.centre_id.in_(centre_ids),
            OccupancyDay.day >= start,
            OccupancyDay.day <= end,
        )
    )
    rows = []
    for centre_id, (beds, persons) in counts.items():
        for i, (b, p) in enumerate(zip(beds, persons, strict=True)):
            day = start + timedelta(days=i)
            rows.append((centre_id, day, _monday(day), b, p))
    _insert(conn, rows)


def _insert(conn, rows: list[tuple]) -> None:
    """The rows through the driver's executemany: a refresh writes up to a few thousand days,
    and SQLAlchemy's per-row parameter processing took half the time of the flush it follows.
    Dates go as ISO text on SQLite (what SQLAlchemy's `Date` stores there)."""
    if not rows:
        return
    sqlite = conn.dialect.name == "sqlite"
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    if sqlite:
        rows = [(c, d.isoformat(), w.isoformat(), b, p) for c, d, w, b, p in rows]
    table = OccupancyDay.__tablename__
    conn.exec_driver_sql(
        f"INSERT INTO {table} (centre_id, day, week, beds, persons) "
        f"VALUES ({', '.join([mark] * 5)})",
        rows,
    )


def kept_days(conn, centre_ids: Iterable[int] | None = None) -> dict[int, tuple[date, date]]:
    """Centre → the first and the last day kept (centres without rows left out)."""
    stmt = select(
        OccupancyDay.centre_id, func.min(OccupancyDay.day), func.max(OccupancyDay.day)
    ).group_by(OccupancyDay.centre_id)
    if centre_ids is not None:
        stmt = stmt.where(OccupancyDay.centre_id.in_(list(centre_ids)))
    return {c: (first, last) for c, first, last in conn.execute(stmt)}


def last_days(conn, centre_ids: Iterable[int] | None = None) -> dict[int, date]:
    """Centre → the last day kept (centres without rows left out)."""
    return {c: last for c, (_, last) in kept_days(conn, centre_ids).items()}


def refresh(conn, since: dict[int, date], kept: dict[int, date] | None = None) -> None:
    """Centre → the earliest day a change touched: write each centre from that day up to
    today, or its last day kept if that is later (`kept`: the last days, if already read)."""
    if not since:
        return
    kept = last_days(conn, since) if kept is None else kept
    day = today()
    for centre_id, start in sorted(since.items()):
        write(conn, [centre_id], start, max(day, kept.get(centre_id, day)))


def first_day(conn, centre_id: int | None = None) -> date | None:
    """The first day of any bed's period in service or stay (of one centre, or of any)."""
    parts = []
    for model in (BedInService, Stay):
        stmt = select(func.min(model.start_on))
        if centre_id is not None:
            stmt = (
                stmt.join(Bed, Bed.id == model.bed_id)
                .join(Room, Room.id == Bed.room_id)
                .where(Room.centre_id == centre_id)
            )
        parts.append(stmt)
    days = [d for d in conn.execute(parts[0].union_all(parts[1])).scalars() if d is not None]
    return min(days) if days else None


def rebuild(conn) -> None:
    """Every centre's rows from the first day anything happened up to today (after bulk
    writes: the migration that made the table, the national data generator)."""
    first = first_day(conn)
    conn.execute(delete(OccupancyDay))
    if first is None:
        return
    ids = list(conn.execute(select(Room.centre_id).distinct()).scalars())
    write(conn, ids, first, today())


def extend(conn) -> int:
    """Write the days up to today of every centre whose rows stop before (the daily job);
    the number of centres extended."""
    day = today()
    behind = {c: last + timedelta(days=1) for c, last in last_days(conn).items() if last < day}
    refresh(conn, behind)
    return len(behind)


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def read(conn, centre_ids: list[int], start: date, end: date, weekly: bool = False):
    """Centre → (beds in service, persons) added up per day from `start` to `end` (both
    included), or per week (Monday to Sunday, the first and last clipped to the period) when
    `weekly`: the kept rows summed by the database, and the days after a centre's last row
    computed from the intervals. Two queries, and two more when some centre's rows stop
    before `end`."""
    keys = _bucket_keys(start, end, weekly)
    index = {k: i for i, k in enumerate(dict.fromkeys(keys))}
    out = {c: ([0] * len(index), [0] * len(index)) for c in centre_ids}
    key = OccupancyDay.week if weekly else OccupancyDay.day
    rows = conn.execute(
        select(
            OccupancyDay.centre_id, key, func.sum(OccupancyDay.beds), func.sum(OccupancyDay.persons)
        )
        .where(
            OccupancyDay.centre_id.in_(centre_ids),
            OccupancyDay.day >= start,
            OccupancyDay.day <= end,
        )
        .group_by(OccupancyDay.centre_id, key)
    )
    for centre_id, k, beds, persons in rows:
        out[centre_id][0][index[k]] += int(beds)
        out[centre_id][1][index[k]] += int(persons)
    kept = last_days(conn, centre_ids)
    behind = {c: kept[c] + timedelta(days=1) for c in kept if kept[c] < end}
    if behind:
        tail = max(min(behind.values()), start)
        fresh = computed(conn, list(behind), tail, end)
        offset = (tail - start).days
        for centre_id, first in behind.items():
            beds, persons = fresh[centre_id]
            for i in range((max(first, start) - start).days, len(keys)):
                out[centre_id][0][index[keys[i]]] += beds[i - offset]
                out[centre_id][1][index[keys[i]]] += persons[i - offset]
    return out


def _bucket_keys(start: date, end: date, weekly: bool) -> list[date]:
    """Each day's bucket: the day itself, or its week's Monday."""
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    return [_monday(d) for d in days] if weekly else days


# ---------------------------------------------------------------------------------------------
# The listener
# ---------------------------------------------------------------------------------------------


Change = tuple[int, str, date, "date | None", int]  # (bed, column, first day, end, +1 or −1)


def _value(history, after: bool):
    """An attribute's value after the flush, or before it (None: not known)."""
    if after and history.added:
        return history.added[0]
    if not after and history.deleted:
        return history.deleted[0]
    return history.unchanged[0] if history.unchanged else None


def _span(obj, after: bool) -> tuple | None:
    """(bed, first day, end) of an interval after or before the flush; None if not known."""
    attrs = inspect(obj).attrs
    bed, start = _value(attrs.bed_id.history, after), _value(attrs.start_on.history, after)
    if bed is None or start is None:
        return None
    return bed, start, _value(attrs.end_on.history, after)


def changes(session: Session) -> tuple[list[Change], set[int | None]]:
    """What this flush changes in the stays and beds' periods in service: each interval
    removed (−1 over its old days) and added (+1 over its new days); and the beds of any whose
    old days are not known (those centres are computed again)."""
    deltas: list[Change] = []
    unknown: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(obj, Stay | BedInService):
            continue
        column = "persons" if isinstance(obj, Stay) else "beds"
        before = None if obj in session.new else _span(obj, after=False)
        after = None if obj in session.deleted else _span(obj, after=True)
        if obj not in session.new and before is None:
            unknown.add(_value(inspect(obj).attrs.bed_id.history, after=False))
        if before == after:
            continue
        for span, sign in ((before, -1), (after, 1)):
            if span is not None:
                deltas.append((span[0], column, span[1], span[2], sign))
    return deltas, unknown


def _centres_of(conn: Connection, beds: set[int]) -> dict[int, int]:
    found = conn.execute(
        select(Bed.id, Room.centre_id).join(Room, Room.id == Bed.room_id).where(Bed.id.in_(beds))
    )
    return dict(found.all())


def apply(conn: Connection, deltas: list[Change], unknown: set[int]) -> None:
    """Add the changes to the rows they cover, in one UPDATE per kind of change; a centre whose
    rows do not cover a change (none yet, or not from its first day up to today), or whose
    change is not known, is computed again (`refresh`)."""
    centre_of = _centres_of(conn, {d[0] for d in deltas} | unknown)
    bounds = kept_days(conn, set(centre_of.values()))
    day = today()
    again: dict[int, date] = {}
    for bed in unknown:
        c = centre_of[bed]
        start = bounds[c][0] if c in bounds else first_day(conn, c)
        if start is not None:
            again[c] = min(start, again.get(c, start))
    net: dict[tuple, int] = {}
    for bed, column, start, end, sign in deltas:
        c = centre_of[bed]
        first, last = bounds.get(c, (None, None))
        if first is None or start < first or last < day:
            again[c] = min(start, again.get(c, start))
        else:
            net[(c, column, start, end)] = net.get((c, column, start, end), 0) + sign
    for (c, column, start, end), n in net.items():
        if n and c not in again:
            _add(conn, c, column, start, end, n)
    refresh(conn, again, {c: last for c, (_, last) in bounds.items()})


def _add(conn: Connection, centre_id: int, column: str, start: date, end, n: int) -> None:
    field = getattr(OccupancyDay, column)
    where = [OccupancyDay.centre_id == centre_id, OccupancyDay.day >= start]
    if end is not None:
        where.append(OccupancyDay.day < end)
    conn.execute(update(OccupancyDay).where(*where).values({field: field + n}))


@event.listens_for(Session, "before_flush")
def _load_what_goes(session: Session, _ctx, _instances) -> None:
    """An interval deleted with its values expired (after a commit): load them while its row
    is still there, so that its days can be taken off."""
    for obj in session.deleted:
        if isinstance(obj, Stay | BedInService):
            obj.bed_id, obj.start_on, obj.end_on  # noqa: B018  (loads them)


@event.listens_for(Session, "after_flush")
def _keep_current(session: Session, _ctx) -> None:
    deltas, unknown = changes(session)
    if None in unknown:  # not even its bed is known (never seen): every centre again
        rebuild(session.connection())
    elif deltas or unknown:
        apply(session.connection(), deltas, unknown)
