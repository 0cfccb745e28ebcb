"""The designated safeguarding lead's concerns inbox: the only place Tell reports can be read."""

from flask import Blueprint

from ..permissions import guard, is_dsl

bp = Blueprint("safeguarding", __name__, url_prefix="/concerns")
# Every view of a concern writes an audit record, so even reads take SQLite's write lock when they begin
# (esafety/database.py: a deferred BEGIN upgraded later fails with "database is locked" while pupils save).
bp.reads_that_write = "all"


guard(bp, is_dsl)

from . import routes  # noqa: E402,F401
