"""The dashboard ("Today"): today's beds, this week's arrivals and departures and the residents
past the maximum stay in the signed-in user's scope (`queries.today`)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.access import roles_required
from portal.clock import today
from portal.reports.queries import today as queries
from portal.reports.views.base import READERS, Report, bp, current_scope, menu_entry, page, report

TITLE = _l("Today")
menu_entry("reports.dashboard", TITLE)


@report("dashboard")
def build() -> Report:
    sc = current_scope()
    day = today()
    return Report("dashboard", str(TITLE), queries.dashboard(sc, day), sc, {"today": day})


@bp.get("/", endpoint="dashboard")
@roles_required(*READERS)
def dashboard_page():
    return page(build(), "reports/dashboard.html")
