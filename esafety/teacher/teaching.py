"""Teaching from the front: the lesson list, each lesson's teacher's guide, present mode and the presenter view.

Nothing here reads or writes anything about pupils: a teacher shows content, so every view is a GET that
touches only the content catalogue and the teacher's own school settings (for the DSL's name).
"""

from flask import abort, render_template
from flask_login import current_user

from ..content import catalogue
from ..content.schema import SMART_NAMES
from . import bp


def lesson_or_404(lesson_id: str):
    """A pupil lesson by id, with its guide; 404 for an unknown id."""
    content = catalogue()
    lesson = content.lessons.get(lesson_id)
    if lesson is None:
        abort(404)  # no such lesson
    return lesson, content.guides[lesson_id]


def step_or_404(lesson, number: int):
    """Step `number` (counting from 1) of a lesson; 404 outside the lesson."""
    if not 1 <= number <= len(lesson.steps):
        abort(404)  # a step the lesson does not have
    return lesson.steps[number - 1]


def slide_context(lesson_id: str, number: int) -> dict:
    """What a board slide and its presenter view both show."""
    lesson, guide = lesson_or_404(lesson_id)
    step = step_or_404(lesson, number)
    content = catalogue()
    correct = next((i for i, c in enumerate(step.choices) if c.correct), None)
    return {"lesson": lesson, "guide": guide, "step": step, "number": number, "total": len(lesson.steps),
            "correct": correct, "smart_name": SMART_NAMES[lesson.smart],
            "rule_text": getattr(content.smart_rules.rules[lesson.smart], lesson.key_stage)}


@bp.get("/lessons")
def lessons():
    """Every pupil lesson by key stage, with its guide, present mode and printables."""
    content = catalogue()
    stages = [(stage, content.lessons_for(stage)) for stage in ("KS1", "KS2")]
    return render_template("teacher/lessons.html", stages=stages, guides=content.guides)


@bp.get("/lessons/<lesson_id>/guide")
def lesson_guide(lesson_id: str):
    """The teacher's guide to one lesson, with the school's designated safeguarding lead."""
    lesson, guide = lesson_or_404(lesson_id)
    content = catalogue()
    statements = [content.statements[s] for s in lesson.curriculum]
    return render_template("teacher/guide.html", lesson=lesson, guide=guide, school=current_user.school,
                           scenario=content.quizzes[guide.scenario], statements=statements)


@bp.get("/lessons/<lesson_id>/present/<int:number>")
def present(lesson_id: str, number: int):
    """One step of a lesson on the whiteboard: large type, the picture big, checks as a class question."""
    return render_template("teacher/present.html", **slide_context(lesson_id, number))


@bp.get("/lessons/<lesson_id>/presenter/<int:number>")
def presenter(lesson_id: str, number: int):
    """The teacher's notes for one step, for a second window or the teacher's own screen."""
    context = slide_context(lesson_id, number)
    following = context["lesson"].steps[number] if number < context["total"] else None
    return render_template("teacher/presenter.html", following=following, **context)
