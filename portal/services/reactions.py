"""How the services features show themselves elsewhere: the person's service record (C8), on
their page for staff and for the family alike."""

from __future__ import annotations

from flask import url_for

from portal.residents.signals import PersonPanel, person_page
from portal.services.record import person_record


def _services_panel(person, *, staff_side: bool) -> PersonPanel:
    return PersonPanel.render(
        "sections",
        10,
        "services/_person_services.html",
        service_record=person_record(person),
        services_url=url_for("cases.person_services", person_id=person.id) if staff_side else None,
    )


def connect() -> None:
    person_page.connect(_services_panel, weak=False)
