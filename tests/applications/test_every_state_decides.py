"""Every status application can reach a decision: an exploration of the real portal.

The graph is not a model written beside the code, which could agree with itself and miss the
code. Its nodes are what the database holds about one application — its state, each check's
status and why it stopped, the requests still out and whether each is the one that counts,
the change notices, the person's IIN, the R6 record elsewhere — and its edges are taken by
the real portal:

- **staff actions** are the forms the pages show to the role that holds them: the application
  page as the applying centre's staff sees it, and the earlier record's person page as the
  other region's staff sees it (R6). Every form is sent with each choice its radios and
  selects offer, and its text fields filled; nothing is posted that a page does not show;
- **the state systems** answer each request still out in every way they can (R18 verified or
  not; R7 found, found with another IIN, not found; R10 a valid or an invalid IIN; a change
  notice accepted), or never answer (the request uses its last retry).

The exploration walks depth first inside SAVEPOINTs: each edge is taken on the real database
and rolled back afterwards. Then it asserts that from every reachable node other than a
withdrawn application, a decision (R9-1: granted, refused, or the certificate) is reachable,
and — stronger — the certificate itself: no check, request, notice or R6 finding is a dead end,
so refusal on ground 2 is a choice, never the only exit. Withdrawal edges do not count.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from portal import iin as iin_rules
from portal.applications import operations as ops
from portal.applications.checks.models import (
    DuplicateDecision,
    PersonCheck,
    RegistrationClosure,
)
from portal.applications.models import Application, DocumentKind, State
from portal.applications.workflow import DECIDED
from portal.clock import today
from portal.extensions import db
from portal.integrations import outbox
from portal.integrations.models import MessageKind, MessageStatus, OutboxMessage
from portal.residents.models import Person
from tests.applications.helpers import add_all_documents
from tests.html_forms import Form, forms_on

# Run once per `make test`, on SQLite (`once`: about a minute on PostgreSQL; `make test-slow`
# runs it there): the graph is the workflow's, the same on both databases.
pytestmark = [pytest.mark.clock("2026-11-25 10:00"), pytest.mark.once]

MAX_NODES = 3000
FINAL = (State.WITHDRAWN.value, State.CERTIFICATE_ISSUED.value)  # a guard: the space is finite, but a bug that grows it must not hang CI


# --- The forms a page offers ------------------------------------------------------------------


# Forms that record or review single documents change no state this graph looks at, except a
# corrected identity-document number (R10): that one is sent, with a new number each time.
SKIPPED = re.compile(r"/documents/\d+/review$")
# A person's documents form (the checklist in one pass): only the identity document is filled.
DOCUMENTS = re.compile(r"/documents/\d+$")


def _filled(form: Form, serial: int) -> dict:
    if DOCUMENTS.search(form.action):
        return _identity_row(form, serial)
    data = {}
    for kind, name, value in form.fields:
        if kind == "file":
            continue
        if kind == "date":
            data[name] = value or today().isoformat()
        elif kind == "hidden":
            data[name] = value
        else:
            data[name] = value or f"Graph {serial}"
    return data


def _identity_row(form: Form, serial: int) -> dict:
    """A corrected identity document, the only row filled (a person without one sends nothing
    and is told so)."""
    data = {name: value for kind, name, value in form.fields if kind == "hidden"}
    for _kind, name, _value in form.fields:
        if re.fullmatch(r"p\d+-identity-number", name):
            prefix = name.removesuffix("number")
            data |= {f"{prefix}number": f"G{serial}", f"{prefix}issued_on": "2020-01-01",
                     f"{prefix}expires_on": "2030-01-01", f"{prefix}translation_notarised": "y"}
    return data


def submissions(form: Form, serial: int) -> list[dict]:
    """The form sent once for each combination of its choices (document form: once)."""
    combos = [_filled(form, serial)]
    for name, options in form.choices.items():
        if DOCUMENTS.search(form.action) or form.action.endswith("/appeal"):
            options = options[:1]  # which document it is changes no state
        options = [o for o in options if o] or [""]
        combos = [{**c, name: o} for c in combos for o in options]
    return combos


# --- The node: what the database holds about the application ----------------------------------


def _note(check: PersonCheck) -> str:
    """Why a check stopped, as a class (what the page explains and the ways on depend on)."""
    note = check.note or ""
    if check.status.value not in ("blocked", "failed", "settled") or not note:
        return ""
    if note.startswith("individuals:"):
        return "unknown" if note == "individuals:none" else "conflict"
    if note.startswith(("attempts:", "invalid:", "exact_", "fuzzy:")):
        return note.split(":")[0]
    return "remark"  # the Migration police's own words (R18)


def observe(world) -> tuple:
    db.session.expire_all()
    application = db.session.get(Application, world.application_id)
    head = db.session.get(Person, world.head_id)
    checks = db.session.scalars(
        select(PersonCheck).where(PersonCheck.application_id == application.id)
    ).all()
    current = {c.request_id for c in checks}
    out = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.application_id == application.id,
            OutboxMessage.status != MessageStatus.SENT,
        )
    ).all()
    closed = db.session.scalar(select(RegistrationClosure.id)) is not None
    different = db.session.scalar(select(DuplicateDecision.id)) is not None
    return (
        application.state.value,
        tuple(sorted((c.kind.value, c.status.value, _note(c)) for c in checks)),
        frozenset((m.kind.value, m.status.value, m.id in current) for m in out),
        bool(head.iin),
        "closed" if closed else "different" if different else "",
    )


# --- The exploration ---------------------------------------------------------------------------


@dataclass
class World:
    application_id: int
    head_id: int
    other_id: int | None  # the earlier record in another region (R6), if there is one
    staff: object  # the applying centre's client
    elsewhere: object  # the other region's client
    unruly: frozenset[MessageKind]  # the systems that may answer "no", or never
    documents: bool  # whether staff correct identity documents (R10 notices)


# The answer of a system that works and knows nothing against the person.
COOPERATIVE = {
    MessageKind.NAME_VERIFICATION: "verified",
    MessageKind.IIN_GENERATION: "generated",
    MessageKind.CHANGE_NOTICE: "accepted",
}


def _answers(message: OutboxMessage, person: Person, unruly: frozenset[MessageKind]):
    """Every way a state system can answer (None: it never does, the last retry is used); a
    system outside `unruly` gives only the answer of a system that works."""
    own = person.iin or iin_rules.make(person.birth_date, person.sex.value, 11)
    another = iin_rules.make(person.birth_date, person.sex.value, 12)
    by_kind = {
        MessageKind.NAME_VERIFICATION: [
            ("verified", {"verified": True, "remark": None}),
            ("not verified", {"verified": False, "remark": "no such name"}),
        ],
        MessageKind.IIN_LOOKUP: [
            ("found", {"found": True, "iin": own}),
            *([("another", {"found": True, "iin": another})] if person.iin else []),
            ("none", {"found": False, "iin": None}),
        ],
        MessageKind.IIN_GENERATION: [
            ("generated", {"iin": own}),
            ("invalid", {"iin": "000000000000"}),
        ],
        MessageKind.CHANGE_NOTICE: [("accepted", {"accepted": True, "reference": "CN-1"})],
    }
    if message.kind in unruly:
        return [*by_kind[message.kind], ("no answer", None)]
    wanted = COOPERATIVE.get(message.kind) or ("found" if person.iin else "none")
    return [a for a in by_kind[message.kind] if a[0] == wanted]


def _answer(message_id: int, answer: dict | None) -> None:
    """What the worker does with one message, through its own code path."""
    worker = "graph-worker"
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(locked_by=worker, locked_until=None)
    )
    row = db.session.get(OutboxMessage, message_id)
    claim = outbox.Claim(row.id, row.kind, row.key, dict(row.payload), row.attempts)
    db.session.commit()
    if answer is None:
        outbox._record_failure(claim, worker, "the system did not answer")
    else:
        outbox._apply(claim, worker, answer)


class Explorer:
    def __init__(self, world: World, max_nodes: int = MAX_NODES):
        self.world = world
        self.max_nodes = max_nodes
        self.edges: dict[tuple, set[tuple[tuple, bool]]] = defaultdict(set)
        self.serial = 0
        self.connection = db.session.get_bind()

    def moves(self):
        """(label, is_withdrawal, do) for every move from here."""
        w = self.world
        pages = [(w.staff, f"/en/families/{self._family_id()}/application")]
        if w.documents:
            pages.append((w.staff, f"/en/applications/{w.application_id}/documents"))
        if w.other_id is not None:
            pages.append((w.elsewhere, f"/en/persons/{w.other_id}"))
        for client, url in pages:
            page = client.get(url)
            assert page.status_code == 200, (url, page.status_code)
            for form in forms_on(page.text):
                if SKIPPED.search(form.action) or form.action.endswith(("/delete", "/account")):
                    continue
                if "/persons/" in url and "/r6/" not in form.action:
                    continue
                self.serial += 1
                for data in submissions(form, self.serial):
                    label = f"{form.action} {sorted(data.items())}"
                    yield label, form.action.endswith("/withdraw"), self._post(client, form, data)
        head = db.session.get(Person, w.head_id)
        for message in db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.application_id == w.application_id,
                OutboxMessage.status == MessageStatus.PENDING,
                OutboxMessage.kind.in_(w.unruly),
            )
        ).all():
            for name, answer in _answers(message, head, w.unruly):
                yield f"{message.kind} {name}", False, self._env(message.id, answer)

    def _family_id(self) -> int:
        return db.session.get(Application, self.world.application_id).family_id

    def settle(self) -> None:
        """Systems that work answer at once: their answers would only interleave with the
        unruly ones' and multiply the nodes without adding a way anywhere."""
        w = self.world
        for _ in range(10):
            db.session.expire_all()
            head = db.session.get(Person, w.head_id)
            waiting = [
                m for m in db.session.scalars(
                    select(OutboxMessage).where(
                        OutboxMessage.application_id == w.application_id,
                        OutboxMessage.status == MessageStatus.PENDING,
                        OutboxMessage.kind.not_in(w.unruly),
                    )
                ).all()
            ]  # fmt: skip
            if not waiting:
                return
            for message in waiting:
                ((_name, answer),) = _answers(message, head, w.unruly)
                _answer(message.id, answer)

    @staticmethod
    def _post(client, form: Form, data: dict):
        def do():
            multipart = bool(DOCUMENTS.search(form.action)) or form.action.endswith("/appeal")
            resp = client.post(form.action, data=data,
                               content_type="multipart/form-data" if multipart else None)  # fmt: skip
            assert resp.status_code < 500, (form.action, data, resp.status_code)

        return do

    @staticmethod
    def _env(message_id: int, answer):
        return lambda: _answer(message_id, answer)

    def explore(self, node: tuple) -> None:
        if node in self.edges:
            return
        assert len(self.edges) < self.max_nodes, "the state space keeps growing"
        self.edges[node] = set()
        if node[0] in FINAL:
            return  # nothing needs reaching from here (and nothing is offered)
        db.session.commit()
        for _label, withdrawal, do in list(self.moves()):
            db.session.commit()
            savepoint = self.connection.begin_nested()
            try:
                do()
                db.session.commit()
                self.settle()
                db.session.commit()
                child = observe(self.world)
                db.session.commit()
                self.edges[node].add((child, withdrawal))
                self.explore(child)
            finally:
                db.session.rollback()
                savepoint.rollback()
                db.session.expire_all()


