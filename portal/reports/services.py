"""The C8 services of a month: deliveries per service and centre, course attendance, and the
outcomes that matter to the ministry (employment, the regional quota, citizenship documents).

Definitions, written under each table as well:
- a *delivery* is one person served once: a person marked present or late at a session of a
  course or an event held in the month (sessions not cancelled, local time), or an individual
  case delivered with its outcome in the month (`closed_on`; cases closed without delivery do
  not count). C8.3 counts both its trainings (sessions) and its job placements (cases);
- the *attendance rate* of courses: (present + late) ÷ every attendance mark recorded for the
  month's course sessions (present, late, absent with notice, absent); events are left out;
- *outcomes*, counted in persons: employed (a C8.3 case delivered with an employer), included
  in the regional quota (the person's quota application decided "included", C8.6) and
  citizenship documents submitted (a C8.7 case delivered with the date of submission); in the
  month (the case delivered or the quota decided in it) and to date (up to the end of the
  month).

A handful of grouped queries, whatever the number of centres, sessions or cases.
"""

from __future__ import annotations

from datetime import datetime, time

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import and_, case, distinct, func, select

from portal import access
from portal.access import roles_required
from portal.clock import today
from portal.extensions import db
from portal.reports.base import READERS, Report, Scope, bp, menu_entry, page, report, scope
from portal.reports.pipeline import ArgError, Month, failed_page, month_arg
from portal.reports.tables import Column, Kind, Row, Table, ratio
from portal.residents.models import Family, Person
from portal.services.cases import service_order
from portal.services.courses import at
from portal.services.models import (
    Activity,
    ActivityKind,
    ActivitySession,
    Attendance,
    AttendanceCode,
    Case,
    CaseStatus,
    QuotaApplication,
    QuotaStatus,
    Service,
)

TITLE = _l("Services")
ATTENDED = (AttendanceCode.PRESENT, AttendanceCode.LATE)


def _bounds(month: Month) -> tuple[datetime, datetime]:
    """The month in UTC instants, from local midnight to local midnight (sessions are UTC)."""
    return at(month.first, time(0)), at(month.end, time(0))


def _total_label() -> str:
    return _("Total")


def _attendance_by_activity(sc: Scope, month: Month) -> list:
    """Per activity with marks in the month: (id, centre, kind, service, title, marks,
    present or late). One query."""
    start, end = _bounds(month)
    return list(
        db.session.execute(
            select(
                Activity.id,
                Activity.centre_id,
                Activity.kind,
                Activity.service_id,
                Activity.title,
                func.count(Attendance.id),
                func.count(case((Attendance.code.in_(ATTENDED), 1))),
            )
            .select_from(Attendance)
            .join(ActivitySession, Attendance.session_id == ActivitySession.id)
            .join(Activity, ActivitySession.activity_id == Activity.id)
            .where(
                Activity.centre_id.in_(sc.centre_ids),
                access.visible(Activity, current_user),
                ActivitySession.cancelled.is_(False),
                ActivitySession.starts_at >= start,
                ActivitySession.starts_at < end,
            )
            .group_by(
                Activity.id, Activity.centre_id, Activity.kind, Activity.service_id, Activity.title
            )
        )
    )


def _cases_delivered(sc: Scope, month: Month) -> dict[tuple[int, int], int]:
    """(centre, service) → cases delivered in the month. One query."""
    rows = db.session.execute(
        select(Case.centre_id, Case.service_id, func.count(Case.id))
        .where(
            Case.centre_id.in_(sc.centre_ids),
            access.visible(Case, current_user),
            Case.status == CaseStatus.DELIVERED,
            month.holds(Case.closed_on),
        )
        .group_by(Case.centre_id, Case.service_id)
    )
    return {(c, s): n for c, s, n in rows}


