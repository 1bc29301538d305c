"""`flask --app wsgi worker` and `flask --app wsgi simulator`."""

from __future__ import annotations

import logging

import click
from flask import Flask


def _setup_logging() -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    logging.getLogger("portal.integrations").setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the worker logs each message itself


def init_app(app: Flask) -> None:
    @app.cli.command("worker")
    @click.option("--once", is_flag=True, help="Send what is due now, then exit.")
    @click.option(
        "--interval", type=float, default=1.0, show_default=True, help="Seconds between polls."
    )
    @click.option("--id", "worker_id", help="This worker's name (unique; host:pid by default).")
    @click.option("--batch", type=int, default=10, show_default=True, help="Messages per claim.")
    def worker_command(once: bool, interval: float, worker_id: str | None, batch: int) -> None:
        """Send the outbox's requests to the state systems (R7, R10, R18, R19, R22)."""
        from portal.integrations.worker import Worker

        _setup_logging()
        worker = Worker(worker_id, interval=interval, batch=batch)
        if once:
            n = worker.run_once()
            click.echo(f"{n} message(s) processed.")
        else:
            worker.run()

    @app.cli.command("simulator")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", type=int, default=8001, show_default=True)
    @click.option("--latency-ms", type=int, default=0, show_default=True)
    @click.option("--failure-rate", type=float, default=0.0, show_default=True)
    @click.option(
        "--seed-from-portal",
        is_flag=True,
        help="Make the portal's persons who have an IIN known to the Individuals database.",
    )
    @click.option("--quiet", is_flag=True, help="No log line per request.")
    def simulator_command(
        host: str, port: int, latency_ms: int, failure_rate: float, seed_from_portal: bool, quiet
    ) -> None:
        """Serve a local simulator of the Individuals database and the MIA system."""
        from portal.integrations.simulator import SimulatorState, serve

        state = SimulatorState(latency_ms=latency_ms, failure_rate=failure_rate)
        if seed_from_portal:
            click.echo(f"{_seed(state)} person(s) with an IIN known to the Individuals database.")
        serve(host, port, state=state, quiet=quiet)


def _seed(state) -> int:
    """Register every person of the portal who has a valid IIN with the simulator."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.integrations.simulator.app import Invalid, Known
    from portal.residents.models import Person

    count = 0
    for p in db.session.scalars(select(Person).where(Person.iin.is_not(None))):
        try:
            state.add_person(
                Known(p.iin, p.surname, p.given_name, p.patronymic, p.birth_date, p.sex.value)
            )
            count += 1
        except Invalid:
            continue
    db.session.remove()
    return count
