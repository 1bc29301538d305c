"""K5: how long a granted status lasts, and its one extension (the 2025 rules).

Under 2025 the status is granted for a year from the decision and may be extended once, for
up to six months, before it runs out; under 2017 the certificate lasts as long as the
administrator's setting says. Each operation flushes; the view commits once.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from portal.admin import settings
from portal.applications import rules
from portal.applications.models import Application, EventKind, State
from portal.applications.workflow import ApplicationError, record
from portal.clock import add_months, today

EXPIRY_WINDOW_DAYS = 30  # K5: statuses expiring this soon are in the work queue


def valid_until(application: Application, issued_on: date) -> date:
    """The last day of the status the certificate carries."""
    rule = rules.by_code(application.rule_set)
    if rule.status_valid_months:
        return add_months(application.decided_on or issued_on, rule.status_valid_months)
    return issued_on + timedelta(days=settings.get("CERTIFICATE_VALIDITY_DAYS"))


def can_extend(application: Application) -> bool:
    rule = rules.by_code(application.rule_set)
    return (
        application.state == State.CERTIFICATE_ISSUED
        and bool(rule.extension_months)
        and application.extended_on is None
    )


def extend(application: Application, months: int, reason: str) -> None:
    """K5: extend the status once, by up to the set's months, before it runs out."""
    rule = rules.by_code(application.rule_set)
    if not can_extend(application):
        raise ApplicationError(
            _l("This status cannot be extended: the rules allow one extension of a status "
               "granted under the 2025 rules.")
        )  # fmt: skip
    if not 1 <= months <= rule.extension_months:
        raise ApplicationError(
            _l("An extension is of 1 to %(months)s months.", months=rule.extension_months)
        )
    if not reason or not reason.strip():
        raise ApplicationError(_l("Write the reasons for the extension."))
    until = application.certificate_valid_until
    if until is None or until < today():
        raise ApplicationError(_l("The status has run out: it can no longer be extended."))
    application.certificate_valid_until = add_months(until, months)
    application.extended_on = today()
    application.extension_reason = reason.strip()
    record(application, EventKind.TRANSITION, "status_extended", months=months,
           before=until, until=application.certificate_valid_until,
           reasons=reason.strip())  # fmt: skip
