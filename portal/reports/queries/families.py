"""The families behind a number of the pipeline (`reports.families`): the filter, its SQL
criteria (the pipeline's own: `pipeline.open_submission`, its stages and outcomes) and the list,
one page of it or every family, with what it holds in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import access
from portal.accommodation.models import Centre
from portal.applications.models import Application, State, Submission
from portal.extensions import db
from portal.reports.queries.lists import Listing, Paging, paginate, place_name
from portal.reports.queries.months import Month
from portal.reports.queries.pipeline import (
    GRANTED,
    NOT_OPENED,
    OUTCOMES,
    STAGE_LABELS,
    open_submission,
)
from portal.reports.queries.scope import Scope
from portal.reports.tables import Column, Kind, Link, Row, Table
from portal.residents.models import Family


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
    export, whose table carries what the list holds in its note)."""
    stmt = _families_stmt(sc, flt)
    description = _(
        "%(what)s — %(place)s.", what="; ".join(flt.describe()), place=place_name(sc, flt.centre)
    )
    if paging:
        pagination = paginate(stmt, paging)
        found = pagination.items
    else:
        pagination = None
        found = list(db.session.scalars(stmt))
    # The page says what the list is above it; an export carries it as the table's note.
    table = _families_table(found, None if paging else description)
    return Listing(table, description, pagination)


def _families_stmt(sc: Scope, flt: FamilyFilter):
    return (
        select(Family)
        .where(access.visible(Family, sc.user))
        .outerjoin(Application, Application.family_id == Family.id)
        .where(*flt.criteria(sc))
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
                {0: Link.to("residents.family", family_id=fam.id)},
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
