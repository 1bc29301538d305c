"""Scans of documents: type checked by content, size-limited, stored outside `static/` under
the instance folder, and served only through the scoping layer (see the document view)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
DEFAULT_MAX_BYTES = 5 * 1024 * 1024


class UploadError(ValueError):
    """Why a file was refused, with a translated message."""


@dataclass(frozen=True)
class StoredFile:
    key: str
    name: str
    content_type: str
    size: int
    sha256: str


def _root() -> Path:
    root = (
        current_app.config.get("PORTAL_UPLOAD_DIR") or Path(current_app.instance_path) / "uploads"
    )
    return Path(root)


def path_of(key: str) -> Path:
    if not key.isalnum():
        raise ValueError("bad storage key")
    return _root() / key[:2] / key


def sniff(head: bytes) -> str | None:
    """The content type told by the file's first bytes (never by its name or the browser)."""
    return next((ctype for magic, ctype in SIGNATURES if head.startswith(magic)), None)


def save(upload: FileStorage) -> StoredFile:
    limit = current_app.config.get("PORTAL_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES)
    data = upload.stream.read(limit + 1)
    if not data:
        raise UploadError(_l("The file is empty."))
    if len(data) > limit:
        raise UploadError(_l("The file is larger than %(mb)s MB.", mb=limit // (1024 * 1024)))
    ctype = sniff(data[:16])
    if ctype is None:
        raise UploadError(_l("Only PDF, JPEG and PNG files are accepted."))
    key = secrets.token_hex(16)
    path = path_of(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    name = Path(upload.filename or "scan").name[:200]
    return StoredFile(key, name, ctype, len(data), hashlib.sha256(data).hexdigest())


def delete(key: str) -> None:
    """Remove a stored scan (one whose document was refused before it was recorded)."""
    path_of(key).unlink(missing_ok=True)
