"""The report pages. Each module registers its pages on the one blueprint (`base.bp`), its
builders in the registry the export view reads, and its entry in the reports' menu (whose
order is `base.MENU_ORDER`)."""

from portal.reports import (  # noqa: F401  (imported for their routes)
    occupancy,
    people,
    pipeline,
    population,
    services,
    today,
)
from portal.reports.base import bp

__all__ = ["bp"]
