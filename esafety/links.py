"""Links that leave the site (printed on login cards, given to parents, sent by email).

They are built from ESAFETY_BASE_URL when it is set, never from the request's Host header, which a client
chooses: a forged Host would otherwise print an attacker's address on every QR card.
"""

from flask import current_app, url_for


def external_url(endpoint: str, **values) -> str:
    """The absolute address of an endpoint, on the configured base URL (the request's host in development)."""
    base = current_app.config["BASE_URL"]
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)
