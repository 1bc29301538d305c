"""Printable documents as PDF: one renderer for every feature (letters and the certificate of a
status application, the week's timetable) and one way to send a PDF.

A document is a Jinja template rendered with the language asked for forced (kk, ru or en), so
it uses the same translation catalogs and Babel date formats as the pages, then laid out by
WeasyPrint in DejaVu Sans, which has every Kazakh letter (Әә Ғғ Ққ Ңң Өө Ұұ Үү Һһ Іі). Nothing
outside the portal's static folder may be loaded into a document. Call inside an application or
request context.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Response, current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from portal.config import LANGUAGES
from portal.translit import to_latin

_PAGE, _PAGES = "\x00page\x00", "\x00pages\x00"


def render_pdf(template: str, lang: str, **context) -> bytes:
    """`template` in `lang` as a tagged PDF; the template gets `lang` and `page_counter`."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    from weasyprint import HTML  # imported on first use: it is slow to load
    from weasyprint.urls import URLFetcher

    with force_locale(lang):
        html = render_template(template, lang=lang, page_counter=page_counter_css(), **context)
    static = current_app.static_folder or current_app.root_path
    fetcher = URLFetcher(allowed_protocols={"file", "data"}, allow_redirects=False)
    return HTML(string=html, base_url=static.rstrip("/") + "/", url_fetcher=fetcher).write_pdf(
        pdf_tags=True
    )


# Every face the documents use, in their three alphabets, so that Pango and fontconfig have
# found and loaded them before the first real document.
_WARM_UP = """<html><head><style>
@page { size: A4; margin: 20mm; @bottom-right { content: "1 / 1"; } }
html { font-family: "DejaVu Sans", sans-serif; font-size: 10.5pt; }
</style></head><body><h1>Қазақстан Республикасы</h1><p>Республика Казахстан · Republic of
Kazakhstan <b>ӘәҒғҚқҢңӨөҰұҮүҺһІі</b> <i>2026</i></p><table><tr><td>1</td></tr></table>
</body></html>"""


def warm_up() -> float:
    """Load WeasyPrint (about a second to import), Pango and the fonts once, by laying out a
    small document: called in each gunicorn worker before it takes its first request
    (`post_worker_init` in gunicorn.conf.py), so that nobody's first PDF waits for it
    (issue 17). Returns the seconds it took, which the worker logs."""
    from time import perf_counter

    start = perf_counter()
    from weasyprint import HTML

    HTML(string=_WARM_UP).write_pdf()
    return perf_counter() - start


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
