"""Trust admins: the coverage of every school of their trust side by side, and each school's admin accounts.

Nothing else: no pupil, class or concern of any school is reachable from here, and every other blueprint's
guard refuses trust staff (permissions.is_school_staff), so each school's data stays its own.
"""

from flask import Blueprint

from ..permissions import guard, is_trust_admin

bp = Blueprint("trust", __name__, url_prefix="/trust")
guard(bp, is_trust_admin)

from . import routes  # noqa: E402,F401
