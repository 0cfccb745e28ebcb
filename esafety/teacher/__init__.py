"""Teachers: classes, pupils, login cards, set work, progress, misconceptions and curriculum coverage."""

from flask import Blueprint

from ..permissions import guard, is_teacher

bp = Blueprint("teacher", __name__, url_prefix="/teacher")
guard(bp, is_teacher)

# Views by what a teacher does: classes and pupils, work and progress, exports and evidence, concerns.
from . import checks, concerns, evidence, exports, routes, scheme, school_year, teaching, work  # noqa: E402,F401
