"""Every model, imported in one place for the mappers, Alembic and the shell."""

from portal.accommodation.models import (  # noqa: F401
    Bed,
    BedInService,
    Centre,
    Region,
    Room,
    Stay,
)
from portal.audit import recorder  # noqa: F401  (registers the change-history listener)
from portal.audit.models import AccessLog, AuditEntry  # noqa: F401
from portal.auth.models import User  # noqa: F401
from portal.residents.models import Family, Person  # noqa: F401
