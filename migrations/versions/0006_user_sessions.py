"""Sessions as records: one row per log-in; the account's single session token goes

Revision ID: 7a3e5d1c9b20
Revises: 5c0046968491
Create Date: 2026-11-30 02:24:03.011165

Sessions used to be named in the cookie by "<user id>:<user.session_token>". The token goes
with this revision, so such a cookie simply counts as logged out afterwards (the user loader
reads only "<session id>.<secret>"): everyone logs in once more, and nothing else changes.

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a3e5d1c9b20'
down_revision = '5c0046968491'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.Enum('logged_out', 'ended_from_another', 'password_changed', 'password_set', 'reset', 'locked', name='session_end', native_enum=False, create_constraint=True, length=22), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.Column('user_agent', sa.String(length=200), nullable=True),
    sa.CheckConstraint('(ended_at IS NULL AND end_reason IS NULL) OR (ended_at IS NOT NULL AND end_reason IS NOT NULL)', name=op.f('ck_user_session_ended_with_reason')),
    sa.ForeignKeyConstraint(['ended_by_id'], ['user.id'], name=op.f('fk_user_session_ended_by_id_user')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_session_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_token')


def downgrade():
    # The token comes back random for every account: every session ends, as on the way up.
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.VARCHAR(length=32), nullable=True))
    user = sa.table('user', sa.column('id', sa.Integer()), sa.column('session_token', sa.String()))
    conn = op.get_bind()
    for (user_id,) in conn.execute(sa.select(user.c.id)).all():
        conn.execute(
            user.update().where(user.c.id == user_id).values(session_token=secrets.token_hex(16))
        )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.VARCHAR(length=32), nullable=False)

    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))

    op.drop_table('user_session')
