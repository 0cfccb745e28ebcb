"""Pages anyone can open: the landing page, privacy notices and the health check."""

from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_login import current_user

from ..database import is_healthy
from ..permissions import home_endpoint

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    """Send pupils, staff and parents their own way; signed-in users go straight to their home."""
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    return render_template("public/index.html")


@bp.get("/healthz")
def healthz():
    """200 with a small JSON body when the database answers; 503 when it does not."""
    ok = is_healthy()
    return jsonify(status="ok" if ok else "unavailable", database=ok), 200 if ok else 503


@bp.get("/privacy")
def privacy():
    """The privacy notices: for children (by key stage) and for parents and staff."""
    return render_template("public/privacy.html")


@bp.get("/accessibility")
def accessibility():
    """How the site works with a keyboard, screen readers and read-aloud."""
    return render_template("public/accessibility.html")
