"""How the change history names the records of a status application, their fields and their
stored values, in the reader's language (issue 19: every string a person sees is translated;
the history had shown table and column names and enumeration values as stored)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _p

from portal.templating import register_audit_entity, register_audit_labels, register_audit_values

RECORDS = {
    "application": (_l("Kandas status application"), {
        "state": _l("Stage"),
        "version": _l("Version of the record"),
        "refusal_ground": _l("Ground for refusal (R9-1)"),
        "refusal_reasons": _l("Reasons for the refusal"),
        "protocol_number": _l("Protocol number"),
        "protocol_date": _l("Protocol date"),
        "decision_due_on": _l("Decision due by"),
        "rule_set": _l("Rule set"),
        "channel": _l("Where they arrived"),
        "channel_reference": _l("The channel's reference number"),
        "certificate_number": _l("Certificate number"),
        "certificate_issued_on": _l("Certificate issued on"),
        "certificate_valid_until": _l("Certificate valid until"),
        "preliminary_on": _l("Date of the preliminary decision"),
        "hearing_due_on": _l("Hearing due by"),
        "hearing_held_on": _l("Hearing held on"),
        "hearing_minutes": _l("Minutes of the hearing"),
        "extended_on": _l("Extended on"),
        "extension_reason": _l("Reasons for the extension"),
        "withdrawn_on": _l("Withdrawn on"),
        "withdrawn_by_id": _l("Who asked to withdraw"),
        "withdrawal_reason": _l("Why the application is withdrawn"),
    }),
    "submission": (_l("Submission of documents"), {
        "received_on": _l("Documents handed in on"),
        "refusal_reasons": _l("Reasons for the refusal"),
    }),
    "document": (_l("Document"), {
        "kind": _l("Document"),
        "issued_on": _l("Issued on"),
        "expires_on": _l("Valid until"),
        "translation_notarised": _l("With a notarised translation into Kazakh or Russian"),
        "in_kazakh_or_russian": _l("Written in Kazakh or Russian (no translation needed)"),
        "refusal_reason": _l("Reason for refusal"),
        "uploaded_by_id": _l("Recorded by"),
    }),
    "appeal": (_l("Appeal or court decision"), {
        "kind": _l("What overturned the refusal"),
        "issued_by": _l("Issued by"),
        "recorded_by_id": _l("Recorded by"),
        "recorded_at": _l("Recorded on"),
    }),
    "person_check": (_l("Check with a state system"), {
        "kind": _l("Check"),
        "request_id": _l("Request to the state system"),
        "settlement": _l("Staff decision"),
        "settled_by_id": _l("Settled by"),
        "settled_at": _l("Settled on"),
        "settlement_reasons": _l("Reasons"),
    }),
    "duplicate_decision": (_l("Decision on a possible duplicate (R6)"), {
        "other_person_id": _l("The other record"),
        "decision": _l("Decision"),
        "decided_at": _l("Decided on"),
    }),
    "registration_closure": (_l("Closed record (R6)"), {
        "into_person_id": _l("Merged into the record of"),
        "reason": _l("Reason for closing"),
        "closed_by_id": _l("Closed by"),
        "closed_at": _l("Closed on"),
    }),
}  # fmt: skip
VALUES = {
    ("document", "status"): {"pending": _l("waiting for review"),
                             "accepted": _p("document", "accepted"),
                             "refused": _p("document", "refused")},
    ("submission", "outcome"): {"accepted": _p("submission", "accepted"),
                                "refused": _p("submission", "refused")},
    ("duplicate_decision", "decision"): {"same": _l("The same person"),
                                         "different": _l("A different person")},
}  # fmt: skip

for entity, (label, fields) in RECORDS.items():
    register_audit_entity(entity, label)
    register_audit_labels(entity, fields)
for (entity, field), labels in VALUES.items():
    register_audit_values(entity, field, labels)
