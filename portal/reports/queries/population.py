"""The ministry's figures: the persons living in the centres on a day, by country of previous
residence, by age band and sex, and by sex per centre.

"Living in a centre on a day" is `stays.living_on`: a stay covering the day in a bed of the
centre (the end day not included); the age band is `ages.age_band_column` on that day. Both
are the definitions of the persons list (`reports.people`) every count links to, so a figure and
the length of its list agree. One grouped query feeds the three tables: counted by centre,
country, sex and band in the database (a few hundred rows nationally, not one per birth date).
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import distinct, func, select

from portal import access
from portal.extensions import db
from portal.reports.queries.ages import AgeBand, age_band_column
from portal.reports.queries.scope import Scope
from portal.reports.queries.stays import living_on
from portal.reports.tables import Column, Kind, Link, Row, Table
from portal.residents.models import Person, Sex
from portal.templating import country_name

SEXES = (Sex.FEMALE, Sex.MALE)  # the columns: women, men


def _total_label() -> str:
    return _("Total")


def _people(on: date, **filters) -> Link:
    return Link.drill_down("reports.people", living=on.isoformat(), **filters)


def _living(sc: Scope, on: date) -> list[tuple[int, str, Sex, AgeBand, int]]:
    """(centre, country, sex, age band, persons) of everyone living in the scope's centres
    on `on`. One query; the band is a column of a subquery, so that the outer query groups by
    a column (PostgreSQL would see the CASE's parameters in GROUP BY as other expressions)."""
    lv = living_on(on, sc.centre_ids).subquery()
    each = (
        select(
            lv.c.centre_id,
            Person.previous_country.label("country"),
            Person.sex,
            age_band_column(on).label("band"),
            Person.id.label("person_id"),
        )
        .select_from(lv)
        .join(Person, Person.id == lv.c.person_id)
        .where(access.visible(Person, sc.user))
        .subquery()
    )
    groups = (each.c.centre_id, each.c.country, each.c.sex, each.c.band)
    return [
        (centre_id, country, Sex(sex), AgeBand(band), n)
        for centre_id, country, sex, band, n in db.session.execute(
            select(*groups, func.count(distinct(each.c.person_id))).group_by(*groups)
        )
    ]


def _countries_table(sc: Scope, on: date, living) -> Table:
    counts: dict[tuple[str, int], int] = {}
    for centre_id, country, _sex, _band, n in living:
        counts[(country, centre_id)] = counts.get((country, centre_id), 0) + n
    countries = {country for country, _c in counts}
    rows = []
    for code in countries:
        cells = [counts.get((code, c.id), 0) for c in sc.centres]
        links = {i + 1: _people(on, centre=c.id, country=code) for i, c in enumerate(sc.centres)}
        links[len(sc.centres) + 1] = _people(on, country=code)
        rows.append(Row([country_name(code), *cells, sum(cells)], links))
    rows.sort(key=lambda r: (-r.cells[-1], r.cells[0]))
    totals = [sum(r.cells[i + 1] for r in rows) for i in range(len(sc.centres))]
    links = {i + 1: _people(on, centre=c.id) for i, c in enumerate(sc.centres)}
    links[len(sc.centres) + 1] = _people(on)
    rows.append(Row([_total_label(), *totals, sum(totals)], links, total=True))
    return Table(
        "countries",
        _("By country of previous residence"),
        [
            Column(_("Country"), Kind.TEXT),
            *(Column(c.name) for c in sc.centres),
            Column(_("Total")),
        ],
        rows,
        note=_(
            "Persons living in the centre on the day (a stay covering it), by the country they "
            "lived in before coming to Kazakhstan; the most frequent first."
        ),
    )


def _sex_columns(first: str) -> list[Column]:
    return [Column(first, Kind.TEXT), Column(_("Women")), Column(_("Men")), Column(_("Total"))]


def _ages_table(on: date, living) -> Table:
    counts: dict[tuple[AgeBand, Sex], int] = {}
    for _centre, _country, sex, band, n in living:
        key = (band, sex)
        counts[key] = counts.get(key, 0) + n
    rows = []
    for band in AgeBand:
        cells = [counts.get((band, s), 0) for s in SEXES]
        links = {i + 1: _people(on, age=band.value, sex=s.value) for i, s in enumerate(SEXES)}
        links[3] = _people(on, age=band.value)
        rows.append(Row([band.label, *cells, sum(cells)], links))
    totals = [sum(r.cells[i] for r in rows) for i in (1, 2)]
    links = {i + 1: _people(on, sex=s.value) for i, s in enumerate(SEXES)}
    links[3] = _people(on)
    rows.append(Row([_total_label(), *totals, sum(totals)], links, total=True))
    return Table(
        "ages",
        _("By age band and sex"),
        _sex_columns(_("Age band")),
        rows,
        note=_(
            "Age on the day: children under 18; pension age from 63 for men and 61 for women; "
            "working age in between."
        ),
    )


def _sexes_table(sc: Scope, on: date, living) -> Table:
    counts: dict[tuple[int, Sex], int] = {}
    for centre_id, _country, sex, _band, n in living:
        counts[(centre_id, sex)] = counts.get((centre_id, sex), 0) + n
    rows = []
    for c in sc.centres:
        cells = [counts.get((c.id, s), 0) for s in SEXES]
        links = {i + 1: _people(on, centre=c.id, sex=s.value) for i, s in enumerate(SEXES)}
        links[3] = _people(on, centre=c.id)
        rows.append(Row([c.name, *cells, sum(cells)], links))
    totals = [sum(r.cells[i] for r in rows) for i in (1, 2)]
    links = {i + 1: _people(on, sex=s.value) for i, s in enumerate(SEXES)}
    links[3] = _people(on)
    rows.append(Row([_total_label(), *totals, sum(totals)], links, total=True))
    return Table(
        "sexes",
        _("By sex per centre"),
        _sex_columns(_("Centre")),
        rows,
        note=_("Persons living in each centre on the day."),
    )


def population(sc: Scope, on: date) -> list[Table]:
    """The persons living in the scope's centres on `on`: by country, by age band and sex, and
    by sex per centre."""
    living = _living(sc, on)
    return [
        _countries_table(sc, on, living),
        _ages_table(on, living),
        _sexes_table(sc, on, living),
    ]
