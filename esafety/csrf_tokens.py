"""CSRF tokens signed once a minute per session, rather than on every page.

Flask-WTF signs the session's CSRF secret, with the time, on every request that shows a form: nearly every
signed-in page (the Sign out button is a form). The signed token is valid for an hour
(WTF_CSRF_TIME_LIMIT), so one signed up to a minute ago is as good, and each worker keeps the latest it made
for each session's secret. Forms made in a view and the `csrf_token()` of templates both take it from `g`, as
they take a token signed earlier in the same request; checking a submitted token is unchanged.
"""

import time

from flask import Flask, g, session
from flask_wtf.csrf import generate_csrf

SIGN_AGAIN_AFTER = 60  # seconds
REMEMBERED_TOKENS = 10_000  # per worker: one per signed-in session


def init_app(app: Flask) -> None:
    """Hand each request a recently signed token for its session, signing one when there is none."""
    signed: dict[str, tuple[str, float]] = {}
    field = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")

    @app.before_request
    def recent_csrf_token():
        secret = session.get(field)
        if not secret:
            return  # no form shown to this session yet: the first page signs one as Flask-WTF always did
        now = time.monotonic()
        known = signed.get(secret)
        if known is None or now - known[1] >= SIGN_AGAIN_AFTER:
            known = remember(secret, generate_csrf(), now)
        setattr(g, field, known[0])

    @app.after_request
    def remember_first_token(response):
        # A session's first form gets its secret and token from Flask-WTF during the page (there was no secret
        # before it): remembered here, the next page shows the same token, not one signed a second later.
        secret, token = session.get(field), g.get(field)
        if secret and token and secret not in signed:
            remember(secret, token, time.monotonic())
        return response

    def remember(secret: str, token: str, now: float) -> tuple[str, float]:
        if len(signed) >= REMEMBERED_TOKENS:
            signed.clear()
        known = signed[secret] = (token, now)
        return known
