"""The simulator's WSGI app: both state systems, their state in memory, behind one lock.

Endpoints (the contract of `portal/integrations/clients.py`):

    POST /individuals/v1/persons/search   R7, R19: is the person known, with which IIN?
    POST /mia/v1/name-verifications       R18: surname and given name verified?
    POST /mia/v1/iins                     R10, R22: a new IIN, valid for birth date and sex
    POST /mia/v1/change-notices           R10, R22: personal data changed

Every one answers a repeated request_id with its first answer. Control endpoints for tests and
demos: POST /_sim/persons (seed a known person), GET /_sim/persons, GET /_sim/requests (every
request_id received, with counts), POST /_sim/config {latency_ms, failure_rate,
lost_reply_rate}, POST /_sim/reset, GET /_sim/health.

`failure_rate` answers 503 *before* doing anything (the system is down); `lost_reply_rate`
does the work and then answers 503 (the reply was lost), which is what idempotency is for.
"""

from __future__ import annotations

import random
import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.serving import WSGIRequestHandler, make_server

from portal import iin as iin_rules

INDIVIDUALS = "/individuals"
MIA = "/mia"
_LATIN_OR_DIGIT = re.compile(r"[A-Za-z]|\d")


class Invalid(Exception):
    """A request the system refuses (400)."""


@dataclass
class Known:
    """A person in the "Individuals" database."""

    iin: str
    surname: str
    given_name: str
    patronymic: str | None
    birth_date: date
    sex: str
    document_number: str | None = None

    def as_json(self) -> dict:
        return {
            "iin": self.iin,
            "surname": self.surname,
            "given_name": self.given_name,
            "patronymic": self.patronymic,
            "birth_date": self.birth_date.isoformat(),
            "sex": self.sex,
            "document_number": self.document_number,
        }


@dataclass
class SimulatorState:
    """Everything the two systems remember. Thread-safe: every change holds `lock`."""

    latency_ms: int = 0
    failure_rate: float = 0.0
    lost_reply_rate: float = 0.0
    seed: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self._defaults = (self.latency_ms, self.failure_rate, self.lost_reply_rate)
        self.reset(config=False)

    # -- configuration and the request log -----------------------------------------------------

    def reset(self, config: bool = True) -> None:
        with self.lock:
            self.rng = random.Random(self.seed)
            self.persons: dict[str, Known] = {}
            self.answers: dict[str, tuple[str, dict]] = {}  # request_id → (endpoint, answer)
            self.log: dict[tuple[str, str], int] = {}  # (endpoint, request_id) → count
            self.notices = 0
            if config:
                self.latency_ms, self.failure_rate, self.lost_reply_rate = self._defaults

    def configure(self, latency_ms=None, failure_rate=None, lost_reply_rate=None) -> dict:
        with self.lock:
            if latency_ms is not None:
                self.latency_ms = max(0, int(latency_ms))
            if failure_rate is not None:
                self.failure_rate = min(1.0, max(0.0, float(failure_rate)))
            if lost_reply_rate is not None:
                self.lost_reply_rate = min(1.0, max(0.0, float(lost_reply_rate)))
            return self.config()

    def config(self) -> dict:
        return {
            "latency_ms": self.latency_ms,
            "failure_rate": self.failure_rate,
            "lost_reply_rate": self.lost_reply_rate,
        }

    def note(self, endpoint: str, request_id: str) -> None:
        with self.lock:
            self.log[(endpoint, request_id)] = self.log.get((endpoint, request_id), 0) + 1

    def requests(self) -> list[dict]:
        """Every (endpoint, request_id) received, in arrival order, with how often."""
        with self.lock:
            return [
                {"endpoint": endpoint, "request_id": rid, "count": count}
                for (endpoint, rid), count in self.log.items()
            ]

    def roll(self, rate: float) -> bool:
        with self.lock:
            return rate > 0 and self.rng.random() < rate

    # -- the "Individuals" database ------------------------------------------------------------

    def add_person(self, person: Known) -> Known:
        """Register a person; the IIN must be valid and agree with birth date and sex."""
        try:
            iin_rules.validate_for(person.iin, person.birth_date, person.sex)
        except iin_rules.IINError as e:
            raise Invalid(f"iin: {e.code}") from None
        with self.lock:
            self.persons[person.iin] = person
        return person

    def find(self, body: dict) -> Known | None:
        """By identity document number, else by surname, given name and birth date."""
        number = _norm(body.get("document_number"))
        if number:
            for person in self.persons.values():
                if _norm(person.document_number) == number:
                    return person
        wanted = (_norm(body["surname"]), _norm(body["given_name"]), body["birth_date"])
        for person in self.persons.values():
            if (_norm(person.surname), _norm(person.given_name), person.birth_date) == wanted:
                return person
        return None

    def generate_iin(self, body: dict) -> str:
        """R10: a new IIN for the birth date and sex, never issued before; the person becomes
        known to the "Individuals" database (so a later search finds them, R7)."""
        for _ in range(20000):
            value = iin_rules.make(body["birth_date"], body["sex"], self.rng.randrange(10000))
            if value not in self.persons:
                break
        else:  # pragma: no cover - 10 000 serials for one birth date and sex
            raise RuntimeError("no IIN left for this birth date and sex")
        self.persons[value] = Known(
            iin=value,
            surname=body["surname"],
            given_name=body["given_name"],
            patronymic=body.get("patronymic"),
            birth_date=body["birth_date"],
            sex=body["sex"],
        )
        return value


