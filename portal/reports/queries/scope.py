"""Whose figures a report counts: the centres a user may see, narrowed to one region by the
administrator's choice, with the user's scope facts for every criterion a query adds."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import access
from portal.accommodation.models import Centre, Region
from portal.extensions import db
from portal.roles import Role, ScopeFacts


class OutOfScope(LookupError):
    """A region the user may not choose (a page answers 404: another region does not exist)."""


@dataclass
class Scope:
    """The centres a report counts (those `user` may see, narrowed to `region` when the
    administrator chose one), the region chosen or implied (None: the whole country) and the
    regions the administrator may choose from."""

    user: ScopeFacts  # every query limits what it reads with `access.visible(Model, user)`
    centres: list[Centre]
    region: Region | None
    regions: list[Region] = field(default_factory=list)

    @property
    def centre_ids(self) -> list[int]:
        return [c.id for c in self.centres]

    def centre(self, centre_id: int) -> Centre | None:
        """One centre of the scope (None for any other: the list behind it is not the user's)."""
        return next((c for c in self.centres if c.id == centre_id), None)


def scope_of(user: ScopeFacts, region_code: str | None = None) -> Scope:
    """The scope of `user`: the administrator may narrow it to the region `region_code`; a
    coordinator may name their own region only; anything else raises `OutOfScope`."""
    centres = list(
        db.session.scalars(
            select(Centre)
            .where(access.visible(Centre, user))
            .options(selectinload(Centre.region))
            .order_by(Centre.region_id, Centre.name_kk, Centre.id)
        )
    )
    regions: list[Region] = []
    region: Region | None = None
    if user.role == Role.ADMIN:
        regions = sorted({c.region for c in centres}, key=lambda r: r.code)
        if region_code:
            region = next((r for r in regions if r.code == region_code), None)
            if region is None:
                raise OutOfScope(region_code)
            centres = [c for c in centres if c.region_id == region.id]
    elif user.role == Role.COORDINATOR:
        region = db.session.get(Region, user.region_id)
        if region_code and region is not None and region_code != region.code:
            raise OutOfScope(region_code)
    return Scope(user=user, centres=centres, region=region, regions=regions)
