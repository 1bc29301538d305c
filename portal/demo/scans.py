"""The scan the demo's documents carry: a real one-page PDF (uploads are parsed, not sniffed,
so a placeholder would be refused like any other file that is not what it claims)."""

from __future__ import annotations

import io
from functools import cache

from pypdf import PdfWriter


@cache
def blank_pdf() -> bytes:
    """One blank A4 page."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
