"""The C8 services of a month: deliveries per service and centre, course attendance, and the
outcomes that matter to the ministry (employment, the regional quota, citizenship documents);
and the scoped lists behind the numbers: the deliveries (`reports.deliveries`) and the persons
behind an outcome (`reports.outcomes`).

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
Every figure counts only persons the user may see (`access.visible(Person, …)`), at the
centres of the report's scope.

Each definition is one function of SQL criteria below ("The definitions"), used both by the
counts and by the lists, so a figure and the length of its list cannot disagree.

A handful of grouped queries, whatever the number of centres, sessions or cases; a list is
a count and a page of rows (two or three queries more), whatever its length.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, time

from flask import abort, current_app, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select, and_, case, distinct, func, literal_column, null, select, union_all
from sqlalchemy.orm import contains_eager

from portal import access
from portal.access import roles_required
from portal.accommodation.models import Centre
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
from portal.reports.tables import Column, Kind, Row, Table, ratio
from portal.residents.models import Family, Person
from portal.services.calendar import local
from portal.services.cases import OUTCOME_LABELS, QUOTA_STATUS_LABELS, service_order
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
from portal.services.record import case_outcome as outcome_in_words

TITLE = _l("Services")
ATTENDED = (AttendanceCode.PRESENT, AttendanceCode.LATE)


def _bounds(month: Month) -> tuple[datetime, datetime]:
    """The month in UTC instants, from local midnight to local midnight (sessions are UTC)."""
    return at(month.first, time(0)), at(month.end, time(0))


def _total_label() -> str:
    return _("Total")


def _services() -> list[Service]:
    """The catalogue in the order of clause 8 (C8.1 … C8.10)."""
    return sorted(db.session.scalars(select(Service)), key=lambda s: service_order(s.code))


# ---------------------------------------------------------------------------------------------
# The definitions: the SQL criteria of every figure, shared by the counts and their lists
# ---------------------------------------------------------------------------------------------


def _marks(*columns) -> Select:
    """Attendance marks with their session, activity and person (what session figures read)."""
    return (
        select(*columns)
        .select_from(Attendance)
        .join(ActivitySession, Attendance.session_id == ActivitySession.id)
        .join(Activity, ActivitySession.activity_id == Activity.id)
        .join(Person, Attendance.person_id == Person.id)
    )


def sessions_held(centre_ids, month: Month) -> list:
    """The marks of the sessions held in the month at these centres (cancelled ones left out),
    of the persons the user may see. With `attended()`: the session deliveries."""
    start, end = _bounds(month)
    return [
        Activity.centre_id.in_(centre_ids),
        access.visible(Activity, current_user),
        access.visible(Person, current_user),
        ActivitySession.cancelled.is_(False),
        ActivitySession.starts_at >= start,
        ActivitySession.starts_at < end,
    ]


def attended():
    """A mark that is a delivery: present or late."""
    return Attendance.code.in_(ATTENDED)


def _cases(*columns) -> Select:
    """Cases with their person (what case figures read)."""
    return select(*columns).select_from(Case).join(Person, Case.person_id == Person.id)


def delivered_cases(centre_ids) -> list:
    """Cases delivered with their outcome (not merely closed) at these centres, of the persons
    the user may see, at any time."""
    return [
        Case.centre_id.in_(centre_ids),
        access.visible(Case, current_user),
        access.visible(Person, current_user),
        Case.status == CaseStatus.DELIVERED,
    ]


def cases_delivered_in(centre_ids, month: Month) -> list:
    """The case deliveries of the month."""
    return [*delivered_cases(centre_ids), month.holds(Case.closed_on)]


OUTCOMES = ("employed", "quota", "citizenship")
PERIODS = ("month", "to_date")


def within(column, month: Month, period: str):
    """ "In the month" (the date falls in it) or "to date" (on or before its last day)."""
    return month.holds(column) if period == "month" else column < month.end


def case_outcome(outcome: str, code_ids: dict[str, int]):
    """A delivered case that is the outcome: employed (C8.3 with an employer) or citizenship
    documents submitted (C8.7 with the date of submission)."""
    if outcome == "employed":
        return and_(
            Case.service_id == code_ids.get("C8.3"),
            Case.outcome["employer"].as_string().is_not(None),
        )
    return and_(
        Case.service_id == code_ids.get("C8.7"),
        Case.outcome["documents_submitted_on"].as_string().is_not(None),
    )


def _quota_decisions(*columns) -> Select:
    """Quota applications with their person and the person's family (the centre counted)."""
    return (
        select(*columns)
        .select_from(QuotaApplication)
        .join(Person, QuotaApplication.person_id == Person.id)
        .join(Family, Person.family_id == Family.id)
    )


