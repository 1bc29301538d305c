"""A status application, its documents and its checks are seen with the family."""

from __future__ import annotations

from portal.access import scope, visible_ids
from portal.applications.checks.models import PersonCheck
from portal.applications.models import Appeal, Application, Document
from portal.residents.models import Family


@scope(Application)
def _applications(user):
    return Application.family_id.in_(visible_ids(Family, user))


@scope(Document)
def _documents(user):
    return Document.application_id.in_(visible_ids(Application, user))


@scope(PersonCheck)
def _checks(user):
    return PersonCheck.application_id.in_(visible_ids(Application, user))


@scope(Appeal)
def _appeals(user):
    return Appeal.application_id.in_(visible_ids(Application, user))
