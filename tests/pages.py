"""Reading pages the way a browser does: the one place tests find a form's CSRF token."""

import re

CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str | None:
    """The CSRF token in a page's form, or None when the page has no form."""
    found = CSRF_TOKEN.search(html)
    return found.group(1) if found else None
