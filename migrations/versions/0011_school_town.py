"""Each school's town or village, shown beside its name where schools are listed together (issue 19)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

Existing schools get an empty town, shown as the name alone until an admin fills it in (School settings).
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.add_column(sa.Column('town', sa.String(length=80), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.drop_column('town')
