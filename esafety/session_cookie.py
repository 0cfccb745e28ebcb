"""The signed session cookie, verified and decoded once per worker rather than on every request.

A signed-in page arrives with the same cookie as the request before it: Flask would check its signature,
decompress it and parse its JSON every time (about a tenth of a pupil page). A cookie whose exact text this
worker has already verified is the same data, so its decoded contents are remembered, keyed by the whole
cookie (signature included: a forged or altered cookie never matches one that was verified), with the time it
was signed, so the session lifetime is still enforced on every request.
"""

import copy
import time
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

REMEMBERED_COOKIES = 10_000  # per worker: every pupil of a large school signed in at once, a few MB at most


class RememberingSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with each verified cookie's contents remembered per worker."""

    def __init__(self) -> None:
        self.remembered: dict[str, tuple[dict[str, Any], float]] = {}

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not app.secret_key:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = app.permanent_session_lifetime.total_seconds()
        known = self.remembered.get(value)
        if known is None:
            try:
                data, signed = self.get_signing_serializer(app).loads(value, max_age=int(max_age),
                                                                      return_timestamp=True)
            except BadSignature:  # also an expired cookie (SignatureExpired)
                return self.session_class()
            known = self._remember(value, data, signed.timestamp())
        data, signed_at = known
        if time.time() - signed_at > max_age:
            self.remembered.pop(value, None)
            return self.session_class()
        return self.session_class(_copy(data))

    def save_session(self, app: Flask, session: SecureCookieSession, response: Response) -> None:
        super().save_session(app, session, response)
        if session.modified and session:
            # The cookie just made is the one the next request brings: remember it, so that it is not decoded.
            cookie = next((c for c in response.headers.getlist("Set-Cookie")
                           if c.startswith(self.get_cookie_name(app) + "=")), None)
            if cookie:
                self._remember(cookie.split(";", 1)[0].partition("=")[2], _copy(dict(session)), time.time())

    def _remember(self, value: str, data: dict, signed_at: float) -> tuple[dict, float]:
        if len(self.remembered) >= REMEMBERED_COOKIES:
            self.remembered.clear()  # simplest bound: a worker re-decodes each live cookie once more
        known = (data, signed_at)
        self.remembered[value] = known
        return known


def _copy(data: dict) -> dict:
    """A request's own copy: a view may change the session's nested values (a Tell draft) in place."""
    return {key: copy.deepcopy(value) if isinstance(value, (dict, list)) else value for key, value in data.items()}


def init_app(app: Flask) -> None:
    """Use the remembering interface for this app (each app has its own, as each has its own key)."""
    app.session_interface = RememberingSessionInterface()
