"""Issue 16: settings are read once per process and kept until they change; a change made by
another process (or host) is seen at the next request through the settings' stamp, which the
user loader reads within its one query."""

from __future__ import annotations

import pytest
from flask import g
from sqlalchemy import update

from portal.admin import settings
from portal.admin.models import Setting
from portal.clock import now_utc
from portal.extensions import db

pytestmark = pytest.mark.clock("2026-11-25 09:00")


def _new_request() -> None:
    """What a new request starts with: no stamp read yet."""
    g.pop("settings_stamp", None)


def test_values_are_read_once_until_the_settings_change(app, count_queries):
    settings.set_value(settings.MAX_STAY_DAYS_ADAPTATION, 200, None)
    db.session.commit()
    _new_request()
    assert settings.get(settings.MAX_STAY_DAYS_ADAPTATION) == 200
    with count_queries() as q:
        for key in settings.DEFINITIONS:
            settings.get(key)
    assert q.count == 0  # the stamp of this request is known, the values are kept
    _new_request()
    with count_queries() as q:
        assert settings.get(settings.MAX_STAY_DAYS_TEMPORARY) == 90
    assert q.count == 1  # a new request: the stamp once, the values kept


def test_a_change_made_elsewhere_is_seen_at_the_next_request(app, clock):
    settings.set_value(settings.DECISION_WORKING_DAYS, 12, None)
    db.session.commit()
    assert settings.get(settings.DECISION_WORKING_DAYS) == 12
    # Another process saves a value a minute later: this one learns it only from the database.
    clock.shift(60)
    table = Setting.__table__
    db.session.execute(
        update(table)
        .where(table.c.key == settings.DECISION_WORKING_DAYS)
        .values(value="15", updated_at=now_utc())
    )
    db.session.commit()
    assert settings.get(settings.DECISION_WORKING_DAYS) == 12  # this request: as it began
    _new_request()
    assert settings.get(settings.DECISION_WORKING_DAYS) == 15


def test_a_setting_saved_here_is_seen_at_once(app):
    assert settings.get(settings.CERTIFICATE_VALIDITY_DAYS) == 365
    settings.set_value(settings.CERTIFICATE_VALIDITY_DAYS, 400, None)
    assert settings.get(settings.CERTIFICATE_VALIDITY_DAYS) == 400
    db.session.rollback()
    _new_request()
    assert settings.get(settings.CERTIFICATE_VALIDITY_DAYS) == 365


def test_the_signed_in_user_s_request_reads_the_stamp_with_the_user(app, f, login, client, clock):
    """The session limits come from the kept values; a limit changed by another process
    applies at this process's next request (the stamp travels with the user loader's query)."""
    user = f.user("staff", centre=f.centre())
    login(user)
    assert client.get("/en/work").status_code == 200
    assert settings._Kept.values[settings.SESSION_IDLE_MINUTES] == 60  # the default
    clock.shift(60)
    db.session.execute(
        Setting.__table__.insert().values(
            key=settings.SESSION_IDLE_MINUTES, value="25", updated_at=now_utc()
        )
    )
    db.session.commit()
    assert client.get("/en/work").status_code == 200
    assert settings._Kept.values[settings.SESSION_IDLE_MINUTES] == 25
