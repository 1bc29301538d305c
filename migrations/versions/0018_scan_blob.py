"""Scans kept in the database (issue 18: every host reaches them without a shared folder)

Revision ID: 4b1e6c9a2d57
Revises: 9d5a1e2f7b34
Create Date: 2026-11-30 15:10:00

Used when PORTAL_SCAN_STORAGE=database; `flask --app wsgi scans move --to database` copies the
scans of a folder into it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4b1e6c9a2d57'
down_revision = '9d5a1e2f7b34'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scan_blob',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_scan_blob'))
    )


def downgrade():
    op.drop_table('scan_blob')