def _deliveries_table(sc: Scope, month: Month, services: list[Service], activities) -> Table:
    counts: dict[tuple[int, int], int] = dict(_cases_delivered(sc, month))
    for _id, centre_id, _kind, service_id, _title, _marks, attended in activities:
        counts[(centre_id, service_id)] = counts.get((centre_id, service_id), 0) + attended
    rows = []
    for s in services:
        cells = [counts.get((c.id, s.id), 0) for c in sc.centres]
        rows.append(Row([f"{s.code} · {s.name}", *cells, sum(cells)]))
    totals = [sum(r.cells[i + 1] for r in rows) for i in range(len(sc.centres))]
    rows.append(Row([_total_label(), *totals, sum(totals)], total=True))
    return Table(
        "deliveries",
        _("Deliveries per service, %(month)s", month=month.label),
        [
            Column(_("Service"), Kind.TEXT),
            *(Column(c.name) for c in sc.centres),
            Column(_("Total")),
        ],
        rows,
        note=_(
            "One delivery is one person served once: a person marked present or late at a "
            "session of a course or an event held during the month (cancelled sessions left "
            "out), or an individual case delivered with its outcome during the month (cases "
            "closed without delivery do not count)."
        ),
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
    for _id, centre_id, _kind, _service, _title, marks, attended in courses:
        acc = per_centre.setdefault(centre_id, [0, 0])
        acc[0] += marks
        acc[1] += attended
    columns = [
        Column(_("Marks recorded")),
        Column(_("Present or late")),
        Column(_("Attendance rate"), Kind.RATIO),
    ]
    rows = []
    for c in sc.centres:
        marks, attended = per_centre.get(c.id, (0, 0))
        rows.append(Row([c.name, marks, attended, ratio(attended, marks)]))
    marks = sum(r.cells[1] for r in rows)
    attended = sum(r.cells[2] for r in rows)
    rows.append(Row([_total_label(), marks, attended, ratio(attended, marks)], total=True))
    note = _(
        "Attendance rate: persons marked present or late ÷ every attendance mark recorded "
        "(present, late, absent with notice, absent) for the course sessions held during the "
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
    for activity_id, centre_id, _kind, service_id, title, marks, attended in courses:
        service = by_id.get(service_id)
        course_rows.append(
            Row(
                [
                    title,
                    centres[centre_id].name,
                    service.code if service else "",
                    marks,
                    attended,
                    ratio(attended, marks),
                ],
                {0: url_for("courses.show", activity_id=activity_id)},
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
    employed = and_(
        Case.service_id == code_ids.get("C8.3"), Case.outcome["employer"].as_string().is_not(None)
    )
    citizenship = and_(
        Case.service_id == code_ids.get("C8.7"),
        Case.outcome["documents_submitted_on"].as_string().is_not(None),
    )
    in_month = month.holds(Case.closed_on)

    def persons(condition):
        return func.count(distinct(case((condition, Case.person_id))))

    cases = {
        row[0]: tuple(row[1:])
        for row in db.session.execute(
            select(
                Case.centre_id,
                persons(and_(employed, in_month)),
                persons(employed),
                persons(and_(citizenship, in_month)),
                persons(citizenship),
            )
            .where(
                Case.centre_id.in_(sc.centre_ids),
                access.visible(Case, current_user),
                Case.status == CaseStatus.DELIVERED,
                Case.closed_on < month.end,
            )
            .group_by(Case.centre_id)
        )
    }
    quota = {
        row[0]: tuple(row[1:])
        for row in db.session.execute(
            select(
                Family.centre_id,
                func.count(
                    distinct(
                        case((month.holds(QuotaApplication.decided_on), QuotaApplication.person_id))
                    )
                ),
                func.count(distinct(QuotaApplication.person_id)),
            )
            .select_from(QuotaApplication)
            .join(Person, QuotaApplication.person_id == Person.id)
            .join(Family, Person.family_id == Family.id)
            .where(
                Family.centre_id.in_(sc.centre_ids),
                access.visible(Person, current_user),
                QuotaApplication.status == QuotaStatus.INCLUDED,
                QuotaApplication.decided_on < month.end,
            )
            .group_by(Family.centre_id)
        )
    }
    rows = []
    for c in sc.centres:
        emp_month, emp_all, cit_month, cit_all = cases.get(c.id, (0, 0, 0, 0))
        quota_month, quota_all = quota.get(c.id, (0, 0))
        rows.append(Row([c.name, emp_month, emp_all, quota_month, quota_all, cit_month, cit_all]))
    totals = [sum(r.cells[i] for r in rows) for i in range(1, 7)]
    rows.append(Row([_total_label(), *totals], total=True))
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
        note=_(
            "Persons. Employed: a C8.3 case delivered with an employer. Included in the quota: "
            "the person's regional-quota application decided “included”, by the centre of the "
            "person's family. Citizenship documents: a C8.7 case delivered with the date they "
            "were submitted. “In the month”: the case was delivered (the quota decided) during "
            "the month; “to date”: at any time up to the end of the month."
        ),
    )


@report("services")
def build_services() -> Report:
    month = month_arg("month", today())
    sc = scope()
    services = sorted(db.session.scalars(select(Service)), key=lambda s: service_order(s.code))
    activities = _attendance_by_activity(sc, month)
    by_centre, by_course = _attendance_tables(sc, month, services, activities)
    tables = [
        _deliveries_table(sc, month, services, activities),
        by_centre,
        by_course,
        _outcomes_table(sc, month, services),
    ]
    return Report("services", str(TITLE), tables, sc, {"month": month.key, "errors": {}})


@bp.get("/services")
@roles_required(*READERS)
def services():
    """The C8 services of the user's centres for `?month=YYYY-MM` (default: this month)."""
    try:
        rep = build_services()
    except ArgError as e:
        return failed_page("services", str(TITLE), "reports/services.html", e, month=e.value)
    return page(rep, "reports/services.html")


menu_entry("reports.services", _l("Services"))

__all__ = ["build_services"]
