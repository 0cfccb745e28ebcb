"""DSL alerts and casework: alert outbox, urgency, deputy DSLs, headteacher contact; staff can be deleted

An alert outbox, urgency on concern entries, deputy DSLs, the headteacher contact, and append-only triggers
that let a departed member of staff's account be deleted.

A concern now queues an email alert (alert_outbox) in the same transaction. Staff who leave can be deleted:
the database then clears concern.reporter_id and concern_entry.author_id (ON DELETE SET NULL), which the
triggers allowed only for concern.pupil_id before; every other column, the names as written included, stays
fixed. The new concern_entry.urgency column is one of those fixed columns.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

"""
import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

SQLITE_CONCERN_TRIGGER = "CREATE TRIGGER concern_no_update BEFORE UPDATE ON concern WHEN NOT ((NEW.pupil_id IS NULL OR NEW.pupil_id IS OLD.pupil_id) AND (NEW.reporter_id IS NULL OR NEW.reporter_id IS OLD.reporter_id) AND NEW.id IS OLD.id AND NEW.school_id IS OLD.school_id AND NEW.pupil_name IS OLD.pupil_name AND NEW.class_name IS OLD.class_name AND NEW.source IS OLD.source AND NEW.reporter_name IS OLD.reporter_name AND NEW.category IS OLD.category AND NEW.wants_to_talk IS OLD.wants_to_talk AND NEW.submission_key IS OLD.submission_key AND NEW.created_at IS OLD.created_at) BEGIN SELECT RAISE(ABORT, 'concerns are append-only'); END"
SQLITE_ENTRY_TRIGGER = "CREATE TRIGGER concern_entry_no_update BEFORE UPDATE ON concern_entry WHEN NOT ((NEW.author_id IS NULL OR NEW.author_id IS OLD.author_id) AND NEW.id IS OLD.id AND NEW.concern_id IS OLD.concern_id AND NEW.at IS OLD.at AND NEW.author_name IS OLD.author_name AND NEW.kind IS OLD.kind AND NEW.status IS OLD.status AND NEW.urgency IS OLD.urgency AND NEW.action IS OLD.action AND NEW.text IS OLD.text AND NEW.reason IS OLD.reason AND NEW.corrects_id IS OLD.corrects_id) BEGIN SELECT RAISE(ABORT, 'concern entries are append-only'); END"
PG_FUNCTION = "CREATE OR REPLACE FUNCTION concern_append_only() RETURNS trigger AS $$ BEGIN IF TG_OP = 'UPDATE' THEN IF TG_TABLE_NAME = 'concern' THEN IF (NEW.pupil_id IS NULL OR NEW.pupil_id IS NOT DISTINCT FROM OLD.pupil_id) AND (NEW.reporter_id IS NULL OR NEW.reporter_id IS NOT DISTINCT FROM OLD.reporter_id) AND ROW(NEW.id, NEW.school_id, NEW.pupil_name, NEW.class_name, NEW.source, NEW.reporter_name, NEW.category, NEW.wants_to_talk, NEW.submission_key, NEW.created_at) IS NOT DISTINCT FROM ROW(OLD.id, OLD.school_id, OLD.pupil_name, OLD.class_name, OLD.source, OLD.reporter_name, OLD.category, OLD.wants_to_talk, OLD.submission_key, OLD.created_at) THEN RETURN NEW; END IF; ELSE IF (NEW.author_id IS NULL OR NEW.author_id IS NOT DISTINCT FROM OLD.author_id) AND ROW(NEW.id, NEW.concern_id, NEW.at, NEW.author_name, NEW.kind, NEW.status, NEW.urgency, NEW.action, NEW.text, NEW.reason, NEW.corrects_id) IS NOT DISTINCT FROM ROW(OLD.id, OLD.concern_id, OLD.at, OLD.author_name, OLD.kind, OLD.status, OLD.urgency, OLD.action, OLD.text, OLD.reason, OLD.corrects_id) THEN RETURN NEW; END IF; END IF; END IF; RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only'; END; $$ LANGUAGE plpgsql"

