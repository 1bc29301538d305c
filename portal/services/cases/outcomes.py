"""The outcome each individual service requires before it counts as delivered (C8.1, C8.2,
C8.3, C8.6, C8.7, C8.8, C8.10), its labels in the current language, and the person's C8.6
regional-quota application that a quota outcome files or decides."""

from __future__ import annotations

import ast
import json
from contextlib import suppress
from datetime import date, datetime

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _p
from sqlalchemy import select

from portal.extensions import db
from portal.services.cases.models import Case, QuotaApplication, QuotaStatus
from portal.services.cases.workflow import MAX_TEXT, CaseError
from portal.services.catalogue.models import Service
from portal.templating import register_audit_formatter, register_audit_values

# The outcome each service requires to be delivered: one of the alternatives, every key of it.
OUTCOMES: dict[str, tuple[tuple[str, ...], ...]] = {
    "C8.1": (("answered",),),
    "C8.2": (("translated",),),
    "C8.3": (("employer", "since"), ("training",)),
    "C8.6": (("quota",), ("advice",)),
    "C8.7": (("documents_submitted_on",),),
    "C8.8": (("clinic",), ("referral",)),
    "C8.10": (("assistance",),),
}
OUTCOME_MISSING = {
    "C8.1": _l("Record the answer given to the request."),
    "C8.2": _l("Record what was translated."),
    "C8.3": _l("Record where the person is employed and since when, or the training they took."),
    "C8.6": _l("Record the regional-quota application (filed, included or refused), or the advice"
               " given."),
    "C8.7": _l("Record the date the citizenship documents were submitted."),
    "C8.8": _l("Record the clinic the person is attached to, or the referral issued."),
    "C8.10": _l("Record whether the targeted social assistance was granted or refused."),
}  # fmt: skip
DATE_KEYS = ("since", "documents_submitted_on")
CHOICES = {
    "quota": ("filed", "included", "refused"),
    "assistance": ("granted", "refused"),
}
OUTCOME_LABELS = {
    "answered": _l("Answer given"),
    "translated": _l("Translated"),
    "employer": _l("Employer"),
    "since": _l("Employed since"),
    "training": _l("Training"),
    "quota": _l("Regional-quota application"),
    "advice": _l("Advice given"),
    "documents_submitted_on": _l("Citizenship documents submitted on"),
    "clinic": _l("Attached to the clinic"),
    "referral": _l("Referral"),
    "assistance": _l("Targeted social assistance"),
}
# By (outcome, choice): a refused quota application and refused social assistance are two
# decisions, worded apart in Kazakh and Russian (issue 19), so each has its own context.
CHOICE_LABELS = {
    ("quota", "filed"): _l("application filed"),
    ("quota", "included"): _l("included in the quota"),
    ("quota", "refused"): _p("quota", "refused"),
    ("assistance", "granted"): _l("granted"),
    ("assistance", "refused"): _p("assistance", "refused"),
}
QUOTA_STATUS_LABELS = {
    QuotaStatus.SUBMITTED: _l("filed, awaiting the decision"),
    QuotaStatus.INCLUDED: _l("included in the regional quota"),
    QuotaStatus.REFUSED: _p("quota", "refused"),
}
register_audit_values(
    "quota_application", "status", {s.value: label for s, label in QUOTA_STATUS_LABELS.items()}
)


def _present(value) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def check_outcome(service: Service, outcome: dict | None, on: date) -> dict:
    """The outcome the service requires, cleaned (dates as ISO strings), or a refusal."""
    outcome = {k: v for k, v in (outcome or {}).items() if _present(v)}
    alternatives = OUTCOMES[service.code]
    chosen = [alt for alt in alternatives if all(k in outcome for k in alt)]
    if not chosen:
        # A half-filled alternative names the missing part; otherwise the whole requirement.
        partial = next((alt for alt in alternatives if any(k in outcome for k in alt)), None)
        field = next(k for k in partial if k not in outcome) if partial else alternatives[0][0]
        raise CaseError(OUTCOME_MISSING[service.code], field=field)
    keys = [k for alt in chosen for k in alt]
    clean: dict[str, str] = {}
    for key in keys:
        value = outcome[key]
        if key in DATE_KEYS:
            day = _as_date(value, key)
            if key == "documents_submitted_on" and day > on:
                raise CaseError(_l("The date cannot be in the future."), field=key)
            clean[key] = day.isoformat()
        elif key in CHOICES:
            if str(value) not in CHOICES[key]:
                raise CaseError(_l("Choose one of the answers offered."), field=key)
            clean[key] = str(value)
        else:
            text = str(value).strip()
            if len(text) > MAX_TEXT:
                raise CaseError(_l("Keep the answer under 2,000 characters."), field=key)
            clean[key] = text
    return clean


def _as_date(value, key: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CaseError(_l("Enter a date such as 2026-11-25."), field=key) from None


def record_quota(person_id: int, step: str, on: date) -> QuotaApplication:
    application = db.session.scalar(
        select(QuotaApplication).where(QuotaApplication.person_id == person_id).with_for_update()
    )
    if step == "filed":
        if application is not None and application.status == QuotaStatus.SUBMITTED:
            raise CaseError(
                _l("The quota application was already filed on %(date)s.",
                   date=format_date(application.submitted_on)),
                field="quota",
            )  # fmt: skip
        if application is not None and application.status == QuotaStatus.INCLUDED:
            raise CaseError(_l("The person is already included in the regional quota."), "quota")
        if application is None:
            application = QuotaApplication(person_id=person_id)
            db.session.add(application)
        application.status = QuotaStatus.SUBMITTED
        application.submitted_on = on
        application.decided_on = None
        return application
    if application is None:
        raise CaseError(
            _l("No quota application has been filed for this person: record it as filed first."),
            field="quota",
        )
    if application.status != QuotaStatus.SUBMITTED:
        raise CaseError(
            _l("The quota application has already been decided: %(status)s on %(date)s.",
               status=QUOTA_STATUS_LABELS[application.status],
               date=format_date(application.decided_on or application.submitted_on)),
            field="quota",
        )  # fmt: skip
    application.status = QuotaStatus.INCLUDED if step == "included" else QuotaStatus.REFUSED
    application.decided_on = on
    return application


def describe_outcome(case: Case) -> list[tuple[str, str]]:
    """The outcome as (label, value) lines in the current language."""
    return outcome_lines(case.outcome)


def outcome_lines(outcome: dict | None) -> list[tuple[str, str]]:
    lines = []
    for key, value in (outcome or {}).items():
        label = str(OUTCOME_LABELS.get(key, key))
        if key in DATE_KEYS:
            with suppress(TypeError, ValueError):
                value = format_date(date.fromisoformat(value), "long")
        elif key in CHOICES:
            value = str(CHOICE_LABELS.get((key, value), value))
        lines.append((label, str(value)))
    return lines


def _outcome_in_history(stored: str) -> str:
    """A recorded outcome (JSON; Python's notation in entries written before) in words."""
    try:
        outcome = json.loads(stored)
    except ValueError:
        try:
            outcome = ast.literal_eval(stored)
        except (ValueError, SyntaxError):
            return stored
    if not isinstance(outcome, dict):
        return stored
    return "; ".join(f"{label}: {value}" for label, value in outcome_lines(outcome))


register_audit_formatter("service_case", "outcome", _outcome_in_history)
