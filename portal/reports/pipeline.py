"""The application pipeline (R4–R22): how many families stand at each stage, the decisions and
certificates of a month, the R4-1 queues per centre and the days from submission to
certificate; and the scoped list of families behind every number (`reports.families`).

Every figure counts the families of the report's centres (`Family.centre_id`), each through
its one status application. Four grouped queries, whatever the number of centres or families.

A month that does not parse is shown next to its field with status 422, the input kept
(`portal/reports/args.py`, `base.show`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import abort, current_app, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import and_, case, distinct, func, or_, select
from sqlalchemy.orm import selectinload

from portal import access
from portal.access import roles_required
from portal.applications.models import Application, State, Submission
from portal.clock import today
from portal.extensions import db
from portal.reports.args import ArgError, Month, month_arg
from portal.reports.base import (
    LIST_REFUSED,
    READERS,
    Report,
    Scope,
    bp,
    centre_in_scope,
    menu_entry,
    report,
    scope,
    show,
    with_region,
)
from portal.reports.tables import Column, Kind, Row, Table, average
from portal.residents.models import Family

# ---------------------------------------------------------------------------------------------
# Stages and their short names (the columns of the pipeline)
# ---------------------------------------------------------------------------------------------

NOT_OPENED = "none"  # the `stage` of a family without an application
STAGES = list(State)  # the workflow order
STAGE_LABELS = {
    NOT_OPENED: _l("No application"),
    State.DRAFT: _l("Draft"),
    State.SUBMITTED: _l("Documents submitted"),
    State.DOCUMENTS_REFUSED: _l("Documents refused"),
    State.DOCUMENTS_ACCEPTED: _l("Documents accepted"),
    State.CHECKS_RUNNING: _l("Checks under way"),
    State.READY_FOR_DECISION: _l("Ready for the decision"),
    State.STATUS_GRANTED: _l("Kandas status granted"),
    State.STATUS_REFUSED: _l("Kandas status refused"),
    State.CERTIFICATE_ISSUED: _l("Certificate issued"),
}
GRANTED = (State.STATUS_GRANTED, State.CERTIFICATE_ISSUED)  # granted, certificate or not yet
OUTCOMES = {"granted": GRANTED, "refused": (State.STATUS_REFUSED,)}
R41 = ("due", "overdue")


def _open_submission(day: date, which: str):
    """R4-1, as the staff deadlines page counts it: a submission awaiting the documents
    decision (no outcome, the application still "submitted"), due today or already overdue."""
    due = Submission.due_on == day if which == "due" else Submission.due_on < day
    return and_(Submission.outcome.is_(None), Application.state == State.SUBMITTED, due)


# ---------------------------------------------------------------------------------------------
# The pipeline
# ---------------------------------------------------------------------------------------------

TITLE = _l("Status applications")


def _total_label() -> str:
    return _("Total")


def _by_centre(stmt) -> dict[int, tuple]:
    """centre id → the rest of its row, for a query grouped by centre."""
    return {row[0]: tuple(row[1:]) for row in db.session.execute(stmt)}


def _in_scope(sc: Scope):
    return and_(Family.centre_id.in_(sc.centre_ids), access.visible(Family, current_user))


def _stages_table(sc: Scope) -> Table:
    counts: dict[tuple[int, str], int] = {}
    for centre_id, state, n in db.session.execute(
        select(Family.centre_id, Application.state, func.count(Family.id))
        .select_from(Family)
        .outerjoin(Application, Application.family_id == Family.id)
        .where(_in_scope(sc))
        .group_by(Family.centre_id, Application.state)
    ):
        counts[(centre_id, State(state).value if state else NOT_OPENED)] = n
    keys = [NOT_OPENED, *(s.value for s in STAGES)]
    columns = [Column(_("Centre"), Kind.TEXT)]
    columns += [Column(str(STAGE_LABELS[k])) for k in keys]
    columns.append(Column(_("All families")))
    rows = []
    for c in sc.centres:
        cells = [counts.get((c.id, k), 0) for k in keys]
        links = {
            i + 1: url_for("reports.families", **with_region(centre=c.id, stage=k))
            for i, k in enumerate(keys)
        }
        links[len(keys) + 1] = url_for("reports.families", **with_region(centre=c.id))
        rows.append(Row([c.name, *cells, sum(cells)], links))
    totals = [sum(r.cells[i + 1] for r in rows) for i in range(len(keys))]
    links = {i + 1: url_for("reports.families", **with_region(stage=k)) for i, k in enumerate(keys)}
    links[len(keys) + 1] = url_for("reports.families", **with_region())
    rows.append(Row([_total_label(), *totals, sum(totals)], links, total=True))
    return Table(
        "stages",
        _("Families at each stage"),
        columns,
        rows,
        note=_(
            "Every family registered with the centre, counted once at the stage its status "
            "application stands at today; “No application” counts the families for whom none "
            "has been opened."
        ),
    )


def _decisions_table(sc: Scope, month: Month) -> Table:
    granted = and_(month.holds(Application.decided_on), Application.state.in_(GRANTED))
    refused = and_(month.holds(Application.decided_on), Application.state == State.STATUS_REFUSED)
    certified = month.holds(Application.certificate_issued_on)
    found = _by_centre(
        select(
            Family.centre_id,
            func.count(case((granted, 1))),
            func.count(case((refused, 1))),
            func.count(case((certified, 1))),
        )
        .select_from(Application)
        .join(Family, Application.family_id == Family.id)
        .where(_in_scope(sc), or_(month.holds(Application.decided_on), certified))
        .group_by(Family.centre_id),
    )

    def links(**centre) -> dict[int, str]:
        return {
            1: url_for(
                "reports.families", **with_region(**centre, decided=month.key, outcome="granted")
            ),
            2: url_for(
                "reports.families", **with_region(**centre, decided=month.key, outcome="refused")
            ),
            3: url_for("reports.families", **with_region(**centre, certified=month.key)),
        }

    rows = [Row([c.name, *found.get(c.id, (0, 0, 0))], links(centre=c.id)) for c in sc.centres]
    totals = [sum(r.cells[i] for r in rows) for i in (1, 2, 3)]
    rows.append(Row([_total_label(), *totals], links(), total=True))
    return Table(
        "decisions",
        _("Decisions and certificates, %(month)s", month=month.label),
        [
            Column(_("Centre"), Kind.TEXT),
            Column(_("Kandas status granted")),
            Column(_("Kandas status refused")),
            Column(_("Certificates issued")),
        ],
        rows,
        note=_(
            "Decisions recorded in the portal during the month (R9-1), by their outcome; "
            "certificates by the date of issue written on them (R10, R22)."
        ),
    )


def _r41_table(sc: Scope, day: date) -> Table:
    found = _by_centre(
        select(
            Family.centre_id,
            func.count(distinct(case((_open_submission(day, "due"), Application.id)))),
            func.count(distinct(case((_open_submission(day, "overdue"), Application.id)))),
        )
        .select_from(Submission)
        .join(Application, Submission.application_id == Application.id)
        .join(Family, Application.family_id == Family.id)
        .where(
            _in_scope(sc),
            Submission.outcome.is_(None),
            Application.state == State.SUBMITTED,
            Submission.due_on <= day,
        )
        .group_by(Family.centre_id),
    )

    def links(**centre) -> dict[int, str]:
        return {
            1: url_for("reports.families", **with_region(**centre, r41="due")),
            2: url_for("reports.families", **with_region(**centre, r41="overdue")),
        }

    rows = [Row([c.name, *found.get(c.id, (0, 0))], links(centre=c.id)) for c in sc.centres]
    totals = [sum(r.cells[i] for r in rows) for i in (1, 2)]
    rows.append(Row([_total_label(), *totals], links(), total=True))
    return Table(
        "r4-1",
        _("R4-1: documents to accept or refuse, %(date)s", date=format_date(day, "long")),
        [
            Column(_("Centre"), Kind.TEXT),
            Column(_("Due today")),
            Column(_("Overdue")),
        ],
        rows,
        note=_(
            "Documents handed in and not yet accepted or refused: the decision is due within "
            "three working days of their arrival (R4-1). “Overdue”: the last day has passed. "
            "The same queues as the Deadlines page, always as of today."
        ),
    )


def _first_submission():
    return (
        select(
            Submission.application_id.label("application_id"),
            func.min(Submission.received_on).label("received_on"),
        )
        .group_by(Submission.application_id)
        .subquery()
    )


def _days_table(sc: Scope, month: Month) -> Table:
    first = _first_submission()
    per_centre: dict[int, list[int]] = {}  # centre → [certificates, with a submission, days]
    for centre_id, issued_on, received_on in db.session.execute(
        select(Family.centre_id, Application.certificate_issued_on, first.c.received_on)
        .select_from(Application)
        .join(Family, Application.family_id == Family.id)
        .outerjoin(first, first.c.application_id == Application.id)
        .where(_in_scope(sc), month.holds(Application.certificate_issued_on))
    ):
        acc = per_centre.setdefault(centre_id, [0, 0, 0])
        acc[0] += 1
        if received_on is not None:
            acc[1] += 1
            acc[2] += (issued_on - received_on).days
    rows = []
    for c in sc.centres:
        n, counted, days = per_centre.get(c.id, [0, 0, 0])
        link = url_for("reports.families", **with_region(centre=c.id, certified=month.key))
        rows.append(Row([c.name, n, average(days, counted)], {1: link}))
    n = sum(v[0] for v in per_centre.values())
    counted = sum(v[1] for v in per_centre.values())
    days = sum(v[2] for v in per_centre.values())
    link = url_for("reports.families", **with_region(certified=month.key))
    rows.append(Row([_total_label(), n, average(days, counted)], {1: link}, total=True))
    return Table(
        "days",
        _("Days from submission to certificate, %(month)s", month=month.label),
        [
            Column(_("Centre"), Kind.TEXT),
            Column(_("Certificates issued")),
            Column(_("Average days"), Kind.DECIMAL),
        ],
        rows,
        note=_(
            "For the certificates issued during the month: calendar days from the day the "
            "family's documents were first handed in to the date of the certificate, "
            "averaged over the certificates (the total line over all of them)."
        ),
    )


@report("pipeline")
def build_pipeline() -> Report:
    month = month_arg("month", today())
    sc = scope()
    tables = [
        _stages_table(sc),
        _decisions_table(sc, month),
        _r41_table(sc, today()),
        _days_table(sc, month),
    ]
    return Report("pipeline", str(TITLE), tables, sc, {"month": month.key, "errors": {}})


@bp.get("/pipeline")
@roles_required(*READERS)
def pipeline():
    """The application pipeline of the user's centres for `?month=YYYY-MM` (default: now)."""
    return show("pipeline", TITLE, "reports/pipeline.html", build_pipeline, kept="month")


