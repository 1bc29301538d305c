"""`flask --app wsgi worker`, the background worker fixture and the simulator's entry points."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from portal.extensions import db
from portal.integrations import outbox
from portal.integrations.models import MessageKind, MessageStatus

ROOT = Path(__file__).resolve().parents[2]
PERSON = {
    "surname": "Қасымов",
    "given_name": "Нұрлан",
    "patronymic": None,
    "birth_date": "1985-03-14",
    "sex": "M",
}


def test_worker_once_sends_what_is_due(app, state_systems):
    message = outbox.enqueue(MessageKind.NAME_VERIFICATION, PERSON)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["worker", "--once", "--id", "cli-test"])
    assert result.exit_code == 0, result.output
    assert "1 message(s) processed." in result.output
    db.session.expire_all()
    assert message.status == MessageStatus.SENT


def test_the_background_worker_sends_while_the_test_runs(app, background_worker):
    message = outbox.enqueue(MessageKind.IIN_GENERATION, {**PERSON, "citizenship": None})
    db.session.commit()
    background_worker.wait_idle(timeout=5)
    assert message.status == MessageStatus.SENT
    assert len(message.response["iin"]) == 12


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(**extra) -> dict:
    env = {**os.environ, **extra}
    env.pop("FLASK_APP", None)
    return env


def test_the_worker_process_stops_on_sigterm(app, database_url):
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--interval", "0.1"],
        cwd=ROOT,
        env=_env(PORTAL_DATABASE_URL=database_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        line = proc.stdout.readline()  # the worker announces itself once it runs
        assert "worker" in line, line
        time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == 0, out
    assert "stopped" in out


def test_the_simulator_runs_as_a_module():
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "portal.integrations.simulator", "--port", str(port), "--quiet"],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/_sim/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the simulator did not start"
                time.sleep(0.05)
        assert health.json()["ok"] is True
        answer = httpx.post(
            f"http://127.0.0.1:{port}/mia/v1/iins",
            json={"request_id": "m", **PERSON, "citizenship": "CN"},
        )
        assert len(answer.json()["iin"]) == 12
    finally:
        proc.terminate()
        proc.wait(timeout=5)
