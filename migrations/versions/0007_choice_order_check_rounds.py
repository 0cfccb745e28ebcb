"""Choices shuffled per attempt (the order kept on the attempt); What do I know? checks opened to a class

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('choice_order', sa.JSON(), nullable=True))
    op.create_table(
        'check_round',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('class_id', sa.Integer(), nullable=False),
        sa.Column('quiz_id', sa.String(length=80), nullable=False),
        sa.Column('stage', sa.String(length=10), nullable=False),
        sa.Column('opened_at', sa.DateTime(), nullable=False),
        sa.Column('opened_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("stage IN ('baseline', 'later')", name=op.f('ck_check_round_stage')),
        sa.ForeignKeyConstraint(['class_id'], ['school_class.id'], name=op.f('fk_check_round_class_id_school_class'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['opened_by_id'], ['user.id'], name=op.f('fk_check_round_opened_by_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_check_round')),
    )
    with op.batch_alter_table('check_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_round_class_id'), ['class_id'], unique=False)


def downgrade():
    with op.batch_alter_table('check_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_check_round_class_id'))
    op.drop_table('check_round')
    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        batch_op.drop_column('choice_order')
