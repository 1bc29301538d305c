"""The family's timeline in plain words, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

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
}


def describe(event: ApplicationEvent) -> str:
    if event.action in Action.__members__.values():
        return str(ACTION_LABELS[Action(event.action)])
    text = str(EVENT_LABELS.get(event.action, event.action))
    document = (event.details or {}).get("document")
    if document in DocumentKind.__members__.values():
        text += f": {DOCUMENT_KIND_LABELS[DocumentKind(document)]}"
    return text
