"""Where the benchmark keeps its files, and what the environment asks of it."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WORK = BENCH / ".work"  # databases, logs, scratch: gitignored
RESULTS = BENCH / "results"
BIN = ROOT / ".venv" / "bin"
PYTHON = BIN / "python"

# Every process of the benchmark signs sessions with this key (never a deployment's).
SECRET_KEY = "bench-only-secret-key-not-for-any-deployment"
PASSWORD = "demo-kandas-2026"
USER_AGENT = "kandas-bench/1"  # log-in and wrk must send the same (strong session protection)
# Ports the project uses elsewhere: `make run`, the simulator, the test suite's PostgreSQL.
RESERVED_PORTS = {8000, 8001, 54329}


@dataclass(frozen=True)
class Options:
    duration: float  # seconds of each wrk run
    rounds: int
    pages: tuple[str, ...]  # filter: page names, roles or role:page; empty: every page
    configs: tuple[str, ...]  # gunicorn configurations: sync, own
    scale: str  # the national data set's --scale
    profile: str  # PROFILE=<page>: profile that page instead of the benchmark
    profile_data: str  # demo or national
    skip: tuple[str, ...]  # parts left out: wrk, sqlite, postgres

    @property
    def partial(self) -> bool:
        """Not the default run (its results go to a separate, gitignored file)."""
        changed = (
            self.duration != DEFAULT_DURATION
            or self.rounds != DEFAULT_ROUNDS
            or self.configs != ("sync", "own")
        )
        return changed or bool(self.pages) or bool(self.skip)


DEFAULT_DURATION = 3.0  # seconds of each wrk run
DEFAULT_ROUNDS = 3


def _words(value: str) -> tuple[str, ...]:
    return tuple(w for w in re.split(r"[,\s]+", value.strip()) if w)


def options() -> Options:
    env = os.environ
    configs = _words(env.get("BENCH_CONFIGS", "sync,own"))
    unknown = set(configs) - {"sync", "own"}
    if unknown:
        raise SystemExit(f"BENCH_CONFIGS: unknown configuration {', '.join(sorted(unknown))}")
    return Options(
        duration=float(env.get("BENCH_DURATION") or DEFAULT_DURATION),
        rounds=int(env.get("BENCH_ROUNDS") or DEFAULT_ROUNDS),
        pages=_words(env.get("BENCH_PAGES", "")),
        configs=configs,
        scale=env.get("BENCH_SCALE") or "national",
        profile=(env.get("PROFILE") or "").strip(),
        profile_data=env.get("PROFILE_DATA") or "demo",
        skip=_words(env.get("BENCH_SKIP", "")),
    )


def _clean_env() -> dict[str, str]:
    """The environment without settings of the portal or of gunicorn."""
    return {
        k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "GUNICORN_", "WEB_"))
    }


def baseline_env() -> dict[str, str]:
    return {**_clean_env(), "BASELINE_DB": str(WORK / "baseline.db")}


def uploads(data: str) -> Path:
    """The scans of a data set (`demo`, `national`)."""
    return WORK / f"uploads-{data}"


def portal_env(database_url: str, data: str = "national") -> dict[str, str]:
    """The environment a portal process of the benchmark runs with: its own database, key and
    upload folder (nothing of instance/ is read or written)."""
    env = _clean_env()
    env.update(
        PORTAL_DATABASE_URL=database_url,
        PORTAL_SECRET_KEY=SECRET_KEY,
        PORTAL_UPLOAD_DIR=str(uploads(data)),
        # Nothing a page does may reach the state systems; make a stray call fail fast.
        PORTAL_INDIVIDUALS_URL="http://127.0.0.1:9/individuals",
        PORTAL_MIGRATION_POLICE_URL="http://127.0.0.1:9/mia",
        PORTAL_INTEGRATIONS_TIMEOUT="1",
        # wrk's thousands of requests a minute come from loopback: never throttled here (the
        # benchmark fails on any non-2xx answer, so a 429 would void it).
        PORTAL_RATELIMIT_EXEMPT="127.0.0.1",
    )
    return env
