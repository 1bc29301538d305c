"""The outbox: requests to the state systems are written with the change that needs them, sent
at least once whatever happens to the systems, and their answers applied exactly once."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal import iin as iin_rules
from portal.clock import now_utc
from portal.db import as_utc
from portal.extensions import db
from portal.integrations import outbox
from portal.integrations.clients import HttpGateway
from portal.integrations.models import MessageKind, MessageStatus, OutboxMessage
from portal.residents.models import Person
from tests.fixtures_integrations import run_worker_once

# Backoffs and leases are crossed by moving this pinned clock, never by sleeping.
pytestmark = pytest.mark.clock("2026-11-25 09:00")


def payload(person: Person | None = None, **kw) -> dict:
    data = {
        "surname": person.surname if person else "Қасымов",
        "given_name": person.given_name if person else "Нұрлан",
        "patronymic": None,
        "birth_date": person.birth_date if person else date(1985, 3, 14),
        "sex": person.sex if person else "M",
        "citizenship": "CN",
        "document_number": None,
    }
    data.update(kw)
    return data


@pytest.fixture
def applied(outbox_handlers):
    """Every answer applied, as (kind, key, answer); the IIN generation handler also stores the
    IIN on the person, in the worker's transaction."""
    answers: list[tuple] = []

    def record(message, answer):
        answers.append((message.kind, message.key, answer))

    def store_iin(message, answer):
        record(message, answer)
        if message.person_id:
            db.session.get(Person, message.person_id).iin = answer["iin"]

    for kind in MessageKind:
        outbox_handlers(kind, record)
    outbox_handlers(MessageKind.IIN_GENERATION, store_iin)
    return answers


def wait_until_due(clock, *messages: OutboxMessage) -> None:
    """Move the pinned clock just past the latest next attempt of `messages` (no sleeping, so
    "nothing is due during the backoff" holds however slow the machine is)."""
    db.session.expire_all()
    latest = max(as_utc(m.next_attempt_at) for m in messages)
    clock.move_to(max(latest, now_utc()) + timedelta(milliseconds=10))


def test_a_message_is_written_in_the_callers_transaction(app):
    message = outbox.enqueue(MessageKind.NAME_VERIFICATION, payload(), person_id=None)
    assert message.id is not None
    assert message.status == MessageStatus.PENDING
    assert len(message.key) == 32
    assert message.payload["birth_date"] == "1985-03-14"  # stored as JSON
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_r10_a_message_is_sent_and_its_answer_applied_exactly_once(
    app, f, run_worker, state_systems, applied
):
    person = f.family(f.centre()).members[0]
    message = outbox.enqueue(MessageKind.IIN_GENERATION, payload(person), person_id=person.id)
    db.session.commit()

    assert run_worker() == 1
    assert run_worker() == 0  # nothing left to send

    assert message.status == MessageStatus.SENT
    assert (message.attempts, message.locked_by, message.last_error) == (1, None, None)
    assert message.sent_at is not None
    assert message.response == {"iin": person.iin}
    assert applied == [(MessageKind.IIN_GENERATION, message.key, {"iin": person.iin})]
    assert state_systems.counts() == {message.key: 1}
    # R10: the IIN agrees with the person's birth date and sex.
    iin_rules.validate_for(person.iin, person.birth_date, person.sex.value)


def test_r7_a_lookup_through_the_outbox_finds_the_iin_generated_earlier(
    app, run_worker, state_systems, applied
):
    generation = outbox.enqueue(MessageKind.IIN_GENERATION, payload())
    db.session.commit()
    run_worker()
    lookup = outbox.enqueue(MessageKind.IIN_LOOKUP, payload())
    db.session.commit()
    run_worker()
    assert lookup.response == {"found": True, "iin": generation.response["iin"]}


def test_r18_name_verification_through_the_outbox(app, run_worker, state_systems, applied):
    ok = outbox.enqueue(MessageKind.NAME_VERIFICATION, payload())
    latin = outbox.enqueue(MessageKind.NAME_VERIFICATION, payload(surname="Kasymov"))
    db.session.commit()
    run_worker()
    assert ok.response == {"verified": True, "remark": None}
    assert latin.response["verified"] is False


def test_r10_r22_change_notice_through_the_outbox(app, run_worker, state_systems, applied):
    iin = iin_rules.make(date(1985, 3, 14), "M", 12)
    notice = outbox.enqueue(
        MessageKind.CHANGE_NOTICE,
        {"person_id": None, "iin": iin, "changes": {"surname": ["Қасымов", "Қасым"]}},
    )
    db.session.commit()
    run_worker()
    assert notice.status == MessageStatus.SENT
    assert notice.response["accepted"] is True


