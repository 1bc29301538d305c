"""The staff work queue: what waits for someone's action in the user's scope, the oldest
deadline first (it replaced the R4-1 deadlines page). Plain functions of the user's scope
facts; never the request.

Five kinds of work, each one SELECT of the same columns through the scoping layer, and each
narrowed by an indexed column:
- documents to check (R4-1): a submission with no outcome while the application is "submitted"
  (`ix_submission_open_due`); due three working days after it arrived;
- checks blocked, failed or needing a decision while a check can be acted on
  (`ix_person_check_status`); waiting since the check last changed;
- decisions due: "ready for decision" (`ix_application_state`), due on `decision_due_on`;
- certificates to issue: status granted (`ix_application_state`), since the decision;
- change notices the MIA never answered (R10, R22): failed (`ix_outbox_message_due` leads
  with the status), since they were queued.

A page is four statements whatever the data: the counts by kind (the union, grouped: the tabs,
and the menu's total), the page's rows (the union, ordered and cut), the page's families with
their centre, and their members (the last two only when the page has rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import (
    Date,
    Integer,
    Select,
    String,
    Subquery,
    case,
    cast,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.sql.functions import FunctionElement

from portal.access import visible
from portal.applications.checks.models import CheckKind, CheckStatus, PersonCheck
from portal.applications.checks.operations import CHECK_STAGES
from portal.applications.models import Application, State, Submission
from portal.applications.status import EXPIRY_WINDOW_DAYS
from portal.clock import KZ, today
from portal.db import UTCDateTime
from portal.extensions import db
from portal.integrations.models import MessageKind, MessageStatus, OutboxMessage
from portal.residents.models import Family, Person
from portal.roles import Facts, ScopeFacts

PAGE_ROWS = 50


class Kind(StrEnum):
    DOCUMENTS = "documents"
    CHECKS = "checks"
    DECISIONS = "decisions"
    CERTIFICATES = "certificates"
    NOTICES = "notices"
    EXPIRING = "expiring"

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self])

    @property
    def anchor(self) -> str:
        """Where on the application page this work is done."""
        return ANCHORS[self]


KIND_LABELS = {
    Kind.DOCUMENTS: _l("Documents to check (R4-1)"),
    Kind.CHECKS: _l("Checks to resolve"),
    Kind.DECISIONS: _l("Decisions due"),
    Kind.CERTIFICATES: _l("Certificates to issue"),
    Kind.NOTICES: _l("Change notices without an answer (R10, R22)"),
    Kind.EXPIRING: _l("Statuses expiring within 30 days (K5)"),
}
ANCHORS = {
    Kind.DOCUMENTS: "r4-1-deadline",
    Kind.CHECKS: "checks",
    Kind.DECISIONS: "step-heading",
    Kind.CERTIFICATES: "step-heading",
    Kind.NOTICES: "change-notices",
    Kind.EXPIRING: "stage",
}
# Checks that wait for staff, not for a state system.
WAITING_ON_STAFF = (CheckStatus.BLOCKED, CheckStatus.FAILED, CheckStatus.NEEDS_DECISION)


@dataclass(frozen=True)
class WorkItem:
    """One thing to do: its kind, deadline (if the rules set one), since when it waits, the
    family, and for a check or a notice the person and (a check) which check in which state."""

    kind: Kind
    due_on: date | None
    since: date | None
    family: Family
    person: Person | None = None
    check_kind: CheckKind | None = None
    check_status: CheckStatus | None = None

    def overdue(self, day: date) -> bool:
        return self.due_on is not None and self.due_on < day

    def due_today(self, day: date) -> bool:
        return self.due_on == day


class WorkPage(Pagination):
    """One page of the queue: its rows and the total were read already (the union and its
    grouped count), so Flask-SQLAlchemy's pagination only does the arithmetic."""

    def _query_items(self) -> list[WorkItem]:
        return self._query_args["items"]

    def _query_count(self) -> int:
        return self._query_args["total"]


# ---------------------------------------------------------------------------------------------
# The union
# ---------------------------------------------------------------------------------------------