menu_entry("reports.pipeline", _l("Applications"))


# ---------------------------------------------------------------------------------------------
# The families behind a number
# ---------------------------------------------------------------------------------------------


@dataclass
class FamilyFilter:
    """What `reports.families` lists, read from the query arguments."""

    centre_id: int | None = None
    stage: str | None = None
    decided: Month | None = None
    outcome: str | None = None
    certified: Month | None = None
    r41: str | None = None

    @classmethod
    def from_request(cls) -> FamilyFilter:
        raw_centre = request.args.get("centre", "").strip()
        if raw_centre and not raw_centre.isdigit():
            abort(404)
        stage = request.args.get("stage") or None
        if stage is not None and stage != NOT_OPENED and stage not in {s.value for s in State}:
            raise ArgError("stage", _("Choose one of the stages of the application."), stage)
        outcome = request.args.get("outcome") or None
        if outcome is not None and outcome not in OUTCOMES:
            raise ArgError("outcome", _("Choose “granted” or “refused”."), outcome)
        r41 = request.args.get("r41") or None
        if r41 is not None and r41 not in R41:
            raise ArgError("r41", _("Choose “due” or “overdue”."), r41)
        return cls(
            centre_id=int(raw_centre) if raw_centre else None,
            stage=stage,
            decided=month_arg("decided"),
            outcome=outcome,
            certified=month_arg("certified"),
            r41=r41,
        )

    def criteria(self, sc: Scope, day: date) -> list:
        where = [Family.centre_id.in_(sc.centre_ids)]
        if self.centre_id is not None:
            where.append(Family.centre_id == self.centre_id)
        if self.stage == NOT_OPENED:
            where.append(Application.id.is_(None))
        elif self.stage:
            where.append(Application.state == State(self.stage))
        if self.decided:
            where.append(self.decided.holds(Application.decided_on))
            states = OUTCOMES.get(self.outcome or "", (*GRANTED, State.STATUS_REFUSED))
            where.append(Application.state.in_(states))
        elif self.outcome:
            where.append(Application.state.in_(OUTCOMES[self.outcome]))
        if self.certified:
            where.append(self.certified.holds(Application.certificate_issued_on))
        if self.r41:
            where.append(
                select(Submission.id)
                .where(Submission.application_id == Application.id)
                .where(_open_submission(day, self.r41))
                .exists()
            )
        return where

    def describe(self, day: date) -> list[str]:
        """What the list holds, in words (one phrase per filter)."""
        parts = []
        if self.stage == NOT_OPENED:
            parts.append(_("Families without a status application"))
        elif self.stage:
            parts.append(
                _(
                    "Families whose application stands at “%(stage)s”",
                    stage=STAGE_LABELS[State(self.stage)],
                )
            )
        if self.decided:
            if self.outcome == "granted":
                phrase = _("Kandas status granted in %(month)s", month=self.decided.label)
            elif self.outcome == "refused":
                phrase = _("Kandas status refused in %(month)s", month=self.decided.label)
            else:
                phrase = _("Decided in %(month)s", month=self.decided.label)
            parts.append(phrase)
        elif self.outcome == "granted":
            parts.append(_("Kandas status granted"))
        elif self.outcome == "refused":
            parts.append(_("Kandas status refused"))
        if self.certified:
            parts.append(_("Kandas certificate issued in %(month)s", month=self.certified.label))
        if self.r41 == "due":
            parts.append(
                _(
                    "Documents to accept or refuse today, %(date)s (R4-1)",
                    date=format_date(day, "long"),
                )
            )
        elif self.r41 == "overdue":
            parts.append(
                _("Documents past the R4-1 deadline on %(date)s", date=format_date(day, "long"))
            )
        return parts or [_("All families")]


