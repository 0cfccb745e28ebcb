"""The quiz player: questions one at a time, scenarios one decision at a time, marked on the server."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import my_attempt_in_play_or_404, my_attempt_or_404, my_quiz_or_404
from ..content import catalogue
from ..content.schema import SMART_NAMES
from ..extensions import db
from ..activities import quiz_kind
from ..baseline import pupil_growth
from ..learning import fit_to_content, open_attempt, quiz_summaries, record_move, submit
from ..verdicts import AnswerError
from . import bp


@bp.get("/quizzes/<quiz_id>")
def quiz(quiz_id: str):
    """The quiz's front page: what it is about, past results, and start or carry on."""
    quiz = my_quiz_or_404(quiz_id)
    summary = quiz_summaries(current_user.id).get(quiz.id)
    return render_template("pupil/quiz_start.html", quiz=quiz, summary=summary,
                           smart_name=SMART_NAMES[quiz.smart], lesson=catalogue().lessons.get(quiz.lesson))


@bp.post("/quizzes/<quiz_id>/start")
def quiz_begin(quiz_id: str):
    """Start a new attempt, or carry on the unfinished one."""
    quiz = my_quiz_or_404(quiz_id)
    attempt = open_attempt(current_user, quiz)
    fit_to_content(attempt, quiz)  # an unfinished go at an older version starts afresh
    db.session.commit()
    return redirect(url_for("pupil.quiz_attempt", quiz_id=quiz.id, attempt_id=attempt.id))


@bp.route("/quizzes/<quiz_id>/attempts/<int:attempt_id>", methods=["GET", "POST"])
def quiz_attempt(quiz_id: str, attempt_id: int):
    """Play an attempt: show the next question or decision, record answers, and finish.

    An answer that does not fit the page (a tampered or very old form) is refused with a 400 and a message
    on the same page; a second click on an answer already recorded is ignored.
    """
    quiz = my_quiz_or_404(quiz_id)
    attempt = my_attempt_in_play_or_404(quiz, attempt_id)
    if attempt.submitted_at is not None:
        return redirect(url_for("pupil.quiz_result", quiz_id=quiz.id, attempt_id=attempt.id))
    if attempt.content_version != quiz.version:
        if request.method == "GET":  # reads never write: Carry on (a POST) starts it afresh
            return redirect(url_for("pupil.quiz", quiz_id=quiz.id))
        fit_to_content(my_attempt_or_404(quiz, attempt.id), quiz)  # the entity, to change
        db.session.commit()
        attempt = my_attempt_in_play_or_404(quiz, attempt_id)
    error = None
    if request.method == "POST":
        try:
            return _move(quiz, attempt)
        except AnswerError as problem:
            db.session.rollback()
            error = str(problem)
    kind = quiz_kind(quiz)
    page = kind.page(quiz, attempt.state, attempt.choice_order or {})
    return render_template(kind.player, quiz=quiz, attempt=attempt, error=error, kind=kind,
                           smart_names=SMART_NAMES, **page), 400 if error else 200


def _move(quiz, attempt):
    """Record the answer posted, or finish the attempt; AnswerError when the answer does not fit the page."""
    if "finish" in request.form:
        submit(attempt, quiz)
        db.session.commit()
        return redirect(url_for("pupil.quiz_result", quiz_id=quiz.id, attempt_id=attempt.id))
    record_move(attempt, quiz, request.form)
    db.session.commit()
    return redirect(url_for("pupil.quiz_attempt", quiz_id=quiz.id, attempt_id=attempt.id, _anchor="feedback"))


def _review(quiz, attempt) -> list[tuple]:
    """Each question or decision of a finished attempt: what was asked, what the pupil chose, the verdict, and
    the question (None for a story's decisions).

    An attempt made before the quiz last changed may not fit it any more, so it gets no review, just its score.
    """
    if attempt.content_version != quiz.version:
        return []
    return quiz_kind(quiz).review(quiz, attempt.state)


@bp.get("/quizzes/<quiz_id>/attempts/<int:attempt_id>/result")
def quiz_result(quiz_id: str, attempt_id: int):
    """The result of a finished attempt: score, best score, what each answer showed, and what to do next."""
    quiz = my_quiz_or_404(quiz_id)
    attempt = my_attempt_or_404(quiz, attempt_id)
    if attempt.submitted_at is None:
        flash("Finish the quiz first.", "info")
        return redirect(url_for("pupil.quiz_attempt", quiz_id=quiz.id, attempt_id=attempt.id))
    summary = quiz_summaries(current_user.id).get(quiz.id)
    kind = quiz_kind(quiz)
    know_now = pupil_growth(current_user.id, quiz, catalogue(), "pupil") if kind.opens_to_class else []
    return render_template("pupil/quiz_result.html", quiz=quiz, attempt=attempt, review=_review(quiz, attempt),
                           kind=kind, know_now=know_now,
                           summary=summary, lesson=catalogue().lessons.get(quiz.lesson),
                           smart_name=SMART_NAMES[quiz.smart])
