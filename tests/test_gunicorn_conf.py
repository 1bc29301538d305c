"""gunicorn.conf.py: each worker loads the PDF renderer and its fonts before its first request
(issue 17: the first timetable a worker printed took ~0.5–0.9 s, the next ones ~0.1 s), and the
access log never holds a calendar subscription's secret."""

from __future__ import annotations

import runpy
from pathlib import Path

from portal import pdf

CONFIG = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


class _Log:
    def __init__(self):
        self.lines: list[str] = []

    def info(self, message, *args):
        self.lines.append(message % args)


def test_the_worker_hook_lays_out_a_document_in_every_alphabet_before_requests():
    settings = runpy.run_path(str(CONFIG))
    worker = type("Worker", (), {"log": _Log()})()

    settings["post_worker_init"](worker)

    (line,) = worker.log.lines
    assert line.startswith("PDF renderer loaded in ")
    assert "Қазақстан" in pdf._WARM_UP and "Республика" in pdf._WARM_UP  # Kazakh, Russian
    assert pdf.warm_up() < 1.0  # once loaded, a small document is quick


def test_the_access_log_never_holds_a_calendar_secret():
    """A subscription's token is its only key (issue 18's review of the hosts' logs)."""
    from datetime import timedelta
    from types import SimpleNamespace

    from gunicorn.config import Config

    settings = runpy.run_path(str(CONFIG))
    logger = settings["logger_class"](Config())
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/calendar/s3cr3t-t0ken.ics?x=1",
               "PATH_INFO": "/calendar/s3cr3t-t0ken.ics", "SERVER_PROTOCOL": "HTTP/1.1"}  # fmt: skip
    resp = SimpleNamespace(status="200 OK", headers=[], sent=10)

    atoms = logger.atoms(resp, SimpleNamespace(headers=[]), environ, timedelta(seconds=0))

    assert atoms["r"] == "GET /calendar/[token].ics?x=1 HTTP/1.1"
    assert atoms["U"] == "/calendar/[token].ics"
