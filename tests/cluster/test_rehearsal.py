"""The deployment the README promises, rehearsed (issue 18): two gunicorn hosts behind nginx,
sharing PostgreSQL and Redis and nothing on disk, an outbox worker beside each (.ci/cluster).

    .venv/bin/pytest -q -m slow tests/cluster -p no:cacheprovider   (starts a cluster itself)
    bash .ci/cluster -- .venv/bin/pytest -q -m slow tests/cluster   (inside one already up)

Through nginx: requests land on both hosts; a scan uploaded through one host is downloaded
through the other; the log-in throttle counts across hosts; 200 outbox requests sent by two
workers are each applied once; a host killed in the middle of a series of writes loses no
write that was answered 2xx, while nginx passes GETs on to the other host; a session outlives
the host it was opened on. What was measured is printed at the end of the run.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from email.utils import parsedate_to_datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import text

from tests.applications.helpers import PDF
from tests.cluster.conftest import ROOT, Cluster, csrf_token

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("hosts_up")]

LOGGED_IN = 'action="/en/logout"'
FAIL_TIMEOUT = 10  # deploy/nginx.conf: a host that failed is left out for this many seconds
OTHER = {"host1": "host2", "host2": "host1"}


def staff_centre(cluster: Cluster, username: str = "staff.aktau") -> int:
    with cluster.db.connect() as conn:
        return conn.scalar(
            text('SELECT centre_id FROM "user" WHERE username = :u'), {"u": username}
        )


def hosts_today(cluster: Cluster) -> date:
    """Today in Almaty by the hosts' clock (their Date header), whatever this process's is."""
    answer = httpx.get(cluster.url + "/healthz")
    return parsedate_to_datetime(answer.headers["Date"]).astimezone(ZoneInfo("Asia/Almaty")).date()


class _NoNewCookies(DefaultCookiePolicy):
    def set_ok(self, cookie, request):
        return False


def frozen(browser: httpx.Client) -> httpx.Client:
    """A client with `browser`'s cookies that keeps them as they are: answers that set the
    session cookie again (a flashed message, say) cannot race each other across threads."""
    jar = CookieJar(policy=_NoNewCookies())
    for cookie in browser.cookies.jar:
        jar.set_cookie(cookie)
    return httpx.Client(base_url=str(browser.base_url), cookies=jar, timeout=30)


def test_requests_through_nginx_land_on_both_hosts(cluster: Cluster, summary):
    browser = cluster.login("staff.aktau")
    home = browser.get("/en/", follow_redirects=True)
    assert home.status_code == 200 and LOGGED_IN in home.text
    answered = Counter()
    for _ in range(10):
        page = browser.get(home.url.path)
        assert page.status_code == 200 and LOGGED_IN in page.text
        answered[page.headers["X-Portal-Host"]] += 1
    assert set(answered) == {"host1", "host2"}, answered
    summary.append(
        f"balance: 10 logged-in pages ({home.url.path}) through nginx answered by "
        + ", ".join(f"{host} {n}" for host, n in sorted(answered.items()))
    )


def test_a_scan_uploaded_through_one_host_is_downloaded_through_the_other(
    cluster: Cluster, summary
):
    """PORTAL_SCAN_STORAGE=database: the scan is in the database both hosts reach, and no host
    writes it to its own disk."""
    centre = staff_centre(cluster)
    with cluster.db.connect() as conn:
        application = conn.scalar(
            text(
                "SELECT a.id FROM application a JOIN family f ON f.id = a.family_id "
                "WHERE f.centre_id = :c AND a.state = 'draft' ORDER BY a.id LIMIT 1"
            ),
            {"c": centre},
        )
    assert application, "the demo data has no draft application in staff.aktau's centre"
    host1, host2 = cluster.hosts["host1"], cluster.hosts["host2"]
    browser = cluster.login("staff.aktau", base_url=host1.url)
    form = browser.get(f"/en/applications/{application}/documents")
    assert form.status_code == 200
    rows = re.findall(r'name="p(\d+)-autobiography-scan"', form.text)
    assert rows, "no autobiography row to upload a scan into"
    person, name = rows[0], f"rehearsal-{secrets.token_hex(4)}.pdf"
    upload = browser.post(
        f"/en/applications/{application}/documents/{person}",
        data={"csrf_token": csrf_token(form.text)},
        files={f"p{person}-autobiography-scan": (name, PDF, "application/pdf")},
    )
    assert upload.status_code == 303, upload.text[:2000]
    assert upload.headers["X-Portal-Host"] == "host1"
    with cluster.db.connect() as conn:
        document = conn.scalar(text("SELECT id FROM document WHERE file_name = :n"), {"n": name})
    assert document
    other = httpx.Client(base_url=host2.url, cookies=browser.cookies, timeout=30)
    download = other.get(f"/en/documents/{document}/file")
    assert download.status_code == 200, download.text[:500]
    assert download.headers["X-Portal-Host"] == "host2"
    assert download.content == PDF
    on_disk = [
        path
        for host in cluster.hosts.values()
        for folder in (host.env["PORTAL_UPLOAD_DIR"], host.env["PORTAL_INSTANCE_PATH"])
        for path in Path(folder).rglob("*")
        if path.is_file()
    ]
    assert on_disk == [], f"written on a host's own disk: {on_disk}"
    summary.append(
        f"scan: {len(PDF)}-byte PDF uploaded through host1 (document {document}), downloaded "
        "through host2 byte for byte; nothing in either host's upload or instance folder"
    )


def _try_login(client: httpx.Client, password: str) -> httpx.Response:
    form = client.get("/en/login")
    return client.post(
        "/en/login",
        data={"csrf_token": csrf_token(form.text), "username": "coordinator", "password": password},
    )


def test_the_login_throttle_counts_across_hosts(cluster: Cluster, summary):
    """Five wrong passwords for one login from one address, three to host1 and two to host2
    (X-Forwarded-For as nginx sends it): the sixth try, with the right password, is refused by
    host2, which saw only two of them. Four wrong ones from another address are not enough."""

    def clients(address: str) -> dict[str, httpx.Client]:
        return {
            name: httpx.Client(base_url=host.url, headers={"X-Forwarded-For": address}, timeout=30)
            for name, host in cluster.hosts.items()
        }

    def address() -> str:
        return "10." + ".".join(str(secrets.randbelow(250) + 1) for _ in range(3))

    below = clients(address())
    for host in ("host1", "host2", "host1", "host2"):
        wrong = _try_login(below[host], "not-the-password")
        assert wrong.status_code == 422 and wrong.headers["X-Portal-Host"] == host
    assert _try_login(below["host1"], "demo-kandas-2026").status_code == 302

    over = clients(address())
    seen = Counter()
    for host in ("host1", "host2", "host1", "host2", "host1"):
        wrong = _try_login(over[host], "not-the-password")
        assert wrong.status_code == 422 and wrong.headers["X-Portal-Host"] == host
        seen[host] += 1
    refused = _try_login(over["host2"], "demo-kandas-2026")
    assert refused.status_code == 422, "the sixth try was let in: the hosts count separately"
    assert refused.headers["X-Portal-Host"] == "host2"
    assert "The login or the password is wrong." in refused.text
    summary.append(
        f"throttle: 5 wrong passwords from one address (host1 saw {seen['host1']}, host2 saw "
        f"{seen['host2']}); the 6th, right, refused by host2; 4 wrong then right from another "
        "address: let in"
    )


def _drained(cluster: Cluster, prefix: str, count: int, within: float = 180) -> dict[str, int]:
    deadline = time.monotonic() + within
    while True:
        with cluster.db.connect() as conn:
            statuses = dict(
                conn.execute(
                    text(
                        "SELECT status, count(*) FROM outbox_message WHERE key LIKE :p "
                        "GROUP BY status"
                    ),
                    {"p": prefix + "-%"},
                ).all()
            )
        if statuses.get("sent", 0) == count or time.monotonic() > deadline:
            return statuses
        time.sleep(0.5)


def test_two_workers_apply_each_of_200_outbox_requests_once(cluster: Cluster, summary):
    count, prefix = 200, f"rehearsal-{secrets.token_hex(4)}"
    simulator = httpx.Client(base_url=cluster.simulator_url, timeout=30)
    # 20 ms a request: the 200 take seconds, so both workers' polls (every second) find some.
    assert simulator.post("/_sim/config", json={"latency_ms": 20}).status_code == 200
    started = time.monotonic()
    try:
        subprocess.run(
            [sys.executable, "-m", "tests.cluster.enqueue", str(count), prefix],
            cwd=ROOT,
            env={**os.environ, **cluster.hosts["host1"].env},
            check=True,
            capture_output=True,
        )
        statuses = _drained(cluster, prefix, count)
    finally:
        simulator.post("/_sim/config", json={"latency_ms": 0})
    took = time.monotonic() - started
    assert statuses == {"sent": count}, statuses

    # The database: each message SENT once, on its first attempt, with its answer kept.
    with cluster.db.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT key, attempts, sent_at IS NOT NULL, response IS NOT NULL "
                "FROM outbox_message WHERE key LIKE :p"
            ),
            {"p": prefix + "-%"},
        ).all()
    keys = {f"{prefix}-{i:03d}" for i in range(count)}
    assert {r[0] for r in rows} == keys and len(rows) == count
    assert all(r[1] == 1 and r[2] and r[3] for r in rows), [r for r in rows if r[1] != 1][:5]

    # The simulator: every request_id arrived (at least once), at the name verification.
    received = [
        r for r in simulator.get("/_sim/requests").json()["requests"] if r["request_id"] in keys
    ]
    assert {r["request_id"] for r in received} == keys
    assert {r["endpoint"] for r in received} == {"/mia/v1/name-verifications"}
    arrivals = sum(r["count"] for r in received)

    # The workers' logs: each answer applied by one worker, once; both workers took part.
    applied = Counter()
    by_worker = Counter()
    for host in cluster.hosts:
        log = (cluster.dir / host / "worker.log").read_text()
        for key in re.findall(rf"sent name_verification #\d+ key=({prefix}-\d+) ", log):
            applied[key] += 1
            by_worker[f"{host}-worker"] += 1
    assert set(applied) == keys and set(applied.values()) == {1}
    assert set(by_worker) == {"host1-worker", "host2-worker"}, by_worker
    summary.append(
        f"outbox: {count} requests enqueued, drained in {took:.1f} s; the simulator received "
        f"{len(received)} distinct request_ids ({arrivals} arrivals, {arrivals - count} repeated); "
        f"each SENT once on its first attempt; applied by "
        + ", ".join(f"{w} {n}" for w, n in sorted(by_worker.items()))
    )


def test_a_host_killed_during_writes_loses_no_write_answered_2xx(cluster: Cluster, summary):
    """100 rooms added through nginx by four threads (an audited write each, a unique room
    number); after the 30th answer one host dies at once (SIGKILL to its master and workers).
    Every room answered 2xx is in the database. Meanwhile a reader's GETs all answer 200:
    nginx passes an idempotent request on to the other host, never a POST it had sent."""
    centre = staff_centre(cluster)
    browser = cluster.login("staff.aktau")
    rooms_page = browser.get(f"/en/centres/{centre}/rooms")
    assert rooms_page.status_code == 200
    token, day = csrf_token(rooms_page.text), hosts_today(cluster).isoformat()
    client = frozen(browser)
    tag = "Z" + secrets.token_hex(2)  # room numbers Zxxxx000…Zxxxx099 (at most 16 characters)
    victim = "host1"

    lock = threading.Lock()
    answers: dict[str, tuple[int | None, str | None]] = {}  # number → (status, host)
    started: dict[str, float] = {}  # number → when its POST was sent
    thirty = threading.Event()
    done = threading.Event()
    reads: list[tuple[int | None, str | None]] = []

    def post_room(number: str) -> httpx.Response:
        """The rooms page's form, sent as htmx does (a 204 with HX-Redirect when it is added)."""
        room = dict(floor="9", number=number, use="family", beds="1", in_service_from=day)
        headers = {"HX-Request": "true", "X-CSRFToken": token}
        return client.post(f"/en/centres/{centre}/rooms", data=room, headers=headers)

    def add_room(number: str) -> None:
        started[number] = time.monotonic()
        try:
            answer = post_room(number)
            result = (answer.status_code, answer.headers.get("X-Portal-Host"))
        except httpx.HTTPError as e:
            result = (None, type(e).__name__)
        with lock:
            answers[number] = result
            if len(answers) >= 30:
                thirty.set()

    def read() -> None:
        while not done.is_set() and len(reads) < 80:
            try:
                answer = client.get(f"/en/centres/{centre}/rooms")
                reads.append((answer.status_code, answer.headers.get("X-Portal-Host")))
            except httpx.HTTPError as e:
                reads.append((None, type(e).__name__))
            time.sleep(0.05)

    reader = threading.Thread(target=read)
    reader.start()
    numbers = [f"{tag}{i:03d}" for i in range(100)]
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(add_room, n) for n in numbers]
        assert thirty.wait(120), "the first 30 writes did not come back"
        with lock:
            before = dict(answers)
        cluster.hosts[victim].stop(signal.SIGKILL, workers_too=True)
        killed = time.monotonic()
        for future in futures:
            future.result()
    done.set()
    reader.join()

    with cluster.db.connect() as conn:
        stored = set(
            conn.scalars(
                text("SELECT number FROM room WHERE centre_id = :c AND number LIKE :t"),
                {"c": centre, "t": tag + "%"},
            )
        )
    ok = {n for n, (status, _host) in answers.items() if status is not None and 200 <= status < 300}
    lost = ok - stored
    assert not lost, f"answered 2xx but not in the database: {sorted(lost)}"
    assert stored <= set(numbers)
    by_host = Counter(answers[n][1] for n in ok)
    assert any(host == victim for _s, host in before.values()), "the victim answered no write"
    # Sent once the victim was gone: its connection refused, nginx passed it to the other host.
    after = [answers[n] for n in numbers if started[n] > killed]
    assert after and all(status == 204 and host == OTHER[victim] for status, host in after), after
    failed = {n: answers[n] for n in numbers if n not in ok}
    assert all(status in (None, 502, 504) for status, _h in failed.values()), failed
    written_anyway = len(set(failed) & stored)
    read_statuses = Counter(status for status, _host in reads)
    assert set(read_statuses) == {200}, f"a GET was not passed on to the other host: {reads}"
    rooms = f"/en/centres/{centre}/rooms"
    # In nginx's log: the POSTs that failed went to the victim alone (never passed on once sent).
    posts = [line for line in _access_log(cluster, rooms) if line[0] == "POST"]
    assert all(len(upstreams) == 1 for _m, status, upstreams in posts if status >= 500)

    # The victim stays left out for fail_timeout (10 s); then nginx tries it again with a
    # request, finds its connection refused, and passes the request on: a GET, and a POST too,
    # since it never reached the victim.
    victim_at = cluster.hosts[victim].url.removeprefix("http://")
    passed_on: dict[str, tuple[int, str]] = {}
    # (Which request nginx sends to the victim first after the timeout depends on its
    # round-robin position: a few tries, and another timeout, before saying it never did.)
    for method in ("GET", "POST"):
        for round_ in range(3):
            if method in passed_on:
                break
            time.sleep(FAIL_TIMEOUT + 1)
            for i in range(6):
                name = f"{tag}p{round_}{i}"
                answer = client.get(rooms) if method == "GET" else post_room(name)
                assert answer.status_code == (200 if method == "GET" else 204)
                assert answer.headers["X-Portal-Host"] == OTHER[victim]
                last = _access_log(cluster, rooms)[-1]
                assert last[0] == method
                if last[2][0] == victim_at:
                    passed_on[method] = (last[1], " → ".join(last[2]))
                    break
    assert set(passed_on) == {"GET", "POST"}, "nginx never tried the stopped host again"
    summary.append(
        f"writes: 100 POSTs through nginx by 4 threads, {victim} SIGKILLed (master and "
        f"workers) after {len(before)} answers; answered 2xx {len(ok)} ("
        + ", ".join(f"{h} {n}" for h, n in sorted(by_host.items()))
        + f"), all {len(ok)} in the database; {len(failed)} in flight on {victim} answered 502, "
        f"not passed on ({written_anyway} of them written nonetheless); {len(reads)} GETs "
        f"meanwhile, all 200 ({dict(sorted(Counter(h for _s, h in reads).items()))}); after "
        f"fail_timeout nginx tried {victim} again and passed on a GET and a POST whose "
        f"connection was refused ({passed_on['GET'][1]}, answered {passed_on['GET'][0]} and "
        f"{passed_on['POST'][0]})"
    )


