"""How the auth feature shows itself elsewhere: the resident's portal account, on the person
page for the staff side (opened, reset and locked by the routes in `views.py`)."""

from __future__ import annotations

from portal.auth import operations as accounts
from portal.residents.signals import PersonPanel, person_page


def _account_panel(person, *, staff_side: bool) -> PersonPanel | None:
    if not staff_side:
        return None
    return PersonPanel.render(
        "sections",
        20,
        "auth/_person_account.html",
        person=person,
        account=accounts.account_of(person),
    )


def connect() -> None:
    person_page.connect(_account_panel, weak=False)
