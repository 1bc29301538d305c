"""The ministry's figures page: the persons living in the user's centres on a day
(`queries.population`), `?on=YYYY-MM-DD` (default: today); a date that does not parse is shown
next to its field with status 422, the input kept (an export: 422)."""

from __future__ import annotations

from flask import request
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import Form

from portal.access import roles_required
from portal.clock import today
from portal.reports.queries import population as queries
from portal.reports.views.base import READERS, Report, bp, current_scope, menu_entry, report, show
from portal.reports.views.forms import DayField, parsed

TITLE = _l("Ministry figures")
menu_entry("reports.population", _l("Ministry figures"))


class PopulationForm(Form):
    on = DayField()  # default: today


@report("population")
def build_population() -> Report:
    form = parsed(PopulationForm(request.args))
    on = form.on.data or today()
    sc = current_scope()
    tables = queries.population(sc, on)
    title = _("%(title)s, %(date)s", title=TITLE, date=format_date(on, "long"))
    return Report("population", title, tables, sc, {"on": on.isoformat(), "errors": {}})


@bp.get("/population", endpoint="population")
@roles_required(*READERS)
def population_page():
    """The persons living in the user's centres on `?on=YYYY-MM-DD` (default: today)."""
    return show("population", TITLE, "reports/population.html", build_population, kept="on")
