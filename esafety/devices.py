"""Known devices: a browser where someone has fully signed in before (OWASP's "device cookie").

A signed, HttpOnly cookie lists the users who completed a sign-in on this browser (the last 40, for a shared
classroom computer). Sign-in throttles use it so that other people's failures cannot lock out a known device:
a DSL whose account is being guessed at from elsewhere still signs in from the school's own computer, and a
classroom computer is not shut out of the class-code step by a script on the school's shared address.
The cookie grants nothing by itself: the password, picture passcode or second factor is still checked.
"""

from datetime import timedelta

from flask import Flask, Response, current_app, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "esafety_device"
LIFETIME = timedelta(days=180)
MAX_USERS = 40


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="esafety-known-device")


def known_users() -> list[int]:
    """The users who have fully signed in on this browser (most recent last); [] when none or tampered."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return []
    try:
        users = _serializer().loads(raw, max_age=int(LIFETIME.total_seconds()))
    except BadSignature:
        return []
    return [u for u in users if isinstance(u, int)] if isinstance(users, list) else []


def is_known(user_id: int) -> bool:
    """True when this user has completed a sign-in on this browser before."""
    return user_id in known_users()


def most_recent_user() -> int | None:
    """The last user who signed in on this browser, or None for a new browser."""
    users = known_users()
    return users[-1] if users else None


def remember(user_id: int) -> None:
    """Mark this browser as known for the user (the cookie is written with the response)."""
    g.device_remember = user_id


def _write_cookie(response: Response) -> Response:
    user_id = g.pop("device_remember", None)
    if user_id is None:
        return response
    users = [u for u in known_users() if u != user_id][-(MAX_USERS - 1):] + [user_id]
    response.set_cookie(COOKIE, _serializer().dumps(users), max_age=int(LIFETIME.total_seconds()),
                        httponly=True, samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def init_app(app: Flask) -> None:
    """Write the cookie after a completed sign-in."""
    app.after_request(_write_cookie)