def test_the_outbox_survives_the_systems_being_down(clock, app, run_worker, state_systems, applied):
    messages = [
        outbox.enqueue(MessageKind.IIN_GENERATION, payload(given_name=name))
        for name in ("Нұрлан", "Айгүл", "Асқар")
    ] + [outbox.enqueue(MessageKind.NAME_VERIFICATION, payload())]
    db.session.commit()
    state_systems.stop()

    assert run_worker() == 4
    for m in messages:
        assert (m.status, m.attempts, m.locked_by) == (MessageStatus.PENDING, 1, None)
        assert "ConnectError" in m.last_error
        assert as_utc(m.next_attempt_at) > now_utc()  # backing off
    assert run_worker() == 0  # nothing is due during the backoff

    wait_until_due(clock, *messages)
    assert run_worker() == 4  # still down: a second attempt, a longer wait
    assert {m.attempts for m in messages} == {2}
    assert applied == []

    state_systems.start()  # the same port again
    wait_until_due(clock, *messages)
    assert run_worker() == 4
    assert {(m.status, m.attempts) for m in messages} == {(MessageStatus.SENT, 3)}
    assert sorted(key for _, key, _ in applied) == sorted(m.key for m in messages)
    assert state_systems.counts() == {m.key: 1 for m in messages}  # only now received


def test_after_the_last_attempt_a_message_fails_and_retry_brings_it_back(
    clock, app, run_worker, state_systems, applied
):
    app.config["PORTAL_OUTBOX_MAX_ATTEMPTS"] = 3
    state_systems.set(failure_rate=1.0)
    message = outbox.enqueue(MessageKind.IIN_GENERATION, payload())
    db.session.commit()

    for _ in range(3):
        wait_until_due(clock, message)
        run_worker()
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 3)
    assert "HTTP 503" in message.last_error
    wait_until_due(clock, message)
    assert run_worker() == 0  # a failed message is not sent again by itself

    outbox.retry(message)
    db.session.commit()
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 0)
    state_systems.set(failure_rate=0.0)
    assert run_worker() == 1
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)
    assert len(applied) == 1
    with pytest.raises(ValueError):
        outbox.retry(message)


def test_a_request_the_system_refuses_is_retried_until_it_fails(
    clock, app, run_worker, state_systems, applied
):
    app.config["PORTAL_OUTBOX_MAX_ATTEMPTS"] = 2
    message = outbox.enqueue(MessageKind.IIN_GENERATION, payload(sex=None))
    db.session.commit()
    run_worker()
    wait_until_due(clock, message)
    run_worker()
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 2)
    assert "HTTP 400" in message.last_error
    assert "sex" in message.last_error
    assert applied == []


def test_r10_a_retry_after_a_lost_reply_gets_the_first_iin(
    clock, app, run_worker, state_systems, applied
):
    """The system generated an IIN but its reply was lost: the retry carries the same key and
    gets the same IIN back, never a second one."""
    state_systems.set(lost_reply_rate=1.0)
    message = outbox.enqueue(MessageKind.IIN_GENERATION, payload())
    db.session.commit()
    run_worker()
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 1)
    [generated] = state_systems.persons()

    state_systems.set(lost_reply_rate=0.0)
    wait_until_due(clock, message)
    run_worker()
    assert message.status == MessageStatus.SENT
    assert message.response == {"iin": generated["iin"]}
    assert len(state_systems.persons()) == 1
    assert state_systems.counts() == {message.key: 2}


def test_a_timeout_is_retried_and_gets_the_first_answer(
    clock, app, run_worker, state_systems, applied
):
    app.config["PORTAL_INTEGRATIONS_TIMEOUT"] = 0.05
    state_systems.set(latency_ms=200)
    message = outbox.enqueue(MessageKind.IIN_GENERATION, payload())
    db.session.commit()
    run_worker()
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 1)
    assert "timed out" in message.last_error

    state_systems.set(latency_ms=0)
    deadline = time.monotonic() + 5
    while not state_systems.persons() and time.monotonic() < deadline:
        time.sleep(0.02)  # the system does answer the first request, too late
    [generated] = state_systems.persons()
    # the retry may take its time: only the first request was meant to time out
    app.config["PORTAL_INTEGRATIONS_TIMEOUT"] = 5.0
    wait_until_due(clock, message)
    run_worker()
    assert message.status == MessageStatus.SENT
    assert message.response == {"iin": generated["iin"]}


def test_a_repeated_key_returns_the_first_iin(app, state_systems):
    first = outbox.enqueue(MessageKind.IIN_GENERATION, payload(), key="R10-person-7")
    db.session.commit()
    with HttpGateway() as gateway:
        assert gateway.send(first) == gateway.send(first)
    assert state_systems.counts() == {"R10-person-7": 2}
    assert len(state_systems.persons()) == 1


