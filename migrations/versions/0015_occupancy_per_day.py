"""Occupancy per centre and day, kept (issue 16: reports from aggregates)

Revision ID: 5e8b2c7a9d15
Revises: 6f27fbe825e1
Create Date: 2026-11-30 09:11:12

Each centre's beds in service and persons living there, per day, from the first day anything
happened up to today: filled here by the same computation that keeps it current afterwards
(`portal.accommodation.daily.rebuild`; the days after today are written as they come).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e8b2c7a9d15'
down_revision = '6f27fbe825e1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('occupancy_day',
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('beds', sa.Integer(), nullable=False),
    sa.Column('persons', sa.Integer(), nullable=False),
    sa.CheckConstraint("day >= '1900-01-01' AND day <= '2100-12-31'", name=op.f('ck_occupancy_day_day_window')),
    sa.CheckConstraint("week >= '1900-01-01' AND week <= '2100-12-31'", name=op.f('ck_occupancy_day_week_window')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_occupancy_day_centre_id_centre')),
    sa.PrimaryKeyConstraint('centre_id', 'day', name=op.f('pk_occupancy_day'))
    )
    # The backfill is the application's own computation, so that the rows are what the
    # listener would have written (tests/accommodation/test_daily.py compares both).
    from portal.accommodation import daily

    daily.rebuild(op.get_bind())


def downgrade():
    op.drop_table('occupancy_day')
