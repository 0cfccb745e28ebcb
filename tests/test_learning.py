"""The lesson player's rules, as plain functions (esafety/learning.py), without a browser or a view."""

import pytest
import sqlalchemy as sa

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


def test_the_home_reads_in_one_query_give_what_the_three_reads_give(school):
    """The pupil home's one statement gives each pupil's lesson states and quiz summaries, and their class's set
    work soonest due first (undated last), the first two exactly as lesson_states and quiz_summaries give them,
    and nothing of another pupil or class."""
    from datetime import date

    from esafety.learning import answer_check, home_reads, lesson_states, open_attempt, quiz_summaries
    from esafety.models import Assignment

    from . import factories

    pupil, other = school.ks2_pupils[0], school.ks2_pupils[1]
    factories.complete_lesson(pupil, "ks2-tell")
    lesson = catalogue().lessons[LESSON]
    answer_check(pupil, lesson, _first_check(lesson), 0)
    factories.finish_quiz(pupil, "age-ks2")
    factories.finish_quiz(pupil, "age-ks2")
    open_attempt(pupil, catalogue().quizzes["age-ks2"])
    factories.complete_lesson(other, "ks2-meeting")
    for klass, activity, due in ((school.ks2, "ks2-reliable", None), (school.ks2, "ks2-safe", date(2027, 3, 1)),
                                 (school.ks2, "ks2-accepting", date(2027, 1, 12)), (school.ks1, "ks1-safe", None)):
        db.session.add(Assignment(class_id=klass.id, activity_kind="lesson", activity_id=activity,
                                  due_on=due, set_by_id=school.teacher.id))
    db.session.commit()

    lessons, quizzes, set_work = home_reads(pupil.id)

    assert {key: tuple(row) for key, row in lessons.items()} == {
        key: tuple(row) for key, row in lesson_states(pupil.id).items()}
    assert set(lessons) == {"ks2-tell", LESSON} and lessons["ks2-tell"].completed_at is not None
    assert quizzes == quiz_summaries(pupil.id)
    assert quizzes["age-ks2"].attempts == 2 and quizzes["age-ks2"].in_progress_id is not None
    assert [(row.activity_kind, row.activity_id, row.due_on) for row in set_work] == [
        ("lesson", "ks2-accepting", date(2027, 1, 12)), ("lesson", "ks2-safe", date(2027, 3, 1)),
        ("lesson", "ks2-reliable", None)]
    assert {row.id for row in set_work} == set(db.session.scalars(
        sa.select(Assignment.id).where(Assignment.class_id == school.ks2.id)))
    assert [row.activity_id for row in set_work] == ["ks2-accepting", "ks2-safe", "ks2-reliable"]
    assert set_work[0].due_on == date(2027, 1, 12)