@pytest.mark.commits  # threads with connections of their own
def test_messages_are_sent_with_no_transaction_open(app, state_systems, applied):
    """A slow state system never holds a database lock or connection in a transaction."""
    open_during_send = []

    class Watching(HttpGateway):
        def send(self, message):
            open_during_send.append(db.session().in_transaction())
            return super().send(message)

    for name in ("Нұрлан", "Айгүл", "Асқар"):
        outbox.enqueue(MessageKind.IIN_GENERATION, payload(given_name=name))
    db.session.commit()
    with app.app_context(), Watching() as gateway:
        assert outbox.process_due("watched", gateway=gateway) == 3
    assert open_during_send == [False, False, False]
    assert len(applied) == 3


class HeldGateway:
    """Sends through the real gateway, but only once the test lets it."""

    def __init__(self):
        self.sending = threading.Event()
        self.go = threading.Event()

    def send(self, message):
        self.sending.set()
        assert self.go.wait(5)
        with HttpGateway() as gateway:
            return gateway.send(message)


def _held_worker(app, gateway, name="A"):
    def run():
        with app.app_context():
            outbox.process_due(name, gateway=gateway)

    thread = threading.Thread(target=run)
    thread.start()
    assert gateway.sending.wait(5)
    return thread


def test_a_leased_message_is_not_sent_by_a_second_worker(app, run_worker, state_systems, applied):
    message = outbox.enqueue(MessageKind.IIN_GENERATION, payload())
    db.session.commit()
    held = HeldGateway()
    thread = _held_worker(app, held)

    assert run_worker(worker_id="B") == 0  # A holds the lease
    db.session.expire_all()
    assert message.locked_by == "A"

    held.go.set()
    thread.join(5)
    db.session.expire_all()
    assert message.status == MessageStatus.SENT
    assert state_systems.counts() == {message.key: 1}
    assert len(applied) == 1


def test_an_expired_lease_is_taken_over_and_the_answer_applied_once(
    clock, app, run_worker, state_systems, applied
):
    """Worker A stalls past its lease; B sends and applies; A's late answer is dropped."""
    app.config["PORTAL_OUTBOX_LEASE_SECONDS"] = 0.1
    message = outbox.enqueue(MessageKind.IIN_GENERATION, payload())
    db.session.commit()
    held = HeldGateway()
    thread = _held_worker(app, held)
    clock.shift(0.15)

    assert run_worker(worker_id="B") == 1
    assert message.status == MessageStatus.SENT
    held.go.set()
    thread.join(5)

    db.session.expire_all()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)
    assert len(applied) == 1
    assert state_systems.counts() == {message.key: 2}  # sent twice, same answer, applied once


def test_an_answer_and_the_sent_mark_are_committed_together(
    clock, app, f, run_worker, state_systems, outbox_handlers
):
    """Should applying an answer fail, nothing of it stays and the message is sent again."""
    person = f.family(f.centre()).members[0]
    calls = []

    def flaky(message, answer):
        calls.append(answer)
        db.session.get(Person, message.person_id).iin = answer["iin"]
        db.session.flush()
        if len(calls) == 1:
            raise RuntimeError("bug")

    outbox_handlers(MessageKind.IIN_GENERATION, flaky)
    message = outbox.enqueue(MessageKind.IIN_GENERATION, payload(person), person_id=person.id)
    db.session.commit()

    run_worker()
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 1)
    assert "RuntimeError" in message.last_error
    assert person.iin is None  # rolled back with the failed attempt

    wait_until_due(clock, message)
    run_worker()
    assert message.status == MessageStatus.SENT
    assert person.iin == calls[0]["iin"] == calls[1]["iin"]


def test_a_kind_without_handler_keeps_its_answer(app, run_worker, state_systems, outbox_handlers):
    outbox_handlers(MessageKind.NAME_VERIFICATION, None)
    message = outbox.enqueue(MessageKind.NAME_VERIFICATION, payload())
    db.session.commit()
    run_worker()
    assert message.status == MessageStatus.SENT
    assert message.response == {"verified": True, "remark": None}


def test_backoff_doubles_with_jitter_up_to_ten_minutes(app):
    app.config["PORTAL_OUTBOX_BACKOFF_SECONDS"] = 2
    for attempts, expected in ((1, 2), (2, 4), (3, 8), (6, 64)):
        for _ in range(20):
            assert 0.75 * expected <= outbox.backoff(attempts) <= expected
    assert 450 <= outbox.backoff(30) <= 600


def test_run_worker_once_outside_fixture(app, state_systems, applied):
    """`run_worker_once(app)` is importable for other features' tests."""
    message = outbox.enqueue(MessageKind.NAME_VERIFICATION, payload())
    db.session.commit()
    assert run_worker_once(app) == 1
    assert message.status == MessageStatus.SENT