def _access_log(cluster: Cluster, path: str) -> list[tuple[str, int, list[str]]]:
    """nginx's log lines for `path`: (method, status, the upstream hosts tried in order)."""
    log = (cluster.dir / "nginx" / "access.log").read_text()
    return [
        (method, int(status), [u.strip() for u in upstreams.split(",")])
        for method, status, upstreams in re.findall(
            rf'"(GET|POST) {re.escape(path)}" (\d+) .* upstream=([^(]*?) \(', log
        )
    ]


def test_a_session_outlives_the_host_it_was_opened_on(cluster: Cluster, summary):
    browser = cluster.login("staff.aktau")
    opened_on = browser.made_on
    assert opened_on in OTHER
    home = browser.get("/en/", follow_redirects=True)
    assert home.status_code == 200 and LOGGED_IN in home.text
    cluster.hosts[opened_on].stop(signal.SIGTERM)
    answered = Counter()
    for _ in range(4):
        page = browser.get(home.url.path)
        assert page.status_code == 200 and LOGGED_IN in page.text
        answered[page.headers["X-Portal-Host"]] += 1
    assert set(answered) == {OTHER[opened_on]}
    summary.append(
        f"session: opened on {opened_on}, which was then stopped (SIGTERM); the next "
        f"{sum(answered.values())} pages through nginx, answered by {OTHER[opened_on]}, were "
        "still logged in"
    )
