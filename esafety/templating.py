"""Template helpers that give the same answer on every request, worked out once rather than on each page.

A pupil's home page builds about sixty addresses (a card's link and picture, a badge's icon); each `url_for`
walks Werkzeug's URL map. An address depends only on the endpoint, its values and the script root the app is
mounted at, so templates get a `url_for` that remembers what it built.
"""

from flask import Flask, has_request_context, request, url_for

MAX_REMEMBERED = 20_000  # addresses kept per worker (each is a short string): bounded whatever the school size


def init_app(app: Flask) -> None:
    """Give templates the remembering url_for."""
    remembered: dict[tuple, str] = {}

    def remembering_url_for(endpoint: str, **values) -> str:
        """url_for, remembered per endpoint, values and script root (relative endpoints, _external, _scheme and
        _method addresses, and values that cannot be a key, are built afresh each time)."""
        if not has_request_context() or endpoint.startswith(".") or any(
                name.startswith("_") and name != "_anchor" for name in values):
            return url_for(endpoint, **values)
        key = (request.script_root, endpoint, *sorted(values.items()))
        try:
            return remembered[key]
        except KeyError:
            pass
        except TypeError:  # a list or other unhashable value
            return url_for(endpoint, **values)
        address = url_for(endpoint, **values)
        if len(remembered) < MAX_REMEMBERED:
            remembered[key] = address
        return address

    app.jinja_env.globals["url_for"] = remembering_url_for
