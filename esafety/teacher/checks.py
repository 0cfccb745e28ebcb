"""Teacher views: the "What do I know?" checks, baseline and impact per strand, and setting the lessons for a gap."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from .. import progress
from ..access import my_class_or_404
from ..assignments import set_work_for
from ..audit import record
from ..baseline import GRADES, checks_for, class_report, rounds_of
from ..content import catalogue
from ..extensions import db
from ..models import CheckRound, SchoolClass
from . import bp
from .forms import GapLessonsForm, OpenCheckForm


@bp.get("/classes/<int:class_id>/baseline")
def baseline(class_id: int):
    """Baseline and impact: per strand the class's shares at the baseline and now, who holds which misconception
    now, and the lessons that teach each gap (one click sets them)."""
    school_class = my_class_or_404(class_id)
    content = catalogue()
    checks = checks_for(content, school_class.key_stage)
    pupils = progress.class_pupils(school_class.id)
    reports = [class_report(school_class.id, pupils, quiz, content) for quiz in checks]
    form = OpenCheckForm()
    form.quiz.choices = [(q.id, q.title) for q in checks]
    return render_template("teacher/baseline.html", school_class=school_class, reports=reports, form=form,
                           set_lessons=GapLessonsForm(), grades=GRADES)


def _check_or_404(school_class: SchoolClass, quiz_id: str):
    """A What do I know? check of the class's key stage (404 for anything else)."""
    check = next((q for q in checks_for(catalogue(), school_class.key_stage) if q.id == quiz_id), None)
    if check is None:
        abort(404)
    return check


@bp.post("/classes/<int:class_id>/baseline/open")
def open_check(class_id: int):
    """Open a check to the class as its baseline or as a later check, and set it as work so pupils see it."""
    school_class = my_class_or_404(class_id)
    form = OpenCheckForm()
    form.quiz.choices = [(q.id, q.title) for q in checks_for(catalogue(), school_class.key_stage)]
    if not form.validate_on_submit():
        flash("Choose a check and whether it is the baseline or a later check.", "error")
        return redirect(url_for("teacher.baseline", class_id=school_class.id))
    check = _check_or_404(school_class, form.quiz.data)
    if form.stage.data == "later" and not rounds_of(school_class.id, check.id):
        flash("Open the baseline first: a later check is compared with it.", "error")
        return redirect(url_for("teacher.baseline", class_id=school_class.id))
    db.session.add(CheckRound(class_id=school_class.id, quiz_id=check.id, stage=form.stage.data,
                              opened_by_id=current_user.id))
    set_work_for(school_class, "quiz", check.id, current_user, keep_due=True)
    record("check opened", target=f"class:{school_class.id}", detail=f"{check.id} {form.stage.data}")
    db.session.commit()
    flash(f"“{check.title}” is open to the class as {'the baseline' if form.stage.data == 'baseline' else 'a later check'}"
          ". Pupils see it first on their home page.", "info")
    return redirect(url_for("teacher.baseline", class_id=school_class.id))


@bp.post("/classes/<int:class_id>/baseline/lessons")
def set_gap_lessons(class_id: int):
    """Set, in one click, the lessons that teach one strand of a check (as Set work does, one by one)."""
    school_class = my_class_or_404(class_id)
    form = GapLessonsForm()
    if not form.validate_on_submit():
        flash("Those lessons could not be set. Try again from this page.", "error")
        return redirect(url_for("teacher.baseline", class_id=school_class.id))
    check = _check_or_404(school_class, form.quiz.data)
    strand = next((r for r in class_report(school_class.id, [], check, catalogue()).strands
                   if r.strand == form.strand.data), None)
    if strand is None or not strand.lessons:
        flash("No lessons teach that strand yet.", "error")
        return redirect(url_for("teacher.baseline", class_id=school_class.id))
    for lesson in strand.lessons:
        set_work_for(school_class, "lesson", lesson.id, current_user, keep_due=True)
    db.session.commit()
    flash(f"Set {len(strand.lessons)} lesson{'s' if len(strand.lessons) != 1 else ''} for {strand.strand}: "
          + ", ".join(lesson.title for lesson in strand.lessons) + ".", "info")
    return redirect(url_for("teacher.baseline", class_id=school_class.id))