def _reaches(edges, goal) -> set[tuple]:
    """The nodes from which a node satisfying `goal` is reachable, without withdrawing."""
    back = defaultdict(set)
    for node, children in edges.items():
        for child, withdrawal in children:
            if not withdrawal:
                back[child].add(node)
    found = {n for n in edges if goal(n)}
    queue = deque(found)
    while queue:
        for parent in back[queue.popleft()]:
            if parent not in found:
                found.add(parent)
                queue.append(parent)
    return found


NAME, LOOKUP, GENERATION, NOTICE = (
    MessageKind.NAME_VERIFICATION,
    MessageKind.IIN_LOOKUP,
    MessageKind.IIN_GENERATION,
    MessageKind.CHANGE_NOTICE,
)


@dataclass(frozen=True)
class Scenario:
    """Which systems misbehave, and what else the applicant's record brings. Each explores its
    own graph (the checks are independent of one another: a product of all of them is the slow
    scenario, `make test-slow`)."""

    unruly: frozenset[MessageKind] = frozenset()
    typed_iin: bool = False  # staff typed an IIN from the passport (R7 "unknown", "conflict")
    elsewhere: bool = False  # the passport number is on a record in another region (R6)
    documents: bool = False  # staff may correct the identity document (R10, R22)
    reaches: tuple[tuple[str, str, str], ...] = ()  # check sub-states the exploration must see


