"""Friendly error pages: never a stack trace, always a way back."""

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db

MESSAGES = {
    400: ("Something was not quite right", "That request did not make sense to us. Go back and try again."),
    401: ("Please sign in", "You need to sign in to see this page."),
    403: ("This page is not for you", "Your account cannot open this page. If you think it should, ask the school."),
    404: ("We could not find that page", "The link may be old, or the page may have moved."),
    405: ("That did not work", "Go back and use the buttons on the page."),
    413: ("That was too big", "What you sent was too big. Try something shorter, or a smaller file (class lists up to 2 MB)."),
    429: ("Too many tries", "Please wait a few minutes before you try again. If you are stuck, ask a grown-up or your teacher."),
    500: ("Something went wrong on our side", "It was not your fault. Please try again in a moment."),
    503: ("We cannot reach the school's records just now",
          "It was not your fault. Please try again in a minute: what you saved before is safe."),
}

# The database cannot be reached or is busy (refused, dropped, locked, no free connection): a wait, not a fault.
OUTAGES = (sa.exc.OperationalError, sa.exc.DisconnectionError, sa.exc.TimeoutError)


def render_error(code: int):
    """The error page for a status code."""
    title, text = MESSAGES.get(code, MESSAGES[500])
    if not host_is_usable():
        # A Host the app does not answer to: no page can link anywhere on it, so say it plainly.
        return Response(f"{title}. This address is not one this site answers to.", code, mimetype="text/plain")
    return render_template("errors/error.html", code=code, title=title, text=text), code


def host_is_usable() -> bool:
    """False when the request's Host is not in TRUSTED_HOSTS (links to this site cannot be built)."""
    trusted = current_app.config.get("TRUSTED_HOSTS")
    if not trusted:
        return True
    from werkzeug.sansio.utils import host_is_trusted

    return host_is_trusted(request.headers.get("Host", "").removesuffix(":80").removesuffix(":443"), trusted)


def init_app(app: Flask) -> None:
    """Register handlers for every HTTP error, CSRF failures and unexpected exceptions."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code and error.code < 400:
            return error
        return render_error(error.code or 500)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        # Views whose forms must never lose what a child typed handle this themselves (see tell).
        handler = app.view_functions.get(request.endpoint or "")
        keep = getattr(handler, "keeps_text_on_csrf_error", None)
        if keep is not None:
            return keep()
        title, text = "This page was open a long time", "For your safety, please go back, reload the page and try again."
        return render_template("errors/error.html", code=400, title=title, text=text), 400

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        if not isinstance(error, OUTAGES):
            return render_error(InternalServerError.code)
        if "_login_user" not in g:
            # The database failed while reading who is signed in: the page is drawn signed out, rather than ask
            # the database again and fail the error page too (the server's bare "Internal Server Error").
            g._login_user = app.login_manager.anonymous_user()
        return render_error(503)
