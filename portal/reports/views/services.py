"""The C8 services' pages: the report for a month (`queries.services`), and the lists behind
its numbers: the deliveries (`queries.deliveries`) and the persons behind an outcome
(`queries.outcomes`), a page at a time.

An argument that does not parse is shown next to its field with status 422, the input kept
where the page has a field for it (`base.show`); an export answers 422.
"""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import Form, ValidationError

from portal.access import roles_required
from portal.clock import today
from portal.reports.queries import deliveries as delivery_list
from portal.reports.queries import outcomes as outcome_list
from portal.reports.queries import services as queries
from portal.reports.queries.months import Month
from portal.reports.queries.service_definitions import OUTCOMES, PERIODS, catalogue
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
    Argument,
    CentreField,
    ChoiceArgument,
    ListForm,
    MonthField,
    parsed,
)
from portal.services.catalogue.models import Service

TITLE = _l("Services")
DELIVERIES_TITLE = delivery_list.DELIVERIES_TITLE
OUTCOME_PERSONS_TITLE = outcome_list.OUTCOME_PERSONS_TITLE
menu_entry("reports.services", _l("Services"))


class ServicesForm(Form):
    month = MonthField()  # default: this month


def _month(field: MonthField) -> Month:
    return field.data or Month.of(today())


@report("services")
def build_services() -> Report:
    form = parsed(ServicesForm(request.args))
    month = _month(form.month)
    sc = current_scope()
    tables = queries.services(sc, month)
    return Report("services", str(TITLE), tables, sc, {"month": month.key, "errors": {}})


@bp.get("/services", endpoint="services")
@roles_required(*READERS)
def services_page():
    """The C8 services of the user's centres for `?month=YYYY-MM` (default: this month)."""
    return show("services", TITLE, "reports/services.html", build_services, kept="month")


def _list_context(found, month: Month) -> dict:
    return {
        "description": found.description,
        "pagination": found.pagination,
        "month": month.key,
        "errors": {},
    }


# The deliveries ------------------------------------------------------------------------------


class DeliveriesForm(ListForm):
    """`?month=YYYY-MM&service=C8.n&centre=<id>` (in the order they are checked), the service
    one of `offered`, the catalogue."""

    month = MonthField()
    service = Argument()
    centre = CentreField()

    def __init__(self, formdata, offered: list[Service]):
        super().__init__(formdata)
        self.offered = offered

    def validate_service(self, field):
        if field.data and self.chosen_service() is None:
            raise ValidationError(_("Choose one of the services C8.1 to C8.10."))

    def chosen_service(self) -> Service | None:
        return next((s for s in self.offered if s.code == self.service.data), None)


def _deliveries_report(paginate: bool) -> Report:
    """The deliveries behind a number of the services report: `?month=YYYY-MM&service=C8.n&
    centre=<id>`, scoped; a page of them, or every one (the export)."""
    sc = current_scope()
    offered = catalogue()
    form = parsed(DeliveriesForm(request.args, offered))
    month = _month(form.month)
    service = form.chosen_service()
    flt = delivery_list.DeliveryFilter(month, service, centre_in_scope(sc, form.centre))
    found = delivery_list.deliveries(sc, flt, offered, form.paging() if paginate else None)
    context = _list_context(found, month)
    return Report("deliveries", str(DELIVERIES_TITLE), [found.table], sc, context)


drill_down_list("deliveries", DELIVERIES_TITLE, "reports/deliveries.html", _deliveries_report)


# The persons behind an outcome ---------------------------------------------------------------


class OutcomesForm(ListForm):
    """`?month=YYYY-MM&outcome=employed|quota|citizenship&period=month|to_date&centre=<id>`."""

    month = MonthField()
    outcome = ChoiceArgument(
        choices=OUTCOMES,
        message=_l("Choose the outcome to list: employment (C8.3), a regional quota (C8.6) or "
                   "citizenship (C8.7)."),
        required=True,
    )
    period = ChoiceArgument(
        choices=PERIODS,
        message=_l("Choose the period: the month itself, or up to the end of the month."),
        otherwise="month",
    )
    centre = CentreField()


def _outcomes_report(paginate: bool) -> Report:
    """The persons behind an outcome of the services report: `?month=YYYY-MM&
    outcome=employed|quota|citizenship&period=month|to_date&centre=<id>`, scoped; a page of
    them, or every one (the export)."""
    sc = current_scope()
    form = parsed(OutcomesForm(request.args))
    month = _month(form.month)
    flt = outcome_list.OutcomeFilter(
        month, form.outcome.data, form.period.data, centre_in_scope(sc, form.centre)
    )
    found = outcome_list.outcomes(sc, flt, form.paging() if paginate else None)
    context = _list_context(found, month)
    return Report("outcomes", str(OUTCOME_PERSONS_TITLE), [found.table], sc, context)


drill_down_list("outcomes", OUTCOME_PERSONS_TITLE, "reports/outcomes.html", _outcomes_report)
