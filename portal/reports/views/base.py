"""What every report page shares: the blueprint, the signed-in user's scope, the registry of
reports (so one export view serves them all), the page and export responses, the refusals and
the reports' menu.

A report's view module registers a builder (`@report(name)`): it parses the arguments with its
GET form, takes the scope from `current_scope()`, calls the report's query function
(`portal.reports.queries`) and returns a `Report`: the tables its page shows and its CSV and
XLSX exports carry, the same objects for all three. (A builder checks its arguments and the
scope in the order they were always checked, so a request with two problems gets the answer it
always got.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Blueprint, abort, make_response, render_template, request
from flask_login import current_user

from portal.access import STAFF_SIDE, roles_required
from portal.accommodation.models import Centre
from portal.htmx import render
from portal.i18n import LANG_PREFIX
from portal.reports.queries.scope import OutOfScope, Scope, scope_of
from portal.reports.tables import Table, csv_download, display, xlsx_download
from portal.reports.views.drawing import drawn_rows, link_url, region_args
from portal.reports.views.forms import ArgError, CentreField, RegionForm

bp = Blueprint("reports", __name__, url_prefix=LANG_PREFIX + "/reports")

READERS = STAFF_SIDE  # coordinators (their region), the administrator (all), staff (own centre)


def current_scope() -> Scope:
    """The signed-in user's scope, narrowed by `?region=`; a region the user may not choose
    answers 404, as one that does not exist."""
    try:
        return scope_of(current_user._get_current_object(), RegionForm(request.args).region.data)
    except OutOfScope:
        abort(404)


def centre_in_scope(sc: Scope, centre: CentreField) -> Centre | None:
    """A `?centre=` drill-down narrowed to the scope (404 outside it, or for no id at all)."""
    if centre.malformed:
        abort(404)
    if centre.data is None:
        return None
    found = sc.centre(centre.data)
    if found is None:
        abort(404)
    return found


@dataclass
class Report:
    """What a report page draws and its exports write: its tables, for the user's scope."""

    name: str  # the registry key: the export URL is /reports/<name>/export.<fmt>
    title: str
    tables: list[Table]
    scope: Scope
    context: dict = field(default_factory=dict)  # what the page's template needs besides

    def table(self, key: str) -> Table:
        for t in self.tables:
            if t.key == key:
                return t
        abort(404)


REPORTS: dict[str, Callable[[], Report]] = {}


def report(name: str):
    """Register a function that builds the report `name` (every row: an export) from the
    request's arguments."""

    def decorator(build: Callable[[], Report]):
        REPORTS[name] = build
        return build

    return decorator


def page(rep: Report, template: str, status: int = 200):
    return render(template, report=rep, scope=rep.scope, status=status, **rep.context)


def _filename(rep: Report, suffix: str) -> str:
    region = rep.scope.region.code if rep.scope.region else "KZ"
    return f"{rep.name}-{region}{suffix}"


@bp.get("/<name>/export.<any(csv,xlsx):fmt>")
@roles_required(*READERS)
def export(name: str, fmt: str):
    """Any report's tables, with the same arguments as its page: CSV one table
    (`?table=key`), streamed, XLSX every table of the report, one sheet each. The arguments and
    the scope are checked by `build()` before anything is sent (a refusal is a whole answer)."""
    build = REPORTS.get(name)
    if build is None:
        abort(404)
    rep = build()
    if fmt == "csv":
        table = rep.table(request.args.get("table", rep.tables[0].key))
        return csv_download(table, _filename(rep, f"-{table.key}.csv"))
    return xlsx_download(rep.tables, rep.title, _filename(rep, ".xlsx"))


# ---------------------------------------------------------------------------------------------
# Refusals
# ---------------------------------------------------------------------------------------------


@bp.errorhandler(ArgError)
def _bad_argument(e: ArgError):
    """An export (or any report view that does not catch it) with a bad argument: 422."""
    return make_response(render_template("errors/error.html", code=422, message=e.message), 422)


def failed_page(name: str, title: str, template: str, error: ArgError, **context):
    """The report's page with no figures and the refused argument next to its field (422)."""
    errors = {error.field: error.message}
    rep = Report(name, title, [], current_scope(), {"errors": errors, **context})
    resp = page(rep, template)
    resp.status_code = 422
    return resp


# What a list behind a number (families, deliveries, outcomes) needs when refused: no rows.
LIST_REFUSED = {"description": "", "pagination": None, "month": ""}


def show(name: str, title, template: str, build, *, kept: str | None = None, **refused):
    """The page of the report `build()` makes; when an argument is refused, the same page with
    no figures, the message next to the field and status 422. `kept` names the context key
    that gets back what was typed; `refused` is the rest of the context the template needs."""
    try:
        rep = build()
    except ArgError as e:
        if kept:
            refused[kept] = e.value
        return failed_page(name, str(title), template, e, **refused)
    return page(rep, template)


# ---------------------------------------------------------------------------------------------
# On the page: links, the arguments kept, the menu
# ---------------------------------------------------------------------------------------------


def drill_down_list(name: str, title, template: str, build: Callable[[bool], Report]) -> None:
    """Register a list behind a number (families, deliveries, outcomes): its export builds
    every row (`build(False)`), its page at `/reports/<name>` one page of them (`build(True)`),
    refused arguments answered on the page with 422."""
    report(name)(lambda: build(False))

    @roles_required(*READERS)
    def list_page():
        return show(name, title, template, lambda: build(True), **LIST_REFUSED)

    bp.add_url_rule(f"/{name}", endpoint=name, view_func=list_page, methods=["GET"])


def export_args() -> dict:
    """The page's own arguments, for its export links."""
    # (the names the export URL itself takes are never passed on as arguments)
    return {
        k: v for k, v in request.args.items() if k not in ("table", "page", "name", "fmt", "lang")
    }


# The reports' own menu, in this order; each view module names its page on import.
MENU_ORDER = (
    "reports.dashboard",
    "reports.occupancy",
    "reports.pipeline",
    "reports.services",
    "reports.population",
)
MENU: dict[str, object] = {}


def menu_entry(endpoint: str, label) -> None:
    MENU[endpoint] = label


@bp.app_context_processor
def _report_helpers() -> dict:
    return {
        "export_args": export_args,
        "region_args": region_args,
        "link_url": link_url,
        "drawn_rows": drawn_rows,
        "report_menu": lambda: [(e, str(MENU[e])) for e in MENU_ORDER if e in MENU],
        "report_value": display,
    }
