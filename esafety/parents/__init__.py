"""Parents and carers: the public guide (no sign-in) and, with an account, their own child's learning."""

from flask import Blueprint

from ..permissions import guard, is_parent

bp = Blueprint("parents", __name__, url_prefix="/parents")
family_bp = Blueprint("family", __name__, url_prefix="/family")
guard(family_bp, is_parent)

from . import family, guide  # noqa: E402,F401
