"""The families behind a number of the pipeline (`reports.families`): the filter, its SQL
criteria (the pipeline's own: `pipeline.open_submission`, its stages and outcomes) and the list,
one page of it or every family, with what it holds in words. A row is read as columns of one
statement (no family, member or submission is loaded as an object), so an export of every
family in the country is one statement, read as it is written out."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from portal import access
from portal.accommodation.models import Centre
from portal.applications.models import Application, State, Submission
from portal.extensions import db
from portal.reports.queries.lists import Listing, Paging, paginate, place_name
from portal.reports.queries.months import Month
from portal.reports.queries.people import PersonName
from portal.reports.queries.pipeline import (
    GRANTED,
    NOT_OPENED,
    OUTCOMES,
    STAGE_LABELS,
    open_submission,
)
from portal.reports.queries.scope import Scope
from portal.reports.tables import Column, Kind, Link, Row, Table
from portal.residents.models import Family, Person


@dataclass(frozen=True)
class FamilyFilter:
    """What the list holds: the families of `centre` (every centre of the scope if None) at a
    stage, decided (granted or refused) or certified in a month, or in an R4-1 queue on `day`."""

    day: date  # the day the R4-1 queues are read on (the page: today)
    centre: Centre | None = None
    stage: str | None = None  # a `State` value, or NOT_OPENED
    decided: Month | None = None
    outcome: str | None = None  # a key of OUTCOMES
    certified: Month | None = None
    r41: str | None = None  # one of R41

    def criteria(self, sc: Scope) -> list:
        where = [Family.centre_id.in_(sc.centre_ids)]
        if self.centre is not None:
            where.append(Family.centre_id == self.centre.id)
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
                .where(open_submission(self.day, self.r41))
                .exists()
            )
        return where

    def describe(self) -> list[str]:
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
                    date=format_date(self.day, "long"),
                )
            )
        elif self.r41 == "overdue":
            parts.append(
                _(
                    "Documents past the R4-1 deadline on %(date)s",
                    date=format_date(self.day, "long"),
                )
            )
        return parts or [_("All families")]


def families(sc: Scope, flt: FamilyFilter, paging: Paging | None = None) -> Listing:
    """The families of the filter, newest first: one page, or every family (`paging` None: an
    export, whose table carries what the list holds in its note and whose rows are read from
    the database while they are written out). The same statements whatever the number of
    families: a page runs its count, its ids and its rows; an export one statement, read a
    batch at a time."""
    description = _(
        "%(what)s — %(place)s.", what="; ".join(flt.describe()), place=place_name(sc, flt.centre)
    )
    words = _Words(sc)  # taken now: the rows of an export are made while the answer is sent
    if paging:
        pagination = paginate(_where(select(Family.id), sc, flt), paging)
        page_rows = db.session.execute(_rows_stmt(sc, flt, list(pagination.items)))
        rows: Iterable[Row] = [words.row(r) for r in page_rows]
    else:
        pagination = None
        rows = _streamed(_rows_stmt(sc, flt), words)
    # The page says what the list is above it; an export carries it as the table's note.
    table = _families_table(rows, None if paging else description)
    return Listing(table, description, pagination)


def _where(stmt: Select, sc: Scope, flt: FamilyFilter) -> Select:
    """`stmt` over the families of the filter the user may see, with their application (if
    any), newest first."""
    return (
        stmt.select_from(Family)
        .outerjoin(Application, Application.family_id == Family.id)
        .where(access.visible(Family, sc.user))
        .where(*flt.criteria(sc))
        .order_by(Family.registered_on.desc(), Family.id.desc())
    )


def _rows_stmt(sc: Scope, flt: FamilyFilter, ids: list[int] | None = None) -> Select:
    """What a row shows, as columns of one statement: the head's name (one head at most: a
    unique index), the number of members, the application's stage and dates, the first round
    of documents' day and the open round's deadline. Every family of the filter, or only those
    of `ids` (a page)."""
    head = aliased(Person)
    members, rounds, open_round = _per_family(ids)
    columns = select(
        Family.id,
        Family.centre_id,
        head.id,
        head.surname,
        head.given_name,
        head.patronymic,
        func.coalesce(members.c.count, 0),
        Application.id,
        Application.state,
        rounds.c.first_in,
        open_round.c.due_on,
        Application.decided_on,
        Application.certificate_issued_on,
    )
    stmt = (
        _where(columns, sc, flt)
        .outerjoin(head, (head.family_id == Family.id) & head.is_head)
        .outerjoin(members, members.c.family_id == Family.id)
        .outerjoin(rounds, rounds.c.application_id == Application.id)
        .outerjoin(
            open_round, (open_round.c.application_id == Application.id) & (open_round.c.n == 1)
        )
    )
    return stmt if ids is None else stmt.where(Family.id.in_(ids))


def _per_family(ids: list[int] | None):
    """A family's figures from other tables, grouped in one pass over each (per row, they
    would cost an index look-up each, and PostgreSQL would compile the whole list's plan):
    its members; its application's first round of documents; its first round still open, by
    number as `Application.submissions` orders them (`n` = 1). Over every family, or `ids`."""
    members = select(Person.family_id, func.count().label("count")).group_by(Person.family_id)
    rounds = select(
        Submission.application_id, func.min(Submission.received_on).label("first_in")
    ).group_by(Submission.application_id)
    first_open = func.row_number().over(
        partition_by=Submission.application_id, order_by=Submission.number
    )
    open_round = select(Submission.application_id, Submission.due_on, first_open.label("n")).where(
        Submission.outcome.is_(None)
    )
    if ids is not None:
        theirs = select(Application.id).where(Application.family_id.in_(ids))
        members = members.where(Person.family_id.in_(ids))
        rounds = rounds.where(Submission.application_id.in_(theirs))
        open_round = open_round.where(Submission.application_id.in_(theirs))
    return members.subquery(), rounds.subquery(), open_round.subquery()


# Rows fetched from the database at a time by an export.
FETCH_ROWS = 1000


def _streamed(stmt: Select, words: _Words) -> Iterator[Row]:
    """The rows of `stmt`, fetched a batch at a time (a server-side cursor on PostgreSQL) when
    they are asked for."""
    with db.session.execute(stmt.execution_options(yield_per=FETCH_ROWS)) as result:
        for r in result:
            yield words.row(r)


class _Words:
    """What a row says in words, taken once in the current locale: the centres' names (every
    listed family is in a centre of the scope) and the stages."""

    def __init__(self, sc: Scope):
        self.centres = {c.id: c.name for c in sc.centres}
        self.stages = {stage: str(label) for stage, label in STAGE_LABELS.items()}

    def row(self, r) -> Row:
        family_id, centre_id, head_id, surname, given_name, patronymic, members = r[:7]
        application_id, state, first_in, open_due, decided_on, certified_on = r[7:]
        # `Family.display_name`: the head's full name, or the family's number without a head.
        if head_id is None:
            name = f"#{family_id}"
        else:
            name = PersonName(surname, given_name, patronymic).full_name
        return Row(
            [
                name,
                self.centres[centre_id],
                members,
                self.stages[state if application_id else NOT_OPENED],
                first_in,
                open_due,
                decided_on,
                certified_on,
            ],
            {0: Link.to("residents.family", family_id=family_id)},
        )


def _families_table(rows: Iterable[Row], description: str | None) -> Table:
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
