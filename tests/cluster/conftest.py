"""The rehearsal's cluster (issue 18): `.ci/cluster` started once for the session, or the one
this run is inside (`bash .ci/cluster -- pytest -m slow tests/cluster`).

- `cluster`: its addresses (`.url` is nginx), `.hosts` (`host1`, `host2`: `.url`, `.stop()`,
  `.start()`, `.env`), `.db` (an SQLAlchemy engine on its database), `.simulator_url`, `.dir`
  (its logs), and `.login(username, base_url=…)` through the real log-in form.
- `hosts_up`: both hosts running and nginx sending to both again before a test (a test may
  have stopped one).
- `summary`: lines a test adds to what the run prints at its end (`-q` included).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "demo-kandas-2026"
HOSTS = ("host1", "host2")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# What .ci/cluster must not inherit: the faked clock of a `make test` pass.
NOT_INHERITED = {"LD_PRELOAD", "FAKETIME", "FAKETIME_DONT_FAKE_MONOTONIC"}
START_SECONDS = 900  # installing nginx, then ~1 minute to start
SUMMARY_KEY = "cluster rehearsal"


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match[1]


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines, as systemd's EnvironmentFile reads them."""
    env = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            env[key] = value
    return env


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return not re.search(r"^State:\s*Z", status, re.M)


@dataclass
class Host:
    name: str
    url: str
    pidfile: Path
    start_script: Path
    env_file: Path
    started: list[subprocess.Popen] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        return read_env_file(self.env_file)

    def master(self) -> int | None:
        """The running gunicorn master's pid, or None."""
        try:
            pid = int(self.pidfile.read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return None
        return pid if b"gunicorn" in cmdline and _alive(pid) else None

    def stop(self, sig: signal.Signals = signal.SIGTERM, *, workers_too: bool = False) -> None:
        """Stop the host: its master (SIGTERM: gracefully, requests in hand are finished), or
        with `workers_too` the master and its workers at once, as when the machine dies."""
        master = self.master()
        assert master, f"{self.name} is not running"
        pids = [master]
        if workers_too:
            found = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
            pids += [int(p) for p in found.stdout.split()]
        for pid in pids:
            os.kill(pid, sig)
        deadline = time.monotonic() + 40
        while any(_alive(p) for p in pids):
            assert time.monotonic() < deadline, f"{self.name} did not stop"
            time.sleep(0.05)

    def start(self) -> None:
        """Start the host again (its gunicorn, as .ci/cluster does) and wait until it answers."""
        proc = subprocess.Popen([str(self.start_script)], stdin=subprocess.DEVNULL)
        self.started.append(proc)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert proc.poll() is None, f"{self.name} stopped while starting"
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{self.name} did not answer within 180 s")


class Browser(httpx.Client):
    """An httpx client that remembers on which host its session was opened."""

    made_on: str | None = None


@dataclass
class Cluster:
    url: str
    hosts: dict[str, Host]
    database_url: str
    simulator_url: str
    dir: Path
    db: Engine

    @classmethod
    def from_env(cls, env: dict[str, str]) -> Cluster:
        hosts = {
            name: Host(
                name,
                env[f"CLUSTER_{name.upper()}_URL"],
                Path(env[f"CLUSTER_{name.upper()}_PIDFILE"]),
                Path(env[f"CLUSTER_{name.upper()}_START"]),
                Path(env[f"CLUSTER_{name.upper()}_ENV"]),
            )
            for name in HOSTS
        }
        return cls(
            url=env["CLUSTER_URL"],
            hosts=hosts,
            database_url=env["CLUSTER_DATABASE_URL"],
            simulator_url=env["CLUSTER_SIMULATOR_URL"],
            dir=Path(env["CLUSTER_DIR"]),
            db=create_engine(env["CLUSTER_DATABASE_URL"], pool_size=2),
        )

    def login(self, username: str, *, base_url: str | None = None, **client) -> Browser:
        """A client logged in through the real form (through nginx unless told)."""
        http = Browser(base_url=base_url or self.url, timeout=30, **client)
        page = http.get("/en/login")
        assert page.status_code == 200, page.text[:300]
        answer = http.post(
            "/en/login",
            data={
                "csrf_token": csrf_token(page.text),
                "username": username,
                "password": DEMO_PASSWORD,
            },
        )
        assert answer.status_code == 302, f"log-in as {username}: {answer.status_code}"
        http.made_on = answer.headers.get("X-Portal-Host")
        return http

    def hosts_seen_through_nginx(self, within: float = 30.0) -> set[str]:
        """Probe /healthz (never throttled) through nginx until both hosts answered."""
        seen: set[str] = set()
        deadline = time.monotonic() + within
        while seen != set(HOSTS) and time.monotonic() < deadline:
            try:
                answer = httpx.get(self.url + "/healthz", timeout=5)
                if answer.status_code == 200:
                    seen.add(answer.headers.get("X-Portal-Host", "?"))
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        return seen


def _started_cluster(tmp_path: Path):
    """Run `.ci/cluster -- <hold>`: the hold writes the cluster's variables to a file, then
    reads its standard input until we close it, and the cluster stops after it."""
    if shutil.which("nginx") is None and (os.geteuid() != 0 or not shutil.which("apt-get")):
        pytest.skip("nginx is missing and cannot be installed here (apt-get, as root, is needed)")
    env_file = tmp_path / "cluster.env"
    log_path = tmp_path / "cluster.log"
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    env.setdefault("CLUSTER_PORT_OFFSET", str(20 * int(worker.removeprefix("gw") or 0)))
    hold = 'env | grep "^CLUSTER_" > "$1.part" && mv "$1.part" "$1" && exec cat >/dev/null'
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                "bash",
                str(ROOT / ".ci" / "cluster"),
                "--",
                "bash",
                "-c",
                hold,
                "hold",
                str(env_file),
            ],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + START_SECONDS
    while not env_file.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(60)
            tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-60:])
            if shutil.which("nginx") is None:
                pytest.skip(f"nginx could not be installed:\n{tail}")
            pytest.fail(f".ci/cluster did not start:\n{tail}", pytrace=False)
        time.sleep(0.5)
    return proc, read_env_file(env_file), log_path


