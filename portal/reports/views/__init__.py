"""The report pages. Each module registers its pages on the one blueprint (`base.bp`), its
builders in the registry the export view reads, and its entry in the reports' menu (whose
order is `base.MENU_ORDER`). The figures come from `portal.reports.queries`."""

from portal.reports.views import (  # noqa: F401  (imported for their routes)
    occupancy,
    people,
    pipeline,
    population,
    services,
    today,
)
from portal.reports.views.base import bp

__all__ = ["bp"]
