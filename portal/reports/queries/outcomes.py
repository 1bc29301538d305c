"""The persons behind an outcome of the services report (`reports.outcomes`): employed (C8.3),
included in the regional quota (C8.6) or with their citizenship documents submitted (C8.7), in
the month or to date, at one centre or every centre of the scope; one row per person and centre,
as the outcomes table counts them (`service_definitions`).
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlalchemy.orm import contains_eager

from portal.accommodation.models import Centre
from portal.extensions import db
from portal.reports.queries.lists import Listing, Paging, paginate, place_name
from portal.reports.queries.months import Month
from portal.reports.queries.scope import Scope
from portal.reports.queries.service_definitions import (
    OUTCOMES_NOTE,
    case_outcome,
    catalogue,
    delivered_cases,
    quota_included,
    select_cases,
    select_quota_decisions,
    within,
)
from portal.reports.tables import Column, Kind, Link, Row, Table
from portal.residents.models import Person
from portal.services.cases.models import Case, QuotaApplication, QuotaStatus
from portal.services.cases.outcomes import OUTCOME_LABELS, QUOTA_STATUS_LABELS

OUTCOME_PERSONS_TITLE = _l("Persons behind an outcome")


@dataclass(frozen=True)
class OutcomeFilter:
    """What the list holds: the persons with an outcome (one of `OUTCOMES`), in the month or up
    to its end (`period`: one of `PERIODS`), in one centre or every centre of the scope."""

    month: Month
    outcome: str
    period: str = "month"
    centre: Centre | None = None

    def centre_ids(self, sc: Scope) -> list[int]:
        return [self.centre.id] if self.centre else sc.centre_ids

    def describe(self, sc: Scope) -> str:
        args = {"month": self.month.label, "place": place_name(sc, self.centre)}
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


def outcomes(sc: Scope, flt: OutcomeFilter, paging: Paging | None = None) -> Listing:
    """The persons of the filter in name order: one page, or everyone (`paging` None: an export,
    whose table carries what the list holds in its note)."""
    if flt.outcome == "quota":
        pagination, found = _outcome_quota(sc, flt, paging)
        date_column = Column(_("Decided on"), Kind.DATE)
        detail_column = Column(_("Decision"), Kind.TEXT)
    else:
        pagination, found = _outcome_cases(sc, flt, paging)
        date_column = Column(_("Delivered on"), Kind.DATE)
        detail = "employer" if flt.outcome == "employed" else "documents_submitted_on"
        kind = Kind.TEXT if flt.outcome == "employed" else Kind.DATE
        detail_column = Column(str(OUTCOME_LABELS[detail]), kind)
    names = {c.id: c.name for c in sc.centres}
    rows = [
        Row(
            [person.full_name, names.get(centre_id, ""), day, detail],
            {0: Link.to("residents.person", person_id=person.id)},
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
        # The page says what the list is above it; an export carries it in the note.
        note=str(OUTCOMES_NOTE) if paging else f"{description} {OUTCOMES_NOTE}",
    )
    return Listing(table, description, pagination)


_BY_NAME = (Person.surname, Person.given_name, Person.id)


def _outcome_cases(sc: Scope, flt: OutcomeFilter, paging: Paging | None):
    """(pagination, rows) of the persons with the outcome of a case: one row per person and
    centre, as the figure counts them (the person's latest case of the kind shows)."""
    code_ids = {s.code: s.id for s in catalogue()}
    where = [
        *delivered_cases(sc.user, flt.centre_ids(sc)),
        case_outcome(flt.outcome, code_ids),
        within(Case.closed_on, flt.month, flt.period),
    ]
    latest = (
        select_cases(func.max(Case.id))
        .where(*where)
        .group_by(Case.centre_id, *_BY_NAME)
        .order_by(*_BY_NAME, Case.centre_id)
    )
    pagination = paginate(latest, paging) if paging else None
    ids = list(pagination.items) if pagination else None
    chosen = Case.id.in_(ids if ids is not None else latest.order_by(None))
    rows = []
    for c, person in db.session.execute(
        select_cases(Case, Person).where(chosen).order_by(*_BY_NAME, Case.centre_id)
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


def _outcome_quota(sc: Scope, flt: OutcomeFilter, paging: Paging | None):
    """(pagination, rows) of the persons included in the regional quota (one application
    each), at the centre of their family."""
    stmt = (
        select_quota_decisions(QuotaApplication)
        .where(
            *quota_included(sc.user, flt.centre_ids(sc)),
            within(QuotaApplication.decided_on, flt.month, flt.period),
        )
        .options(contains_eager(QuotaApplication.person).contains_eager(Person.family))
        .order_by(*_BY_NAME)
    )
    pagination = paginate(stmt, paging) if paging else None
    items = list(pagination.items) if pagination else list(db.session.scalars(stmt).unique())
    decision = str(QUOTA_STATUS_LABELS[QuotaStatus.INCLUDED])
    rows = [(q.person, q.person.family.centre_id, q.decided_on, decision) for q in items]
    return pagination, rows
