"""Printable documents of a status application, as PDF: the R4-1 refusal to accept documents,
the R9-1 refusal to grant kandas status, and the kandas certificate (R10, R22).

Each document is a Jinja template in `templates/applications/pdf/`, laid out on A4 by the
portal's one PDF renderer (`portal.pdf`). Call these inside an application or request context.

The functions check what the document states and raise `ValueError` rather than print an
incomplete letter: above all, no certificate for a family in which someone has no IIN (R22).
"""

from __future__ import annotations

from datetime import date

from markupsafe import Markup

from portal.applications.models import Application, State, Submission, SubmissionOutcome
from portal.applications.rules import in_force_on
from portal.pdf import render_pdf

# The order that approved the Rules for granting kandas status (RULES.md, part 1).
RULES_ORDER_NUMBER = "329-Ө-М"
RULES_ORDER_DATE = date(2013, 7, 22)


def documents_refusal_letter(
    application: Application,
    submission: Submission,
    lang: str,
    *,
    outgoing_number: str | None = None,
) -> bytes:
    """R4-1: the letter refusing to accept the documents of one submission, with the reasons
    in writing, the date, who decided, the legal basis, and that the family may submit again.
    """
    if submission not in application.submissions:
        raise ValueError("R4-1: this submission belongs to another application")
    if submission.outcome != SubmissionOutcome.REFUSED or submission.decided_on is None:
        raise ValueError("R4-1: these documents have not been refused")
    if not (submission.refusal_reasons or "").strip():
        raise ValueError("R4-1: a refusal to accept documents must give its reasons in writing")
    return _render(
        "applications/pdf/documents_refusal.html",
        lang,
        application=application,
        submission=submission,
        letter_date=submission.decided_on,
        outgoing_number=outgoing_number or f"{application.id}-{submission.number}",
    )


def status_refusal_letter(
    application: Application, lang: str, *, outgoing_number: str | None = None
) -> bytes:
    """R9-1: the letter refusing kandas status, with the ground, the written reasons and the
    commission's protocol number and date."""
    if application.refusal_ground is None:
        raise ValueError("R9-1: the application has no ground for refusal")
    if not application.protocol_number or application.protocol_date is None:
        raise ValueError("R9-1: the commission protocol number and date are missing")
    return _render(
        "applications/pdf/status_refusal.html",
        lang,
        application=application,
        letter_date=application.decided_on or application.protocol_date,
        outgoing_number=outgoing_number or str(application.id),
    )


def certificate(application: Application, lang: str) -> bytes:
    """R10, R22: the kandas certificate of the family, listing every member with their IIN.

    Raises ValueError when any member has no IIN: R22 puts every IIN before the certificate.
    """
    if application.state not in (State.STATUS_GRANTED, State.CERTIFICATE_ISSUED):
        raise ValueError("R10: kandas status has not been granted to this family")
    if not application.certificate_number or application.certificate_issued_on is None:
        raise ValueError("R10: the certificate has no number or issue date yet")
    members = list(application.family.members)
    if not members:
        raise ValueError("R10: the family has no members")
    without_iin = [m.full_name for m in members if not m.iin]
    if without_iin:
        raise ValueError(
            "R22: no certificate without an IIN; missing for " + ", ".join(without_iin)
        )
    return _render(
        "applications/pdf/certificate.html",
        lang,
        application=application,
        members=members,
        letter_date=application.certificate_issued_on,
        outgoing_number=application.certificate_number,
    )


def preliminary_refusal_letter(application: Application, lang: str) -> bytes:
    """K4: the preliminary decision to refuse, and the right to be heard until its day."""
    if application.preliminary_on is None or application.refusal_ground is None:
        raise ValueError("K4: there is no preliminary refusal")
    return _render("applications/pdf/preliminary_refusal.html", lang, application=application,
                   letter_date=application.preliminary_on,
                   outgoing_number=f"{application.id}-P")  # fmt: skip


def hearing_minutes(application: Application, lang: str) -> bytes:
    """K4: the minutes of the hearing, for the applicant and the officer to sign."""
    if application.hearing_held_on is None or not application.hearing_minutes:
        raise ValueError("K4: the hearing has not been recorded")
    return _render("applications/pdf/hearing_minutes.html", lang, application=application,
                   letter_date=application.hearing_held_on,
                   outgoing_number=f"{application.id}-H")  # fmt: skip


def extension_letter(application: Application, lang: str) -> bytes:
    """K5: the one extension of the status, until its new last day."""
    if application.extended_on is None:
        raise ValueError("K5: the status has not been extended")
    return _render("applications/pdf/extension.html", lang, application=application,
                   letter_date=application.extended_on,
                   outgoing_number=f"{application.id}-E")  # fmt: skip


# --- rendering -------------------------------------------------------------------------------


def _render(template: str, lang: str, **context) -> bytes:
    application = context["application"]
    return render_pdf(
        template,
        lang,
        family=application.family,
        head=application.family.head,
        centre=application.family.centre,
        # Never broken at its hyphen between two lines ("329-" / "Ө-М").
        rules_order=Markup(f'<span class="nobreak">{RULES_ORDER_NUMBER}</span>'),
        rules_order_date=RULES_ORDER_DATE,
        # The rules in force on the letter's date (issue 19): the Rules' title (`extendable`),
        # the clauses cited, and the days in which documents sent again are answered (R4-1, K2).
        rules_now=in_force_on(context["letter_date"]),
        **context,
    )
