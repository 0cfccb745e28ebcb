"""Security headers on every response, and no caching of pages that show people's data."""

from flask import Flask, Response, request
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


def set_headers(response: Response) -> Response:
    """Add the security headers; mark signed-in pages as not to be stored."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if current_user and current_user.is_authenticated and not request.path.startswith("/static/"):
        headers["Cache-Control"] = "no-store"
    if request.path.startswith("/card"):
        # A login card's page: never cached, and its address (which held the card's token) never sent on.
        headers["Cache-Control"] = "no-store"
        headers["Referrer-Policy"] = "no-referrer"
    return response


def init_app(app: Flask) -> None:
    """Register the header hook."""
    app.after_request(set_headers)
