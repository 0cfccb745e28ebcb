"""Security headers on every response, and no caching of pages that show people's data."""

from flask import Flask, Response, g, request
from flask_login import current_user

# No inline scripts or styles, nothing from another origin: pages make no third-party requests.
CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "media-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


# The same on every response: set in one update rather than header by header.
FIXED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def _signed_in() -> bool:
    """Whether this request was made by a signed-in person. The user loaded for the request (and not signed
    out since) answers without touching the database: after a commit its attributes are expired, and reading
    `is_authenticated` would load the user again (on SQLite, in a new write transaction on a POST)."""
    user = g.get("_login_user")
    if user is None:
        return bool(current_user and current_user.is_authenticated)
    return not getattr(user, "is_anonymous", True)


def set_headers(response: Response) -> Response:
    """Add the security headers; mark signed-in pages as not to be stored."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.update(FIXED_HEADERS)
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if not request.path.startswith("/static/") and _signed_in():
        headers["Cache-Control"] = "no-store"
    if request.path.startswith("/card"):
        # A login card's page: never cached, and its address (which held the card's token) never sent on.
        headers["Cache-Control"] = "no-store"
        headers["Referrer-Policy"] = "no-referrer"
    return response


def init_app(app: Flask) -> None:
    """Register the header hook."""
    app.after_request(set_headers)
