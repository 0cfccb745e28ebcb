"""Template helpers that give the same answer on every request, worked out once rather than on each page.

Addresses (`url_for`); the parts of a coverage table that depend only on the content (a statement, the
activities teaching it); a progress grid's column headings and cells (a cell is a state in words, the same HTML
for every pupil in that state); the pupil home's cards (a lesson's or quiz's link, picture and summary) and
state badges. A pupil's home page builds about sixty addresses; each `url_for` walks Werkzeug's URL map. An
address depends only on the endpoint, its values and the script root the app is mounted at, so templates get a
`url_for` that remembers what it built.
"""

from datetime import date
from operator import is_

from flask import Flask, has_request_context, request, url_for
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from .activities import ACTIVITY_KINDS
from .content import Catalogue, catalogue

MAX_REMEMBERED = 20_000  # addresses kept per worker (each is a short string): bounded whatever the school size


def init_app(app: Flask) -> None:
    """Give templates the remembering url_for."""
    remembered: dict[tuple, str] = {}

    def remembering_url_for(endpoint: str, **values) -> str:
        """url_for, remembered per endpoint, values and script root (relative endpoints, _external, _scheme and
        _method addresses, and values that cannot be a key, are built afresh each time)."""
        if not has_request_context() or endpoint[0] == "." or (values and any(
                name[0] == "_" and name != "_anchor" for name in values)):
            return url_for(endpoint, **values)
        # Most addresses on a page (the stylesheet, the menu, the footer) have no values: no sort for them.
        key = (request.script_root, endpoint, *sorted(values.items())) if values else (request.script_root, endpoint)
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
    app.jinja_env.globals["statement_html"] = _RememberedMacro(app, "teacher/_statement.html", "statement_cell")
    app.jinja_env.globals["grid_rows"] = _grid_rows(app, remembering_url_for)
    heading = _RememberedMacro(app, "teacher/_grid.html", "heading")

    def grid_headings(grid) -> Markup:
        """The grid's column headings, each activity's made once (marked "Set" when it is set work)."""
        return Markup("".join([heading(a, a.id in grid.assignments) for a in grid.activities]))  # nosec B704

    app.jinja_env.globals["grid_headings"] = grid_headings
    cards = {macro: _RememberedMacro(app, "pupil/_cards.html", macro) for macro in ("lesson_card", "quiz_card")}
    app.jinja_env.globals["state_badge"] = state_badge

    def card_items(macro: str, items: list[tuple]) -> Markup:
        """A list of the pupil home's cards: each lesson's or quiz's card (`pupil/_cards.html`, made once per
        content object) and the pupil's state badge beside it, joined in Python: a Jinja loop over twenty cards
        cost more than making them."""
        card = cards[macro]
        root = request.script_root if has_request_context() else ""  # read once, not twice a card
        # Both parts are Markup made from escaped content; joined as text (Markup's own + and join escape each
        # piece again in Python, a fifth of the page).
        return Markup("".join([f'<li class="card">{card.at(root, item)}\n{state_badge(state, root)}</li>\n'
                               for item, state in items]))  # nosec B704

    app.jinja_env.globals["card_items"] = card_items
    set_work_card = _RememberedMacro(app, "pupil/_cards.html", "set_work_card")
    due_days: dict[date, date] = {}  # one object per due day, so a card is remembered by its arguments' identity

    def set_work_items(set_work: list[tuple]) -> Markup:
        """The pupil home's cards of set work, as card_items: each (activity, due day) card made once, the
        pupil's state badge beside it; a Jinja loop cost 40 microseconds a card."""
        root = request.script_root if has_request_context() else ""
        items = []
        for assignment, activity, state in set_work:
            due = assignment.due_on
            if due is not None and len(due_days) < MAX_REMEMBERED:
                due = due_days.setdefault(due, due)
            kind = ACTIVITY_KINDS[assignment.activity_kind]
            items.append(f'<li class="card">{set_work_card.at(root, activity, kind, due)}\n'
                         f'{state_badge(state, root)}</li>\n')
        return Markup("".join(items))  # nosec B704: remembered macro output and badges, both escaped Markup

    app.jinja_env.globals["set_work_items"] = set_work_items
    app.jinja_env.globals["coverage_rows"] = _coverage_rows(app.jinja_env.globals["statement_html"])
    app.jinja_env.globals["trust_rows"] = _trust_rows(remembering_url_for)
    app.jinja_env.globals["grid_done_cells"] = grid_done_cells
    app.jinja_env.globals["weekly_chart"] = weekly_chart
    parts = {name: _RememberedMacro(app, "_site.html", name)
             for name in ("head", "brand", "signed_out_nav", "tell_button", "footer")}
    # The page frame's parts that are the same for everyone (base.html), by name.
    app.jinja_env.globals["site_part"] = lambda name: parts[name]()
    app.jinja_env.globals["taught_by"] = taught_by
    # Called as globals, not imported: a `{% from %}` import costs every render a walk of the template globals,
    # and a lesson step's text (`step_body`, the same for every pupil) is made once per step.
    read_aloud = _RememberedMacro(app, "macros/forms.html", "read_aloud")
    app.jinja_env.globals["read_aloud"] = lambda target, label="Read to me": read_aloud(target, label)
    app.jinja_env.globals["step_body"] = _RememberedMacro(app, "macros/step_body.html", "step_body")
    app.jinja_env.globals["csrf_field"] = csrf_field


