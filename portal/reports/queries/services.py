"""The C8 services of a month: deliveries per service and centre, course attendance, and the
outcomes that matter to the ministry (employment, the regional quota, citizenship documents).
Every number links to the list behind it (`deliveries`, `outcomes`); what each figure counts is
defined once in `service_definitions` and written under its table.

A handful of grouped queries, whatever the number of centres, sessions or cases.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import and_, case, distinct, func

from portal.extensions import db
from portal.reports.queries.months import Month
from portal.reports.queries.scope import Scope
from portal.reports.queries.service_definitions import (
    DELIVERY_NOTE,
    OUTCOME_COLUMNS,
    OUTCOMES_NOTE,
    case_outcome,
    cases_delivered_in,
    catalogue,
    counts_held,
    delivered_cases,
    quota_included,
    select_cases,
    select_counts,
    select_quota_decisions,
    within,
)
from portal.reports.tables import Column, Kind, Link, Row, Table, ratio
from portal.residents.models import Family
from portal.services.cases.models import Case, QuotaApplication
from portal.services.catalogue.models import Service
from portal.services.courses.models import Activity, ActivityKind, AttendanceSummary


def services(sc: Scope, month: Month) -> list[Table]:
    """The four tables of the month: deliveries per service, attendance per centre and per
    course, and the outcomes."""
    offered = catalogue()  # C8.1 … C8.10: the rows of the deliveries table
    activities = _attendance_by_activity(sc, month)
    by_centre, by_course = _attendance_tables(sc, month, offered, activities)
    return [
        _deliveries_table(sc, month, offered, activities),
        by_centre,
        by_course,
        _outcomes_table(sc, month, offered),
    ]


def _total_label() -> str:
    return _("Total")


def _attendance_by_activity(sc: Scope, month: Month) -> list:
    """Per activity with marks in the month: (id, centre, kind, service, title, marks,
    present or late). One query, over the kept counts per session (issue 16) rather than the
    marks: the same figures as `select_marks` with `sessions_held` and `attended()`."""
    return list(
        db.session.execute(
            select_counts(
                Activity.id,
                Activity.centre_id,
                Activity.kind,
                Activity.service_id,
                Activity.title,
                func.sum(AttendanceSummary.marks),
                func.sum(AttendanceSummary.attended),
            )
            .where(*counts_held(sc.user, sc.centre_ids, month))
            .group_by(
                Activity.id, Activity.centre_id, Activity.kind, Activity.service_id, Activity.title
            )
            .order_by(Activity.id)
        )
    )


def _cases_delivered(sc: Scope, month: Month) -> dict[tuple[int, int], int]:
    """(centre, service) → cases delivered in the month. One query."""
    rows = db.session.execute(
        select_cases(Case.centre_id, Case.service_id, func.count(Case.id))
        .where(*cases_delivered_in(sc.user, sc.centre_ids, month))
        .group_by(Case.centre_id, Case.service_id)
    )
    return {(c, s): n for c, s, n in rows}


def _deliveries_table(sc: Scope, month: Month, services: list[Service], activities) -> Table:
    counts: dict[tuple[int, int], int] = dict(_cases_delivered(sc, month))
    for _id, centre_id, _kind, service_id, _title, _count, attended_ in activities:
        counts[(centre_id, service_id)] = counts.get((centre_id, service_id), 0) + attended_

    def link(**args) -> Link:
        return Link.drill_down("reports.deliveries", month=month.key, **args)

    last = len(sc.centres) + 1  # the index of the total column
    rows = []
    for s in services:
        cells = [counts.get((c.id, s.id), 0) for c in sc.centres]
        links = {i + 1: link(service=s.code, centre=c.id) for i, c in enumerate(sc.centres)}
        links[last] = link(service=s.code)
        rows.append(Row([f"{s.code} · {s.name}", *cells, sum(cells)], links))
    totals = [sum(r.cells[i + 1] for r in rows) for i in range(len(sc.centres))]
    links = {i + 1: link(centre=c.id) for i, c in enumerate(sc.centres)}
    links[last] = link()
    rows.append(Row([_total_label(), *totals, sum(totals)], links, total=True))
    return Table(
        "deliveries",
        _("Deliveries per service, %(month)s", month=month.label),
        [
            Column(_("Service"), Kind.TEXT),
            *(Column(c.name) for c in sc.centres),
            Column(_("Total")),
        ],
        rows,
        note=str(DELIVERY_NOTE),
    )


def _attendance_tables(sc: Scope, month: Month, services: list[Service], activities):
    by_id = {s.id: s for s in services}
    centres = {c.id: c for c in sc.centres}
    position = {c.id: i for i, c in enumerate(sc.centres)}
    courses = sorted(
        (a for a in activities if ActivityKind(a[2]) == ActivityKind.COURSE),
        key=lambda a: (position.get(a[1], len(position)), a[4], a[0]),
    )  # in the centres' order, then by title
    per_centre: dict[int, list[int]] = {}
    for _id, centre_id, _kind, _service, _title, marks, attended_ in courses:
        acc = per_centre.setdefault(centre_id, [0, 0])
        acc[0] += marks
        acc[1] += attended_
    columns = [
        Column(_("Marks recorded")),
        Column(_("Present or late")),
        Column(_("Attendance rate"), Kind.RATIO),
    ]
    rows = []
    for c in sc.centres:
        marks, attended_ = per_centre.get(c.id, (0, 0))
        rows.append(Row([c.name, marks, attended_, ratio(attended_, marks)]))
    marks = sum(r.cells[1] for r in rows)
    attended_ = sum(r.cells[2] for r in rows)
    rows.append(Row([_total_label(), marks, attended_, ratio(attended_, marks)], total=True))
    note = _(
        "Attendance rate: persons marked present or late ÷ every attendance mark recorded "
        "(present, late, absent for a valid reason, absent) for the course sessions held during the "
        "month; events are not counted. A session without marks does not count."
    )
    by_centre = Table(
        "attendance",
        _("Course attendance per centre, %(month)s", month=month.label),
        [Column(_("Centre"), Kind.TEXT), *columns],
        rows,
        note=note,
    )
    course_rows = []
    for activity_id, centre_id, _kind, service_id, title, marks, attended_ in courses:
        service = by_id.get(service_id)
        course_rows.append(
            Row(
                [
                    title,
                    centres[centre_id].name,
                    service.code if service else "",
                    marks,
                    attended_,
                    ratio(attended_, marks),
                ],
                {0: Link.to("courses.show", activity_id=activity_id)},
            )
        )
    by_course = Table(
        "courses",
        _("Attendance per course, %(month)s", month=month.label),
        [
            Column(_("Course"), Kind.TEXT),
            Column(_("Centre"), Kind.TEXT),
            Column(_("Service"), Kind.TEXT),
            *columns,
        ],
        course_rows,
        note=note,
    )
    return by_centre, by_course


def _outcomes_table(sc: Scope, month: Month, services: list[Service]) -> Table:
    code_ids = {s.code: s.id for s in services}

    def persons(condition):
        return func.count(distinct(case((condition, Case.person_id))))

    def cases_for(outcome: str, period: str):
        return persons(and_(case_outcome(outcome, code_ids), within(Case.closed_on, month, period)))

    cases = {
        row[0]: tuple(row[1:])
        for row in db.session.execute(
            select_cases(
                Case.centre_id,
                cases_for("employed", "month"),
                cases_for("employed", "to_date"),
                cases_for("citizenship", "month"),
                cases_for("citizenship", "to_date"),
            )
            .where(
                *delivered_cases(sc.user, sc.centre_ids), within(Case.closed_on, month, "to_date")
            )
            .group_by(Case.centre_id)
        )
    }

    def quota_for(period: str):
        decided = within(QuotaApplication.decided_on, month, period)
        return func.count(distinct(case((decided, QuotaApplication.person_id))))

    quota = {
        row[0]: tuple(row[1:])
        for row in db.session.execute(
            select_quota_decisions(Family.centre_id, quota_for("month"), quota_for("to_date"))
            .where(
                *quota_included(sc.user, sc.centre_ids),
                within(QuotaApplication.decided_on, month, "to_date"),
            )
            .group_by(Family.centre_id)
        )
    }

    def links(**centre) -> dict[int, Link]:
        return {
            i + 1: Link.drill_down(
                "reports.outcomes", month=month.key, outcome=o, period=p, **centre
            )
            for i, (o, p) in enumerate(OUTCOME_COLUMNS)
        }

    rows = []
    for c in sc.centres:
        emp_month, emp_all, cit_month, cit_all = cases.get(c.id, (0, 0, 0, 0))
        quota_month, quota_all = quota.get(c.id, (0, 0))
        rows.append(
            Row(
                [c.name, emp_month, emp_all, quota_month, quota_all, cit_month, cit_all],
                links(centre=c.id),
            )
        )
    totals = [sum(r.cells[i] for r in rows) for i in range(1, 7)]
    rows.append(Row([_total_label(), *totals], links(), total=True))
    in_m, to_date = _("in the month"), _("to date")
    return Table(
        "outcomes",
        _("Outcomes, %(month)s", month=month.label),
        [
            Column(_("Centre"), Kind.TEXT),
            Column(_("Employed (C8.3), %(when)s", when=in_m)),
            Column(_("Employed (C8.3), %(when)s", when=to_date)),
            Column(_("Included in the regional quota (C8.6), %(when)s", when=in_m)),
            Column(_("Included in the regional quota (C8.6), %(when)s", when=to_date)),
            Column(_("Citizenship documents submitted (C8.7), %(when)s", when=in_m)),
            Column(_("Citizenship documents submitted (C8.7), %(when)s", when=to_date)),
        ],
        rows,
        note=str(OUTCOMES_NOTE),
    )
