"""Enqueue outbox messages as a host's code does, for the rehearsal (tests/cluster):

    python -m tests.cluster.enqueue COUNT PREFIX

with a host's environment (its PORTAL_DATABASE_URL). COUNT name verifications that belong to
no application (their answers are kept and change nothing), keyed PREFIX-000, PREFIX-001, …,
committed at once, in one transaction, as an operation would.
"""

from __future__ import annotations

import sys

from portal import create_app
from portal.extensions import db
from portal.integrations import outbox
from portal.integrations.models import MessageKind

PERSON = {
    "surname": "Жаттығуова",
    "given_name": "Айгерім",
    "patronymic": None,
    "birth_date": "1990-03-22",
}


def main(count: int, prefix: str) -> None:
    app = create_app()
    with app.app_context():
        for i in range(count):
            outbox.enqueue(MessageKind.NAME_VERIFICATION, PERSON, key=f"{prefix}-{i:03d}")
        db.session.commit()
    print(f"{count} message(s) enqueued as {prefix}-000…")


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
