"""The application pipeline (R4–R22): how many families stand at each stage, the decisions and
certificates of a month, the R4-1 queues per centre and the days from submission to
certificate. Every number links to the families it counts (`families`, `reports.families`).

Every figure counts the families of the scope's centres (`Family.centre_id`) that the user may
see, each through its one status application. Four grouped queries, whatever the number of
centres or families.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, distinct, func, or_, select

from portal import access
from portal.applications.models import Application, State, Submission
from portal.extensions import db
from portal.reports.queries.months import Month
from portal.reports.queries.scope import Scope
from portal.reports.tables import Column, Kind, Link, Row, Table, average
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
    State.HEARING: _l("Preliminary refusal, hearing"),
    State.STATUS_GRANTED: _l("Kandas status granted"),
    State.STATUS_REFUSED: _l("Kandas status refused"),
    State.CERTIFICATE_ISSUED: _l("Certificate issued"),
    State.WITHDRAWN: _l("Withdrawn"),
}
GRANTED = (State.STATUS_GRANTED, State.CERTIFICATE_ISSUED)  # granted, certificate or not yet
OUTCOMES = {"granted": GRANTED, "refused": (State.STATUS_REFUSED,)}
R41 = ("due", "overdue")


def open_submission(day: date, which: str):
    """R4-1, as the staff work queue counts it: a submission awaiting the documents
    decision (no outcome, the application still "submitted"), due today or already overdue."""
    due = Submission.due_on == day if which == "due" else Submission.due_on < day
    return and_(Submission.outcome.is_(None), Application.state == State.SUBMITTED, due)


# ---------------------------------------------------------------------------------------------
# The pipeline
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PipelineArgs:
    month: Month  # decisions, certificates and days to certificate
    day: date  # the day the R4-1 queues are read on (the page: today)


def pipeline(sc: Scope, args: PipelineArgs) -> list[Table]:
    """The four tables of the pipeline: the stages (as they stand now), the decisions and
    certificates of the month, the R4-1 queues on the day and the days to certificate."""
    return [
        _stages_table(sc),
        _decisions_table(sc, args.month),
        _r41_table(sc, args.day),
        _days_table(sc, args.month),
    ]


def _families(**filters) -> Link:
    return Link.drill_down("reports.families", **filters)


def _total_label() -> str:
    return _("Total")


def _by_centre(stmt) -> dict[int, tuple]:
    """centre id → the rest of its row, for a query grouped by centre."""
    return {row[0]: tuple(row[1:]) for row in db.session.execute(stmt)}


def _in_scope(sc: Scope):
    return and_(Family.centre_id.in_(sc.centre_ids), access.visible(Family, sc.user))


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
        links = {i + 1: _families(centre=c.id, stage=k) for i, k in enumerate(keys)}
        links[len(keys) + 1] = _families(centre=c.id)
        rows.append(Row([c.name, *cells, sum(cells)], links))
    totals = [sum(r.cells[i + 1] for r in rows) for i in range(len(keys))]
    links = {i + 1: _families(stage=k) for i, k in enumerate(keys)}
    links[len(keys) + 1] = _families()
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
            1: _families(**centre, decided=month.key, outcome="granted"),
            2: _families(**centre, decided=month.key, outcome="refused"),
            3: _families(**centre, certified=month.key),
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
            func.count(distinct(case((open_submission(day, "due"), Application.id)))),
            func.count(distinct(case((open_submission(day, "overdue"), Application.id)))),
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
            1: _families(**centre, r41="due"),
            2: _families(**centre, r41="overdue"),
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
            "The same queue as the staff's work queue, always as of today."
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
        link = _families(centre=c.id, certified=month.key)
        rows.append(Row([c.name, n, average(days, counted)], {1: link}))
    n = sum(v[0] for v in per_centre.values())
    counted = sum(v[1] for v in per_centre.values())
    days = sum(v[2] for v in per_centre.values())
    link = _families(certified=month.key)
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
