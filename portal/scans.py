"""Where the scans of documents are kept (issue 18): one interface, two places.

- `folder` (the embedded default): files under `PORTAL_UPLOAD_DIR`, two levels deep by key.
  Right for one host; several hosts would need a folder every one of them mounts.
- `database`: a table of the portal's own database (`scan_blob`), which every host already
  reaches; a scan is written in the same transaction as the document that names it, so a
  refused or rolled-back form leaves no orphan and a recorded document never lacks its scan.

Chosen by `PORTAL_SCAN_STORAGE`. A scan is written once under a fresh random key and never
changed. Its SHA-256 is recorded on the document when it is stored (`applications.storage`)
and checked here on every read: a scan whose bytes no longer match is not served (`Damaged`)
and the mismatch is logged. `flask --app wsgi scans move --to database` copies the scans the
documents name from one place to the other, checking each hash (`move`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from flask import current_app
from sqlalchemy import LargeBinary, String, select
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import now_utc
from portal.db import UTCDateTime
from portal.extensions import db

log = logging.getLogger(__name__)

KINDS = ("folder", "database")


class Damaged(Exception):
    """A stored scan is missing or its bytes do not match the hash recorded when it was stored."""


class ScanBlob(db.Model):
    """A scan's bytes, kept in the database (PORTAL_SCAN_STORAGE=database)."""

    __tablename__ = "scan_blob"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class Store(Protocol):
    def put(self, key: str, data: bytes) -> None: ...
    def get(self, key: str) -> bytes | None: ...  # None: not there
    def delete(self, key: str) -> None: ...


def _checked_key(key: str) -> str:
    if not (key.isascii() and key.isalnum() and 0 < len(key) <= 32):
        raise ValueError("bad scan key")
    return key


@dataclass(frozen=True)
class FolderStore:
    root: Path

    def path(self, key: str) -> Path:
        key = _checked_key(key)
        return self.root / key[:2] / key

    def put(self, key: str, data: bytes) -> None:
        """Written under a temporary name, then renamed: a reader never sees half a scan."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{key}.{secrets.token_hex(4)}")
        partial.write_bytes(data)
        os.replace(partial, path)

    def get(self, key: str) -> bytes | None:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


class DatabaseStore:
    """Rows of `scan_blob`, in the caller's transaction (the view commits or rolls back)."""

    def put(self, key: str, data: bytes) -> None:
        db.session.add(ScanBlob(key=_checked_key(key), data=data, size=len(data),
                                sha256=hashlib.sha256(data).hexdigest()))  # fmt: skip
        db.session.flush()

    def get(self, key: str) -> bytes | None:
        return db.session.scalar(select(ScanBlob.data).where(ScanBlob.key == _checked_key(key)))

    def delete(self, key: str) -> None:
        blob = db.session.get(ScanBlob, _checked_key(key))
        if blob is not None:
            db.session.delete(blob)
            db.session.flush()


def store(kind: str | None = None) -> Store:
    """The store `kind` names, or the configured one (`PORTAL_SCAN_STORAGE`)."""
    kind = kind or _kind()
    if kind == "folder":  # PORTAL_UPLOAD_DIR: instance/uploads unless set (portal.config)
        return FolderStore(Path(current_app.config["PORTAL_UPLOAD_DIR"]))
    if kind == "database":
        return DatabaseStore()
    raise ValueError(f"PORTAL_SCAN_STORAGE: {kind!r} is not one of {', '.join(KINDS)}")


def new_key() -> str:
    return secrets.token_hex(16)


def write(data: bytes) -> tuple[str, str]:
    """Keep `data` under a new key in the configured store; (key, its SHA-256)."""
    key = new_key()
    store().put(key, data)
    return key, hashlib.sha256(data).hexdigest()


def read(key: str, sha256: str | None) -> bytes:
    """The scan's bytes, once they match the hash recorded when it was stored."""
    data = store().get(key)
    if data is None:
        log.error("scan %s is missing from the %s store", key, _kind())
        raise Damaged(key)
    if sha256 and hashlib.sha256(data).hexdigest() != sha256:
        log.error("scan %s does not match its recorded SHA-256: not served", key)
        raise Damaged(key)
    return data


def remove(key: str) -> None:
    store().delete(key)


def _kind() -> str:
    return current_app.config.get("PORTAL_SCAN_STORAGE", "folder")


@dataclass
class Moved:
    copied: int = 0
    already: int = 0
    missing: int = 0
    damaged: int = 0


def move(scans: Iterable[tuple[str, str | None]], source: Store, target: Store,
         *, batch: int = 50) -> Moved:  # fmt: skip
    """Copy each (key, recorded SHA-256) from `source` to `target`, checking the hash: those
    already there are left, missing or damaged ones counted and logged (never copied).
    Commits every `batch` scans, so a long run can be stopped and started again; the
    source keeps its copies (remove the folder once the new store serves them)."""
    done = Moved()
    for n, (key, sha256) in enumerate(scans, 1):
        if target.get(key) is not None:
            done.already += 1
            continue
        data = source.get(key)
        if data is None:
            log.error("scan %s is missing from the source: not moved", key)
            done.missing += 1
        elif sha256 and hashlib.sha256(data).hexdigest() != sha256:
            log.error("scan %s does not match its recorded SHA-256: not moved", key)
            done.damaged += 1
        else:
            target.put(key, data)
            done.copied += 1
        if n % batch == 0:
            db.session.commit()
    db.session.commit()
    return done
