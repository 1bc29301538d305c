"""What the lists behind the numbers share: one page of rows or every row, and the sentence
that says what the list holds."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import Select

from portal.accommodation.models import Centre
from portal.extensions import db
from portal.reports.queries.scope import Scope
from portal.reports.tables import Table


@dataclass(frozen=True)
class Paging:
    """One page of a list (a page view); the lists take None for every row (an export)."""

    page: int  # from 1
    per_page: int


@dataclass
class Listing:
    """A list behind a number: its table (one page of it, or every row), what it holds in words,
    and the pagination when it is one page."""

    table: Table
    description: str
    pagination: Pagination | None = None


class _Counted(SelectPagination):
    """A page whose total was counted already (from a kept aggregate)."""

    def _query_count(self) -> int:
        return self._query_args["total"]


def paginate(stmt: Select, paging: Paging, total: int | None = None) -> Pagination:
    """One page of `stmt`: a count (`total`, when the caller has it) and the page's rows (a page
    past the end is empty)."""
    if total is None:
        return db.paginate(stmt, page=paging.page, per_page=paging.per_page, error_out=False)
    return _Counted(select=stmt, session=db.session(), page=paging.page,
                    per_page=paging.per_page, max_per_page=None, error_out=False,
                    total=total)  # fmt: skip


def place_name(sc: Scope, centre: Centre | None) -> str:
    """Where the list looks: the centre chosen (or the scope's one centre), else the region."""
    if centre or len(sc.centres) == 1:
        return (centre or sc.centres[0]).name
    return sc.region.name if sc.region else _("All regions")
