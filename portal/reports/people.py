"""The persons behind a figure: the drill-down list every report number links to.

`GET /<lang>/reports/people` (admin, coordinator, staff) lists the persons in the user's scope
(always from `access.scoped(Person)`) that match every filter given, paginated, each linking to
the person's page; `/reports/people/export.csv|xlsx` (the generic export view, same arguments)
gives the whole filtered list. The filters, all optional, combine with AND:

- `centre=<id>`: in this centre (one the user may see, otherwise 404). Without it: in any centre
  of the scope (the user's region or centre; the administrator's `?region=` choice).
- `living=<YYYY-MM-DD>`: with a stay covering that day in such a centre. This day (the
  "reference day") defaults to today; when neither `arrived` nor `departed` is given, the list
  is always of the persons living on the reference day.
- `arrived=<YYYY-MM-DD>`: arrived in the week (Monday to Sunday) holding that date: a stay
  starting in the week that is the first of the person's run in that centre (a move to another
  bed of the same centre is not an arrival).
- `departed=<YYYY-MM-DD>`: left in that week: the day after the last night of the person's run
  in the centre falls in the week (`end_on`, the discharge date; a bed change is not a
  departure).
- `past_max=1`: living on the reference day and past the maximum stay of the centre's kind
  (administrator's settings): the unbroken run of stays in that centre began `max` or more
  days before the reference day, i.e. the person is on day `max + 1` or later of the run.
- `country=<ISO 3166 alpha-2>`: country of previous residence.
- `sex=M|F`.
- `age=child|working|pension`: age band on the reference day (`age_band` below).
An unusable value answers 400.

The SQL criteria below (`living_on`, `arrivals`, `departures`, `past_max_stay`) are the ones
the dashboard counts with, so a figure and the length of its list cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from flask import abort, current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, exists, or_, select

from portal import access
from portal.accommodation.models import Bed, Centre, CentreKind, Room, Stay
from portal.admin import settings
from portal.clock import today, week_of
from portal.extensions import db
from portal.reports.base import READERS, Report, Scope, bp, centre_in_scope, page, report, scope
from portal.reports.tables import Column, Kind, Row, Table
from portal.residents.models import Person, Sex
from portal.templating import country_name, date_filter

# ---------------------------------------------------------------------------------------------
# Age bands (shared with the population report)
# ---------------------------------------------------------------------------------------------

ADULT_AGE = 18
# Kazakhstan's retirement ages in 2026 (the women's age rises by steps until 2031).
PENSION_AGE = {Sex.MALE: 63, Sex.FEMALE: 61}


class AgeBand(StrEnum):
    CHILD = "child"  # under 18
    WORKING = "working"  # 18 up to the pension age
    PENSION = "pension"  # men 63 and over, women 61 and over

    @property
    def label(self) -> str:
        return str(AGE_BAND_LABELS[self])


AGE_BAND_LABELS = {
    AgeBand.CHILD: _l("Children (under 18)"),
    AgeBand.WORKING: _l("Working age"),
    AgeBand.PENSION: _l("Pension age"),
}


def _age(birth_date: date, on: date) -> int:
    years = on.year - birth_date.year
    return years - ((on.month, on.day) < (birth_date.month, birth_date.day))


def age_band(birth_date: date, sex: Sex | str, on: date) -> AgeBand:
    """The age band on `on`: child under 18; pension age from 63 for men, 61 for women."""
    age = _age(birth_date, on)
    if age < ADULT_AGE:
        return AgeBand.CHILD
    if age >= PENSION_AGE[Sex(sex)]:
        return AgeBand.PENSION
    return AgeBand.WORKING


def born_by(on: date, years: int) -> date:
    """The latest birth date of someone at least `years` old on `on` (29 February → 28th)."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)


def age_band_criterion(band: AgeBand, on: date):
    """The SQL twin of `age_band`: persons in `band` on `on`."""
    adult = Person.birth_date <= born_by(on, ADULT_AGE)
    pension = or_(
        *(
            and_(Person.sex == sex, Person.birth_date <= born_by(on, age))
            for sex, age in PENSION_AGE.items()
        )
    )
    if band is AgeBand.CHILD:
        return ~adult
    if band is AgeBand.PENSION:
        return pension
    return and_(adult, ~pension)


# ---------------------------------------------------------------------------------------------
# Who lived, arrived, left, overstayed — the criteria the dashboard counts with
# ---------------------------------------------------------------------------------------------


