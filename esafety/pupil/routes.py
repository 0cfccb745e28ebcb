"""The pupil's home and the lesson player."""

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import for_this_pupil, my_lesson_or_404
from ..content import catalogue
from ..content.schema import SMART_NAMES
from ..extensions import db
from ..learning import (
    NotAChoice, check_order, chosen_answer, furthest_step, home_reads, lesson_states, place_in, press, progress_in,
    step_allowed,
)
from . import bp


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
    year_group = current_user.school_class.year_group
    content = catalogue()
    progress, results, assignments = home_reads(current_user.id)
    set_work = []
    for assignment in assignments:
        activity = content.activity(assignment.activity_kind, assignment.activity_id)
        if activity is None or not for_this_pupil(activity):
            continue  # retired content, or set for another key stage or year: the link would only 404
        states = {"lesson": lambda: lesson_state(activity, progress.get(activity.id)),
                  "quiz": lambda: quiz_state(results.get(activity.id))}
        state = states[assignment.activity_kind]()
        set_work.append((assignment, activity, state))
    cards = [(lesson, lesson_state(lesson, progress.get(lesson.id)))
             for lesson in content.lessons_for(key_stage, year_group)]
    groups = [(letter, name, content.smart_rules.rules[letter], [card for card in cards if card[0].smart == letter])
              for letter, name in SMART_NAMES.items()]
    quizzes = [(quiz, quiz_state(results.get(quiz.id))) for quiz in content.quizzes_for(key_stage, year_group)]
    return render_template("pupil/home.html", set_work=set_work, groups=groups, key_stage=key_stage,
                           quizzes=quizzes)


@bp.get("/lessons/<lesson_id>")
def lesson(lesson_id: str):
    """Open a lesson where the pupil left off (a finished lesson opens at the start, to look back at)."""
    lesson = my_lesson_or_404(lesson_id)
    row = place_in(current_user.id, lesson.id)
    number = 1 if row is None or row.completed_at else furthest_step(lesson, row) + 1
    return redirect(url_for("pupil.lesson_step", lesson_id=lesson.id, number=number))


@bp.route("/lessons/<lesson_id>/step/<int:number>", methods=["GET", "POST"])
def lesson_step(lesson_id: str, number: int):
    """Show one step (numbered from 1); on POST save an answer or move on (learning.press), then redirect."""
    lesson = my_lesson_or_404(lesson_id)
    if not 1 <= number <= len(lesson.steps):
        abort(404)  # no such step
    # Showing a step only reads where the pupil is; pressing on it changes the row.
    row = (progress_in if request.method == "POST" else place_in)(current_user.id, lesson.id)
    elsewhere = step_allowed(lesson, row, number - 1)
    if elsewhere is not None:
        return redirect(url_for("pupil.lesson_step", lesson_id=lesson.id, number=elsewhere))
    if request.method == "POST":
        try:
            move = press(current_user, lesson, row, number - 1, request.form.get("choice", type=int),
                         moving_on="choice" not in request.form)
        except NotAChoice:
            abort(400)  # not one of the choices on the page
        db.session.commit()
        if move.done:
            return redirect(url_for("pupil.lesson_done", lesson_id=lesson.id))
        return redirect(url_for("pupil.lesson_step", lesson_id=lesson.id, number=move.number, _anchor=move.anchor))
    rule = catalogue().smart_rules.rules[lesson.smart]
    return render_template(
        "pupil/lesson_step.html", lesson=lesson, step=lesson.steps[number - 1], number=number,
        total=len(lesson.steps), chosen=chosen_answer(lesson, row, number - 1), rule=rule,
        order=check_order(lesson, number - 1, current_user.id) if lesson.steps[number - 1].type == "check" else [],
        rule_text=getattr(rule, lesson.key_stage), smart_name=SMART_NAMES[lesson.smart])


@bp.get("/lessons/<lesson_id>/done")
def lesson_done(lesson_id: str):
    """A short celebration and a suggestion of what to do next (no streaks, no points)."""
    lesson = my_lesson_or_404(lesson_id)
    progress = lesson_states(current_user.id)
    row = progress.get(lesson.id)
    if row is None or row.completed_at is None:
        return redirect(url_for("pupil.lesson", lesson_id=lesson.id))
    content = catalogue()
    year_group = current_user.school_class.year_group
    following = [item for item in content.lessons_for(lesson.key_stage, year_group)
                 if item.id != lesson.id and not (progress.get(item.id) and progress[item.id].completed_at)]
    quiz = next((q for q in content.quizzes_for(lesson.key_stage, year_group) if q.lesson == lesson.id), None)
    return render_template("pupil/lesson_done.html", lesson=lesson, next_lesson=following[0] if following else None,
                           quiz=quiz, rule=getattr(content.smart_rules.rules[lesson.smart], lesson.key_stage))