@pytest.fixture(scope="session")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    if os.environ.get("CLUSTER_URL"):  # inside `bash .ci/cluster -- pytest …`
        if int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1:
            pytest.fail("one cluster for several xdist workers: run without -n", pytrace=False)
        c = Cluster.from_env(dict(os.environ))
        yield c
        c.db.dispose()
        return
    proc, env, log_path = _started_cluster(tmp_path_factory.mktemp("cluster"))
    c = Cluster.from_env(env)
    try:
        yield c
    finally:
        c.db.dispose()
        proc.stdin.close()  # the hold ends, and the cluster stops everything
        try:
            proc.wait(timeout=180)
        except subprocess.TimeoutExpired:
            proc.terminate()
            proc.wait(timeout=60)
        for host in c.hosts.values():
            for started in host.started:
                started.wait(timeout=30)
        if proc.returncode != 0:
            sys.stderr.write(log_path.read_text(errors="replace")[-5000:])


@pytest.fixture
def hosts_up(cluster: Cluster) -> Cluster:
    """Both hosts running, and nginx sending requests to both (a host it found down is left
    out for fail_timeout, 10 s, then tried again)."""
    for host in cluster.hosts.values():
        if host.master() is None:
            host.start()
    seen = cluster.hosts_seen_through_nginx()
    assert seen == set(HOSTS), f"nginx sends requests only to {sorted(seen)}"
    return cluster


class Summary:
    """`summary.append(line)`: kept with the test's report (so under pytest-xdist too)."""

    def __init__(self, node):
        self.node = node

    def append(self, line: str) -> None:
        self.node.user_properties.append((SUMMARY_KEY, line))


@pytest.fixture
def summary(request) -> Summary:
    return Summary(request.node)


def pytest_terminal_summary(terminalreporter):
    lines = [
        value
        for outcome in ("passed", "failed")
        for report in terminalreporter.stats.get(outcome, [])
        if getattr(report, "when", None) == "call"
        for key, value in getattr(report, "user_properties", ())
        if key == SUMMARY_KEY
    ]
    if lines:
        terminalreporter.write_sep("-", "cluster rehearsal: what was measured")
        for line in lines:
            terminalreporter.write_line(line)
