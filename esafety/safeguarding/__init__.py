"""The designated safeguarding lead's concerns inbox: the only place Tell reports can be read."""

from flask import Blueprint
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from ..permissions import guard, is_dsl, second_factor_done

bp = Blueprint("safeguarding", __name__, url_prefix="/concerns")
# Every view of a concern writes an audit record, so even reads take SQLite's write lock when they begin
# (esafety/database.py: a deferred BEGIN upgraded later fails with "database is locked" while pupils save).
bp.reads_that_write = "all"


guard(bp, is_dsl)



@bp.app_context_processor
def new_concern_count():
    """Every page a DSL sees (past the second factor) shows how many concerns are waiting: one query."""
    if not is_dsl(current_user) or not second_factor_done():
        return {}
    from ..concerns import count_new

    try:
        return {"new_concerns": count_new(current_user.school_id)}
    except SQLAlchemyError:
        return {}  # the database is failing: the page (often the error page saying so) still renders


from . import casework, routes  # noqa: E402,F401
