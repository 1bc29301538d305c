"""The centre's change history (issue 15: every change to operational data audited)

Revision ID: 6f27fbe825e1
Revises: d4a7e0c51b13
Create Date: 2026-11-30 07:05:07

Rooms, beds, their time in service, courses and sessions are now audited; each entry names
the centre the record belongs to, so that the centre's page shows its newest changes with one
indexed read. Nothing to fill in: none of these records was audited before.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6f27fbe825e1'
down_revision = 'd4a7e0c51b13'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('centre_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_audit_entry_centre', ['centre_id', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entry_centre')
        batch_op.drop_column('centre_id')
