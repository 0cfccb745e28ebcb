"""A trust or local authority owning several schools, and trust admins (issue 19)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('trust',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('trust', 'authority')", name=op.f('ck_trust_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trust'))
    )
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trust_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_school_trust_id'), ['trust_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_school_trust_id_trust'), 'trust', ['trust_id'], ['id'])
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_trust_admin', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('trust_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_user_trust_id'), ['trust_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_user_trust_id_trust'), 'trust', ['trust_id'], ['id'])


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_user_trust_id_trust'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_user_trust_id'))
        batch_op.drop_column('trust_id')
        batch_op.drop_column('is_trust_admin')
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_school_trust_id_trust'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_school_trust_id'))
        batch_op.drop_column('trust_id')
    op.drop_table('trust')