# As revision 0001 left them (0002 changed PostgreSQL only).
OLD_SQLITE_CONCERN_TRIGGER = (
    "CREATE TRIGGER concern_no_update BEFORE UPDATE ON concern WHEN NOT (NEW.pupil_id IS NULL AND NEW.id IS OLD.id "
    "AND NEW.school_id IS OLD.school_id AND NEW.pupil_name IS OLD.pupil_name AND NEW.class_name IS OLD.class_name "
    "AND NEW.source IS OLD.source AND NEW.reporter_id IS OLD.reporter_id AND NEW.reporter_name IS OLD.reporter_name "
    "AND NEW.category IS OLD.category AND NEW.wants_to_talk IS OLD.wants_to_talk AND NEW.submission_key IS "
    "OLD.submission_key AND NEW.created_at IS OLD.created_at) BEGIN SELECT RAISE(ABORT, 'concerns are append-only'); END"
)
OLD_SQLITE_ENTRY_TRIGGER = ("CREATE TRIGGER concern_entry_no_update BEFORE UPDATE ON concern_entry BEGIN SELECT "
                            "RAISE(ABORT, 'concern entries are append-only'); END")
_COLUMNS = ["id", "school_id", "pupil_name", "class_name", "source", "reporter_id", "reporter_name", "category",
            "wants_to_talk", "submission_key", "created_at"]
OLD_PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION concern_append_only() RETURNS trigger AS $$ BEGIN "
    "IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'concern' THEN "
    f"IF NEW.pupil_id IS NULL AND ROW({', '.join('NEW.' + c for c in _COLUMNS)}) IS NOT DISTINCT FROM "
    f"ROW({', '.join('OLD.' + c for c in _COLUMNS)}) THEN RETURN NEW; END IF; "
    "END IF; "
    "RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only'; END; $$ LANGUAGE plpgsql"
)


def upgrade():
    op.create_table('alert_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('concern_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_by', sa.String(length=40), nullable=True),
    sa.Column('claimed_until', sa.DateTime(), nullable=True),
    sa.Column('delivered_to', sa.JSON(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=False),
    sa.CheckConstraint("kind IN ('new', 'escalation')", name=op.f('ck_alert_outbox_kind')),
    sa.ForeignKeyConstraint(['concern_id'], ['concern.id'], name=op.f('fk_alert_outbox_concern_id_concern')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_alert_outbox_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_outbox')),
    sa.UniqueConstraint('concern_id', 'kind', name=op.f('uq_alert_outbox_concern_id'))
    )
    with op.batch_alter_table('alert_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_outbox_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_outbox_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_outbox_sent_at'), ['sent_at'], unique=False)
    # Plain ADD COLUMN (never a batch rebuild): rebuilding concern_entry would drop its triggers.
    op.add_column('school', sa.Column('headteacher_name', sa.String(length=120), nullable=False, server_default=''))
    op.add_column('school', sa.Column('headteacher_email', sa.String(length=254), nullable=False, server_default=''))
    op.add_column('user', sa.Column('is_deputy_dsl', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('concern_entry', sa.Column('urgency', sa.String(length=10), nullable=True))
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('DROP TRIGGER concern_no_update')
        op.execute('DROP TRIGGER concern_entry_no_update')
        op.execute(SQLITE_CONCERN_TRIGGER)
        op.execute(SQLITE_ENTRY_TRIGGER)
    else:
        op.execute(PG_FUNCTION)


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('DROP TRIGGER concern_no_update')
        op.execute('DROP TRIGGER concern_entry_no_update')
        op.execute(OLD_SQLITE_CONCERN_TRIGGER)
        op.execute(OLD_SQLITE_ENTRY_TRIGGER)
    else:
        op.execute(OLD_PG_FUNCTION)
    # SQLite 3.35+ drops a column in place; the column is in no index or trigger once the triggers are back.
    op.drop_column('concern_entry', 'urgency')
    op.drop_column('user', 'is_deputy_dsl')
    op.drop_column('school', 'headteacher_email')
    op.drop_column('school', 'headteacher_name')
    with op.batch_alter_table('alert_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_outbox_sent_at'))
        batch_op.drop_index(batch_op.f('ix_alert_outbox_school_id'))
        batch_op.drop_index(batch_op.f('ix_alert_outbox_due_at'))
    op.drop_table('alert_outbox')
