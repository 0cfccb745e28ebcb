"""Stored coverage tallies per school and statement, and the content mapping they were counted under (issue 19)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

Existing schools get no stamp, so their coverage is counted live from completions (as before this revision)
until `flask coverage rebuild` counts them; `make run` and the upgrade steps in docs/operations.md run it.
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('coverage_tally',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.String(length=80), nullable=False),
    sa.Column('covered', sa.Integer(), nullable=False),
    sa.Column('first_at', sa.DateTime(), nullable=False),
    sa.Column('last_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_coverage_tally_school_id_school'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('school_id', 'statement_id', name=op.f('pk_coverage_tally'))
    )
    op.create_table('coverage_stamp',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('mapping', sa.String(length=64), nullable=False),
    sa.Column('counted_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_coverage_stamp_school_id_school'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('school_id', name=op.f('pk_coverage_stamp'))
    )


def downgrade():
    op.drop_table('coverage_stamp')
    op.drop_table('coverage_tally')