def _norm(value: str | None) -> str:
    if not value:
        return ""
    text = unicodedata.normalize("NFC", value).casefold().replace("ё", "е")
    return " ".join(text.split())


# --- Request validation ----------------------------------------------------------------------


def _text(body: dict, name: str, required: bool = True) -> None:
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise Invalid(f"{name}: required")
        body[name] = None
    elif not isinstance(value, str) or len(value) > 200:
        raise Invalid(f"{name}: must be a string of at most 200 characters")


def _birth_date(body: dict) -> None:
    try:
        body["birth_date"] = date.fromisoformat(body.get("birth_date") or "")
    except (TypeError, ValueError):
        raise Invalid("birth_date: an ISO date is required") from None


def _sex(body: dict) -> None:
    if body.get("sex") not in ("M", "F"):
        raise Invalid('sex: "M" or "F" is required')


def _person(body: dict) -> None:
    _text(body, "surname")
    _text(body, "given_name")
    _text(body, "patronymic", required=False)
    _birth_date(body)


# --- The endpoints' work (called under the state's lock) ------------------------------------


def _search(state: SimulatorState, body: dict) -> dict:
    _person(body)
    _sex(body)
    _text(body, "document_number", required=False)
    person = state.find(body)
    return {"found": person is not None, "iin": person.iin if person else None}


def _verify_name(state: SimulatorState, body: dict) -> dict:
    _person(body)
    wrong = [n for n in ("surname", "given_name") if _LATIN_OR_DIGIT.search(body[n])]
    if wrong:
        names = " and ".join(n.replace("_", " ") for n in wrong)
        return {"verified": False, "remark": f"{names}: Latin letters or digits are not allowed"}
    return {"verified": True, "remark": None}


def _generate_iin(state: SimulatorState, body: dict) -> dict:
    _person(body)
    _sex(body)
    _text(body, "citizenship", required=False)
    return {"iin": state.generate_iin(body)}


def _change_notice(state: SimulatorState, body: dict) -> dict:
    try:
        iin_rules.parse(body.get("iin") or "")
    except iin_rules.IINError as e:
        raise Invalid(f"iin: {e.code}") from None
    changes = body.get("changes")
    if not isinstance(changes, dict) or not changes:
        raise Invalid("changes: an object {field: [old, new]} is required")
    for name, pair in changes.items():
        if not isinstance(pair, list) or len(pair) != 2:
            raise Invalid(f"changes.{name}: [old, new] is required")
    person = state.persons.get(body["iin"])
    if person is not None:
        for name in ("surname", "given_name", "patronymic", "document_number"):
            if name in changes:
                setattr(person, name, changes[name][1])
    state.notices += 1
    return {"accepted": True, "reference": f"CN-{state.notices:06d}"}


ENDPOINTS = {
    INDIVIDUALS + "/v1/persons/search": _search,
    MIA + "/v1/name-verifications": _verify_name,
    MIA + "/v1/iins": _generate_iin,
    MIA + "/v1/change-notices": _change_notice,
}


# --- The app ---------------------------------------------------------------------------------


