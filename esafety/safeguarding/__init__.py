"""The designated safeguarding lead's concerns inbox: the only place Tell reports can be read."""

from flask import Blueprint, g

from ..permissions import guard, is_dsl

bp = Blueprint("safeguarding", __name__, url_prefix="/concerns")


@bp.before_request
def audited_reads_write():
    """Every view of a concern writes an audit record, so even reads take SQLite's write lock up front."""
    # Registered before the guard: the guard loads the signed-in user, which begins the transaction, and
    # BEGIN is where the lock is taken (a deferred BEGIN upgraded later fails at once with "database is
    # locked" while pupils are saving).
    g.writes_on_read = True


guard(bp, is_dsl, second_factor=True)

from . import routes  # noqa: E402,F401
