"""Teachers: classes, pupils, login cards, set work, progress, misconceptions and curriculum coverage."""

from flask import Blueprint

from ..permissions import guard, is_teacher

bp = Blueprint("teacher", __name__, url_prefix="/teacher")
guard(bp, is_teacher)

from . import concerns, routes  # noqa: E402,F401  (concerns: staff log a concern for the DSL)
