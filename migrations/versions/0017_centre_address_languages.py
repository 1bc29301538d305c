"""The centre's postal address in Kazakh, Russian and English (issue 17: a Russian letter
prints the Russian address)

Revision ID: 9d5a1e2f7b34
Revises: 8c4f0d3e5a16
Create Date: 2026-11-30 10:00:00

The address written so far becomes the Kazakh one; the Russian and English ones start empty,
and the Kazakh one is printed in their place until the centre writes them (its "Contact
details" page).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9d5a1e2f7b34'
down_revision = '8c4f0d3e5a16'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('centre', schema=None) as batch_op:
        batch_op.alter_column('address', new_column_name='address_kk',
                              existing_type=sa.String(length=300), existing_nullable=False)
        batch_op.add_column(sa.Column('address_ru', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('address_en', sa.String(length=300), nullable=True))


def downgrade():
    with op.batch_alter_table('centre', schema=None) as batch_op:
        batch_op.drop_column('address_en')
        batch_op.drop_column('address_ru')
        batch_op.alter_column('address_kk', new_column_name='address',
                              existing_type=sa.String(length=300), existing_nullable=False)
