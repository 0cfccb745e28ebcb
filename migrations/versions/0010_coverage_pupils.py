"""Each school's counted pupils stored on its coverage stamp, so a trust's page does not count them (issue 19)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

Existing stamps get no count, which makes their schools stale: coverage is counted live from completions until
`flask coverage rebuild` counts them again (`make run` and the upgrade steps in docs/operations.md run it).
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('coverage_stamp', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pupils', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('coverage_stamp', schema=None) as batch_op:
        batch_op.drop_column('pupils')
