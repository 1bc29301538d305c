"""`make lint`: no module in portal/ passes the line limit of pyproject.toml's
[tool.portal.module-size], except those listed there, which may only shrink (each at most its
listed length); an exception that fits the limit again must be taken off the list."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["portal"]
    limit = settings["module-size"]["max-lines"]
    allowed: dict[str, int] = settings["module-size"].get("shrinking", {})
    problems = []
    for path in sorted((ROOT / "portal").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        ceiling = allowed.get(name, limit)
        if lines > ceiling:
            problems.append(f"{name}: {lines} lines (at most {ceiling}); split it")
        elif name in allowed and lines <= limit:
            problems.append(f"{name}: {lines} lines fits the limit: take it off the list")
    for name in sorted(set(allowed) - {p.relative_to(ROOT).as_posix() for p in ROOT.glob("portal/**/*.py")}):
        problems.append(f"{name}: listed but gone: take it off the list")
    for problem in problems:
        print(problem)
    if not problems:
        print(f"module size: every module of portal/ within {limit} lines, or shrinking")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