def create_app(state: SimulatorState | None = None) -> Flask:
    """The simulator as a WSGI app; its state is `app.extensions["simulator"]`."""
    app = Flask(__name__)
    app.extensions["simulator"] = state or SimulatorState()
    for path, work in ENDPOINTS.items():
        app.add_url_rule(
            path, endpoint=path, view_func=_system_view(path, work), methods=["POST"]
        )
    app.register_blueprint(control)
    app.register_error_handler(HTTPException, _http_error)
    return app


def _state() -> SimulatorState:
    return current_app.extensions["simulator"]


def _error(status: int, message: str):
    return jsonify({"error": message}), status


def _http_error(e: HTTPException):
    return _error(e.code or 500, e.description or e.name)


def _system_view(path: str, work):
    def view():
        return _system_request(path, work)

    return view


def _system_request(path: str, work):
    """One request to a state system: checked, noted, slowed or failed as configured, answered
    once per request id (a repeated id gets the first answer)."""
    state = _state()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _error(400, "a JSON object is required")
    request_id = body.get("request_id")
    if not isinstance(request_id, str) or not 0 < len(request_id) <= 64:
        return _error(400, "request_id: a string of 1 to 64 characters is required")
    state.note(path, request_id)
    if state.latency_ms:
        time.sleep(state.latency_ms / 1000)
    if state.roll(state.failure_rate):
        return _error(503, "service unavailable (simulated)")
    try:
        answer = _first_answer(state, path, request_id, work, body)
    except Invalid as e:
        return _error(400, str(e))
    except _UsedElsewhere as e:
        return _error(409, f"request_id already used for {e}")
    if state.roll(state.lost_reply_rate):
        return _error(503, "reply lost (simulated)")
    return jsonify(answer)


class _UsedElsewhere(Exception):
    """The request id was first used on another endpoint (named in the message)."""


def _first_answer(state: SimulatorState, path: str, request_id: str, work, body: dict):
    with state.lock:
        first = state.answers.get(request_id)
        if first is None:
            answer = work(state, dict(body))
            state.answers[request_id] = (path, answer)
            return answer
        if first[0] != path:
            raise _UsedElsewhere(first[0])
        return first[1]


# The simulator's own controls: seed persons, read what was received, slow down or fail.
control = Blueprint("simulator_control", __name__, url_prefix="/_sim")


@control.post("/persons")
def seed_person():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _error(400, "a JSON object is required")
    try:
        _person(body)
        _sex(body)
        _text(body, "iin")
        _text(body, "document_number", required=False)
        person = _state().add_person(
            Known(
                iin=body["iin"],
                surname=body["surname"],
                given_name=body["given_name"],
                patronymic=body["patronymic"],
                birth_date=body["birth_date"],
                sex=body["sex"],
                document_number=body["document_number"],
            )
        )
    except Invalid as e:
        return _error(400, str(e))
    return jsonify(person.as_json()), 201


@control.get("/persons")
def list_persons():
    state = _state()
    with state.lock:
        return jsonify({"persons": [p.as_json() for p in state.persons.values()]})


@control.get("/requests")
def list_requests():
    return jsonify({"requests": _state().requests()})


@control.post("/config")
def configure():
    body = request.get_json(silent=True) or {}
    try:
        return jsonify(
            _state().configure(
                body.get("latency_ms"), body.get("failure_rate"), body.get("lost_reply_rate")
            )
        )
    except (TypeError, ValueError):
        return _error(400, "latency_ms, failure_rate and lost_reply_rate are numbers")


@control.post("/reset")
def reset():
    _state().reset()
    return jsonify({"reset": True})


@control.get("/health")
def health():
    return jsonify({"ok": True, **_state().config()})


class QuietRequestHandler(WSGIRequestHandler):
    """Serves like werkzeug's handler without a log line per request."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


def serve(
    host: str = "127.0.0.1",
    port: int = 8001,
    *,
    state: SimulatorState | None = None,
    quiet: bool = False,
) -> None:
    """Serve the simulator until interrupted (Ctrl-C or SIGTERM)."""
    app = create_app(state)
    handler = QuietRequestHandler if quiet else WSGIRequestHandler
    server = make_server(host, port, app, threaded=True, request_handler=handler)
    base = f"http://{host}:{server.server_port}"
    print(f"State-systems simulator on {base}{INDIVIDUALS} and {base}{MIA}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
