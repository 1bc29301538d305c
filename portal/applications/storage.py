"""Scans of documents: parsed as what they claim to be, size-limited, kept where
`portal.scans` keeps them (a folder outside `static/`, or the database, by
`PORTAL_SCAN_STORAGE`), their SHA-256 recorded and checked on every read, and served only
through the scoping layer (see the document view).

The first bytes only tell what a file claims to be; it is kept only if it parses as that
(issue 12: `%PDF-` or a PNG signature followed by HTML used to be stored as PDF or PNG):

- a PDF must open with pypdf, within pypdf's limits narrowed below, with 1 to `MAX_PDF_PAGES`
  pages, and not be encrypted, even with an empty password: staff and the state systems must
  open and print it as it is, an encrypted file's content cannot be looked into, and AES would
  need `cryptography`, which the portal does not ship. It is stored as sent (writing it again
  would break its digital signature); served as a download, it never opens in the portal.
- a JPEG or PNG must pass Pillow's `verify()` and stay within `MAX_IMAGE_PIXELS`; it is then
  decoded and encoded again in the same format, turned the way its EXIF orientation says, with
  no EXIF, text chunks or anything after the image. What is stored, measured and hashed is that
  new file.

Anything else is refused with an `UploadError`, whose message the form shows by the field.
"""

from __future__ import annotations

import io
import re
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageFile, ImageOps
from pypdf import PdfReader, apply_configuration
from pypdf.errors import DependencyError
from sqlalchemy import select, union
from werkzeug.datastructures import FileStorage

from portal import scans
from portal.applications.models import Appeal, Document
from portal.extensions import db

PDF = "application/pdf"
# What a file claims to be, by its first bytes (never by its name or the browser's word).
CLAIMS = (
    (b"%PDF-", PDF),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}
EXTENSIONS = {PDF: (".pdf",), "image/jpeg": (".jpg", ".jpeg"), "image/png": (".png",)}
# Shown in the browser; a PDF is downloaded, never opened inside the portal's origin.
INLINE_TYPES = frozenset(IMAGE_FORMATS)

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_PDF_PAGES = 200
# An A4 page scanned at 600 dpi is 35 million pixels; more is refused as a likely bomb.
MAX_IMAGE_PIXELS = 40_000_000
# pypdf's own limits while a PDF is read, narrowed to what a 5 MB scan can honestly need.
PDF_LIMITS = {
    "page_tree_maximum_entries": 4 * MAX_PDF_PAGES,
    "zlib_maximum_output_length": 64 * 1024 * 1024,
    "lzw_maximum_output_length": 64 * 1024 * 1024,
    "run_length_maximum_output_length": 64 * 1024 * 1024,
}
# What an image keeps of its file's metadata: colour and print size, nothing about its origin.
KEPT_IMAGE_INFO = ("icc_profile", "dpi", "transparency")
SAVE_OPTIONS = {"JPEG": {"quality": 90}, "PNG": {}}

NOT_ACCEPTED = _l("Only PDF, JPEG and PNG files are accepted.")
NOT_A_PDF = _l("This file cannot be opened as a PDF. Scan it again or save it again as PDF.")
NOT_AN_IMAGE = _l(
    "This file cannot be opened as a JPEG or PNG image. "
    "Scan it again or save it again as JPEG or PNG."
)
PROTECTED = _l(
    "This PDF is protected with a password or restrictions. "
    "Save a copy without protection and try again."
)


class UploadError(ValueError):
    """Why a file was refused, with a translated message."""


@dataclass(frozen=True)
class StoredFile:
    key: str
    name: str
    content_type: str
    size: int
    sha256: str


def claimed_type(head: bytes) -> str | None:
    """The content type the file's first bytes claim; `checked` decides whether it is one."""
    return next((ctype for magic, ctype in CLAIMS if head.startswith(magic)), None)


def checked(data: bytes) -> tuple[str, bytes]:
    """The content type of `data` and the bytes to store, or an UploadError saying why not."""
    ctype = claimed_type(data[:16])
    if ctype is None:
        raise UploadError(NOT_ACCEPTED)
    if ctype == PDF:
        return ctype, _checked_pdf(data)
    return ctype, _reencoded_image(data, IMAGE_FORMATS[ctype])


