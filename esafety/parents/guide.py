"""The public parent and carer guide, the age guide, and the "This school" page."""

from flask_login import current_user
from flask import abort, render_template, request
from markupsafe import Markup

from .. import accounts
from ..content import catalogue
from ..models import School, Trust
from . import bp


@bp.get("/")
def index():
    """The guide's contents page."""
    return render_template("parents/index.html", pages=list(catalogue().parent_pages.values()))


@bp.get("/ages")
def ages():
    """Every platform in the platform data: minimum age, PEGI, child version, source and checked date."""
    return render_template("parents/ages.html", platforms=sorted(catalogue().platforms, key=lambda p: p.name.lower()))


def _schools_of_viewer() -> list[School] | None:
    """The schools the signed-in viewer belongs to (a parent: their children's), or None for everyone's."""
    if not current_user.is_authenticated:
        return None
    if current_user.school_id is not None and current_user.kind != "parent":
        return [current_user.school]
    return accounts.schools_of(current_user) or None


def group_by_trust(schools: list[School]) -> list[tuple[Trust | None, list[School]]]:
    """Schools grouped under their trust or local authority (by name), stand-alone schools last."""
    groups: dict[int | None, list[School]] = {}
    for school in schools:
        groups.setdefault(school.trust_id, []).append(school)
    trusts = sorted((g[0].trust for key, g in groups.items() if key is not None), key=lambda t: (t.name, t.id))
    return [(trust, groups[trust.id]) for trust in trusts] + ([(None, groups[None])] if None in groups else [])


@bp.get("/this-school")
def this_school():
    """What a school uses and how to reach it: the one the address names, else the viewer's own school (a
    parent's: their child's), else a chooser grouped by trust."""
    schools = _schools_of_viewer()
    if schools is None:
        schools = accounts.every_school()
    chosen = request.args.get("school", type=int)
    if chosen is not None:
        # The address names the school: any school's page is public, whoever asks.
        school = next((s for s in schools if s.id == chosen), None) or accounts.school(chosen)
        if school is not None:
            return render_template("parents/this_school.html", school=school)
    if len(schools) == 1:
        return render_template("parents/this_school.html", school=schools[0])
    if not schools:
        return render_template("parents/this_school.html", school=None)
    return render_template("parents/choose_school.html", groups=group_by_trust(list(schools)),
                           unknown=chosen is not None or "school" in request.args)


@bp.get("/<page_id>")
def page(page_id: str):
    """One guide page; the age guide page has the platform table in it."""
    content = catalogue()
    item = content.parent_pages.get(page_id)
    if item is None:
        abort(404)
    before, _, after = item.html.replace("<p>{{ widget }}</p>", "{{ widget }}").partition("{{ widget }}")
    pages = list(content.parent_pages.values())
    position = pages.index(item)
    # The halves are the page's own Markdown, rendered and sanitised by nh3 when content was loaded.
    return render_template(
        "parents/page.html", page=item, before=Markup(before), after=Markup(after),  # nosec B704
        platforms=sorted(content.platforms, key=lambda p: p.name.lower()) if item.widget else None,
        previous=pages[position - 1] if position else None,
        following=pages[position + 1] if position + 1 < len(pages) else None,
    )
