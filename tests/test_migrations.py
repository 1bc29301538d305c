"""The migration chain: upgrade an empty database, match the models, downgrade and again."""

from __future__ import annotations

from flask_migrate import check, downgrade, upgrade
from sqlalchemy import Enum, create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.accommodation.models import Region
from portal.extensions import db


def _scratch_database(database_url: str, tmp_path) -> str:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path / 'migrations.db'}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS portal_migrations"))
        conn.execute(text("CREATE DATABASE portal_migrations"))
    admin.dispose()
    return url.set(database="portal_migrations").render_as_string(hide_password=False)


def test_upgrade_check_downgrade_upgrade(database_url, tmp_path):
    url = _scratch_database(database_url, tmp_path)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": {}, "SECRET_KEY": "x"}
    )
    with app.app_context():
        upgrade()
        check()  # raises when the models and the migrations differ
        _enum_constraints_hold_every_value()
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
