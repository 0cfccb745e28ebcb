"""A school's own order of the scheme of work (issue 16)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scheme_placement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('year_group', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.String(length=80), nullable=False),
    sa.Column('half_term', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('year_group BETWEEN 1 AND 6', name=op.f('ck_scheme_placement_year_group')),
    sa.CheckConstraint('half_term BETWEEN 1 AND 6', name=op.f('ck_scheme_placement_half_term')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_scheme_placement_school_id_school'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheme_placement')),
    sa.UniqueConstraint('school_id', 'year_group', 'activity_id', name=op.f('uq_scheme_placement_school_id'))
    )
    with op.batch_alter_table('scheme_placement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scheme_placement_school_id'), ['school_id'], unique=False)


def downgrade():
    with op.batch_alter_table('scheme_placement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scheme_placement_school_id'))
    op.drop_table('scheme_placement')
