"""Every model, imported in one place for the mappers, Alembic and the shell."""

# Each feature's scopes, registered with the scoping layer (portal/access.py), and the
# calendar's corrections, registered with portal/workdays.py.
from portal.admin import operations as _admin_operations  # noqa: E402, F401, I001
from portal.accommodation import scopes as _accommodation_scopes  # noqa: E402, F401
from portal.accommodation.models import (  # noqa: F401
    Bed,
    BedInService,
    Centre,
    Region,
    Room,
    Stay,
)
from portal.admin.models import CalendarOverride, Setting  # noqa: F401
from portal.applications import scopes as _applications_scopes  # noqa: E402, F401
from portal.applications.checks.models import (  # noqa: F401
    DuplicateDecision,
    PersonCheck,
    RegistrationClosure,
)
from portal.applications.models import (  # noqa: F401
    Appeal,
    Application,
    ApplicationEvent,
    Document,
    Submission,
)
from portal.audit import recorder  # noqa: F401  (registers the change-history listener)
from portal.accommodation import daily  # noqa: F401  (keeps the occupancy per day current)
from portal.services.courses import summary  # noqa: F401  (keeps the attendance summary current)
from portal.audit.models import AccessLog, AuditEntry  # noqa: F401
from portal.auth.models import User  # noqa: F401
from portal.integrations.models import OutboxMessage  # noqa: F401
from portal.residents import scopes as _residents_scopes  # noqa: E402, F401
from portal.residents.models import Family, Person  # noqa: F401
from portal.services import scopes as _services_scopes  # noqa: E402, F401
from portal.services.catalogue.models import Service  # noqa: F401
from portal.services.courses.models import (  # noqa: F401
    Activity,
    ActivitySession,
    Attendance,
    Enrolment,
)
from portal.services.cases.models import Appointment, Case, QuotaApplication  # noqa: F401

from portal.db import Base, bound_dates  # noqa: E402
from portal.scans import ScanBlob  # noqa: E402, F401  (scans kept in the database, issue 18)

bound_dates(Base.metadata)  # every date column within 1900–2100, by the database too
