"""The checklist by rule set: documents written in Kazakh or Russian, and K6's recommendation

Revision ID: 3971f352aa1e
Revises: b7da7281af41
Create Date: 2026-11-30 05:45:00

- document.in_kazakh_or_russian: R4 (3) asks a notarised translation only of documents in
  another language (existing documents: not marked, as before);
- document.kind gains "recommendation": under the 2025 rules (K6) a nationality commission's
  recommendation stands for the proof of Kazakh nationality.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3971f352aa1e'
down_revision = 'b7da7281af41'
branch_labels = None
depends_on = None

KINDS = ('autobiography', 'photos', 'identity', 'birth_certificate', 'residence_1991',
         'nationality')


def _in(values):
    return f"kind IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('in_kazakh_or_russian', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.drop_constraint(op.f('ck_document_document_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_document_document_kind'), _in(KINDS + ('recommendation',)))


def downgrade():
    op.execute("DELETE FROM document WHERE kind = 'recommendation'")
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_document_document_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_document_document_kind'), _in(KINDS))
        batch_op.drop_column('in_kazakh_or_russian')