def _families_stmt(sc: Scope, flt: FamilyFilter, day: date):
    return (
        access.scoped(Family)
        .outerjoin(Application, Application.family_id == Family.id)
        .where(*flt.criteria(sc, day))
        .options(
            selectinload(Family.members),
            selectinload(Family.centre),
            selectinload(Family.application).selectinload(Application.submissions),
        )
        .order_by(Family.registered_on.desc(), Family.id.desc())
    )


def _families_table(families, description: str | None) -> Table:
    rows = []
    for fam in families:
        application = fam.application
        stage = application.state if application else NOT_OPENED
        submissions = application.submissions if application else []
        open_now = next((s for s in submissions if s.outcome is None), None)
        rows.append(
            Row(
                [
                    fam.display_name,
                    fam.centre.name,
                    len(fam.members),
                    str(STAGE_LABELS[stage]),
                    min((s.received_on for s in submissions), default=None),
                    open_now.due_on if open_now else None,
                    application.decided_on if application else None,
                    application.certificate_issued_on if application else None,
                ],
                {0: url_for("residents.family", family_id=fam.id)},
            )
        )
    return Table(
        "families",
        _("Families"),
        [
            Column(_("Family"), Kind.TEXT),
            Column(_("Centre"), Kind.TEXT),
            Column(_("Members")),
            Column(_("Stage"), Kind.TEXT),
            Column(_("Documents first handed in"), Kind.DATE),
            Column(_("R4-1 decision due"), Kind.DATE),
            Column(_("Decided on"), Kind.DATE),
            Column(_("Certificate issued on"), Kind.DATE),
        ],
        rows,
        note=description,
    )


