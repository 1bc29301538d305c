"""The results as Markdown: a header naming the machine, the code and the settings, the wrk
table of each gunicorn configuration, and the in-process timings on SQLite and PostgreSQL.
Appended to bench/results/<date>.md (a day's runs follow each other in one file)."""

from __future__ import annotations

import os
import platform
import runpy
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

from bench import wrk
from bench.settings import RESULTS, ROOT, Options

SYNC = "`-w 2 -k sync` for both (not the portal's gunicorn.conf.py); access log off"


def machine() -> str:
    model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem = next(
        (x.split()[1] for x in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in x),
        "0",
    )
    return f"{os.cpu_count()} × {model}, {int(mem) / 2**20:.1f} GiB, Python {platform.python_version()}"


def commit() -> str:
    def git(*args: str) -> str:
        env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}  # `git status` must not touch the index
        return subprocess.run(
            ["git", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        ).stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "?"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "portal", "migrations")
    return f"{head}{' with uncommitted changes in portal/ or migrations/' if dirty else ''}"


def own_settings() -> str:
    """The portal's gunicorn.conf.py as the benchmark applies it (its defaults: the
    environment's GUNICORN_*/WEB_* settings are not passed on)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "WEB_"))}
    with mock.patch.dict(os.environ, clean, clear=True):
        conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    return (
        f"the portal's gunicorn.conf.py: `-w {conf['workers']} -k {conf['worker_class']}"
        f" --threads {conf['threads']}`, keep-alive {conf['keepalive']} s, max_requests"
        f" {conf['max_requests']} (+ jitter {conf['max_requests_jitter']}); access log off"
    )


def header(opts: Options, started: datetime, demo: dict | None) -> list[str]:
    lines = [
        f"## {started:%Y-%m-%d %H:%M} UTC{' (partial run)' if opts.partial else ''}",
        "",
        f"- Machine: {machine()}; load average at the start {os.getloadavg()[0]:.2f}",
        f"- Code: {commit()}",
        f"- wrk: `-t{wrk.THREADS} -c{wrk.CONNECTIONS} -d{opts.duration:g}s`, {opts.rounds}"
        " rounds (medians); each round runs the baseline's `/hello` and `/page`, then every"
        " page once; × baseline: req/s over the baseline `/page`'s in the same round",
    ]
    if opts.pages:
        lines.append(f"- Pages: `BENCH_PAGES={','.join(opts.pages)}`")
    if demo:
        lines.append(f"- wrk data: the demo data ({_counts(demo)})")
    return lines


def _counts(c: dict[str, int]) -> str:
    return ", ".join(f"{t} {n:,}" for t, n in c.items())


def _num(value: float | None, fmt: str) -> str:
    return "—" if value is None else format(value, fmt)


def wrk_table(result) -> list[str]:
    settings = SYNC if result.config == "sync" else own_settings()
    lines = [
        "",
        f"### gunicorn: {settings}",
        "",
        "| page | role | req/s | mean ms | p99 ms | × baseline | load | errors |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in result.rows:
        name = f"**VOID** {row.page}" if row.void else row.page
        lines.append(
            f"| {name} | {row.role} | {_num(row.median('rps'), '.0f')}"
            f" | {_num(row.median('mean_ms'), '.1f')} | {_num(row.median('p99_ms'), '.0f')}"
            f" | {_num(row.ratio, '.2f')} | {_num(row.median('load'), '.2f')} | {row.errors} |"
        )
    lines.append("")
    lines.append(f"({result.seconds / 60:.1f} min)")
    return lines


def _cell(row: dict | None) -> tuple[str, str]:
    if row is None:
        return "—", "—"
    if row.get("status") != 200:
        return f"**VOID** status {row.get('status')}", "—"
    return f"{row['median_ms']:,.0f}", f"{row['statements']:g}"


def timing_table(results: list[dict]) -> list[str]:
    """Every report and export, the databases side by side."""
    lines = ["", "### Reports and exports in-process, as the administrator", ""]
    for res in results:
        lines.append(
            f"- {res['database']}: {res.get('data', '?')}; {_counts(res.get('counts', {}))}"
        )
    heads = " | ".join(f"{r['label']} ms | statements" for r in results)
    lines += [
        "",
        "Median of 5 warm requests, server time; SQL statements of one request; size of the"
        " answer on the first database.",
        "",
        f"| report or export | {heads} | size |",
        "|---|" + "---:|---:|" * len(results) + "---:|",
    ]
    names = list(results[0]["rows"]) if results else []
    for name in names:
        cells = " | ".join(" | ".join(_cell(r["rows"].get(name))) for r in results)
        size = results[0]["rows"][name].get("bytes")
        lines.append(f"| {name} | {cells} | {_num(size and size / 1024, ',.0f')} KiB |")
    lines.append("")
    for res in results:
        mem = res.get("memory")
        if mem:
            lines.append(
                f"- Peak memory of the largest export ({mem['name']}) on {res['label']}:"
                f" {mem['peak_mib']:,.0f} MiB allocated by Python (tracemalloc); the timing"
                f" process's largest RSS {res['max_rss_mib']:,.0f} MiB;"
                f" timing took {res['seconds'] / 60:.1f} min"
            )
    return lines


def write(lines: list[str], day: datetime, partial: bool) -> Path:
    """Append to the day's file: bench/results/<date>.md, or <date>-partial.md (gitignored)
    for a run with other settings than the default ones."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{day:%Y-%m-%d}{'-partial' if partial else ''}.md"
    first = f"# Benchmark results, {day:%Y-%m-%d}\n\n" if not path.exists() else "\n"
    text = first + "\n".join(lines) + "\n"
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)
    return path


def now() -> datetime:
    return datetime.now(UTC)
