"""Printable documents of a status application, as PDF: the R4-1 refusal to accept documents,
the R9-1 refusal to grant kandas status, and the kandas certificate (R10, R22).

Each document is a Jinja template in `templates/applications/pdf/`, rendered with the language
asked for forced (kk, ru or en), so it uses the same translation catalogs and Babel date formats
as the pages, and is then laid out by WeasyPrint on A4 in DejaVu Sans, which has every Kazakh
letter (Әә Ғғ Ққ Ңң Өө Ұұ Үү Һһ Іі). Call these inside an application or request context.

The functions check what the document states and raise `ValueError` rather than print an
incomplete letter: above all, no certificate for a family in which someone has no IIN (R22).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from urllib.parse import quote

from flask import Response, current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from portal.applications.models import Application, State, Submission, SubmissionOutcome
from portal.config import LANGUAGES
from portal.translit import to_latin

# The order that approved the Rules for granting kandas status (RULES.md, part 1).
RULES_ORDER_NUMBER = "329-Ө-М"
RULES_ORDER_DATE = date(2013, 7, 22)

_PAGE, _PAGES = "\x00page\x00", "\x00pages\x00"


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


def pdf_response(data: bytes, filename: str) -> Response:
    """The PDF shown in the browser (inline), under a safe file name, never cached."""
    name = _safe_filename(filename)
    fallback = _ascii_filename(name)
    resp = Response(data, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = (
        f"inline; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
    )
    resp.headers["Cache-Control"] = "private, no-store"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


# --- rendering -------------------------------------------------------------------------------


def _render(template: str, lang: str, **context) -> bytes:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    from weasyprint import HTML  # imported on first use: it is slow to load
    from weasyprint.urls import URLFetcher

    application = context["application"]
    with force_locale(lang):
        html = render_template(
            template,
            lang=lang,
            family=application.family,
            head=application.family.head,
            centre=application.family.centre,
            rules_order=RULES_ORDER_NUMBER,
            rules_order_date=RULES_ORDER_DATE,
            page_counter=page_counter_css(),
            **context,
        )
    # Nothing outside the portal's static folder may be loaded into a document.
    static = current_app.static_folder or current_app.root_path
    fetcher = URLFetcher(allowed_protocols={"file", "data"}, allow_redirects=False)
    return HTML(string=html, base_url=static.rstrip("/") + "/", url_fetcher=fetcher).write_pdf(
        pdf_tags=True
    )


def page_counter_css() -> Markup:
    """The translated "Page X of Y" as a CSS `content` value with the page counters in it."""
    text = _("Page %(page)s of %(pages)s", page=_PAGE, pages=_PAGES)
    parts = []
    for piece in re.split(f"({_PAGE}|{_PAGES})", text):
        if piece == _PAGE:
            parts.append("counter(page)")
        elif piece == _PAGES:
            parts.append("counter(pages)")
        elif piece:
            parts.append(_css_string(piece))
    return Markup(" ".join(parts))


def _css_string(text: str) -> str:
    """A CSS string literal that cannot end the string or the <style> element."""
    out = []
    for ch in text:
        if ch in '"\\<>&' or ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


# --- file names --------------------------------------------------------------------------------

_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;,%]+')


def _safe_filename(filename: str) -> str:
    """One path component, no control or header-breaking characters, ending in `.pdf`."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE.sub("-", name)
    name = re.sub(r"[\s-]+", "-", name).strip(".-_ ")
    if name.lower().endswith(".pdf"):
        name = name[:-4].rstrip(".-_ ")
    return (name[:100] or "document") + ".pdf"


def _ascii_filename(name: str) -> str:
    """The Latin-letter fallback for clients that ignore `filename*`."""
    text = unicodedata.normalize("NFKD", to_latin(name))
    text = text.encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9._]+", "-", text).strip(".-_")
    if text.lower().endswith(".pdf"):
        text = text[:-4].rstrip(".-_")
    return (text or "document") + ".pdf"
