"""The family's timeline in plain words, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.applications.checks.models import (
    CHECK_KIND_LABELS,
    SETTLEMENT_LABELS,
    CheckKind,
    Settlement,
)
from portal.applications.models import DOCUMENT_KIND_LABELS, ApplicationEvent, DocumentKind
from portal.applications.workflow import ACTION_LABELS, Action

EVENT_LABELS = {
    "opened": _l("Application opened"),
    "document_added": _l("Document recorded"),
    "document_accepted": _l("Document accepted"),
    "document_refused": _l("Document refused"),
    "duplicate_passed": _l("No registration found in other regions (R6)"),
    "duplicate_needs_decision": _l("A similar record was found: staff must decide (R6)"),
    "duplicate_blocked": _l("Already registered: the record must be corrected (R6)"),
    "name_verified": _l("Migration police: name verified (R18)"),
    "name_not_verified": _l("Migration police: name not verified (R18)"),
    "iin_found": _l("Individuals database: existing IIN found and used (R7)"),
    "iin_conflict": _l("Individuals database: a different IIN is recorded for this person (R7)"),
    "iin_unknown": _l("Individuals database: the IIN entered is unknown (R7)"),
    "iin_requested": _l("No IIN yet: generation requested from the Migration police (R10)"),
    "iin_generated": _l("Migration police: IIN generated (R10)"),
    "iin_invalid": _l("Migration police: the IIN received is not valid for this person"),
    "change_notice_queued": _l(
        "Change of personal data: notice to the Migration police queued (R10)"
    ),
    "change_notice_accepted": _l("Migration police: change notice received (R10)"),
    "change_notice_failed": _l("Migration police: no answer to the change notice (R10, R22)"),
    "change_notice_resent": _l("Change notice sent again (R10)"),
    "check_resent": _l("Check sent again after a correction"),
    "check_settled": _l("Check settled by staff"),
    "request_failed": _l("No answer from the state system, even after every retry"),
    "answer_superseded": _l("An answer to an earlier request arrived: it no longer counts"),
    "duplicate_resolved": _l("Registration elsewhere resolved (R6)"),
    "member_removed": _l("Family member removed: entered by mistake"),
    "status_extended": _l("Status extended (K5)"),
}

OUTCOME_LABELS = {
    "moved": _l("the earlier record was closed: the person moved"),
    "merged": _l("the earlier record was merged into the newer one"),
    "different": _l("the records are of different persons"),
}


def describe(event: ApplicationEvent) -> str:
    if event.action in Action.__members__.values():
        return str(ACTION_LABELS[Action(event.action)])
    text = str(EVENT_LABELS.get(event.action, event.action))
    details = event.details or {}
    document = details.get("document")
    if document in DocumentKind.__members__.values():
        text += f": {DOCUMENT_KIND_LABELS[DocumentKind(document)]}"
    check = details.get("check")
    if check in CheckKind.__members__.values():
        text += f": {CHECK_KIND_LABELS[CheckKind(check)]}"
    settlement = details.get("settlement")
    if settlement in Settlement.__members__.values():
        text += f" — {SETTLEMENT_LABELS[Settlement(settlement)]}"
    if details.get("outcome") in OUTCOME_LABELS:
        text += f": {OUTCOME_LABELS[details['outcome']]}"
    return text