SCENARIOS = {
    "R18 name": Scenario(frozenset({NAME}), reaches=(
        ("name_verification", "blocked", "remark"), ("name_verification", "failed", "attempts"),
        ("name_verification", "settled", "remark"))),
    "R7 typed IIN": Scenario(frozenset({LOOKUP}), typed_iin=True, reaches=(
        ("iin", "blocked", "unknown"), ("iin", "blocked", "conflict"),
        ("iin", "failed", "attempts"), ("iin", "settled", "unknown"),
        ("iin", "settled", "conflict"))),
    "R7 R10 no IIN": Scenario(frozenset({LOOKUP, GENERATION}), reaches=(
        ("iin", "blocked", "invalid"), ("iin", "failed", "attempts"), ("iin", "passed", ""))),
    "R6 elsewhere": Scenario(elsewhere=True, reaches=(
        ("duplicate", "blocked", "exact_document"), ("duplicate", "passed", ""))),
    "R10 R22 notices": Scenario(frozenset({NOTICE}), typed_iin=True, documents=True),
}
EVERYTHING = Scenario(frozenset({NAME, LOOKUP, GENERATION, NOTICE}), typed_iin=True,
                      elsewhere=True, documents=True)  # fmt: skip


def build(f, app, scenario: Scenario) -> World:
    """One applicant with every R4 document in order, at the start of the application."""
    app.config["PORTAL_OUTBOX_MAX_ATTEMPTS"] = 1  # "no answer" is one failure away
    centre = f.centre()
    born = date(1985, 3, 1)
    iin = iin_rules.make(born, "M", 7) if scenario.typed_iin else None
    family = f.family(centre, birth_date=born, sex="M", iin=iin)
    application = ops.open_application(family)
    db.session.commit()
    add_all_documents(application, today() - timedelta(days=1))
    elsewhere = f.centre(region_code="KZ-61")
    other_id = None
    if scenario.elsewhere:
        other = f.family(elsewhere, surname="Бөтен", given_name="Адам", birth_date=date(1970, 1, 1))
        number = next(d.number for d in application.documents if d.kind == DocumentKind.IDENTITY)
        ops.add_document(ops.open_application(other), other.head, DocumentKind.IDENTITY,
                         number=number, issued_on=date(2020, 1, 1), expires_on=date(2030, 1, 1),
                         translation_notarised=True, scan=None)  # fmt: skip
        db.session.commit()
        other_id = other.head.id
    clients = []
    for where in (centre, elsewhere):
        client = app.test_client()
        user = f.user("staff", centre=where)
        client.post("/en/login", data={"username": user.username, "password": f.PASSWORD})
        clients.append(client)
    return World(application.id, family.head.id, other_id, *clients, scenario.unruly,
                 scenario.documents)  # fmt: skip


