"""One wrk run: `wrk -t2 -c16 -d<duration>` with the user's cookie, the result read from the
JSON line bench/done.lua prints, and the load average when it ends."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass

from bench.settings import BENCH, USER_AGENT

THREADS, CONNECTIONS = 2, 16
TIMEOUT = "30s"  # a slow page is measured, not cut off (gunicorn's own time-out is 30 s)


@dataclass
class Run:
    requests: int
    rps: float
    mean_ms: float
    p99_ms: float
    errors: int  # non-2xx/3xx answers and socket errors (time-outs included)
    load: float  # 1-minute load average at the end of the run
    detail: str  # what the errors were

    @property
    def void(self) -> bool:
        return self.errors > 0 or self.requests == 0


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is not installed (make bench installs Debian's wrk)")
    return found


def run(url: str, duration: float, cookie: str = "") -> Run:
    args = [
        wrk_binary(),
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{duration:g}s",
        f"--timeout={TIMEOUT}",
        "-s",
        str(BENCH / "done.lua"),
        "-H",
        f"User-Agent: {USER_AGENT}",
    ]
    if cookie:
        args += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(args + [url], capture_output=True, text=True, timeout=duration + 90)
    load = os.getloadavg()[0]
    line = next((x for x in out.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if out.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed on {url}: {out.stderr or out.stdout}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    socket_errors = sum(
        data[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts")
    )
    detail = ", ".join(
        f"{k.replace('_', ' ')} {data[k]}"
        for k in ("status_errors", "connect_errors", "read_errors", "write_errors", "timeouts")
        if data[k]
    )
    seconds = data["duration_us"] / 1e6
    return Run(
        requests=data["requests"],
        rps=data["requests"] / seconds if seconds else 0.0,
        mean_ms=data["mean_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=data["status_errors"] + socket_errors,
        load=load,
        detail=detail,
    )
