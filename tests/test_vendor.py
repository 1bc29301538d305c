"""The vendored htmx file is the one recorded in VENDOR.md (sha384 recomputed)."""

import base64
import hashlib
from pathlib import Path

STATIC = Path(__file__).parent.parent / "portal" / "static" / "vendor"


def test_vendored_htmx_matches_its_recorded_hash():
    data = (STATIC / "htmx" / "htmx-4.0.1.min.js").read_bytes()
    digest = "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()
    assert digest in (STATIC / "VENDOR.md").read_text()
    assert digest == "sha384-Qp9rdC8H7EqOoX+nR0P3RPG2Noji+qdwJlGpfzwQJsfOpp3sGwIdSP9xO3+UlEhn"


def test_vendored_axe_core_matches_its_recorded_hash():
    folder = Path(__file__).parent / "browser" / "vendor"
    data = (folder / "axe-core-4.10.2" / "axe.min.js").read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    assert digest in (folder / "VENDOR.md").read_text()
    assert (folder / "axe-core-4.10.2" / "LICENSE").read_text().startswith("Mozilla Public License")