def csrf_field() -> Markup:
    """A form's CSRF token without an id, so a page with several small forms has no duplicate ids."""
    return Markup('<input type="hidden" name="csrf_token" value="%s">') % generate_csrf()


class _RememberedMacro:
    """A macro's HTML as a function of its arguments, made once per arguments and script root: a coverage page
    shows a hundred-odd statements, and calling the macro for each was a tenth of the school's page; the pupil
    home's cards and the grid's headings are the same for every pupil and class. The arguments are
    content objects (a statement, an activity) and constants, so the same objects always give the same HTML;
    they are kept with it, so their ids cannot be reused while remembered.

    Called like the macro; `at(root, ...)` serves a loop in Python that has read the script root once
    (coverage_rows)."""

    def __init__(self, app: Flask, template: str, macro: str):
        self.app, self.template, self.macro = app, template, macro
        self.made: dict[tuple, tuple[tuple, Markup]] = {}

    def at(self, root: str, *args) -> Markup:
        # The script root too: a macro's links and pictures are addresses under it.
        key = (root, *map(id, args))
        known = self.made.get(key)
        if known and all(map(is_, known[0], args)):
            return known[1]
        made_html = getattr(self.app.jinja_env.get_template(self.template).module, self.macro)(*args)  # Markup
        if len(self.made) < MAX_REMEMBERED:
            self.made[key] = (args, made_html)
        return made_html

    def __call__(self, *args) -> Markup:
        return self.at(request.script_root if has_request_context() else "", *args)


class _CellHtml(dict):
    """The grid cell macro's HTML by cell (a state and its words), made the first time each cell is asked for."""

    def __init__(self, app: Flask):
        super().__init__()
        self.app = app

    def __missing__(self, cell) -> str:
        html = self.app.jinja_env.get_template("teacher/_grid.html").module.cell(cell)  # Markup
        if len(self) < MAX_REMEMBERED:
            self[cell] = html
        return html


def _grid_rows(app: Flask, address):
    """The progress grid's body rows as HTML: each pupil's name, linked to their page, then their cells, each
    distinct cell (a state in words) made once per script root by the cell macro (its icon's address depends on
    the root). A class's grid is 500-odd cells of a few dozen kinds, and a template loop, a macro call or a
    Markup.format per cell or per row cost as much as the rest of the page: the rows are joined here as plain
    strings of parts that are escaped or came from the macro. Names are escaped afresh on every request and
    never remembered."""
    by_root: dict[str, _CellHtml] = {}

    def grid_rows(grid) -> Markup:
        root = request.script_root if has_request_context() else ""
        made = by_root.get(root)
        if made is None:
            made = by_root[root] = _CellHtml(app)
        rows = [f'<tr><th scope="row" class="sticky-col"><a href="{escape(address("teacher.pupil", pupil_id=pupil.id))}">'
                f'{escape(pupil.display_name)}</a></th>{"".join([made[cell] for cell in cells])}</tr>'
                for pupil, cells in grid.rows()]
        return Markup("\n".join(rows))  # nosec B704: every part is escaped above or is the cell macro's Markup

    return grid_rows


_GAP_LABEL = ' <strong class="gap-label">Gap</strong>'


def _share_cell(percent: int, after: str = "") -> str:
    """A share as a bar (hidden from screen readers) and in words, as coverage tables show it."""
    percent = int(percent)
    return (f'<td class="bar-cell"><span class="bar" aria-hidden="true"><span class="bar-fill bar-{(percent // 10) * 10}">'
            f'</span></span> {percent}%{after}</td>')


def _coverage_rows(statement_html):
    """A coverage table's body rows as HTML: each statement (its cell made once per statement), how many pupils
    it covers, the share as a bar and in words (a gap is also said in words: never colour alone), and what
    teaches it. A school's table is over a hundred rows, and a Jinja loop over them was half the page."""

    def coverage_rows(rows) -> Markup:
        # The script root and the content, read once for the table rather than twice a row.
        root, content, cell = request.script_root if has_request_context() else "", catalogue(), statement_html.at
        html = []
        for row in rows:
            percent = row.percent
            gap = percent == 0
            html.append(
                f'<tr class="{"gap" if gap else ""}">\n      <td>{cell(root, row.statement)}</td>\n'
                f'      <td>{int(row.covered)} of {int(row.pupils)}</td>\n'
                f'      {_share_cell(percent, _GAP_LABEL if gap else "")}\n'
                f'      <td class="small-print">{taught_by(row.activities, content)}</td>\n    </tr>')
        # Every part is a number, a fixed string, or Markup made from escaped content.
        return Markup("\n    ".join(html))  # nosec B704

    return coverage_rows


