"""The lesson player's rules, as plain functions (esafety/learning.py), without a browser or a view."""

import pytest

from esafety.content import catalogue
from esafety.extensions import db
from esafety.learning import Move, NotAChoice, press, progress_in, step_allowed

LESSON = "ks2-safe"


def _first_check(lesson) -> int:
    return next(i for i, step in enumerate(lesson.steps) if step.type == "check")


def test_a_check_must_be_answered_before_moving_on(school):
    """Pressing Next on an unanswered check stays on it; answering shows the feedback; then Next moves on."""
    lesson, pupil = catalogue().lessons[LESSON], school.pupil
    index = _first_check(lesson)
    assert press(pupil, lesson, progress_in(pupil.id, LESSON), index, None, moving_on=True) == Move(index + 1)
    assert press(pupil, lesson, None, index, 0, moving_on=False) == Move(index + 1, anchor="feedback")
    db.session.commit()
    row = progress_in(pupil.id, LESSON)
    assert press(pupil, lesson, row, index, None, moving_on=True) == Move(index + 2)


def test_a_choice_not_on_the_step_is_refused(school):
    """A choice number the step does not have raises NotAChoice and saves nothing."""
    lesson = catalogue().lessons[LESSON]
    index = _first_check(lesson)
    with pytest.raises(NotAChoice):
        press(school.pupil, lesson, None, index, len(lesson.steps[index].choices), moving_on=False)
    assert progress_in(school.pupil.id, LESSON) is None


def test_the_last_step_sends_back_to_an_unanswered_check_then_completes(school):
    """Finishing with a check unanswered returns to that check; with all answered the lesson is done."""
    lesson, pupil = catalogue().lessons[LESSON], school.pupil
    last = len(lesson.steps) - 1
    first_check = _first_check(lesson)
    assert press(pupil, lesson, None, last, None, moving_on=True) == Move(first_check + 1)
    for i, step in enumerate(lesson.steps):
        if step.type == "check":
            press(pupil, lesson, None, i, next(n for n, c in enumerate(step.choices) if c.correct), moving_on=False)
    db.session.commit()
    assert press(pupil, lesson, progress_in(pupil.id, LESSON), last, None, moving_on=True) == Move(done=True)
    db.session.commit()
    assert progress_in(pupil.id, LESSON).completed_at is not None


def test_steps_beyond_the_furthest_reached_are_closed_until_the_lesson_is_done(school):
    """A step ahead of the pupil sends them to the furthest one reached; a finished lesson is open throughout."""
    lesson = catalogue().lessons[LESSON]
    assert step_allowed(lesson, None, 0) is None
    assert step_allowed(lesson, None, 3) == 1
