"""School admins: staff accounts, school settings, whole-school coverage, pupil data export and deletion."""

from flask import Blueprint, g, request

from ..permissions import guard, is_admin

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Pages that write an audit record when they are only read.
AUDITED_READS = {"admin.pupil_record", "admin.pupil_export"}


@bp.before_request
def audited_reads_write():
    """Audited exports take SQLite's write lock when their transaction begins."""
    # Registered before the guard, whose user lookup begins the transaction (see safeguarding/__init__.py).
    if request.endpoint in AUDITED_READS:
        g.writes_on_read = True


guard(bp, is_admin, second_factor=True)

from . import routes, staff  # noqa: E402,F401
