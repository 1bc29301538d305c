"""SECURITY.md maps each control to the test that checks it: every test it names exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).parent.parent


def _tests_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}


def test_every_test_named_in_security_md_exists():
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    current = None
    named = []
    # "`tests/x.py::test_a`, `::test_b`": a bare `::name` belongs to the file named before it
    for path, name in re.findall(r"`(tests/[\w/]+\.py)?(?:::(\w+))?`", text):
        if path:
            current = path
            assert (ROOT / path).is_file(), path
        if name:
            named.append((current, name))
    assert len(named) > 20
    missing = [(p, n) for p, n in named if n not in _tests_in(ROOT / p)]
    assert not missing, missing
