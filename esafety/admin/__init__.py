"""School admins: staff accounts, school settings, whole-school coverage, pupil data export and deletion."""

from flask import Blueprint

from ..permissions import guard, is_admin

bp = Blueprint("admin", __name__, url_prefix="/admin")
guard(bp, is_admin, second_factor=True)

from . import routes  # noqa: E402,F401
