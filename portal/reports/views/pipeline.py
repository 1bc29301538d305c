"""The application pipeline's pages: the report for a month (`queries.pipeline`) and the
families behind each of its numbers (`queries.families`), a page at a time.

A month, stage, outcome or queue that does not parse is shown next to its field with status
422, the input kept (`base.show`); an export answers 422.
"""

from __future__ import annotations

from flask import abort, request
from flask_babel import lazy_gettext as _l
from wtforms import Form

from portal.access import roles_required
from portal.applications.models import State
from portal.clock import today
from portal.reports.queries import families as family_list
from portal.reports.queries import pipeline as queries
from portal.reports.queries.months import Month
from portal.reports.views.base import (
    READERS,
    Report,
    bp,
    centre_in_scope,
    current_scope,
    drill_down_list,
    menu_entry,
    report,
    show,
)
from portal.reports.views.forms import (
    CentreField,
    ChoiceArgument,
    ListForm,
    MonthField,
    parsed,
)

TITLE = _l("Status applications")
FAMILIES_TITLE = _l("Families")
menu_entry("reports.pipeline", _l("Applications"))


class PipelineForm(Form):
    month = MonthField()  # default: this month


class FamiliesForm(ListForm):
    """`?centre=&stage=&outcome=granted|refused&r41=due|overdue&decided=YYYY-MM&
    certified=YYYY-MM` (in the order they are checked). The choices are taken as the links
    write them (not stripped)."""

    centre = CentreField()
    stage = ChoiceArgument(
        choices=[queries.NOT_OPENED, *(s.value for s in State)],
        message=_l("Choose one of the stages of the application."),
        strip=False,
    )
    outcome = ChoiceArgument(
        choices=queries.OUTCOMES, message=_l("Choose “granted” or “refused”."), strip=False
    )
    r41 = ChoiceArgument(choices=queries.R41, message=_l("Choose “due” or “overdue”."), strip=False)
    decided = MonthField()
    certified = MonthField()


@report("pipeline")
def build_pipeline() -> Report:
    form = parsed(PipelineForm(request.args))
    sc = current_scope()
    day = today()
    month = form.month.data or Month.of(day)
    tables = queries.pipeline(sc, queries.PipelineArgs(month, day))
    return Report("pipeline", str(TITLE), tables, sc, {"month": month.key, "errors": {}})


@bp.get("/pipeline", endpoint="pipeline")
@roles_required(*READERS)
def pipeline_page():
    """The application pipeline of the user's centres for `?month=YYYY-MM` (default: now)."""
    return show("pipeline", TITLE, "reports/pipeline.html", build_pipeline, kept="month")


def _families_report(paginate: bool) -> Report:
    """The families behind a number of the pipeline: `?centre=&stage=&decided=YYYY-MM&
    outcome=granted|refused&certified=YYYY-MM&r41=due|overdue`, scoped; a page of them, or every
    one (the export)."""
    sc = current_scope()
    form = FamiliesForm(request.args)
    if form.centre.malformed:
        abort(404)  # no centre of anyone's, before any other argument is looked at
    parsed(form)
    flt = family_list.FamilyFilter(
        day=today(),
        centre=centre_in_scope(sc, form.centre),
        stage=form.stage.data,
        decided=form.decided.data,
        outcome=form.outcome.data,
        certified=form.certified.data,
        r41=form.r41.data,
    )
    found = family_list.families(sc, flt, form.paging() if paginate else None)
    context = {"description": found.description, "pagination": found.pagination, "errors": {}}
    return Report("families", str(FAMILIES_TITLE), [found.table], sc, context)


drill_down_list("families", FAMILIES_TITLE, "reports/families.html", _families_report)