def _trust_rows(address):
    """The trust page's rows for one framework: each school's pupils, statements reached, average share (a bar
    and in words), its gaps (each statement's reference and text, made once per statement) and the link to its
    admins. Forty schools' rows through a Jinja loop were a quarter of the page; school names are escaped here
    on every request and never remembered."""
    gap_items: dict[int, tuple[object, str]] = {}

    def gap_item(statement) -> str:
        known = gap_items.get(id(statement))
        if known is None or known[0] is not statement:
            known = (statement, f'<li><span class="statement-id">{escape(statement.reference)}</span> '
                                f'{escape(statement.text)}</li>')
            if len(gap_items) < MAX_REMEMBERED:
                gap_items[id(statement)] = known
        return known[1]

    def trust_rows(schools, by_school: dict, framework_index: int) -> Markup:
        rows = []
        for school in schools:
            item = by_school[school.id][framework_index]
            name = escape(school.display_name)
            gaps = len(item.gaps)
            gap_cell = (f'<details><summary>{gaps} gap{"s" if gaps != 1 else ""}<span class="visually-hidden"> at '
                        f'{name}</span></summary><ul class="small-print">{"".join(map(gap_item, item.gaps))}</ul>'
                        f'</details>') if gaps else "None"
            rows.append(
                f'<tr class="{"gap" if item.reached == 0 else ""}">\n      <th scope="row">{name}</th>\n'
                f'      <td>{int(item.pupils)}</td>\n      <td>{int(item.reached)} of {int(item.statements)}</td>\n'
                f'      {_share_cell(item.average)}\n      <td>{gap_cell}</td>\n'
                f'      <td><a href="{escape(address("trust.school_admins", school_id=school.id))}">Manage<span '
                f'class="visually-hidden"> {name} admins</span></a></td>\n    </tr>')
        # Every part is a number, a fixed string, or escaped above.
        return Markup("\n    ".join(rows))  # nosec B704

    return trust_rows


def grid_done_cells(grid) -> Markup:
    """The grid's foot: how many of the class have done each activity (a Jinja loop was a tenth of the page)."""
    pupils = len(grid.pupils)
    return Markup("".join([f"<td>{int(count)} of {pupils}</td>" for count in grid.done_counts()]))  # nosec B704


def weekly_chart(chart: list[tuple]) -> Markup:
    """Lessons completed each week as an SVG bar chart, with each week's count in words in its description for
    screen readers. Drawn here, not in Jinja, where its arithmetic was a seventh of the grid's page; every part
    is a number or a date this code formats."""
    tallest = max([count for _, count in chart] + [1])
    words = "".join([f"Week of {week.strftime('%-d %b')}: {int(count)}. " for week, count in chart])
    bars = []
    for index, (week, count) in enumerate(chart):
        height = int(round(count / tallest * 110))
        x = index * 60
        bars.append(
            f'\n    <rect x="{x + 15}" y="{130 - height}" width="40" height="{height}" fill="#264f86"></rect>'
            f'\n    <text x="{x + 35}" y="{125 - height}" text-anchor="middle" font-size="13" fill="#1b1f2a">'
            f'{int(count)}</text>\n    <text x="{x + 35}" y="150" text-anchor="middle" font-size="11" '
            f'fill="#4a5263">{week.strftime("%-d %b")}</text>')
    return Markup(f'<svg class="bar-chart" viewBox="0 0 {len(chart) * 60 + 20} 170" role="img" '  # nosec B704
                  f'aria-labelledby="chart-title chart-desc">\n    <desc id="chart-desc">{words}</desc>'
                  f'{"".join(bars)}\n  </svg>')


_BADGES: dict[tuple, Markup] = {}


def state_badge(state: tuple[str, str], root: str | None = None) -> Markup:
    """A card's state as a badge: its icon and its words (never colour alone). Made once per state and wording
    ("New", "Started: step 3 of 7"...): the pupil home shows one on every card. `root`: the script root, when the
    caller has read it."""
    key, words = state
    cache_key = (request.script_root if root is None else root, key, words)
    badge = _BADGES.get(cache_key)
    if badge is None:
        icon = url_for("static", filename=f"img/state-{key}.svg")
        badge = Markup('<span class="badge badge-{}"><img src="{}" alt="" width="20" height="20"> {}</span>').format(
            key, icon, words)
        if len(_BADGES) < 1000:
            _BADGES[cache_key] = badge
    return badge


def taught_by(activities: tuple[str, ...], content: Catalogue | None = None) -> Markup:
    """The titles of the lessons and quizzes teaching a statement ("No activity yet" when none), made once per
    set of activities and content (the app's, unless given)."""
    content = catalogue() if content is None else content

    def make() -> Markup:
        if not activities:
            return Markup("No activity yet")
        titles = [(content.lessons.get(a) or content.quizzes.get(a)) for a in activities]
        return Markup("; ").join(escape(t.title if t else a) for t, a in zip(titles, activities, strict=True))

    return content.remembered(("taught_by", activities), make)
