"""Occupancy over a chosen period (`queries.occupancy`): the period form, the page with its
chart, and the export.

`GET /<lang>/reports/occupancy?start=YYYY-MM-DD&end=YYYY-MM-DD` (default: the 30 days up to
today); an unusable period answers 422 with the message beside the field (the export: 422).
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import Form

from portal.access import roles_required
from portal.clock import today
from portal.forms import DateField
from portal.reports.queries import occupancy as queries
from portal.reports.queries.scope import Scope
from portal.reports.views.base import READERS, Report, bp, current_scope, menu_entry, page, report
from portal.reports.views.chart import chart

TITLE = _l("Occupancy over a period")
menu_entry("reports.occupancy", TITLE)

DEFAULT_DAYS = 30
MAX_DAYS = 366


class _Date(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as e:
            raise ValueError(str(_l("Enter a date such as 2026-11-01."))) from e


class PeriodForm(Form):
    start = _Date(_l("From"))
    end = _Date(_l("To (included)"))

    def period(self) -> queries.Period | None:
        """The period asked for (defaults filled in), or None with the errors on the fields."""
        if not self.validate():
            return None
        last = self.end.data or today()
        first = self.start.data or (last - timedelta(days=DEFAULT_DAYS - 1))
        if last < first:
            self.end.errors.append(_("The end must be on or after the start."))
            return None
        if (last - first).days + 1 > MAX_DAYS:
            self.end.errors.append(_("Choose a period of at most %(n)s days.", n=MAX_DAYS))
            return None
        self.start.data, self.end.data = first, last
        return queries.Period(first, last)


def _report(sc: Scope, form: PeriodForm, period: queries.Period | None) -> Report:
    if period is None:
        return Report("occupancy", str(TITLE), [], sc, {"form": form, "chart": None})
    tables = queries.occupancy(sc, period)
    summary, series = tables
    overall = summary.rows[-1].cells[-1]  # the utilisation of the whole scope (the total line)
    drawn = chart(series, overall, period.start, period.end)
    return Report("occupancy", str(TITLE), tables, sc, {"form": form, "chart": drawn})


@report("occupancy")
def build() -> Report:
    sc = current_scope()
    form = PeriodForm(request.args)
    period = form.period()
    if period is None:
        abort(422)
    return _report(sc, form, period)


@bp.get("/occupancy", endpoint="occupancy")
@roles_required(*READERS)
def occupancy_page():
    sc = current_scope()
    form = PeriodForm(request.args)
    period = form.period()
    return page(_report(sc, form, period), "reports/occupancy.html", 200 if period else 422)
