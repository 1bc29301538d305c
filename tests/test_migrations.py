"""The migration chain: upgrade an empty database, match the models, downgrade and again."""

from __future__ import annotations

from flask_migrate import check, downgrade, upgrade
from sqlalchemy import Date, Enum, func, inspect, select, text

from portal import create_app
from portal.accommodation.models import Region
from portal.extensions import db
from tests.scratch import scratch_database


def test_upgrade_check_downgrade_upgrade(database_url, tmp_path):
    url = scratch_database(database_url, tmp_path, "portal_migrations")
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": {}, "SECRET_KEY": "x"}
    )
    with app.app_context():
        upgrade()
        check()  # raises when the models and the migrations differ
        _enum_constraints_hold_every_value()
        _date_columns_have_their_window()
        _stays_cannot_overlap()
        assert db.session.scalar(select(func.count()).select_from(Region)) == 20
        assert {"person", "family", "stay", "audit_entry"} <= set(
            inspect(db.engine).get_table_names()
        )
        db.session.remove()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert db.session.scalar(select(func.count()).select_from(Region)) == 20
        db.session.remove()
        db.engine.dispose()


def _enum_constraints_hold_every_value():
    """`check()` does not compare CHECK constraints: a value added to an enum without its
    migration would only fail on the first row that uses it. Every enum column's named
    constraint in the migrated database must name every value of the model's enum."""
    inspector = inspect(db.engine)
    missing = []
    for table in db.metadata.sorted_tables:
        constraints = {c["name"]: c["sqltext"] for c in inspector.get_check_constraints(table.name)}
        for column in table.columns:
            if not isinstance(column.type, Enum):
                continue
            name = f"ck_{table.name}_{column.type.name}"
            text_ = constraints.get(name, "")
            missing += [f"{name}: {v}" for v in column.type.enums if f"'{v}'" not in text_]
    assert missing == []


def _date_columns_have_their_window():
    """Issue 15: every date column's 1900–2100 window (portal.db.bound_dates) is in the
    migrated database, so that a date column added without it fails here."""
    inspector = inspect(db.engine)
    missing = []
    for table in db.metadata.sorted_tables:
        names = {c["name"] for c in inspector.get_check_constraints(table.name)}
        missing += [f"{table.name}.{c.name}" for c in table.columns
                    if isinstance(c.type, Date) and f"ck_{table.name}_{c.name}_window" not in names]  # fmt: skip
    assert missing == []


def _stays_cannot_overlap():
    """The no-overlap rule of stays (0001) survives the migrations after it: on SQLite its
    triggers are dropped by any rebuild of the table (as adding a CHECK constraint does)."""
    if db.engine.dialect.name == "sqlite":
        names = set(db.session.scalars(text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'stay'")))  # fmt: skip
        assert names == {"stay_no_overlap_insert", "stay_no_overlap_update"}
    else:
        names = set(db.session.scalars(text(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'stay'::regclass AND contype = 'x'")))  # fmt: skip
        assert names == {"ex_stay_bed_id_overlap", "ex_stay_person_id_overlap"}
