"""The quiz player: questions one at a time, scenarios one decision at a time, marked on the server."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.forms import EmptyForm
from ..content import catalogue
from ..content.schema import SMART_NAMES
from ..extensions import db
from ..learning import (
    answer_question, answers_of, choose, fit_to_content, open_attempt, path_of, quiz_summaries, submit,
)
from ..marking import AnswerError, mark_question, walk_scenario
from ..models import QuizAttempt
from . import bp
from .routes import for_this_pupil


def quiz_or_404(quiz_id: str):
    """A quiz of the pupil's own key stage and year group."""
    quiz = catalogue().quizzes.get(quiz_id)
    if quiz is None or not for_this_pupil(quiz):
        abort(404)
    return quiz


def attempt_or_404(quiz, attempt_id: int) -> QuizAttempt:
    """One of the pupil's own attempts at this quiz (404 for anyone else's)."""
    attempt = db.session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.pupil_id != current_user.id or attempt.quiz_id != quiz.id:
        abort(404)
    return attempt


@bp.get("/quizzes/<quiz_id>")
def quiz(quiz_id: str):
    """The quiz's front page: what it is about, past results, and start or carry on."""
    quiz = quiz_or_404(quiz_id)
    summary = quiz_summaries(current_user.id).get(quiz.id)
    return render_template("pupil/quiz_start.html", quiz=quiz, summary=summary, form=EmptyForm(),
                           smart_name=SMART_NAMES[quiz.smart], lesson=catalogue().lessons.get(quiz.lesson))


@bp.post("/quizzes/<quiz_id>/start")
def quiz_begin(quiz_id: str):
    """Start a new attempt, or carry on the unfinished one."""
    quiz = quiz_or_404(quiz_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    attempt = open_attempt(current_user, quiz)
    fit_to_content(attempt, quiz)  # an unfinished go at an older version starts afresh
    db.session.commit()
    return redirect(url_for("pupil.quiz_attempt", quiz_id=quiz.id, attempt_id=attempt.id))


def _read_answer(question):
    """The pupil's answer from the form, in the shape marking expects."""
    if question.type in ("single", "truefalse"):
        return request.form.get("choice", "")
    if question.type == "multiple":
        return request.form.getlist("choice")
    return {item.id: request.form.get(f"item-{item.id}", "") for item in question.items}


@bp.route("/quizzes/<quiz_id>/attempts/<int:attempt_id>", methods=["GET", "POST"])
def quiz_attempt(quiz_id: str, attempt_id: int):
    """Play an attempt: show the next question or decision, record answers, and finish.

    An answer that does not fit the page (a tampered or very old form) is refused with a 400 and a message
    on the same page; a second click on an answer already recorded is ignored.
    """
    quiz = quiz_or_404(quiz_id)
    attempt = attempt_or_404(quiz, attempt_id)
    if attempt.submitted_at is not None:
        return redirect(url_for("pupil.quiz_result", quiz_id=quiz.id, attempt_id=attempt.id))
    if attempt.content_version != quiz.version:
        if request.method == "GET":  # reads never write: Carry on (a POST) starts it afresh
            return redirect(url_for("pupil.quiz", quiz_id=quiz.id))
        fit_to_content(attempt, quiz)
        db.session.commit()
    form = EmptyForm()
    error = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)  # CSRF token missing or stale
        try:
            if "finish" in request.form:
                submit(attempt, quiz)
                db.session.commit()
                return redirect(url_for("pupil.quiz_result", quiz_id=quiz.id, attempt_id=attempt.id))
            if quiz.kind == "scenario":
                choose(attempt, quiz, request.form.get("position", -1, type=int),
                       request.form.get("choice", -1, type=int))
            else:
                question_id = request.form.get("question", "")
                question = next((q for q in quiz.questions if q.id == question_id), None)
                if question is None:
                    raise AnswerError("That question is not in this quiz.")
                answer_question(attempt, quiz, question_id, _read_answer(question))
            db.session.commit()
            return redirect(url_for("pupil.quiz_attempt", quiz_id=quiz.id, attempt_id=attempt.id,
                                    _anchor="feedback"))
        except AnswerError as problem:
            db.session.rollback()
            error = str(problem)
    if quiz.kind == "scenario":
        return _scenario_page(quiz, attempt, form, error)
    return _question_page(quiz, attempt, form, error)


def _question_page(quiz, attempt, form, error):
    """The next unanswered question, with feedback on the one answered just before it."""
    answers = answers_of(attempt)
    answered = [q for q in quiz.questions if q.id in answers]
    upcoming = [q for q in quiz.questions if q.id not in answers]
    previous = (answered[-1], mark_question(answered[-1], answers[answered[-1].id])) if answered else None
    question = upcoming[0] if upcoming else None
    return render_template(
        "pupil/quiz_question.html", quiz=quiz, attempt=attempt, form=form, question=question,
        previous=previous, number=len(answered) + 1, total=len(quiz.questions), error=error,
    ), 400 if error else 200


def _scenario_page(quiz, attempt, form, error):
    """The story so far: the consequence of the last decision, then the next decision or the ending."""
    path = path_of(attempt)
    node_id, results = walk_scenario(quiz, path)
    previous = None
    if path:
        before, _ = walk_scenario(quiz, path[:-1])
        previous = (quiz.nodes[before].choices[path[-1]], results[-1])
    return render_template(
        "pupil/quiz_scenario.html", quiz=quiz, attempt=attempt, form=form, node=quiz.nodes[node_id],
        position=len(path), previous=previous, error=error, smart_names=SMART_NAMES,
    ), 400 if error else 200


def _chosen_words(question, stored: str) -> str:
    """What the pupil chose, in the words on the buttons (sort answers are explained item by item instead)."""
    ids = set(stored.split(",")) if question.type == "multiple" else {stored}
    return "; ".join(c.text for c in question.choices if c.id in ids)


def _review(quiz, attempt) -> list[tuple]:
    """Each question or decision of a finished attempt: what was asked, what the pupil chose, the verdict, and
    the question (None for a story's decisions).

    An attempt made before the quiz last changed may not fit it any more, so it gets no review, just its score.
    """
    if attempt.content_version != quiz.version:
        return []
    if quiz.kind == "scenario":
        _, results = walk_scenario(quiz, path_of(attempt))
        return [(quiz.nodes[r.question_id].text, quiz.nodes[r.question_id].choices[int(r.answer)].text, r, None)
                for r in results]
    answers = answers_of(attempt)
    return [(q.prompt, "" if q.type == "sort" else _chosen_words(q, answers[q.id]), mark_question(q, answers[q.id]), q)
            for q in quiz.questions if q.id in answers]


@bp.get("/quizzes/<quiz_id>/attempts/<int:attempt_id>/result")
def quiz_result(quiz_id: str, attempt_id: int):
    """The result of a finished attempt: score, best score, what each answer showed, and what to do next."""
    quiz = quiz_or_404(quiz_id)
    attempt = attempt_or_404(quiz, attempt_id)
    if attempt.submitted_at is None:
        flash("Finish the quiz first.", "info")
        return redirect(url_for("pupil.quiz_attempt", quiz_id=quiz.id, attempt_id=attempt.id))
    summary = quiz_summaries(current_user.id).get(quiz.id)
    return render_template("pupil/quiz_result.html", quiz=quiz, attempt=attempt, review=_review(quiz, attempt),
                           summary=summary, form=EmptyForm(), lesson=catalogue().lessons.get(quiz.lesson),
                           smart_name=SMART_NAMES[quiz.smart])
