"""PostgreSQL: the append-only trigger function names its own error for concern_entry rows

The function shared by the concern and concern_entry triggers tested `NEW.pupil_id` in the same IF as
`TG_TABLE_NAME = 'concern'`. PL/pgSQL does not short-circuit AND, so an UPDATE or DELETE on a concern_entry
row failed with 'record "new" has no field "pupil_id"' instead of 'concern_entry is append-only'. The rows
were protected either way; this makes the refusal deliberate and its message true. SQLite is unchanged.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

"""
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_COLUMNS = ["id", "school_id", "pupil_name", "class_name", "source", "reporter_id", "reporter_name", "category",
            "wants_to_talk", "submission_key", "created_at"]
_NEW = ", ".join(f"NEW.{c}" for c in _COLUMNS)
_OLD = ", ".join(f"OLD.{c}" for c in _COLUMNS)

NESTED = (
    "CREATE OR REPLACE FUNCTION concern_append_only() RETURNS trigger AS $$ BEGIN "
    "IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'concern' THEN "
    f"IF NEW.pupil_id IS NULL AND ROW({_NEW}) IS NOT DISTINCT FROM ROW({_OLD}) THEN RETURN NEW; END IF; "
    "END IF; "
    "RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only'; END; $$ LANGUAGE plpgsql"
)
FLAT = (
    "CREATE OR REPLACE FUNCTION concern_append_only() RETURNS trigger AS $$ BEGIN "
    f"IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'concern' AND NEW.pupil_id IS NULL AND ROW({_NEW}) IS NOT DISTINCT FROM ROW({_OLD}) "
    "THEN RETURN NEW; END IF; "
    "RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only'; END; $$ LANGUAGE plpgsql"
)


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(NESTED)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(FLAT)
