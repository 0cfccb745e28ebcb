"""Reading pages the way a browser does: the one place tests find a form's CSRF token and hidden fields, and
send a Tell the way its form does."""

import re

CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str | None:
    """The CSRF token in a page's form, or None when the page has no form."""
    found = CSRF_TOKEN.search(html)
    return found.group(1) if found else None


WORDS = "A boy in a game said he would tell everyone my secret unless I sent a photo."


def hidden_fields(html: str) -> dict:
    """The hidden inputs of a page's forms, by name."""
    fields = {}
    for tag in re.findall(r'<input[^>]*type="hidden"[^>]*>', html):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and value:
            fields[name.group(1)] = value.group(1)
    return fields


def tell_form(client) -> dict:
    """Open the Tell page and return the hidden fields it carries (the submission key, a CSRF token)."""
    return hidden_fields(client.get("/pupil/tell").get_data(as_text=True))


def send(client, **overrides):
    """Send a Tell the way the form does."""
    data = {**tell_form(client), "category": "photo-or-meet", "words": WORDS, "talk": "yes"}
    data.update(overrides)
    return client.post("/pupil/tell", data=data)