class kz_day(FunctionElement):
    """The Kazakhstan date of a stored instant, in SQL (to order instants among dates)."""

    type = Date()
    inherit_cache = True


@compiles(kz_day)
def _kz_day_sqlite(element, compiler, **kw) -> str:
    # SQLite has no time zone database: Kazakhstan keeps UTC+5 since 1 March 2024 (an instant
    # from before then may sort an hour off, which only the order of one day can notice).
    return f"date({compiler.process(element.clauses, **kw)}, '+5 hours')"


@compiles(kz_day, "postgresql")
def _kz_day_postgresql(element, compiler, **kw) -> str:
    return f"CAST(timezone('{KZ.key}', {compiler.process(element.clauses, **kw)}) AS DATE)"


# The union's columns after `kind`, in order, with the type of each one's NULL.
COLUMNS = {
    "due_on": Date,
    "since_on": Date,
    "since_at": UTCDateTime,
    "sort_on": Date,
    "family_id": Integer,
    "person_id": Integer,
    "ref_id": Integer,
    "check_kind": String,
    "check_status": String,
}


def _row(kind: Kind, **given) -> Select:
    """One kind's SELECT: the union's columns in order, those it lacks as typed NULLs."""
    columns = [literal_column(f"'{kind.value}'", String).label("kind")]
    for name, type_ in COLUMNS.items():
        value = given[name] if name in given else cast(null(), type_())
        columns.append(value.label(name))
    return select(*columns)


def _documents(user: ScopeFacts) -> Select:
    return (
        _row(Kind.DOCUMENTS, due_on=Submission.due_on, since_on=Submission.received_on,
             sort_on=Submission.due_on, family_id=Application.family_id, ref_id=Submission.id)
        .select_from(Submission)
        .join(Submission.application)
        .where(Submission.outcome.is_(None), Application.state == State.SUBMITTED)
        .where(visible(Application, user))
    )  # fmt: skip


def _checks(user: ScopeFacts) -> Select:
    return (
        # K3: under the 2025 rules the decision is due from the acceptance, so a check that
        # still holds it back is overdue with it
        _row(Kind.CHECKS, due_on=Application.decision_due_on, since_at=PersonCheck.updated_at,
             sort_on=func.coalesce(Application.decision_due_on, kz_day(PersonCheck.updated_at)),
             family_id=Application.family_id, person_id=PersonCheck.person_id,
             ref_id=PersonCheck.id, check_kind=PersonCheck.kind, check_status=PersonCheck.status)
        .select_from(PersonCheck)
        .join(PersonCheck.application)
        .where(PersonCheck.status.in_(WAITING_ON_STAFF), Application.state.in_(CHECK_STAGES))
        .where(visible(Application, user))
    )  # fmt: skip


_decision_due = case(
    (Application.state == State.HEARING, Application.hearing_due_on),
    else_=Application.decision_due_on,
)


def _decisions(user: ScopeFacts) -> Select:
    return (
        # K4: after a preliminary refusal, the hearing is what is due next
        _row(Kind.DECISIONS, due_on=_decision_due, sort_on=_decision_due,
             family_id=Application.family_id,
             ref_id=Application.id)
        .where(Application.state.in_((State.READY_FOR_DECISION, State.HEARING)))
        .where(visible(Application, user))
    )  # fmt: skip


def _certificates(user: ScopeFacts) -> Select:
    return (
        _row(Kind.CERTIFICATES, since_on=Application.decided_on, sort_on=Application.decided_on,
             family_id=Application.family_id, ref_id=Application.id)
        .where(Application.state == State.STATUS_GRANTED)
        .where(visible(Application, user))
    )  # fmt: skip


def _notices(user: ScopeFacts) -> Select:
    return (
        _row(Kind.NOTICES, since_at=OutboxMessage.created_at,
             sort_on=kz_day(OutboxMessage.created_at), family_id=Application.family_id,
             person_id=OutboxMessage.person_id, ref_id=OutboxMessage.id)
        .select_from(OutboxMessage)
        .join(Application, Application.id == OutboxMessage.application_id)
        .where(OutboxMessage.status == MessageStatus.FAILED,
               OutboxMessage.kind == MessageKind.CHANGE_NOTICE)
        .where(visible(Application, user))
    )  # fmt: skip


