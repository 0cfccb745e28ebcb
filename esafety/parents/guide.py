"""The public parent and carer guide, the age guide, and the "This school" page."""

import sqlalchemy as sa
from flask_login import current_user
from flask import abort, render_template, request
from markupsafe import Markup

from ..content import catalogue
from ..extensions import db
from ..models import School
from . import bp


@bp.get("/")
def index():
    """The guide's contents page."""
    return render_template("parents/index.html", pages=list(catalogue().parent_pages.values()))


@bp.get("/ages")
def ages():
    """Every platform in the platform data: minimum age, PEGI, child version, source and checked date."""
    return render_template("parents/ages.html", platforms=sorted(catalogue().platforms, key=lambda p: p.name.lower()))


@bp.get("/this-school")
def this_school():
    """What the viewer's school uses and how to reach it: a signed-in person's own school, else a choice."""
    school = current_user.school if current_user.is_authenticated and current_user.school else None
    if school is None:
        schools = db.session.scalars(sa.select(School).order_by(School.name, School.id).limit(500)).all()
        chosen = request.args.get("school", type=int)
        school = next((s for s in schools if s.id == chosen), schools[0] if len(schools) == 1 else None)
        if school is None and schools:
            return render_template("parents/choose_school.html", schools=schools)
    return render_template("parents/this_school.html", school=school)


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
