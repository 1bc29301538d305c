"""K4: a preliminary refusal, the hearing within two working days, then the final decision

Revision ID: 31c7cfcfa26c
Revises: 239092a3009f
Create Date: 2026-11-30 06:00:00

A new state, "hearing", and the preliminary refusal's day, the hearing's due day, the day it
was held and its minutes (the preliminary ground and reasons are the refusal's own fields).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '31c7cfcfa26c'
down_revision = '239092a3009f'
branch_labels = None
depends_on = None

STATES = ('draft', 'submitted', 'documents_refused', 'documents_accepted', 'checks_running',
          'ready_for_decision', 'status_granted', 'status_refused', 'certificate_issued',
          'withdrawn')


def _in(values):
    return f"state IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('preliminary_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('hearing_due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('hearing_held_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('hearing_minutes', sa.Text(), nullable=True))
        batch_op.drop_constraint(op.f('ck_application_application_state'), type_='check')
        batch_op.create_check_constraint(op.f('ck_application_application_state'), _in(STATES + ('hearing',)))


def downgrade():
    op.execute("UPDATE application SET state = 'ready_for_decision' WHERE state = 'hearing'")
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_application_application_state'), type_='check')
        batch_op.create_check_constraint(op.f('ck_application_application_state'), _in(STATES))
        batch_op.drop_column('hearing_minutes')
        batch_op.drop_column('hearing_held_on')
        batch_op.drop_column('hearing_due_on')
        batch_op.drop_column('preliminary_on')
