"""The pupil's home and the lesson player."""

import sqlalchemy as sa
from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.forms import EmptyForm
from ..content import catalogue
from ..content.schema import SMART_NAMES
from ..extensions import db
from ..learning import (
    answer_check, chosen_answer, complete_lesson, furthest_step, lesson_progress, progress_in, quiz_summaries,
    reach_step, unanswered_checks,
)
from ..models import Assignment
from . import bp


def lesson_or_404(lesson_id: str):
    """A lesson of the pupil's own key stage (404 for any other, so ids reveal nothing)."""
    lesson = catalogue().lessons.get(lesson_id)
    if lesson is None or lesson.key_stage != current_user.school_class.key_stage:
        abort(404)
    return lesson


def lesson_state(lesson, row) -> tuple[str, str]:
    """A lesson's state for the pupil, as a key and the words shown (never colour alone)."""
    if row is None:
        return "new", "New"
    if row.completed_at:
        return "done", "Done"
    return "started", f"Started: step {furthest_step(lesson, row) + 1} of {len(lesson.steps)}"


def quiz_state(summary) -> tuple[str, str]:
    """A quiz's state for the pupil, in words and never a score (ICO children's code: no score pressure):
    new, started (an unfinished go), or done."""
    if summary and summary.in_progress_id:
        return "started", "Started"
    if summary and summary.attempts:
        return "done", "Done" if summary.passed else "Done: have another go when you like"
    return "new", "New"


@bp.get("/")
def home():
    """Set work first, then the key stage's lessons by SMART letter, then quizzes."""
    key_stage = current_user.school_class.key_stage
    content = catalogue()
    progress = lesson_progress(current_user.id)
    results = quiz_summaries(current_user.id)
    assignments = db.session.scalars(
        sa.select(Assignment).where(Assignment.class_id == current_user.class_id)
        .order_by(Assignment.due_on.is_(None), Assignment.due_on, Assignment.created_at)
    ).all()
    set_work = []
    for assignment in assignments:
        activity = content.activity(assignment.activity_kind, assignment.activity_id)
        if activity is None or activity.key_stage != key_stage:
            continue  # retired content, or set for the wrong key stage: the link would only 404
        states = {"lesson": lambda: lesson_state(activity, progress.get(activity.id)),
                  "quiz": lambda: quiz_state(results.get(activity.id))}
        state = states[assignment.activity_kind]()
        set_work.append((assignment, activity, state))
    groups = []
    for letter, name in SMART_NAMES.items():
        lessons = [(lesson, lesson_state(lesson, progress.get(lesson.id)))
                   for lesson in content.lessons_for(key_stage) if lesson.smart == letter]
        groups.append((letter, name, content.smart_rules.rules[letter], lessons))
    quizzes = [(quiz, quiz_state(results.get(quiz.id))) for quiz in content.quizzes_for(key_stage)]
    return render_template("pupil/home.html", set_work=set_work, groups=groups, key_stage=key_stage,
                           quizzes=quizzes)


@bp.get("/lessons/<lesson_id>")
def lesson(lesson_id: str):
    """Open a lesson where the pupil left off (a finished lesson opens at the start, to look back at)."""
    lesson = lesson_or_404(lesson_id)
    row = progress_in(current_user.id, lesson.id)
    number = 1 if row is None or row.completed_at else furthest_step(lesson, row) + 1
    return redirect(url_for("pupil.lesson_step", lesson_id=lesson.id, number=number))


@bp.route("/lessons/<lesson_id>/step/<int:number>", methods=["GET", "POST"])
def lesson_step(lesson_id: str, number: int):
    """Show one step (numbered from 1); on POST save an answer or move on, then show the next page.

    Steps come one at a time: a step beyond the furthest one reached sends the pupil back to that one.
    """
    lesson = lesson_or_404(lesson_id)
    if not 1 <= number <= len(lesson.steps):
        abort(404)  # no such step
    index = number - 1
    step = lesson.steps[index]
    form = EmptyForm()
    row = progress_in(current_user.id, lesson.id)
    reached = furthest_step(lesson, row)
    if index > reached and not (row and row.completed_at):
        return redirect(url_for("pupil.lesson_step", lesson_id=lesson.id, number=reached + 1))
    if request.method == "POST":
        if step.type == "check" and "choice" in request.form:
            choice = request.form.get("choice", type=int)
            if choice is None or not 0 <= choice < len(step.choices):
                abort(400)  # not one of the choices on the page
            answer_check(current_user, lesson, index, choice)
            db.session.commit()
            return redirect(url_for("pupil.lesson_step", lesson_id=lesson.id, number=number, _anchor="feedback"))
        if step.type == "check" and chosen_answer(lesson, row, index) is None:
            return redirect(url_for("pupil.lesson_step", lesson_id=lesson.id, number=number))
        if number == len(lesson.steps):
            missing = unanswered_checks(lesson, row)
            if missing:
                return redirect(url_for("pupil.lesson_step", lesson_id=lesson.id, number=missing[0] + 1))
            complete_lesson(current_user, lesson)
            db.session.commit()
            return redirect(url_for("pupil.lesson_done", lesson_id=lesson.id))
        reach_step(current_user, lesson, index + 1)
        db.session.commit()
        return redirect(url_for("pupil.lesson_step", lesson_id=lesson.id, number=number + 1))
    rule = catalogue().smart_rules.rules[lesson.smart]
    return render_template(
        "pupil/lesson_step.html", lesson=lesson, step=step, number=number, total=len(lesson.steps),
        form=form, chosen=chosen_answer(lesson, row, index), rule=rule, rule_text=getattr(rule, lesson.key_stage),
        smart_name=SMART_NAMES[lesson.smart],
    )


@bp.get("/lessons/<lesson_id>/done")
def lesson_done(lesson_id: str):
    """A short celebration and a suggestion of what to do next (no streaks, no points)."""
    lesson = lesson_or_404(lesson_id)
    progress = lesson_progress(current_user.id)
    row = progress.get(lesson.id)
    if row is None or row.completed_at is None:
        return redirect(url_for("pupil.lesson", lesson_id=lesson.id))
    content = catalogue()
    following = [item for item in content.lessons_for(lesson.key_stage)
                 if item.id != lesson.id and not (progress.get(item.id) and progress[item.id].completed_at)]
    quiz = next((q for q in content.quizzes_for(lesson.key_stage) if q.lesson == lesson.id), None)
    return render_template("pupil/lesson_done.html", lesson=lesson, next_lesson=following[0] if following else None,
                           quiz=quiz, rule=getattr(content.smart_rules.rules[lesson.smart], lesson.key_stage))