FAMILIES_TITLE = _l("Families")


def _families_report(paginate: bool):
    sc = scope()
    flt = FamilyFilter.from_request()
    centre = centre_in_scope(sc, flt.centre_id)
    day = today()
    stmt = _families_stmt(sc, flt, day)
    parts = flt.describe(day)
    if centre or len(sc.centres) == 1:
        place = (centre or sc.centres[0]).name
    else:
        place = sc.region.name if sc.region else _("All regions")
    description = _("%(what)s — %(place)s.", what="; ".join(parts), place=place)
    if paginate:
        pagination = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
        families = pagination.items
    else:
        pagination = None
        families = list(db.session.scalars(stmt))
    rep = Report(
        "families",
        str(FAMILIES_TITLE),
        # The page says what the list is above it; an export carries it as the table's note.
        [_families_table(families, None if paginate else description)],
        sc,
        {"description": description, "pagination": pagination, "errors": {}},
    )
    return rep


@report("families")
def build_families() -> Report:
    """Every family of the list (the export), not only one page of it."""
    return _families_report(paginate=False)


@bp.get("/families")
@roles_required(*READERS)
def families():
    """The families behind a number of the pipeline: `?centre=&stage=&decided=YYYY-MM&
    outcome=granted|refused&certified=YYYY-MM&r41=due|overdue`, scoped, a page at a time."""
    return show(
        "families",
        FAMILIES_TITLE,
        "reports/families.html",
        lambda: _families_report(paginate=True),
        **LIST_REFUSED,
    )


__all__ = ["build_families", "build_pipeline"]
