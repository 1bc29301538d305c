"""`make bench`: the whole benchmark, or one profile (`PROFILE=<page>`).

BENCH_DURATION=4          seconds of each wrk run
BENCH_ROUNDS=3            rounds (medians)
BENCH_PAGES=              page names, roles, role:page or `all`, comma-separated (default:
                          bench/pages.py DEFAULT); the timing part keeps the report and
                          export names among them (every one without a filter)
BENCH_CONFIGS=sync,own    gunicorn configurations for the wrk part
BENCH_SCALE=national      the data set of the timing part (`demo-data --scale`)
BENCH_SKIP=               parts to leave out: wrk, sqlite, postgres
BENCH_PG_WAIT=300         seconds to wait while the test suite's PostgreSQL (54329) runs
PROFILE=<page>            profile one request of that page instead (PROFILE_DATA=national)
"""

from __future__ import annotations

import json
import os
import time

from bench import data, loadtest, profiling, report, timing
from bench.servers import free_port, port_busy, start, stop
from bench.settings import PYTHON, ROOT, WORK, Options, options, portal_env

TEST_SUITE_PG_PORT = 54329


def _child(args: list[str], env: dict[str, str], out: str) -> dict | str:
    """Run a part in a process of its own (its own process group); its JSON, or why not."""
    log = WORK / "logs" / (os.path.basename(out).removesuffix(".json") + ".log")
    log.unlink(missing_ok=True)
    proc = start(args, env, log)
    code = proc.wait()
    stop(proc)  # anything it left in its process group
    if code != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-6:]
        return f"failed (exit {code}); {log.relative_to(ROOT)}: " + " / ".join(tail)
    with open(out) as f:
        return json.load(f)


def timing_sqlite(kept: data.DataSet, only: str) -> dict | str:
    copy = data.scratch_copy(kept)
    out = str(WORK / "timing-sqlite.json")
    args = [str(PYTHON), "-m", "bench.timing", "--out", out, "--label", "SQLite"]
    result = _child([*args, "--only", only], portal_env(data.sqlite_url(copy)), out)
    if isinstance(result, dict):
        result["data"] = kept.describe()
    return result


def wait_for_test_suite(limit: float) -> str:
    """While the test suite's PostgreSQL is up, a test run competes for the cores: wait."""
    deadline = time.monotonic() + limit
    if port_busy(TEST_SUITE_PG_PORT):
        print(f"bench: port {TEST_SUITE_PG_PORT} is busy (a test run?), waiting", flush=True)
    while port_busy(TEST_SUITE_PG_PORT):
        if time.monotonic() > deadline:
            return f"a PostgreSQL on {TEST_SUITE_PG_PORT} (a test run?) was up meanwhile"
        time.sleep(5)
    return ""


def timing_postgres(opts: Options, only: str) -> dict | str:
    note = wait_for_test_suite(float(os.environ.get("BENCH_PG_WAIT") or 300))
    out = str(WORK / "timing-postgres.json")
    env = {**portal_env(""), "PGTEST_PORT": str(free_port())}
    env.pop("PORTAL_DATABASE_URL")
    args = ["bash", str(ROOT / ".ci" / "with-postgres"), str(PYTHON), "-m", "bench.postgres"]
    result = _child([*args, "--out", out, "--scale", opts.scale, "--only", only], env, out)
    if isinstance(result, dict) and note:
        result["data"] += f" ({note})"
    return result


def national_first(opts: Options, names: list[str]) -> data.DataSet | str | None:
    """The SQLite national data set, found or built before anything is measured (or why
    there is none)."""
    if not names or "sqlite" in opts.skip:
        return None
    try:
        return data.national_sqlite(opts.scale)
    except data.BuildFailed as e:
        return f"no data set: {e}"


def timing_part(opts: Options, names: list[str], kept) -> tuple[list[dict], list[str]]:
    """The timings on each database, and the parts that failed."""
    only = ",".join(names)
    parts = {
        "sqlite": ("SQLite", lambda: kept if isinstance(kept, str) else timing_sqlite(kept, only)),
        "postgres": ("PostgreSQL", lambda: timing_postgres(opts, only)),
    }
    results, failures = [], []
    for key, (name, part) in parts.items():
        if key in opts.skip or not names:
            continue
        print(f"bench: timing the reports and exports on {name}", flush=True)
        got = part()
        if isinstance(got, dict):
            results.append(got)
        else:
            failures.append(f"{name}: {got}")
    return results, failures


def benchmark(opts: Options) -> None:
    started, clock = report.now(), time.monotonic()
    print("bench: preparing the demo database", flush=True)
    demo_url = data.prepare_demo()
    names = list(timing.targets(opts.pages))
    kept = national_first(opts, names)
    lines = report.header(opts, started, data.counts(demo_url))
    if "wrk" not in opts.skip:
        for result in loadtest.run_all(opts, demo_url):
            table = report.wrk_table(result)
            print("\n".join(table), flush=True)
            lines += table
    results, failures = timing_part(opts, names, kept)
    if results:
        lines += report.timing_table(results)
    lines += [f"- **Timing part {f}**" for f in failures]
    elapsed = time.monotonic() - clock
    lines += ["", f"Total: {elapsed / 60:.1f} min for the whole `make bench`."]
    path = report.write(lines, started, opts.partial)
    print("\n".join(lines))
    print(f"\nbench: written to {path.relative_to(ROOT)}; elapsed {elapsed / 60:.1f} min")


def main() -> None:
    opts = options()
    if opts.profile:
        try:
            path = profiling.run(opts)
        except data.BuildFailed as e:
            raise SystemExit(f"bench: {e}") from e
        prof = path.name.removesuffix(".txt") + ".prof"
        print(f"bench: profile written to {path.relative_to(ROOT)} (and {prof})")
        return
    try:
        benchmark(opts)
    except data.BuildFailed as e:
        raise SystemExit(f"bench: {e}") from e


if __name__ == "__main__":
    main()
