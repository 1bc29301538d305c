"""The persons behind a figure: the drill-down list every report number of persons links to
(`queries.people`).

`GET /<lang>/reports/people` (admin, coordinator, staff) lists the persons in the user's scope
that match every filter given, paginated, each linking to the person's page;
`/reports/people/export.csv|xlsx` (the generic export view, same arguments) gives the whole
filtered list. The filters, all optional, combine with AND:

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
- `age=child|working|pension`: age band on the reference day (`queries.ages.age_band`).
An unusable value answers 400.
"""

from __future__ import annotations

from flask import abort, request

from portal.access import roles_required
from portal.clock import today, week_of
from portal.reports.queries import people as queries
from portal.reports.queries.ages import AgeBand
from portal.reports.queries.scope import Scope
from portal.reports.views.base import READERS, Report, bp, current_scope, page, report
from portal.reports.views.forms import (
    Argument,
    CentreField,
    ChoiceArgument,
    FlagField,
    IsoDateField,
    ListForm,
)
from portal.residents.models import Sex

TITLE = queries.PERSONS_TITLE


class CountryField(Argument):
    """An ISO 3166 alpha-2 code, in either case."""

    def parse(self, raw: str) -> str:
        if not (len(raw) == 2 and raw.isalpha()):
            raise ValueError(raw)
        return raw.upper()


class PeopleForm(ListForm):
    # The arguments are taken as the links write them: nothing is stripped.
    centre = CentreField(strip=False)
    living = IsoDateField(strip=False)
    arrived = IsoDateField(strip=False)
    departed = IsoDateField(strip=False)
    country = CountryField(strip=False)
    sex = ChoiceArgument(choices=[s.value for s in Sex], strip=False)
    age = ChoiceArgument(choices=[a.value for a in AgeBand], strip=False)
    past_max = FlagField(strip=False)


def _filter(sc: Scope) -> tuple[PeopleForm, queries.PersonFilter]:
    """The request's filters, checked: 400 for an unusable value, 404 for a centre outside
    the scope (looked at first)."""
    form = PeopleForm(request.args)
    form.validate()
    if form.centre.malformed:
        abort(400)
    centre = None
    if form.centre.data is not None:
        centre = sc.centre(form.centre.data)
        if centre is None:
            abort(404)
    if form.errors:
        abort(400)
    living, arrived, departed = form.living.data, form.arrived.data, form.departed.data
    past_max = form.past_max.data
    flt = queries.PersonFilter(
        centre=centre,
        day=living or today(),
        living=bool(living) or not (arrived or departed) or past_max,
        arrived=week_of(arrived)[0] if arrived else None,
        departed=week_of(departed)[0] if departed else None,
        past_max=past_max,
        country=form.country.data,
        sex=Sex(form.sex.data) if form.sex.data else None,
        age=AgeBand(form.age.data) if form.age.data else None,
    )
    return form, flt


def list_args(flt: queries.PersonFilter) -> dict:
    """The query arguments that give this list (for the links to its other pages)."""
    out: dict = {}
    if flt.centre:
        out["centre"] = flt.centre.id
    if flt.living and (flt.arrived or flt.departed or flt.day != today()):
        out["living"] = flt.day.isoformat()
    for key in ("arrived", "departed"):
        if getattr(flt, key):
            out[key] = getattr(flt, key).isoformat()
    if flt.past_max:
        out["past_max"] = 1
    for key in ("country", "sex", "age"):
        if getattr(flt, key):
            out[key] = str(getattr(flt, key))
    return out


@report("people")
def build() -> Report:
    """The whole filtered list, for the exports (personal data: the same scoped query), its
    rows read while they are written out."""
    sc = current_scope()
    _form, flt = _filter(sc)
    found = queries.every_person(sc, flt)
    return Report("people", str(TITLE), [found.table], sc, {"description": found.description})


@bp.get("/people", endpoint="people")
@roles_required(*READERS)
def people_page():
    sc = current_scope()
    form, flt = _filter(sc)
    found = queries.persons(sc, flt, form.paging())
    context = {
        "description": found.description,
        "result": found.pagination,
        "persons": found.persons,
        "list_args": list_args(flt),
    }
    return page(Report("people", str(TITLE), [found.table], sc, context), "reports/people.html")
