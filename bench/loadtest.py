"""The wrk part: the baseline and the portal under the same gunicorn settings, in rounds that
alternate the baseline's `/page` and the portal's pages.

Every round begins with the baseline (`/hello`, then `/page`) and runs each page once; a
page's ratio is its req/s over the baseline `/page`'s of the same round (the table gives the
median of the rounds' ratios). A row is VOID when its page did not answer 200 to a plain
request as its user first, or when any run saw a non-2xx/3xx answer or a socket error.
"""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from bench import wrk
from bench.clients import HttpClient, fetch, log_in
from bench.pages import ROLES, Page, role_pages, roles_wanted, selected
from bench.servers import Server
from bench.settings import Options, baseline_env, portal_env

BASELINE_APP = "bench.baseline.wsgi:app"
PORTAL_APP = "wsgi:app"
WARM_REQUESTS = 8  # per page, 4 at a time: every worker has rendered it before it is measured


@dataclass
class Row:
    page: str
    role: str
    runs: list[wrk.Run] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    refused: str = ""  # why the plain request failed

    @property
    def void(self) -> bool:
        return bool(self.refused) or any(r.void for r in self.runs)

    def median(self, attr: str) -> float | None:
        values = [getattr(r, attr) for r in self.runs]
        return statistics.median(values) if values else None

    @property
    def ratio(self) -> float | None:
        return statistics.median(self.ratios) if self.ratios else None

    @property
    def errors(self) -> str:
        if self.refused:
            return self.refused
        total = sum(r.errors for r in self.runs)
        details = sorted({r.detail for r in self.runs if r.detail})
        return f"{total} ({'; '.join(details)})" if total else "0"


@dataclass
class Users:
    """Each role's session cookie and pages (found once, valid on every server of the run:
    the sessions are signed with the benchmark's key, the database is the same)."""

    cookies: dict[str, str]
    pages: dict[str, list[Page]]


def sign_in(base: str, opts: Options) -> Users:
    cookies, pages = {}, {}
    for role in roles_wanted(opts.pages):
        client = HttpClient(base)
        log_in(client, ROLES[role])
        found = [p for p in role_pages(role, client.get) if selected(p, opts.pages)]
        if found:
            cookies[role], pages[role] = client.cookie_header(), found
    return Users(cookies, pages)


def check(base: str, users: Users, rows: dict[str, Row]) -> None:
    """One plain request per page as its user: anything but 200 (a redirect to the log-in
    form, an error) voids the row."""
    for role, pages in users.pages.items():
        for page in pages:
            answer = fetch(base, page.path, users.cookies[role])
            if answer.status != 200:
                where = f" → {answer.location}" if answer.location else ""
                rows[page.key].refused = f"VOID: status {answer.status}{where}"


def warm(base: str, cookie: str, paths: list[str]) -> None:
    with ThreadPoolExecutor(4) as pool:
        for path in paths:
            list(pool.map(lambda p: fetch(base, p, cookie), [path] * WARM_REQUESTS))


@dataclass
class ConfigResult:
    config: str
    rows: list[Row]
    seconds: float


def run_config(config: str, opts: Options, demo_url: str, users: Users | None):
    """Serve both under `config`, check and warm every page, run the rounds; the users (signed
    in on the first configuration) are returned for the next."""
    started = time.monotonic()
    baseline = Server("baseline", BASELINE_APP, config, baseline_env())
    portal = Server("portal", PORTAL_APP, config, portal_env(demo_url, "demo"))
    try:
        baseline.wait_ready("/hello")
        portal.wait_ready("/healthz")
        users = users or sign_in(portal.url, opts)
        base_rows = {"hello": Row("baseline /hello", "-"), "page": Row("baseline /page", "-")}
        rows = {p.key: Row(p.name, p.role) for ps in users.pages.values() for p in ps}
        check(portal.url, users, rows)
        warm(baseline.url, "", ["/page", "/hello"])
        for role, pages in users.pages.items():
            warm(portal.url, users.cookies[role], [p.path for p in pages if not rows[p.key].void])
        for n in range(opts.rounds):
            print(f"bench: {config}, round {n + 1} of {opts.rounds}", flush=True)
            run_round(opts, baseline, portal, users, base_rows, rows)
    finally:
        baseline.stop()
        portal.stop()
    every = [base_rows["hello"], base_rows["page"], *rows.values()]
    return ConfigResult(config, every, time.monotonic() - started), users


def run_round(opts, baseline, portal, users, base_rows, rows) -> None:
    base_rows["hello"].runs.append(wrk.run(baseline.url + "/hello", opts.duration))
    reference = wrk.run(baseline.url + "/page", opts.duration)
    base_rows["page"].runs.append(reference)
    base_rows["page"].ratios.append(1.0)
    for role, pages in users.pages.items():
        for page in pages:
            row = rows[page.key]
            if row.refused:
                continue
            result = wrk.run(portal.url + page.path, opts.duration, users.cookies[role])
            row.runs.append(result)
            if reference.rps:
                row.ratios.append(result.rps / reference.rps)


def run_all(opts: Options, demo_url: str):
    """Each configuration's result, as it is done."""
    users = None
    for config in opts.configs:
        result, users = run_config(config, opts, demo_url, users)
        yield result
