"""The school year: MIS roster import ids, leavers, the September rollover and the photo/video consent register

Adds the school's current school year, each pupil's keyed hash of their MIS id and leaving dates, a record of
each rollover (so it runs once a year and can be undone), the consent register, and Reception (year group 0).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

"""
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def _school_year(day: date) -> int:
    """The school year a day falls in (it starts on 1 September); matches esafety.models.school_year_of."""
    return day.year if day.month >= 9 else day.year - 1


def upgrade():
    op.add_column('school', sa.Column('school_year', sa.Integer(), nullable=False, server_default='2026'))
    op.execute(sa.text('UPDATE school SET school_year = :year').bindparams(year=_school_year(date.today())))
    op.add_column('user', sa.Column('mis_id_hash', sa.String(length=64), nullable=True))
    op.add_column('user', sa.Column('left_at', sa.DateTime(), nullable=True))
    op.add_column('user', sa.Column('delete_after', sa.Date(), nullable=True))
    op.create_index('ix_user_school_mis', 'user', ['school_id', 'mis_id_hash'], unique=True)
    op.create_index(op.f('ix_user_delete_after'), 'user', ['delete_after'], unique=False)
    with op.batch_alter_table('school_class', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_school_class_year_group'), type_='check')
        batch_op.create_check_constraint('year_group', 'year_group BETWEEN 0 AND 6')
    op.create_table(
        'rollover',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('school_year', sa.Integer(), nullable=False),
        sa.Column('run_at', sa.DateTime(), nullable=False),
        sa.Column('run_by_id', sa.Integer(), nullable=True),
        sa.Column('before', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['run_by_id'], ['user.id'], name=op.f('fk_rollover_run_by_id_user'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_rollover_school_id_school'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rollover')),
        sa.UniqueConstraint('school_id', 'school_year', name=op.f('uq_rollover_school_id')),
    )
    op.create_index(op.f('ix_rollover_school_id'), 'rollover', ['school_id'], unique=False)
    op.create_table(
        'media_consent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('pupil_id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=20), nullable=False),
        sa.Column('given', sa.Boolean(), nullable=False),
        sa.Column('school_year', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=10), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_by_name', sa.String(length=100), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("purpose IN ('in_school', 'website', 'social_media', 'press')",
                           name=op.f('ck_media_consent_purpose')),
        sa.CheckConstraint("source IN ('parent', 'office')", name=op.f('ck_media_consent_source')),
        sa.ForeignKeyConstraint(['pupil_id'], ['user.id'], name=op.f('fk_media_consent_pupil_id_user'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_media_consent_recorded_by_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_media_consent')),
        sa.UniqueConstraint('pupil_id', 'purpose', name=op.f('uq_media_consent_pupil_id')),
    )
    op.create_index(op.f('ix_media_consent_pupil_id'), 'media_consent', ['pupil_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_media_consent_pupil_id'), table_name='media_consent')
    op.drop_table('media_consent')
    op.drop_index(op.f('ix_rollover_school_id'), table_name='rollover')
    op.drop_table('rollover')
    op.execute("UPDATE school_class SET year_group = 1 WHERE year_group = 0")
    with op.batch_alter_table('school_class', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_school_class_year_group'), type_='check')
        batch_op.create_check_constraint('year_group', 'year_group BETWEEN 1 AND 6')
    op.drop_index(op.f('ix_user_delete_after'), table_name='user')
    op.drop_index('ix_user_school_mis', table_name='user')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('delete_after')
        batch_op.drop_column('left_at')
        batch_op.drop_column('mis_id_hash')
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.drop_column('school_year')