def explore_and_check(world: World, reaches, max_nodes: int = MAX_NODES) -> Explorer:
    explorer = Explorer(world, max_nodes)
    explorer.settle()
    db.session.commit()
    explorer.explore(observe(world))
    edges = explorer.edges
    print(f"{len(edges)} nodes, {sum(len(e) for e in edges.values())} edges")
    checks = {check for node in edges for check in node[1]}
    missing = [r for r in reaches if r not in checks]
    assert missing == [], f"the exploration never reached {missing}"

    live = [n for n in edges if n[0] != State.WITHDRAWN.value]
    decided = _reaches(edges, lambda n: n[0] in {s.value for s in DECIDED})
    stuck = [n for n in live if n not in decided]
    assert stuck == [], f"{len(stuck)} of {len(live)} states cannot reach a decision: {stuck[:5]}"
    certified = _reaches(edges, lambda n: n[0] == State.CERTIFICATE_ISSUED.value)
    stuck = [n for n in live if n not in certified]
    assert stuck == [], f"{len(stuck)} of {len(live)} cannot reach the certificate: {stuck[:5]}"
    return explorer


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_reachable_state_can_reach_a_decision_and_the_certificate(f, app, name):
    scenario = SCENARIOS[name]
    explorer = explore_and_check(build(f, app, scenario), scenario.reaches)
    # Every state a page can show (documents are accepted and the checks start in one step;
    # with every system working at once and nothing found elsewhere, they also end in it).
    passing = {State.DOCUMENTS_ACCEPTED.value}
    if not (scenario.unruly - {NOTICE}) and not scenario.elsewhere:
        passing.add(State.CHECKS_RUNNING.value)
    assert {node[0] for node in explorer.edges} == {s.value for s in State} - passing


@pytest.mark.slow
def test_every_combination_of_every_check_reaches_a_decision(f, app):
    """All systems misbehave at once, the R6 record exists and documents are corrected: the
    product of the scenarios above (minutes; `make test-slow`)."""
    reaches = tuple(r for s in SCENARIOS.values() for r in s.reaches if r[2] != "invalid")
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 60_000))  # one frame per step deep
    explore_and_check(build(f, app, EVERYTHING), reaches, max_nodes=50_000)
