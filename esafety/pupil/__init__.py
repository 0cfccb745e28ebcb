"""Pupils: their home, lessons, quizzes, and the Tell button."""

from flask import Blueprint

from ..permissions import guard, is_pupil

bp = Blueprint("pupil", __name__, url_prefix="/pupil")
guard(bp, is_pupil, sign_in="auth.pupil_login")
# A quiz answer writes one UPDATE of its attempt (an attempt begun before its quiz changed is first reset, by
# another that is as complete on its own): on PostgreSQL it needs no transaction (database.writes_stand_alone).
# A Finish marks the attempt, writes its responses and the school's coverage together, in one transaction.
bp.standalone_writes = {"pupil.quiz_attempt": lambda request: "finish" not in request.form}

from . import quizzes, routes, tell  # noqa: E402,F401  (routes register on bp)
