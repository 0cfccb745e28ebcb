"""Login cards can expire; a school can sign pupils out once their Tell is sent

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('card_expires_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sign_out_after_tell', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.drop_column('sign_out_after_tell')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('card_expires_at')
