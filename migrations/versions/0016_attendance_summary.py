"""Attendance per session and centre, kept (issue 16: reports from aggregates)

Revision ID: 8c4f0d3e5a16
Revises: 5e8b2c7a9d15
Create Date: 2026-11-30 09:13:42

Each session's attendance marks counted by the centre of the marked persons' families (every
mark, and those present or late): filled here by the same computation that keeps it current
afterwards (`portal.services.courses.summary.rebuild`).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8c4f0d3e5a16'
down_revision = '5e8b2c7a9d15'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attendance_summary',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('marks', sa.Integer(), nullable=False),
    sa.Column('attended', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_attendance_summary_centre_id_centre')),
    sa.ForeignKeyConstraint(['session_id'], ['activity_session.id'], name=op.f('fk_attendance_summary_session_id_activity_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'centre_id', name=op.f('pk_attendance_summary'))
    )
    # The backfill is the application's own computation, so that the rows are what the
    # listener would have written (tests/services/test_attendance_summary.py compares both).
    from portal.services.courses import summary

    summary.rebuild(op.get_bind())


def downgrade():
    op.drop_table('attendance_summary')