def quota_included(centre_ids) -> list:
    """C8.6: the person's regional-quota application decided "included", counted at the
    centre of the person's family, for the persons the user may see (with `within` on
    `decided_on` for the period)."""
    return [
        Family.centre_id.in_(centre_ids),
        access.visible(Person, current_user),
        QuotaApplication.status == QuotaStatus.INCLUDED,
    ]


# ---------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------


def _attendance_by_activity(sc: Scope, month: Month) -> list:
    """Per activity with marks in the month: (id, centre, kind, service, title, marks,
    present or late). One query."""
    return list(
        db.session.execute(
            _marks(
                Activity.id,
                Activity.centre_id,
                Activity.kind,
                Activity.service_id,
                Activity.title,
                func.count(Attendance.id),
                func.count(case((attended(), 1))),
            )
            .where(*sessions_held(sc.centre_ids, month))
            .group_by(
                Activity.id, Activity.centre_id, Activity.kind, Activity.service_id, Activity.title
            )
        )
    )


def _cases_delivered(sc: Scope, month: Month) -> dict[tuple[int, int], int]:
    """(centre, service) → cases delivered in the month. One query."""
    rows = db.session.execute(
        _cases(Case.centre_id, Case.service_id, func.count(Case.id))
        .where(*cases_delivered_in(sc.centre_ids, month))
        .group_by(Case.centre_id, Case.service_id)
    )
    return {(c, s): n for c, s, n in rows}


DELIVERY_NOTE = _l(
    "One delivery is one person served once: a person marked present or late at a "
    "session of a course or an event held during the month (cancelled sessions left "
    "out), or an individual case delivered with its outcome during the month (cases "
    "closed without delivery do not count)."
)


def _deliveries_table(sc: Scope, month: Month, services: list[Service], activities) -> Table:
    counts: dict[tuple[int, int], int] = dict(_cases_delivered(sc, month))
    for _id, centre_id, _kind, service_id, _title, _count, attended_ in activities:
        counts[(centre_id, service_id)] = counts.get((centre_id, service_id), 0) + attended_

    def link(**args) -> str:
        return url_for("reports.deliveries", **with_region(month=month.key, **args))

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


OUTCOMES_NOTE = _l(
    "Persons. Employed: a C8.3 case delivered with an employer. Included in the quota: "
    "the person's regional-quota application decided “included”, by the centre of the "
    "person's family. Citizenship documents: a C8.7 case delivered with the date they "
    "were submitted. “In the month”: the case was delivered (the quota decided) during "
    "the month; “to date”: at any time up to the end of the month."
)
# The figures of the outcomes table, in the order of its columns.
OUTCOME_COLUMNS = [(o, p) for o in OUTCOMES for p in PERIODS]


