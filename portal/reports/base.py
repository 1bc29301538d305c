"""What every report shares: the blueprint, the centres it counts, the registry of reports (so
one export view serves them all) and the page/export responses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Blueprint, abort, make_response, render_template, request
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal import access
from portal.access import STAFF_SIDE, roles_required
from portal.accommodation.models import Centre, Region
from portal.extensions import db
from portal.htmx import render
from portal.i18n import LANG_PREFIX
from portal.reports.args import ArgError
from portal.reports.tables import (
    CSV_TYPE,
    XLSX_TYPE,
    Table,
    csv_bytes,
    download,
    xlsx_bytes,
)
from portal.roles import Role

bp = Blueprint("reports", __name__, url_prefix=LANG_PREFIX + "/reports")

READERS = STAFF_SIDE  # coordinators (their region), the administrator (all), staff (own centre)


@dataclass
class Scope:
    """The centres a report counts: those the user may see, narrowed to one region by the
    administrator's `?region=` choice. A coordinator asking for another region gets 404."""

    centres: list[Centre]
    region: Region | None  # the region chosen or implied (None: the whole country)
    regions: list[Region]  # what the administrator may choose from

    @property
    def centre_ids(self) -> list[int]:
        return [c.id for c in self.centres]


def scope() -> Scope:
    centres = list(
        db.session.scalars(
            access.scoped(Centre)
            .options(selectinload(Centre.region))
            .order_by(Centre.region_id, Centre.name_kk, Centre.id)
        )
    )
    regions: list[Region] = []
    region: Region | None = None
    if current_user.role == Role.ADMIN:
        regions = sorted({c.region for c in centres}, key=lambda r: r.code)
        code = request.args.get("region")
        if code:
            region = next((r for r in regions if r.code == code), None)
            if region is None:
                abort(404)
            centres = [c for c in centres if c.region_id == region.id]
    elif current_user.role == Role.COORDINATOR:
        region = db.session.get(Region, current_user.region_id)
        code = request.args.get("region")
        if code and region is not None and code != region.code:
            abort(404)
    return Scope(centres=centres, region=region, regions=regions)


def centre_in_scope(sc: Scope, centre_id: int | None) -> Centre | None:
    """A `?centre=` drill-down narrowed to the scope (404 outside it)."""
    if centre_id is None:
        return None
    centre = next((c for c in sc.centres if c.id == centre_id), None)
    if centre is None:
        abort(404)
    return centre


@dataclass
class Report:
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
    """Register a function that builds the report `name` from the request's arguments."""

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
    (`?table=key`), XLSX every table of the report, one sheet each."""
    build = REPORTS.get(name)
    if build is None:
        abort(404)
    rep = build()
    if fmt == "csv":
        table = rep.table(request.args.get("table", rep.tables[0].key))
        return download(csv_bytes(table), CSV_TYPE, _filename(rep, f"-{table.key}.csv"))
    return download(xlsx_bytes(rep.tables, rep.title), XLSX_TYPE, _filename(rep, ".xlsx"))


def export_args() -> dict:
    """The page's own arguments, for its export links."""
    # (the names the export URL itself takes are never passed on as arguments)
    return {
        k: v for k, v in request.args.items() if k not in ("table", "page", "name", "fmt", "lang")
    }


def region_args() -> dict:
    """The administrator's region choice, kept when moving between reports."""
    code = request.args.get("region")
    return {"region": code} if code else {}


# The reports' own menu, in this order; each report module names its page on import.
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
    from portal.reports.tables import display

    return {
        "export_args": export_args,
        "region_args": region_args,
        "report_menu": lambda: [(e, str(MENU[e])) for e in MENU_ORDER if e in MENU],
        "report_value": display,
    }


@bp.errorhandler(ArgError)
def _bad_argument(e: ArgError):
    """An export (or any report view that does not catch it) with a bad argument: 422."""
    return make_response(render_template("errors/error.html", code=422, message=e.message), 422)


def failed_page(name: str, title: str, template: str, error: ArgError, **context):
    """The report's page with no figures and the refused argument next to its field (422)."""
    rep = Report(name, title, [], scope(), {"errors": {error.field: error.message}, **context})
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


def with_region(**args) -> dict:
    """Drill-down arguments, keeping the administrator's region choice."""
    return {**region_args(), **{k: v for k, v in args.items() if v is not None}}
