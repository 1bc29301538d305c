"""What the residents feature announces, for other features to react to without importing it
the other way round (blinker signals, as Flask's own)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from blinker import Namespace
from flask import render_template
from markupsafe import Markup

_signals = Namespace()

# A person's data was corrected: sent with the person and `changes` ({field: (old, new)}),
# after the change is flushed, in the same transaction. R10: the applications feature sends
# the MIA a change notice once the person has an IIN.
person_changed = _signals.signal("person-changed")

# A member entered by mistake is about to be deleted: sent with the person, in the same
# transaction, before the row goes. R10: the applications feature tells the MIA the data were
# deleted, and lets go of the person's documents and checks.
person_removing = _signals.signal("person-removing")

# A person's page is being shown: sent with the person (already in the viewer's scope) and
# `staff_side` (whether the viewer works for a centre or above). A feature with something to
# show about the person answers with a `PersonPanel`, or None; the residents feature places
# the panels without knowing what they hold (duplicate findings, services, the account).
person_page = _signals.signal("person-page")


@dataclass(frozen=True)
class PersonPanel:
    """A rendered part of the person page: `slot` says where ("facts" below the person's
    details, "sections" below the stays), `order` its place within the slot."""

    slot: Literal["facts", "sections"]
    order: int
    html: Markup

    @classmethod
    def render(cls, slot: Literal["facts", "sections"], order: int, template: str, **context):
        return cls(slot, order, Markup(render_template(template, **context)))
