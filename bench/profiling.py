"""`make bench PROFILE=<page>`: one request of a page (a name of the table: `person`,
`families.xlsx`, or `role:name`) profiled in-process with cProfile, as that page's user, on
the demo data (`PROFILE_DATA=national`: on the kept national data set). Writes
bench/results/profile-<page>-<date>.txt (the top 40 by cumulative time) and the .prof beside
it (for snakeviz or `python -m pstats`); pyinstrument's text as well when it is installed."""

from __future__ import annotations

import cProfile
import importlib.util
import io
import os
import pstats
import time
from pathlib import Path

from bench import data
from bench.clients import TestClient, log_in
from bench.pages import EXPORTS, ROLES, Page, role_pages, roles_wanted, selected
from bench.settings import RESULTS, Options, portal_env

TOP = 40


def database(opts: Options) -> tuple[str, str, str]:
    if opts.profile_data == "national":
        kept = data.national_sqlite(opts.scale)
        url = data.sqlite_url(data.scratch_copy(kept))
        return url, "national", f"national data set {kept.describe()}"
    return data.prepare_demo(), "demo", "demo data"


def find_page(client: TestClient, wanted: str) -> Page:
    """Sign in as the first role that has the page (any report's export: the admin's)."""
    name = wanted.split(":")[-1]
    roles = [] if name in ROLES else roles_wanted((wanted,))
    if not roles and name in EXPORTS:
        log_in(client, ROLES["admin"])
        return Page(name, "admin", EXPORTS[name])
    if not roles:
        raise SystemExit(f"PROFILE={wanted}: no such page (the names are the table's)")
    log_in(client, ROLES[roles[0]])
    return next(p for p in role_pages(roles[0], client.get) if selected(p, (wanted,)))


def run(opts: Options) -> Path:
    url, data_name, described = database(opts)
    os.environ.update(portal_env(url, data_name))
    from portal import create_app

    client = TestClient(create_app())
    page = find_page(client, opts.profile)
    for _ in range(2):  # warm: templates compiled, caches filled
        client.get(page.path)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    answer = client.get(page.path)
    profiler.disable()
    seconds = time.perf_counter() - started
    if answer.status != 200:
        raise SystemExit(f"{page.path} answered {answer.status} as {page.role}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = "-national" if data_name == "national" else ""
    stem = f"profile-{page.name}{suffix}-{time.strftime('%Y-%m-%d')}"
    profiler.dump_stats(RESULTS / f"{stem}.prof")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(TOP)
    head = (
        f"GET {page.path} as {page.role} ({ROLES[page.role]}) on the {described}:"
        f" {answer.status}, {len(answer.body):,} bytes, {seconds * 1000:.0f} ms under cProfile\n"
    )
    text_path = RESULTS / f"{stem}.txt"
    text_path.write_text(head + out.getvalue())
    if importlib.util.find_spec("pyinstrument"):
        _pyinstrument(client, page.path, RESULTS / f"{stem}-pyinstrument.txt")
    return text_path


def _pyinstrument(client: TestClient, path: str, out: Path) -> None:
    from pyinstrument import Profiler

    with Profiler() as profiler:
        client.get(path)
    out.write_text(profiler.output_text())