def _located():
    """Stays with the centre of their bed: (id, person_id, start_on, end_on, centre_id)."""
    return (
        select(
            Stay.id.label("id"),
            Stay.person_id.label("person_id"),
            Stay.start_on.label("start_on"),
            Stay.end_on.label("end_on"),
            Room.centre_id.label("centre_id"),
        )
        .join(Bed, Bed.id == Stay.bed_id)
        .join(Room, Room.id == Bed.room_id)
        .subquery()
    )


def _covers(s, day: date):
    return and_(s.c.start_on <= day, or_(s.c.end_on.is_(None), s.c.end_on > day))


def _same_run(a, b):
    return and_(a.c.person_id == b.c.person_id, a.c.centre_id == b.c.centre_id)


def _continued_before(s):
    """The stay continues one of the same person in the same centre (a bed change)."""
    prev = _located()
    return exists().where(_same_run(prev, s), prev.c.end_on == s.c.start_on)


def _continued_after(s):
    nxt = _located()
    return exists().where(_same_run(nxt, s), nxt.c.start_on == s.c.end_on)


def living_on(day: date, centre_ids) -> Select:
    """(person_id, centre_id, stay id) of the persons with a stay covering `day` there."""
    s = _located()
    return select(s.c.person_id, s.c.centre_id, s.c.id).where(
        s.c.centre_id.in_(centre_ids), _covers(s, day)
    )


def arrivals(monday: date, centre_ids) -> Select:
    """(person_id, centre_id, stay id): runs in a centre that began in the week of `monday`."""
    s = _located()
    return select(s.c.person_id, s.c.centre_id, s.c.id).where(
        s.c.centre_id.in_(centre_ids),
        s.c.start_on >= monday,
        s.c.start_on < monday + timedelta(days=7),
        ~_continued_before(s),
    )


def departures(monday: date, centre_ids) -> Select:
    """(person_id, centre_id, stay id): runs in a centre that ended in the week of `monday`."""
    s = _located()
    return select(s.c.person_id, s.c.centre_id, s.c.id).where(
        s.c.centre_id.in_(centre_ids),
        s.c.end_on >= monday,
        s.c.end_on < monday + timedelta(days=7),
        ~_continued_after(s),
    )


def max_stay_days() -> dict[CentreKind, int]:
    """The administrator's longest stay per kind of centre (calendar days)."""
    return {
        CentreKind.ADAPTATION: settings.get(settings.MAX_STAY_DAYS_ADAPTATION),
        CentreKind.TEMPORARY: settings.get(settings.MAX_STAY_DAYS_TEMPORARY),
    }


def past_max_stay(day: date, centres: list[Centre], limits: dict[CentreKind, int]) -> Select:
    """(person_id, centre_id, stay id) of the persons living on `day` whose unbroken run in
    the centre began `limit` or more days before (`day` is day `limit + 1` or later).

    Continuous from day A to `day` in centre C ⇔ a stay in C covers A, one covers `day`, and no
    stay in C between them ends without a stay in C beginning that same day."""
    s = _located()
    clauses = []
    for kind, limit in limits.items():
        ids = [c.id for c in centres if c.kind == kind]
        if not ids:
            continue
        since = day - timedelta(days=limit)
        first, gap = _located(), _located()
        clauses.append(
            and_(
                s.c.centre_id.in_(ids),
                exists().where(_same_run(first, s), _covers(first, since)),
                ~exists().where(
                    _same_run(gap, s),
                    gap.c.end_on > since,
                    gap.c.end_on <= day,
                    ~_continued_after(gap),
                ),
            )
        )
    return select(s.c.person_id, s.c.centre_id, s.c.id).where(
        _covers(s, day), or_(*clauses) if clauses else s.c.id.is_(None)
    )


# ---------------------------------------------------------------------------------------------
# The filters
# ---------------------------------------------------------------------------------------------


@dataclass
class Filters:
    centre: Centre | None
    day: date  # the reference day: `living`, or today
    living: bool  # the list is of persons living on `day`
    arrived: date | None  # the Monday of the week
    departed: date | None
    past_max: bool
    country: str | None
    sex: Sex | None
    age: AgeBand | None

    @property
    def centre_ids(self):
        return [self.centre.id] if self.centre else None

    def args(self) -> dict:
        """The query arguments that give this list (for links)."""
        out: dict = {}
        if self.centre:
            out["centre"] = self.centre.id
        if self.living and (self.arrived or self.departed or self.day != today()):
            out["living"] = self.day.isoformat()
        for key in ("arrived", "departed"):
            if getattr(self, key):
                out[key] = getattr(self, key).isoformat()
        if self.past_max:
            out["past_max"] = 1
        for key in ("country", "sex", "age"):
            if getattr(self, key):
                out[key] = str(getattr(self, key))
        return out


