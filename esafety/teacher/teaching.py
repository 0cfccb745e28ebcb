"""Teaching from the front: the lesson list, teacher's guides, present mode, the presenter view and printables.

Nothing here reads or writes anything about pupils: a teacher shows content, so every view is a GET that
touches only the content catalogue and the teacher's own school settings (for the DSL's name).
"""

import hashlib

import segno
from flask import abort, render_template
from flask_login import current_user

from ..content import catalogue
from ..content.schema import SMART_NAMES
from ..learning import check_order
from ..links import external_url
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
    choices = [step.choices[i] for i in check_order(lesson, number - 1)] if step.type == "check" else []
    correct = next((i for i, c in enumerate(choices) if c.correct), None)
    return {"lesson": lesson, "guide": guide, "step": step, "number": number, "total": len(lesson.steps),
            "choices": choices, "correct": correct, "smart_name": SMART_NAMES[lesson.smart],
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


# Printables: each fits one A4 page in print (static/css/site.css, "Printables") -------------------------------


@bp.get("/lessons/<lesson_id>/plan")
def lesson_plan(lesson_id: str):
    """The lesson plan on one printed page: objective, timings, questions, adaptations and the DSL."""
    lesson, guide = lesson_or_404(lesson_id)
    return render_template("teacher/print_plan.html", lesson=lesson, guide=guide, school=current_user.school)


@bp.get("/lessons/<lesson_id>/worksheet")
def worksheet(lesson_id: str):
    """An unplugged worksheet for classes without devices: key words to match, the lesson's questions, a task."""
    lesson, guide = lesson_or_404(lesson_id)
    checks = [(lesson.steps[i], [lesson.steps[i].choices[j] for j in check_order(lesson, i)])
              for i in lesson.check_steps]  # in the board's order
    # Meanings in an order of their own (stable across prints, unrelated to the words' order), so matching is a task.
    meanings = sorted((term.meaning for term in guide.vocabulary), key=lambda m: hashlib.sha256(m.encode()).digest())
    rule = getattr(catalogue().smart_rules.rules[lesson.smart], lesson.key_stage)
    return render_template("teacher/print_worksheet.html", lesson=lesson, guide=guide, checks=checks,
                           meanings=meanings, rule=rule, smart_name=SMART_NAMES[lesson.smart])


@bp.get("/lessons/<lesson_id>/letter")
def parent_letter(lesson_id: str):
    """A letter home about the lesson, with a QR code (made here) to the school's own parent guide page."""
    lesson, guide = lesson_or_404(lesson_id)
    link = external_url("parents.page", page_id=guide.parent_page)
    qr = segno.make(link, error="m").svg_inline(scale=4, border=2)
    return render_template("teacher/print_letter.html", lesson=lesson, guide=guide, school=current_user.school,
                           page=catalogue().parent_pages[guide.parent_page], link=link, qr=qr)