def _checked_pdf(data: bytes) -> bytes:
    try:
        with apply_configuration(**PDF_LIMITS):
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                raise UploadError(PROTECTED)
            pages = len(reader.pages)
    except UploadError:
        raise
    except DependencyError as e:  # pypdf wants `cryptography` only for AES-encrypted files
        raise UploadError(PROTECTED) from e
    except Exception as e:  # a broken file makes pypdf raise more than its own PyPdfError
        current_app.logger.info("scan refused, not a PDF: %r", e)
        raise UploadError(NOT_A_PDF) from e
    if pages == 0:
        raise UploadError(NOT_A_PDF)
    if pages > MAX_PDF_PAGES:
        raise UploadError(_l("A scan may have at most %(n)s pages.", n=MAX_PDF_PAGES))
    return data


_TRUNCATION_SWITCH = threading.Lock()


@contextmanager
def _whole_images_only() -> Iterator[None]:
    """WeasyPrint, once imported (the letters, portal/pdf.py), tells Pillow to load truncated
    images for the whole process; a scan must be whole, so that is off while one is read."""
    with _TRUNCATION_SWITCH:
        before, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


def _reencoded_image(data: bytes, fmt: str) -> bytes:
    too_large = UploadError(
        _l(
            "The image is larger than %(n)s megapixels. Scan it at a lower resolution.",
            n=MAX_IMAGE_PIXELS // 1_000_000,
        )
    )
    try:
        with _whole_images_only():
            with Image.open(io.BytesIO(data), formats=[fmt]) as probe:  # reads the header only
                width, height = probe.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise too_large
                probe.verify()
            # verify() leaves the image unusable: decode it afresh from the bytes.
            with Image.open(io.BytesIO(data), formats=[fmt]) as image:
                kept = {key: image.info[key] for key in KEPT_IMAGE_INFO if key in image.info}
                clean = ImageOps.exif_transpose(image)  # decoded whole, orientation applied
        clean.info = {}  # no EXIF, XMP, comments or text chunks travel to the new file
        out = io.BytesIO()
        clean.save(out, format=fmt, **kept, **SAVE_OPTIONS[fmt])
    except UploadError:
        raise
    except Image.DecompressionBombError as e:
        raise too_large from e
    except Exception as e:  # Pillow raises OSError, SyntaxError, ValueError… on broken files
        current_app.logger.info("scan refused, not an image: %r", e)
        raise UploadError(NOT_AN_IMAGE) from e
    return out.getvalue()


def save(upload: FileStorage) -> StoredFile:
    """Store an uploaded scan once it has parsed as what it claims (see the module's docstring)."""
    limit = current_app.config.get("PORTAL_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES)
    data = upload.stream.read(limit + 1)
    if not data:
        raise UploadError(_l("The file is empty."))
    if len(data) > limit:
        raise UploadError(_l("The file is larger than %(mb)s MB.", mb=limit // (1024 * 1024)))
    ctype, data = checked(data)
    key, sha256 = scans.write(data)
    name = safe_name(upload.filename)
    if not name.lower().endswith(EXTENSIONS[ctype]):
        name = name[: 200 - 5] + EXTENSIONS[ctype][0]  # the saved copy opens with the right program
    return StoredFile(key, name, ctype, len(data), sha256)


def safe_name(filename: str | None) -> str:
    """The file's own name, without folders or characters that could break a header."""
    name = re.split(r"[/\\]", unicodedata.normalize("NFC", filename or ""))[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C")).strip()
    return name[:200] or "scan"


def served_inline(content_type: str) -> bool:
    """Images open in the browser; a PDF is downloaded (see INLINE_TYPES)."""
    return content_type in INLINE_TYPES


def delete(key: str) -> None:
    """Remove a stored scan (one whose document was refused before it was recorded)."""
    scans.remove(key)


def recorded() -> list[tuple[str, str | None]]:
    """Every scan a document or an appeal names, once: (key, recorded SHA-256), for
    `flask --app wsgi scans move`."""
    named = union(
        select(Document.file_key, Document.sha256).where(Document.file_key.is_not(None)),
        select(Appeal.file_key, Appeal.sha256).where(Appeal.file_key.is_not(None)),
    )
    return [(key, sha256) for key, sha256 in db.session.execute(named)]
