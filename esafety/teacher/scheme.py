"""The scheme of work: a suggested sequence per year group across six half terms (curriculum/scheme.yaml),
the curriculum each half term covers, "Set this half term" for a class, and a school's own order."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from .. import progress
from .. import scheme as schemes
from ..access import my_classes
from ..assignments import set_work_for
from ..audit import record
from ..auth.forms import EmptyForm
from ..content import catalogue
from ..content.loader import scheme_required
from ..content.schema import HALF_TERMS
from ..extensions import db
from . import bp
from .activity_lists import activity_kind
from .forms import SetHalfTermForm, reorder_form


def year_or_404(year_group: int):
    """The suggested sequence for Year 1 to Year 6; 404 for any other year."""
    if not 1 <= year_group <= 6:
        abort(404)  # primary years only
    return catalogue().scheme.year(year_group)


def _year_page(year_group: int, set_form: SetHalfTermForm | None = None, order_form=None, status: int = 200):
    """The year's scheme page, with the set and reorder forms (refilled after a refused form)."""
    scheme_year = year_or_404(year_group)
    content = catalogue()
    halves = schemes.school_sequence(current_user.school_id, year_group)
    frameworks = progress.frameworks_in_force(content)
    classes = [c for c in my_classes() if c.year_group == year_group]
    set_form = set_form or SetHalfTermForm()
    set_form.class_id.choices = [(c.id, c.name) for c in classes]
    placements = [(a, half, position) for half, items in enumerate(halves, 1) for position, a in enumerate(items, 1)]
    required = scheme_required(content.statements, [*content.lessons.values(), *content.quizzes.values()],
                               scheme_year.key_stage)
    covered = {s for items in halves for a in items for s in a.curriculum}
    return render_template(
        "teacher/scheme_year.html", year_group=year_group, key_stage=scheme_year.key_stage, half_terms=HALF_TERMS,
        halves=[(name, items, schemes.covers(items, frameworks)) for name, items in zip(HALF_TERMS, halves)],
        classes=classes, set_form=set_form, order_form=order_form or reorder_form(placements, HALF_TERMS),
        placements=placements, required=len(required), missing=sorted(required - covered), reset_form=EmptyForm(),
        own_copy=schemes.has_own_copy(current_user.school_id, year_group),
    ), status


@bp.get("/scheme")
def scheme():
    """The scheme of work's year groups, the teacher's own years first."""
    years = sorted({c.year_group for c in my_classes()})
    return render_template("teacher/scheme.html", years=years, scheme=catalogue().scheme)


@bp.get("/scheme/<int:year_group>")
def scheme_year(year_group: int):
    """One year group's scheme: each half term's lessons and quizzes and the curriculum they cover."""
    return _year_page(year_group)


@bp.post("/scheme/<int:year_group>/<int:number>/set")
def set_half_term(year_group: int, number: int):
    """Set every lesson and quiz of one half term to a class of that year; setting it again changes nothing."""
    year_or_404(year_group)
    if not 1 <= number <= len(HALF_TERMS):
        abort(404)  # there are six half terms
    form = SetHalfTermForm()
    classes = {c.id: c for c in my_classes() if c.year_group == year_group}
    form.class_id.choices = [(c.id, c.name) for c in classes.values()]
    if not classes:
        flash(f"You have no Year {year_group} class to set this half term to.", "error")
        return _year_page(year_group, form, status=400)
    if not form.validate_on_submit():
        flash("Choose one of your classes to set the half term to.", "error")
        return _year_page(year_group, form, status=400)
    school_class = classes[form.class_id.data]
    activities = schemes.school_sequence(current_user.school_id, year_group)[number - 1]
    new = sum(set_work_for(school_class, activity_kind(a), a.id, current_user, keep_due=True) for a in activities)
    record("half term set", target=f"class:{school_class.id}", detail=f"Year {year_group} {HALF_TERMS[number - 1]}")
    db.session.commit()
    already = len(activities) - new
    flash(f"{HALF_TERMS[number - 1]} is set for {school_class.name}: {new} new piece{'s' if new != 1 else ''} of "
          f"work{f', {already} already set' if already else ''}.", "info")
    return redirect(url_for("teacher.work", class_id=school_class.id))


@bp.post("/scheme/<int:year_group>/order")
def reorder_scheme(year_group: int):
    """Save the school's own order of a year's scheme (admins and subject leads)."""
    if not current_user.is_admin:
        abort(403)  # the school's copy is the subject lead's to change
    year_or_404(year_group)
    halves = schemes.school_sequence(current_user.school_id, year_group)
    placements = [(a, half, position) for half, items in enumerate(halves, 1) for position, a in enumerate(items, 1)]
    form = reorder_form(placements, HALF_TERMS)
    if not form.validate_on_submit():
        flash("Some places could not be saved: see the messages beside them.", "error")
        return _year_page(year_group, order_form=form, status=400)
    schemes.save_order(current_user.school_id, year_group, {
        activity.id: (form[f"half-{activity.id}"].data, form[f"pos-{activity.id}"].data)
        for activity, _, _ in placements})
    record("scheme reordered", detail=f"Year {year_group}")
    db.session.commit()
    flash(f"Your school's Year {year_group} scheme is saved.", "info")
    return redirect(url_for("teacher.scheme_year", year_group=year_group))


@bp.post("/scheme/<int:year_group>/reset")
def reset_scheme(year_group: int):
    """Go back to the suggested order for a year (admins and subject leads)."""
    if not current_user.is_admin:
        abort(403)  # the school's copy is the subject lead's to change
    year_or_404(year_group)
    schemes.reset(current_user.school_id, year_group)
    record("scheme reset", detail=f"Year {year_group}")
    db.session.commit()
    flash(f"Year {year_group} is back to the suggested order.", "info")
    return redirect(url_for("teacher.scheme_year", year_group=year_group))
