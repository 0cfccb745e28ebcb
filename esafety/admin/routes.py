"""School admin pages."""

from flask import render_template

from . import bp


@bp.get("/")
def home():
    """The admin's starting page."""
    return render_template("admin/home.html")
