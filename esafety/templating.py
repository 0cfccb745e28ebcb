"""Template helpers that give the same answer on every request, worked out once rather than on each page.

Addresses (`url_for`), and the parts of a coverage table that depend only on the content (a statement, the
activities teaching it). A pupil's home page builds about sixty addresses (a card's link and picture, a badge's icon); each `url_for`
walks Werkzeug's URL map. An address depends only on the endpoint, its values and the script root the app is
mounted at, so templates get a `url_for` that remembers what it built.
"""

from flask import Flask, has_request_context, request, url_for
from markupsafe import Markup, escape

from .content import catalogue

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
    app.jinja_env.globals["statement_html"] = _remembered_statement_html(app)
    content_card = _remembered_content_card(app)
    app.jinja_env.globals["content_card"] = content_card
    app.jinja_env.globals["state_badge"] = state_badge

    def card_items(macro: str, items: list[tuple]) -> Markup:
        """A list's cards, each content card (`pupil/_cards.html`) and its state badge, joined in Python: a
        Jinja loop over twenty cards cost more than making them."""
        # Both parts are Markup made from escaped content; joined as text (Markup's own + and join escape each
        # piece again in Python, a fifth of the page).
        return Markup("".join([f'<li class="card">{content_card(macro, item)}\n{state_badge(state)}</li>\n'
                               for item, state in items]))  # nosec B704

    app.jinja_env.globals["card_items"] = card_items
    app.jinja_env.globals["taught_by"] = taught_by


def _remembered_statement_html(app: Flask):
    """The statement_cell macro's HTML for a statement, made once per statement object: a coverage page shows
    a hundred-odd statements, and calling the macro for each was a tenth of the school's page. Statements come
    from the loaded content, so the same object always gives the same HTML."""
    made: dict[int, tuple[object, Markup]] = {}

    def statement_html(statement) -> Markup:
        known = made.get(id(statement))
        if known and known[0] is statement:
            return known[1]
        html = app.jinja_env.get_template("teacher/_statement.html").module.statement_cell(statement)  # Markup
        if len(made) < MAX_REMEMBERED:
            made[id(statement)] = (statement, html)
        return html

    return statement_html


def _remembered_content_card(app: Flask):
    """A lesson's or quiz's card on the pupil home (link, picture, title, summary: `pupil/_cards.html`), made
    once per content object and script root. The cards depend only on the content, the pupil's state badge is
    added beside them, and building some twenty of them in Jinja was a third of the page."""
    made: dict[tuple, tuple[object, Markup]] = {}

    def content_card(macro: str, item) -> Markup:
        key = (macro, id(item), request.script_root if has_request_context() else "")
        known = made.get(key)
        if known and known[0] is item:
            return known[1]
        html = getattr(app.jinja_env.get_template("pupil/_cards.html").module, macro)(item)  # Markup
        if len(made) < MAX_REMEMBERED:
            made[key] = (item, html)
        return html

    return content_card


_BADGES: dict[tuple, Markup] = {}


def state_badge(state: tuple[str, str]) -> Markup:
    """A card's state as a badge: its icon and its words (never colour alone). Made once per state and wording
    ("New", "Started: step 3 of 7"...): the pupil home shows one on every card."""
    key, words = state
    cache_key = (request.script_root, key, words)
    badge = _BADGES.get(cache_key)
    if badge is None:
        icon = url_for("static", filename=f"img/state-{key}.svg")
        badge = Markup('<span class="badge badge-{}"><img src="{}" alt="" width="20" height="20"> {}</span>').format(
            key, icon, words)
        if len(_BADGES) < 1000:
            _BADGES[cache_key] = badge
    return badge


_TAUGHT_BY: dict[tuple, tuple[object, Markup]] = {}


def taught_by(activities: tuple[str, ...]) -> Markup:
    """The titles of the lessons and quizzes teaching a statement ("No activity yet" when none), made once per
    set of activities and content."""
    content = catalogue()
    known = _TAUGHT_BY.get(activities)
    if known and known[0] is content:
        return known[1]
    titles = [(content.lessons.get(a) or content.quizzes.get(a)) for a in activities]
    html = Markup("; ").join(escape(t.title if t else a) for t, a in zip(titles, activities, strict=True)) \
        if activities else Markup("No activity yet")
    if len(_TAUGHT_BY) < MAX_REMEMBERED:
        _TAUGHT_BY[activities] = (content, html)
    return html