def _date_arg(name: str) -> date | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400)


def filters(sc: Scope) -> Filters:
    """The request's filters, checked (400 for an unusable value, 404 for a centre outside)."""
    raw_centre = request.args.get("centre")
    if raw_centre and not raw_centre.isdigit():
        abort(400)
    centre = centre_in_scope(sc, int(raw_centre)) if raw_centre else None
    living = _date_arg("living")
    arrived = _date_arg("arrived")
    departed = _date_arg("departed")
    country = request.args.get("country") or None
    if country is not None and not (len(country) == 2 and country.isalpha()):
        abort(400)
    sex = request.args.get("sex") or None
    if sex is not None and sex not in {s.value for s in Sex}:
        abort(400)
    age = request.args.get("age") or None
    if age is not None and age not in {a.value for a in AgeBand}:
        abort(400)
    past_max = request.args.get("past_max", "") not in ("", "0")
    return Filters(
        centre=centre,
        day=living or today(),
        living=bool(living) or not (arrived or departed) or past_max,
        arrived=week_of(arrived)[0] if arrived else None,
        departed=week_of(departed)[0] if departed else None,
        past_max=past_max,
        country=country.upper() if country else None,
        sex=Sex(sex) if sex else None,
        age=AgeBand(age) if age else None,
    )


def persons_query(sc: Scope, fl: Filters) -> Select:
    """The scoped select of the persons that match the filters, in name order."""
    centre_ids = fl.centre_ids or sc.centre_ids
    stmt = access.scoped(Person)
    if fl.living:
        stmt = stmt.where(Person.id.in_(_ids(living_on(fl.day, centre_ids))))
    if fl.arrived:
        stmt = stmt.where(Person.id.in_(_ids(arrivals(fl.arrived, centre_ids))))
    if fl.departed:
        stmt = stmt.where(Person.id.in_(_ids(departures(fl.departed, centre_ids))))
    if fl.past_max:
        centres = [fl.centre] if fl.centre else sc.centres
        criteria = past_max_stay(fl.day, centres, max_stay_days())
        stmt = stmt.where(Person.id.in_(_ids(criteria)))
    if fl.country:
        stmt = stmt.where(Person.previous_country == fl.country)
    if fl.sex:
        stmt = stmt.where(Person.sex == fl.sex)
    if fl.age:
        stmt = stmt.where(age_band_criterion(fl.age, fl.day))
    return stmt.order_by(Person.surname, Person.given_name, Person.id)


def _ids(criteria: Select) -> Select:
    sub = criteria.subquery()
    return select(sub.c.person_id)


def describe(sc: Scope, fl: Filters) -> str:
    """The list in words: "Persons living in X on 25 Nov 2026, from China, women, …"."""
    if fl.centre:
        place = fl.centre.name
    elif sc.region:
        place = sc.region.name
    elif len(sc.centres) == 1:
        place = sc.centres[0].name
    else:
        place = _("all regions")
    parts = []
    if fl.arrived:
        parts.append(
            _(
                "Persons who arrived at %(place)s in the week %(start)s – %(end)s",
                place=place,
                start=date_filter(fl.arrived),
                end=date_filter(fl.arrived + timedelta(days=6)),
            )
        )
    if fl.departed:
        text = _(
            "persons who left %(place)s in the week %(start)s – %(end)s",
            place=place,
            start=date_filter(fl.departed),
            end=date_filter(fl.departed + timedelta(days=6)),
        )
        parts.append(text[:1].upper() + text[1:] if not parts else text)
    if fl.living:
        if parts:
            parts.append(_("living there on %(date)s", date=date_filter(fl.day)))
        else:
            parts.append(
                _("Persons living in %(place)s on %(date)s", place=place, date=date_filter(fl.day))
            )
    if fl.past_max:
        parts.append(_("past the maximum stay"))
    if fl.country:
        parts.append(_("from %(country)s", country=country_name(fl.country)))
    if fl.sex:
        parts.append(_("men") if fl.sex == Sex.MALE else _("women"))
    if fl.age:
        parts.append(
            {
                AgeBand.CHILD: _("children (under 18)"),
                AgeBand.WORKING: _("working age"),
                AgeBand.PENSION: _("pension age"),
            }[fl.age]
        )
    return ", ".join(parts)


# ---------------------------------------------------------------------------------------------
# Where each person is: the centre and the dates of the run the filters are about
# ---------------------------------------------------------------------------------------------


@dataclass
class Place:
    centre_id: int
    since: date
    until: date | None  # the day they leave (open: None)