def _outcomes_table(sc: Scope, month: Month, services: list[Service]) -> Table:
    code_ids = {s.code: s.id for s in services}

    def persons(condition):
        return func.count(distinct(case((condition, Case.person_id))))

    def cases_for(outcome: str, period: str):
        return persons(and_(case_outcome(outcome, code_ids), within(Case.closed_on, month, period)))

    cases = {
        row[0]: tuple(row[1:])
        for row in db.session.execute(
            _cases(
                Case.centre_id,
                cases_for("employed", "month"),
                cases_for("employed", "to_date"),
                cases_for("citizenship", "month"),
                cases_for("citizenship", "to_date"),
            )
            .where(*delivered_cases(sc.centre_ids), within(Case.closed_on, month, "to_date"))
            .group_by(Case.centre_id)
        )
    }

    def quota_for(period: str):
        decided = within(QuotaApplication.decided_on, month, period)
        return func.count(distinct(case((decided, QuotaApplication.person_id))))

    quota = {
        row[0]: tuple(row[1:])
        for row in db.session.execute(
            _quota_decisions(Family.centre_id, quota_for("month"), quota_for("to_date"))
            .where(
                *quota_included(sc.centre_ids),
                within(QuotaApplication.decided_on, month, "to_date"),
            )
            .group_by(Family.centre_id)
        )
    }

    def links(**centre) -> dict[int, str]:
        return {
            i + 1: url_for(
                "reports.outcomes",
                **with_region(month=month.key, outcome=o, period=p, **centre),
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


@report("services")
def build_services() -> Report:
    month = month_arg("month", today())
    sc = scope()
    services = _services()
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
    return show("services", TITLE, "reports/services.html", build_services, kept="month")


menu_entry("reports.services", _l("Services"))


# ---------------------------------------------------------------------------------------------
# The lists behind the numbers
# ---------------------------------------------------------------------------------------------


def _centre_arg() -> int | None:
    """`?centre=<id>` (a value that is not an id is no centre of anyone's: 404)."""
    raw = request.args.get("centre", "").strip()
    if raw and not raw.isdigit():
        abort(404)
    return int(raw) if raw else None


def _place(sc: Scope, centre: Centre | None) -> str:
    if centre or len(sc.centres) == 1:
        return (centre or sc.centres[0]).name
    return sc.region.name if sc.region else _("All regions")


def _paginated(stmt: Select, paginate: bool):
    """(the pagination, its items) for the page; (None, None) for an export (every row)."""
    if not paginate:
        return None, None
    pagination = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return pagination, list(pagination.items)


# The deliveries ------------------------------------------------------------------------------


@dataclass
class DeliveryFilter:
    """What `reports.deliveries` lists: the month, and one service or centre if given."""

    month: Month
    service: Service | None
    centre: Centre | None

    @classmethod
    def from_request(cls, sc: Scope, services: list[Service]) -> DeliveryFilter:
        month = month_arg("month", today())
        code = request.args.get("service", "").strip()
        service = next((s for s in services if s.code == code), None)
        if code and service is None:
            raise ArgError("service", _("Choose one of the services C8.1 to C8.10."), code)
        return cls(month, service, centre_in_scope(sc, _centre_arg()))

    def sessions(self, sc: Scope) -> list:
        """The session deliveries counted in the cell: `sessions_held` ∧ `attended`."""
        where = [*sessions_held(sc.centre_ids, self.month), attended()]
        if self.service:
            where.append(Activity.service_id == self.service.id)
        if self.centre:
            where.append(Activity.centre_id == self.centre.id)
        return where

    def cases(self, sc: Scope) -> list:
        """The case deliveries counted in the cell: `cases_delivered_in`."""
        where = cases_delivered_in(sc.centre_ids, self.month)
        if self.service:
            where.append(Case.service_id == self.service.id)
        if self.centre:
            where.append(Case.centre_id == self.centre.id)
        return where

    def describe(self, sc: Scope) -> str:
        place = _place(sc, self.centre)
        if self.service:
            return _(
                "Deliveries of %(service)s in %(month)s — %(place)s.",
                service=f"{self.service.code} · {self.service.name}",
                month=self.month.label,
                place=place,
            )
        return _(
            "Deliveries of every service in %(month)s — %(place)s.",
            month=self.month.label,
            place=place,
        )


def _delivery_refs(sc: Scope, flt: DeliveryFilter, services: list[Service]) -> Select:
    """Every delivery of the list as one number, in the list's order (by service in the order
    of clause 8, sessions before cases, then by date): an attendance mark's id, or minus a
    case's id."""
    sessions = _marks(
        Attendance.id.label("ref"),
        literal_column("0").label("kind"),
        Activity.service_id.label("service_id"),
        ActivitySession.starts_at.label("held_at"),
        null().label("closed_on"),
    ).where(*flt.sessions(sc))
    cases = _cases(
        (-Case.id).label("ref"),
        literal_column("1").label("kind"),
        Case.service_id.label("service_id"),
        null().label("held_at"),
        Case.closed_on.label("closed_on"),
    ).where(*flt.cases(sc))
    u = union_all(sessions, cases).subquery()
    position = case(
        {s.id: i for i, s in enumerate(services)}, value=u.c.service_id, else_=len(services)
    )
    return select(u.c.ref).order_by(position, u.c.kind, u.c.held_at, u.c.closed_on, u.c.ref)


def _deliveries(sc: Scope, flt: DeliveryFilter, refs: list[int] | None) -> dict[int, tuple]:
    """ref → (date, person, centre id, service id, what) for these refs (None: every one of
    the list). Two queries."""
    sessions, cases = flt.sessions(sc), flt.cases(sc)
    if refs is not None:
        sessions.append(Attendance.id.in_([r for r in refs if r > 0]))
        cases.append(Case.id.in_([-r for r in refs if r < 0]))
    found: dict[int, tuple] = {}
    for ref, starts_at, title, service_id, centre_id, person in db.session.execute(
        _marks(
            Attendance.id,
            ActivitySession.starts_at,
            Activity.title,
            Activity.service_id,
            Activity.centre_id,
            Person,
        ).where(*sessions)
    ):
        found[ref] = (local(starts_at).date(), person, centre_id, service_id, title)
    for c, person in db.session.execute(_cases(Case, Person).where(*cases)):
        words = outcome_in_words(c)
        what = _("Case delivered: %(outcome)s", outcome=words) if words else _("Case delivered")
        found[-c.id] = (c.closed_on, person, c.centre_id, c.service_id, what)
    return found


DELIVERIES_TITLE = _l("Service deliveries")


def _deliveries_report(paginate: bool) -> Report:
    sc = scope()
    services = _services()
    flt = DeliveryFilter.from_request(sc, services)
    ordered = _delivery_refs(sc, flt, services)
    pagination, refs = _paginated(ordered, paginate)
    found = _deliveries(sc, flt, refs)
    if refs is None:
        refs = list(db.session.scalars(ordered))
    by_id = {s.id: s for s in services}
    names = {c.id: c.name for c in sc.centres}
    rows = []
    for ref in refs:
        if ref not in found:  # (recorded between the two queries)
            continue
        day, person, centre_id, service_id, what = found[ref]
        service = by_id[service_id]
        rows.append(
            Row(
                [
                    day,
                    person.full_name,
                    names.get(centre_id, ""),
                    f"{service.code} · {service.name}",
                    what,
                ],
                {1: url_for("residents.person", person_id=person.id)},
            )
        )
    description = flt.describe(sc)
    table = Table(
        "deliveries",
        str(DELIVERIES_TITLE),
        [
            Column(_("Date"), Kind.DATE),
            Column(_("Person"), Kind.TEXT),
            Column(_("Centre"), Kind.TEXT),
            Column(_("Service"), Kind.TEXT),
            Column(_("What"), Kind.TEXT),
        ],
        rows,
        # The page says what the list is above it; an export carries it in the note.
        note=str(DELIVERY_NOTE) if paginate else f"{description} {DELIVERY_NOTE}",
    )
    context = {
        "description": description,
        "pagination": pagination,
        "month": flt.month.key,
        "errors": {},
    }
    return Report("deliveries", str(DELIVERIES_TITLE), [table], sc, context)


@report("deliveries")
def build_deliveries() -> Report:
    """Every delivery of the list (the export), not only one page of it."""
    return _deliveries_report(paginate=False)


@bp.get("/deliveries")
@roles_required(*READERS)
def deliveries():
    """The deliveries behind a number of the services report: `?month=YYYY-MM&service=C8.n&
    centre=<id>`, scoped, a page at a time."""
    return show(
        "deliveries",
        DELIVERIES_TITLE,
        "reports/deliveries.html",
        lambda: _deliveries_report(paginate=True),
        **LIST_REFUSED,
    )


# The persons behind an outcome ---------------------------------------------------------------


@dataclass
class OutcomeFilter:
    """What `reports.outcomes` lists: an outcome, in the month or to date, in one centre or
    every centre of the scope."""

    month: Month
    outcome: str
    period: str
    centre: Centre | None

    @classmethod
    def from_request(cls, sc: Scope) -> OutcomeFilter:
        month = month_arg("month", today())
        outcome = request.args.get("outcome", "").strip()
        if outcome not in OUTCOMES:
            raise ArgError("outcome", _("Choose “employed”, “quota” or “citizenship”."), outcome)
        period = request.args.get("period", "").strip() or "month"
        if period not in PERIODS:
            raise ArgError("period", _("Choose “month” or “to_date”."), period)
        return cls(month, outcome, period, centre_in_scope(sc, _centre_arg()))

    def centre_ids(self, sc: Scope) -> list[int]:
        return [self.centre.id] if self.centre else sc.centre_ids

    def describe(self, sc: Scope) -> str:
        args = {"month": self.month.label, "place": _place(sc, self.centre)}
        sentences = {
            ("employed", "month"): _("Persons employed (C8.3) in %(month)s — %(place)s.", **args),
            ("employed", "to_date"): _(
                "Persons employed (C8.3) up to the end of %(month)s — %(place)s.", **args
            ),
            ("quota", "month"): _(
                "Persons included in the regional quota (C8.6) in %(month)s — %(place)s.", **args
            ),
            ("quota", "to_date"): _(
                "Persons included in the regional quota (C8.6) up to the end of %(month)s — "
                "%(place)s.",
                **args,
            ),
            ("citizenship", "month"): _(
                "Persons whose citizenship documents were submitted (C8.7) in %(month)s — "
                "%(place)s.",
                **args,
            ),
            ("citizenship", "to_date"): _(
                "Persons whose citizenship documents were submitted (C8.7) up to the end of "
                "%(month)s — %(place)s.",
                **args,
            ),
        }
        return sentences[(self.outcome, self.period)]


_BY_NAME = (Person.surname, Person.given_name, Person.id)


def _outcome_cases(sc: Scope, flt: OutcomeFilter, paginate: bool, services: list[Service]):
    """(pagination, rows) of the persons with the outcome of a case: one row per person and
    centre, as the figure counts them (the person's latest case of the kind shows)."""
    code_ids = {s.code: s.id for s in services}
    where = [
        *delivered_cases(flt.centre_ids(sc)),
        case_outcome(flt.outcome, code_ids),
        within(Case.closed_on, flt.month, flt.period),
    ]
    latest = (
        _cases(func.max(Case.id))
        .where(*where)
        .group_by(Case.centre_id, *_BY_NAME)
        .order_by(*_BY_NAME, Case.centre_id)
    )
    pagination, ids = _paginated(latest, paginate)
    chosen = Case.id.in_(ids if ids is not None else latest.order_by(None))
    rows = []
    for c, person in db.session.execute(
        _cases(Case, Person).where(chosen).order_by(*_BY_NAME, Case.centre_id)
    ):
        outcome = c.outcome or {}
        if flt.outcome == "employed":
            detail = outcome.get("employer")
        else:
            detail = None
            with suppress(TypeError, ValueError):
                detail = date.fromisoformat(outcome.get("documents_submitted_on"))
        rows.append((person, c.centre_id, c.closed_on, detail))
    return pagination, rows


def _outcome_quota(sc: Scope, flt: OutcomeFilter, paginate: bool):
    """(pagination, rows) of the persons included in the regional quota (one application
    each), at the centre of their family."""
    stmt = (
        _quota_decisions(QuotaApplication)
        .where(
            *quota_included(flt.centre_ids(sc)),
            within(QuotaApplication.decided_on, flt.month, flt.period),
        )
        .options(contains_eager(QuotaApplication.person).contains_eager(Person.family))
        .order_by(*_BY_NAME)
    )
    pagination, items = _paginated(stmt, paginate)
    if items is None:
        items = list(db.session.scalars(stmt).unique())
    decision = str(QUOTA_STATUS_LABELS[QuotaStatus.INCLUDED])
    rows = [(q.person, q.person.family.centre_id, q.decided_on, decision) for q in items]
    return pagination, rows


OUTCOME_PERSONS_TITLE = _l("Persons behind an outcome")


def _outcomes_report(paginate: bool) -> Report:
    sc = scope()
    flt = OutcomeFilter.from_request(sc)
    if flt.outcome == "quota":
        pagination, found = _outcome_quota(sc, flt, paginate)
        date_column = Column(_("Decided on"), Kind.DATE)
        detail_column = Column(_("Decision"), Kind.TEXT)
    else:
        pagination, found = _outcome_cases(sc, flt, paginate, _services())
        date_column = Column(_("Delivered on"), Kind.DATE)
        detail = "employer" if flt.outcome == "employed" else "documents_submitted_on"
        kind = Kind.TEXT if flt.outcome == "employed" else Kind.DATE
        detail_column = Column(str(OUTCOME_LABELS[detail]), kind)
    names = {c.id: c.name for c in sc.centres}
    rows = [
        Row(
            [person.full_name, names.get(centre_id, ""), day, detail],
            {0: url_for("residents.person", person_id=person.id)},
        )
        for person, centre_id, day, detail in found
    ]
    description = flt.describe(sc)
    table = Table(
        "outcomes",
        str(OUTCOME_PERSONS_TITLE),
        [
            Column(_("Person"), Kind.TEXT),
            Column(_("Centre"), Kind.TEXT),
            date_column,
            detail_column,
        ],
        rows,
        note=str(OUTCOMES_NOTE) if paginate else f"{description} {OUTCOMES_NOTE}",
    )
    context = {
        "description": description,
        "pagination": pagination,
        "month": flt.month.key,
        "errors": {},
    }
    return Report("outcomes", str(OUTCOME_PERSONS_TITLE), [table], sc, context)


@report("outcomes")
def build_outcomes() -> Report:
    """Every person of the list (the export), not only one page of it."""
    return _outcomes_report(paginate=False)


@bp.get("/outcomes")
@roles_required(*READERS)
def outcomes():
    """The persons behind an outcome of the services report: `?month=YYYY-MM&
    outcome=employed|quota|citizenship&period=month|to_date&centre=<id>`, scoped, a page at a
    time."""
    return show(
        "outcomes",
        OUTCOME_PERSONS_TITLE,
        "reports/outcomes.html",
        lambda: _outcomes_report(paginate=True),
        **LIST_REFUSED,
    )


__all__ = [
    "attended",
    "build_deliveries",
    "build_outcomes",
    "build_services",
    "case_outcome",
    "cases_delivered_in",
    "delivered_cases",
    "quota_included",
    "sessions_held",
    "within",
]
