"""Wrong passwords are counted per login and address by the throttle, not on the account

Revision ID: 3d8b1f6a0c47
Revises: 7a3e5d1c9b20
Create Date: 2026-11-30 03:10:00

The account's own counter (failed_logins, login_blocked_until) let anyone who knew a login
keep its owner out with five wrong passwords every quarter of an hour. The throttle
(portal/auth/throttle.py) counts wrong answers per login *and* address instead, and per
address across logins; the columns go.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3d8b1f6a0c47'
down_revision = '7a3e5d1c9b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('login_blocked_until')
        batch_op.drop_column('failed_logins')


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('login_blocked_until', sa.DateTime(timezone=True), nullable=True))
