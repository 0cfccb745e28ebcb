"""Teacher views: set work, the progress grid, misconceptions and curriculum coverage."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from .. import progress, tallies
from ..access import my_class_or_404
from ..assignments import remove, set_work_for
from ..auth.forms import EmptyForm
from ..content import catalogue
from ..extensions import db
from ..models import utcnow
from . import bp
from .activity_lists import activities_for, activity_kind, chosen_frameworks, grid_for, is_lesson
from .forms import AssignForm


# Set work -------------------------------------------------------------------------------------------------


@bp.route("/classes/<int:class_id>/work", methods=["GET", "POST"])
def work(class_id: int):
    """Set lessons and quizzes for the class, with an optional due date, and see who has done them."""
    school_class = my_class_or_404(class_id)
    activities = activities_for(school_class)
    form = AssignForm()
    form.activity.choices = [(f"{activity_kind(a)}:{a.id}", f"{'Lesson' if is_lesson(a) else 'Quiz'}: {a.title}")
                             for a in activities]
    if form.validate_on_submit():
        kind, _, activity_id = form.activity.data.partition(":")
        set_work_for(school_class, kind, activity_id, current_user, form.due_on.data)
        db.session.commit()
        flash("Work set. Pupils see it first on their home page.", "info")
        return redirect(url_for("teacher.work", class_id=school_class.id))
    grid = progress.class_grid(progress.read_class(school_class.id), activities, catalogue())
    done = dict(zip((a.id for a in activities), grid.done_counts()))
    set_work = [(grid.assignments[a.id], a, done[a.id]) for a in activities if a.id in grid.assignments]
    return render_template("teacher/work.html", school_class=school_class, form=form, set_work=set_work,
                           pupils=len(grid.pupils), remove=EmptyForm()), 400 if form.errors else 200


@bp.post("/classes/<int:class_id>/work/<int:assignment_id>/remove")
def remove_work(class_id: int, assignment_id: int):
    """Stop setting a piece of work (pupils keep what they did)."""
    school_class = my_class_or_404(class_id)
    remove(school_class, assignment_id)
    db.session.commit()
    flash("That work is no longer set.", "info")
    return redirect(url_for("teacher.work", class_id=school_class.id))


# Progress, misconceptions, coverage -----------------------------------------------------------------------


@bp.get("/classes/<int:class_id>/progress")
def class_progress(class_id: int):
    """The class progress grid: pupils by activities, each cell in words, with filters."""
    school_class = my_class_or_404(class_id)
    filters, grid = grid_for(school_class)
    chart = progress.weekly_counts(grid.completed)  # the grid has read every lesson row of the class
    return render_template("teacher/progress.html", school_class=school_class, grid=grid, filters=filters,
                           chart=chart)


@bp.get("/classes/<int:class_id>/misconceptions")
def misconceptions(class_id: int):
    """Which answers the class chose, wrong ones first, with the misconception and the lesson that helps."""
    school_class = my_class_or_404(class_id)
    pupils = progress.class_pupils(school_class.id)
    quizzes = catalogue().quizzes_for(school_class.key_stage, school_class.year_group)
    report = progress.class_misconceptions([p.id for p in pupils], quizzes)
    return render_template("teacher/misconceptions.html", school_class=school_class, report=report,
                           lessons=catalogue().lessons)


@bp.get("/classes/<int:class_id>/coverage")
def class_coverage(class_id: int):
    """Every statement of the chosen frameworks with the share of the class that completed an activity covering it."""
    school_class = my_class_or_404(class_id)
    form, frameworks = chosen_frameworks()
    pupils = progress.class_pupils(school_class.id)
    report = progress.coverage([p.id for p in pupils], catalogue(), school_class.key_stage, frameworks,
                               year_group=school_class.year_group)
    return render_template("teacher/coverage.html", scope=school_class.name, school_class=school_class,
                           report=report, pupils=len(pupils), generated=utcnow(), form=form)


@bp.get("/coverage")
def school_coverage():
    """Whole-school coverage of the chosen frameworks, for admins and subject leads."""
    if not current_user.is_admin:
        abort(403)  # whole-school figures are for admins and subject leads
    form, frameworks = chosen_frameworks()
    report = tallies.coverage_for_schools([current_user.school_id], catalogue(), frameworks)[current_user.school_id]
    return render_template("teacher/coverage.html", scope="the whole school", school_class=None, report=report,
                           pupils=progress.pupils_counted(report), generated=utcnow(), form=form)