def places(persons: list[Person], sc: Scope, fl: Filters) -> dict[int, Place]:
    """For each listed person, the run (unbroken stays in one centre) the list is about: the
    one arriving or leaving in the chosen week, otherwise the one covering the reference day.
    One query for every person of the page (even none: the same queries whatever the data)."""
    allowed = set(fl.centre_ids or sc.centre_ids)
    rows = db.session.execute(
        select(Stay.person_id, Stay.start_on, Stay.end_on, Room.centre_id)
        .join(Bed, Bed.id == Stay.bed_id)
        .join(Room, Room.id == Bed.room_id)
        .where(Stay.person_id.in_([p.id for p in persons]))
        .order_by(Stay.person_id, Stay.start_on)
    )
    stays: dict[int, list[tuple[date, date | None, int]]] = {}
    for person_id, start, end, centre_id in rows:
        stays.setdefault(person_id, []).append((start, end, centre_id))
    result: dict[int, Place] = {}
    for person_id, own in stays.items():
        chosen = _the_run([r for r in _runs(own) if r.centre_id in allowed], fl)
        if chosen:
            result[person_id] = chosen
    return result


def _the_run(runs: list[Place], fl: Filters) -> Place | None:
    if fl.arrived:
        week = (fl.arrived, fl.arrived + timedelta(days=7))
        return next((r for r in runs if week[0] <= r.since < week[1]), None)
    if fl.departed:
        week = (fl.departed, fl.departed + timedelta(days=7))
        return next((r for r in runs if r.until and week[0] <= r.until < week[1]), None)
    return next(
        (r for r in runs if r.since <= fl.day and (r.until is None or fl.day < r.until)), None
    )


def _runs(stays: list[tuple[date, date | None, int]]) -> list[Place]:
    """Consecutive stays in one centre (a bed change) joined into runs; stays sorted by start."""
    runs: list[Place] = []
    for start, end, centre_id in stays:
        last = runs[-1] if runs else None
        if last and last.centre_id == centre_id and last.until == start:
            last.until = end
        else:
            runs.append(Place(centre_id, start, end))
    return runs


# ---------------------------------------------------------------------------------------------
# The page and the export
# ---------------------------------------------------------------------------------------------

TITLE = _l("Persons behind the figure")


def _table(persons: list[Person], where: dict[int, Place], sc: Scope) -> Table:
    names = {c.id: c.name for c in sc.centres}
    rows = []
    for p in persons:
        place = where.get(p.id)
        rows.append(
            Row(
                [
                    p.full_name,
                    p.iin or "",
                    p.birth_date,
                    p.sex.label,
                    country_name(p.previous_country),
                    names.get(place.centre_id, "") if place else "",
                    place.since if place else None,
                    place.until if place else None,
                ]
            )
        )
    return Table(
        key="persons",
        title=str(TITLE),
        columns=[
            Column(_("Name"), Kind.TEXT),
            Column(_("IIN"), Kind.TEXT),
            Column(_("Date of birth"), Kind.DATE),
            Column(_("Sex"), Kind.TEXT),
            Column(_("Country of previous residence"), Kind.TEXT),
            Column(_("Centre"), Kind.TEXT),
            Column(_("Since"), Kind.DATE),
            Column(_("Until"), Kind.DATE),
        ],
        rows=rows,
    )


@report("people")
def build() -> Report:
    """The whole filtered list, for the exports (personal data: the same scoped query)."""
    sc = scope()
    fl = filters(sc)
    persons = list(db.session.scalars(persons_query(sc, fl)))
    table = _table(persons, places(persons, sc, fl), sc)
    table.note = describe(sc, fl)
    return Report("people", str(TITLE), [table], sc, {"description": table.note})


@bp.get("/people")
@access.roles_required(*READERS)
def people():
    sc = scope()
    fl = filters(sc)
    per_page = current_app.config["PAGE_SIZE"]
    result = db.paginate(
        persons_query(sc, fl),
        per_page=per_page,
        error_out=False,
    )
    persons = list(result.items)
    table = _table(persons, places(persons, sc, fl), sc)
    rep = Report(
        "people",
        str(TITLE),
        [table],
        sc,
        {
            "description": describe(sc, fl),
            "result": result,
            "persons": persons,
            "list_args": fl.args(),
        },
    )
    return page(rep, "reports/people.html")


__all__ = [
    "AgeBand",
    "age_band",
    "age_band_criterion",
    "arrivals",
    "departures",
    "living_on",
    "past_max_stay",
    "max_stay_days",
]
