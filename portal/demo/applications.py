"""Status applications for the demo families at every stage, from a draft to an issued
certificate.

The checks with the state systems are answered by the simulator, run in-process here; the
applications left with checks under way are taken over by the running worker and simulator
of `make run`.
"""

from __future__ import annotations

import io
import random
from datetime import date, timedelta

import httpx
from flask import g
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.applications import checklist, rules, storage
from portal.applications import operations as app_ops
from portal.applications.models import Application
from portal.auth.models import User
from portal.demo.scans import blank_pdf
from portal.extensions import db
from portal.integrations import outbox
from portal.integrations.clients import HttpGateway
from portal.integrations.simulator.app import create_app as simulator_app
from portal.residents.models import Family, Person
from portal.roles import Role
from portal.workdays import is_working_day

# The stage the `i`th family's application reaches: families take them in turn.
STAGES = [
    "none",
    "draft",
    "due_later",
    "due_today",
    "overdue",
    "refused",
    "ready",
    "granted",
    "issued",
    "checks",
]
# How many working days ago an application of each stage was submitted (6 for the others):
# enough to make its decision due later, today or overdue.
SUBMITTED_DAYS_AGO = {"due_later": 1, "due_today": 3, "overdue": 5, "refused": 4}


def open_applications(families: list[Family], rng: random.Random, day: date) -> None:
    """Status applications at every stage, answered by the simulator in-process where needed
    (the running worker and simulator take over the ones left with checks under way)."""
    gateway = _simulated_gateway()
    staff = {
        u.centre_id: u.id for u in db.session.scalars(select(User).where(User.role == Role.STAFF))
    }
    later = []  # accepted last, so that their checks are left to the running worker
    try:
        for i, family in enumerate(families):
            stage = STAGES[i % len(STAGES)]
            if stage == "none":
                continue
            g.actor_id = staff[family.centre_id]
            application = app_ops.open_application(family)
            members = list(family.members)
            _add_documents(application, members, stage, rng, day)
            if stage == "draft":
                continue
            back = SUBMITTED_DAYS_AGO.get(stage, 6)
            app_ops.submit(application, _working_days_before(day, back))
            if stage == "checks":
                later.append((application, members))
            else:
                _after_submission(application, members, stage, i, day, gateway)
        for application, members in later:
            g.actor_id = staff[application.family.centre_id]
            app_ops.accept_documents(application, members, day)  # `make run`'s worker takes over
    finally:
        gateway.close()
        g.pop("actor_id", None)


def _simulated_gateway() -> HttpGateway:
    """A gateway to a simulator of the state systems that runs in this process."""
    simulator = simulator_app()
    known = simulator.test_client()
    for person in db.session.scalars(select(Person).where(Person.iin.is_not(None))):
        # the IINs already recorded are real: the Individuals database knows them (R7)
        known.post("/_sim/persons", json={
            "iin": person.iin, "surname": person.surname, "given_name": person.given_name,
            "birth_date": person.birth_date.isoformat(), "sex": person.sex.value,
        })  # fmt: skip
    return HttpGateway(client=httpx.Client(transport=httpx.WSGITransport(app=simulator)))


def _add_documents(
    application: Application, members: list[Person], stage: str, rng: random.Random, day: date
) -> None:
    """Every document the checklist asks of each member, with a scan; a draft has about half."""
    for person in members:
        for kind in checklist.required_documents(person, day, rules.by_code(application.rule_set)):
            if stage == "draft" and rng.random() < 0.5:
                continue
            scan = storage.save(FileStorage(stream=io.BytesIO(blank_pdf()), filename=f"{kind.value}.pdf"))
            app_ops.add_document(
                application, person, kind, number=f"{person.id:05d}{kind.value[:2].upper()}",
                issued_on=day - timedelta(days=900), expires_on=day + timedelta(days=1500),
                translation_notarised=kind in checklist.TRANSLATED_KINDS, scan=scan,
            )  # fmt: skip


def _after_submission(
    application: Application,
    members: list[Person],
    stage: str,
    i: int,
    day: date,
    gateway: HttpGateway,
) -> None:
    """Take a submitted application on to its stage: waiting for the centre's answer, its
    documents refused, or accepted, checked by the simulator and then decided."""
    if stage in ("due_later", "due_today", "overdue"):
        return
    if stage == "refused":
        app_ops.refuse_documents(
            application, "Автобиография қол қойылмаған. / Автобиография не подписана.", day
        )
        return
    app_ops.accept_documents(application, members, day)
    db.session.flush()
    while outbox.process_due("demo", batch=100, gateway=gateway):
        pass
    db.session.refresh(application)
    if stage in ("granted", "issued"):
        app_ops.grant_status(application, f"{100 + i}", day - timedelta(days=1))
    if stage == "issued":
        app_ops.issue_certificate(application, members, day)


def _working_days_before(day: date, n: int) -> date:
    """The day `n` working days before `day`, by the portal's working calendar."""
    while n > 0:
        day -= timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day