def _expiring(user: ScopeFacts) -> Select:
    """K5: statuses that run out within the window, by the day they do."""
    day = today()
    window = day + timedelta(days=EXPIRY_WINDOW_DAYS)
    return (
        _row(Kind.EXPIRING, due_on=Application.certificate_valid_until,
             sort_on=Application.certificate_valid_until, family_id=Application.family_id,
             ref_id=Application.id)
        .where(Application.state == State.CERTIFICATE_ISSUED,
               Application.certificate_valid_until.between(day, window))
        .where(visible(Application, user))
    )  # fmt: skip


BRANCHES = {
    Kind.DOCUMENTS: _documents,
    Kind.CHECKS: _checks,
    Kind.DECISIONS: _decisions,
    Kind.CERTIFICATES: _certificates,
    Kind.NOTICES: _notices,
    Kind.EXPIRING: _expiring,
}


def _work(user: ScopeFacts, kinds: list[Kind]) -> Subquery:
    """The work of these kinds the user may see, as one subquery."""
    selects = [BRANCHES[k](user) for k in kinds]
    return (union_all(*selects) if len(selects) > 1 else selects[0]).subquery("work")


# ---------------------------------------------------------------------------------------------
# What the page and the menu read
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _counts_statement(scope: Facts, day: date) -> Select:
    """The counts' statement for one scope on one day (K5's window moves with the day), built
    once per process: every staff page's menu asks for it, and building its six-part union
    took as long as running it (issue 16)."""
    work = _work(scope, list(Kind))  # `_expiring` reads the day itself: `day` is today
    return select(work.c.kind, func.count()).group_by(work.c.kind)


def counts(user: ScopeFacts) -> dict[Kind, int]:
    """How many things of each kind wait for the user's scope (one statement)."""
    found = dict(db.session.execute(_counts_statement(Facts.of(user), today())).all())
    return {k: found.get(k.value, 0) for k in Kind}


def queue(user: ScopeFacts, kind: Kind | None, page: int, tally: dict[Kind, int],
          per_page: int = PAGE_ROWS) -> WorkPage:  # fmt: skip
    """Page `page` (from 1) of the work of one kind, or of every kind: the oldest deadline
    (or, without one, the oldest "since") first. `tally` is what `counts` answered."""
    kinds = [kind] if kind else list(Kind)
    work = _work(user, kinds)
    rows = db.session.execute(
        select(work)
        # a decision without its due date (none should be) comes last on either database
        .order_by(work.c.sort_on.is_(None), work.c.sort_on, work.c.kind, work.c.ref_id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    families = _families(user, {r.family_id for r in rows})
    items = [_item(r, families[r.family_id]) for r in rows]
    total = sum(tally[k] for k in kinds)
    return WorkPage(page=page, per_page=per_page, max_per_page=None, error_out=False,
                    items=items, total=total)  # fmt: skip


def _families(user: ScopeFacts, ids: set[int]) -> dict[int, Family]:
    """The families of a page, with their members (names) and centre (two statements)."""
    if not ids:
        return {}
    found = db.session.scalars(
        select(Family)
        .where(Family.id.in_(ids), visible(Family, user))
        .options(joinedload(Family.centre), selectinload(Family.members))
    ).unique()
    return {fam.id: fam for fam in found}


def _item(row, family: Family) -> WorkItem:
    since = row.since_on or (row.since_at.astimezone(KZ).date() if row.since_at else None)
    person = next((m for m in family.members if m.id == row.person_id), None)
    return WorkItem(
        kind=Kind(row.kind),
        due_on=row.due_on,
        since=since,
        family=family,
        person=person,
        check_kind=CheckKind(row.check_kind) if row.check_kind else None,
        check_status=CheckStatus(row.check_status) if row.check_status else None,
    )

