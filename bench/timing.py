"""Every report and export timed in-process, as the administrator: Flask's test client against
the database of `PORTAL_DATABASE_URL`; per page the median of 5 warm requests (server time by
`time.perf_counter` around the request), the SQL statements of one request (counted by a
`before_cursor_execute` listener on the engine), and the peak memory of the largest export,
every family in XLSX (tracemalloc, during its warm-up request).

    PORTAL_DATABASE_URL=… python -m bench.timing --out result.json --label sqlite
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
import tracemalloc

from sqlalchemy import event

from bench.clients import TestClient, log_in
from bench.data import counts
from bench.pages import EXPORTS, REPORTS, ROLES

WARM_REQUESTS = 5
MEMORY_TARGET = "families.xlsx"  # the largest export: every family, with its members


class StatementCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, *_args, **_kwargs):
        self.count += 1


def targets(wanted: tuple[str, ...] = ()) -> dict[str, str]:
    """Every report page and every export, by name (`dashboard`, `families.xlsx`, …); with a
    `BENCH_PAGES` filter, those it names (`all` and `admin`: every one)."""
    every = {**REPORTS, **EXPORTS}
    if not wanted or {"all", "admin"} & set(wanted):
        return every
    return {n: p for n, p in every.items() if n in wanted or f"admin:{n}" in wanted}


def measure(client: TestClient, counter: StatementCounter, path: str, trace: bool) -> dict:
    """The first request warms the caches (and, `trace`, has its memory traced); the next
    five are timed."""
    if trace:
        tracemalloc.start()
    first = client.get(path)
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    tracemalloc.stop()
    if first.status != 200:
        return {"path": path, "status": first.status}
    times, statements = [], []
    for _ in range(WARM_REQUESTS):
        counter.count = 0
        started = time.perf_counter()
        answer = client.get(path)
        times.append(time.perf_counter() - started)
        statements.append(counter.count)
        if answer.status != 200:
            return {"path": path, "status": answer.status}
    return {
        "path": path,
        "status": 200,
        "median_ms": statistics.median(times) * 1000,
        "max_ms": max(times) * 1000,
        "statements": statistics.median(statements),
        "bytes": len(answer.body),
        "peak_mib": peak,
    }


def time_all(label: str, wanted: tuple[str, ...] = ()) -> dict:
    from portal import create_app
    from portal.extensions import db

    app = create_app()
    with app.app_context():
        engine = db.engine
    counter = StatementCounter()
    event.listen(engine, "before_cursor_execute", counter)
    client = TestClient(app)
    log_in(client, ROLES["admin"])
    started = time.perf_counter()
    rows = {
        name: measure(client, counter, path, trace=name == MEMORY_TARGET)
        for name, path in targets(wanted).items()
    }
    traced = rows.get(MEMORY_TARGET, {}).get("peak_mib")
    memory = {"name": MEMORY_TARGET, "peak_mib": traced} if traced is not None else None
    version = ".".join(map(str, engine.dialect.server_version_info or ()))
    return {
        "counts": counts(app.config["SQLALCHEMY_DATABASE_URI"]),
        "label": label,
        "database": f"{engine.dialect.name} {version}".strip(),
        "rows": rows,
        "memory": memory,
        "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "seconds": time.perf_counter() - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--label", required=True)
    parser.add_argument("--only", default="", help="comma-separated names")
    args = parser.parse_args()
    wanted = tuple(w for w in args.only.split(",") if w)
    result = time_all(args.label, wanted)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
