"""School admins: staff accounts, school settings, whole-school coverage, pupil data export and deletion."""

from flask import Blueprint

from ..permissions import guard, is_admin

bp = Blueprint("admin", __name__, url_prefix="/admin")
# Pages that write an audit record when they are only read take SQLite's write lock up front (database.py).
bp.reads_that_write = {"admin.pupil_record", "admin.pupil_export"}


guard(bp, is_admin)

from . import routes, staff  # noqa: E402,F401
