"""Pupils: their home, lessons, quizzes, and the Tell button."""

from flask import Blueprint

from ..permissions import guard, is_pupil

bp = Blueprint("pupil", __name__, url_prefix="/pupil")
guard(bp, is_pupil, sign_in="auth.pupil_login")

from . import quizzes, routes, tell  # noqa: E402,F401  (routes register on bp)
