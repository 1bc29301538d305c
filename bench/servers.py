"""Processes the benchmark starts: each in its own process group, stopped by that group's id
when the benchmark ends, however it ends."""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.settings import BENCH, BIN, RESERVED_PORTS, ROOT, WORK

_RUNNING: list[subprocess.Popen] = []


def _stop_all() -> None:
    while _RUNNING:
        stop(_RUNNING[-1])


def _on_signal(signum, _frame):
    raise SystemExit(128 + signum)


atexit.register(_stop_all)
signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGHUP, _on_signal)


def free_port() -> int:
    """A port nothing listens on now (none the project uses elsewhere)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in RESERVED_PORTS:
            return port


def port_busy(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start a process in a new process group, its output to `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    _RUNNING.append(proc)
    return proc


def stop(proc: subprocess.Popen, grace: float = 30) -> None:
    """TERM the process group, then KILL it if it is still there after `grace` seconds."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    with contextlib.suppress(ProcessLookupError):  # workers left behind by the arbiter
        os.killpg(proc.pid, signal.SIGKILL)
    if proc in _RUNNING:
        _RUNNING.remove(proc)


class Server:
    """A gunicorn serving `app` on a free port under the configuration `config` (sync, own)."""

    def __init__(self, name: str, app: str, config: str, env: dict[str, str]):
        self.name, self.config = name, config
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**env, "BENCH_GUNICORN": config, "BENCH_BIND": f"127.0.0.1:{self.port}"}
        args = [str(BIN / "gunicorn"), "-c", str(BENCH / "gunicorn_settings.py"), app]
        self.log = WORK / "logs" / f"{name}-{config}.log"
        self.proc = start(args, env, self.log)

    def wait_ready(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} ({self.config}) exited; see {self.log}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=5):
                    return
            except urllib.error.HTTPError:
                return  # it answers
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"{self.name} ({self.config}) did not answer in {timeout} s; {self.log}")

    def stop(self) -> None:
        stop(self.proc)
