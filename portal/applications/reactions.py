"""How the applications feature reacts to what happens elsewhere: the state systems' answers
(applied by the outbox worker, in its transaction) and corrections of a person's data (R10)."""

from __future__ import annotations

from portal.applications.operations import (
    notify_change,
    on_change_notice,
    on_iin_generated,
    on_iin_lookup,
    on_name_verification,
)
from portal.integrations import outbox
from portal.integrations.models import MessageKind
from portal.residents.signals import person_changed


def _on_person_changed(person, *, changes: dict[str, tuple]) -> None:
    notify_change(person, changes)


def register_handlers() -> None:
    outbox.register_handler(MessageKind.NAME_VERIFICATION, on_name_verification)
    outbox.register_handler(MessageKind.IIN_LOOKUP, on_iin_lookup)
    outbox.register_handler(MessageKind.IIN_GENERATION, on_iin_generated)
    outbox.register_handler(MessageKind.CHANGE_NOTICE, on_change_notice)
    person_changed.connect(_on_person_changed, weak=False)
