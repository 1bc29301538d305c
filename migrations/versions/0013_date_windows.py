"""Every date column holds a day from 1900 to 2100 (issue 15: input bounded at the edge)

Revision ID: d4a7e0c51b13
Revises: 31c7cfcfa26c
Create Date: 2026-11-30 07:10:00

The forms refuse dates outside the window (portal.bounds, portal.forms.DateField); the
database refuses them too, so that no other path (a script, an import) stores year 1 or 9999
in a stay, a bed's service or a deadline. The constraints are `portal.db.bound_dates`.
"""
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd4a7e0c51b13'
down_revision = '31c7cfcfa26c'
branch_labels = None
depends_on = None

DATE_COLUMNS = {
    'family': ['registered_on'],
    'person': ['birth_date'],
    'application': ['decided_on', 'protocol_date', 'decision_due_on', 'certificate_issued_on',
                    'certificate_valid_until', 'preliminary_on', 'hearing_due_on',
                    'hearing_held_on', 'extended_on', 'withdrawn_on'],
    'bed_in_service': ['start_on', 'end_on'],
    'quota_application': ['submitted_on', 'decided_on'],
    'stay': ['start_on', 'end_on'],
    'activity': ['start_on', 'end_on'],
    'appeal': ['decided_on'],
    'calendar_override': ['day'],
    'document': ['issued_on', 'expires_on'],
    'service_case': ['opened_on', 'due_on', 'closed_on'],
    'submission': ['received_on', 'due_on', 'decided_on'],
}


def upgrade():
    for table, columns in DATE_COLUMNS.items():
        with _triggers_kept(table), op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.create_check_constraint(
                    op.f(f'ck_{table}_{column}_window'),
                    f"{column} >= '1900-01-01' AND {column} <= '2100-12-31'",
                )


def downgrade():
    for table, columns in DATE_COLUMNS.items():
        with _triggers_kept(table), op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_constraint(op.f(f'ck_{table}_{column}_window'), type_='check')


@contextmanager
def _triggers_kept(table):
    """SQLite adds a CHECK constraint by rebuilding the table, which drops its triggers (the
    stays' no-overlap triggers of 0001): they are read before and created again after."""
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        yield
        return
    triggers = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
        {'t': table},
    ).scalars().all()
    yield
    for sql in triggers:
        op.execute(sql)
