"""The designated safeguarding lead's concerns inbox: the only place Tell reports can be read."""

from flask import Blueprint, g

from ..permissions import guard, is_dsl

bp = Blueprint("safeguarding", __name__, url_prefix="/concerns")
guard(bp, is_dsl, second_factor=True)


@bp.before_request
def audited_reads_write():
    """Every view of a concern writes an audit record, so even reads take SQLite's write lock up front."""
    g.writes_on_read = True


from . import routes  # noqa: E402,F401
