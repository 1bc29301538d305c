"""Several workers at once never send a message twice while their leases hold (SQLite: one
conditional UPDATE per row; PostgreSQL: FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select

from portal import iin as iin_rules
from portal.extensions import db
from portal.integrations import outbox
from portal.integrations.models import MessageKind, MessageStatus, OutboxMessage
from tests.fixtures_integrations import pending_count

PERSON = {
    "surname": "Қасымов",
    "given_name": "Нұрлан",
    "patronymic": None,
    "birth_date": "1985-03-14",
    "sex": "M",
    "citizenship": "CN",
    "document_number": None,
}


def _payload(kind: MessageKind, i: int) -> dict:
    if kind == MessageKind.CHANGE_NOTICE:
        iin = iin_rules.make(date(1985, 3, 14), "M", i)
        return {"iin": iin, "changes": {"phone": [None, f"+7 701 000 {i:04d}"]}}
    return {**PERSON, "given_name": f"Нұрлан {i}"}


@pytest.mark.commits  # threads with connections of their own
def test_r7_r10_r18_three_workers_send_each_request_exactly_once(
    app, state_systems, outbox_handlers
):
    lock = threading.Lock()
    applied: Counter = Counter()
    by_worker: Counter = Counter()

    def record(message, answer):
        with lock:
            applied[message.key] += 1
            by_worker[threading.current_thread().name] += 1

    kinds = list(MessageKind)
    for kind in kinds:
        outbox_handlers(kind, record)
    keys = [outbox.enqueue(kinds[i % 4], _payload(kinds[i % 4], i)).key for i in range(30)]
    db.session.commit()
    state_systems.set(latency_ms=5)

    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def work():
        name = threading.current_thread().name
        try:
            with app.app_context():
                start.wait()
                deadline = time.monotonic() + 15
                while pending_count() and time.monotonic() < deadline:
                    if outbox.process_due(name, batch=3) == 0:
                        time.sleep(0.01)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=work, name=f"worker-{n}") for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)

    assert errors == []
    assert state_systems.counts() == {key: 1 for key in keys}  # each request_id received once
    assert applied == {key: 1 for key in keys}  # each answer applied once
    db.session.expire_all()
    rows = db.session.execute(select(OutboxMessage.status, OutboxMessage.attempts)).all()
    assert Counter(rows) == {(MessageStatus.SENT, 1): 30}
    assert len(by_worker) >= 2, by_worker  # the work was really shared
