"""Teaching from the front: the lesson list, teacher's guides, present mode and the presenter view."""

import re

import pytest
import sqlalchemy as sa

from esafety.content import catalogue
from esafety.extensions import db
from esafety.models import AuditLog, LessonProgress, School


@pytest.fixture
def teacher(client, school, sign_in):
    """A client signed in as the Year 5 teacher."""
    sign_in(client, school.teacher)
    return client


def test_lesson_list_links_every_lesson_to_its_guide_and_present_mode(teacher, app):
    """The list names every pupil lesson with its length and links to its guide and its first board step."""
    text = teacher.get("/teacher/lessons").get_data(as_text=True)
    for lesson_id, guide in catalogue().guides.items():
        assert f"/teacher/lessons/{lesson_id}/guide" in text
        assert f"/teacher/lessons/{lesson_id}/present/1" in text
    assert f"{catalogue().guides['ks1-safe'].minutes} minutes" in text


def test_guide_page_shows_the_guide_and_the_schools_dsl(teacher, school):
    """The guide shows the plan with its total, the tagged misconceptions, and the DSL from school settings."""
    text = teacher.get("/teacher/lessons/ks2-meeting/guide").get_data(as_text=True)
    guide = catalogue().guides["ks2-meeting"]
    assert f"Lesson plan ({guide.minutes} minutes)" in text
    assert "Ms Dee Ess" in text and "Ask at the office" in text
    assert guide.misconceptions[0].tag in text
    assert "Let&#39;s meet at the park" in text  # the matching scenario's title


def test_guide_page_without_a_dsl_says_how_to_add_one(teacher, school):
    """A school that has not named its DSL is told where to add it, never shown an empty name."""
    db.session.get(School, school.school.id).dsl_name = ""
    db.session.commit()
    text = teacher.get("/teacher/lessons/ks1-safe/guide").get_data(as_text=True)
    assert "has not named its designated safeguarding lead" in text


def test_every_step_of_every_lesson_presents(teacher):
    """Each step of each lesson renders on the board with Back and Next in the right places."""
    for lesson in catalogue().lessons.values():
        total = len(lesson.steps)
        for number in range(1, total + 1):
            response = teacher.get(f"/teacher/lessons/{lesson.id}/present/{number}")
            assert response.status_code == 200, (lesson.id, number)
            text = response.get_data(as_text=True)
            assert ('rel="prev"' in text) == (number > 1), (lesson.id, number)
            assert ('rel="next"' in text) == (number < total), (lesson.id, number)
            assert f"Step {number} of {total}" in text


def test_a_check_is_a_class_question_with_the_answer_behind_a_control(teacher):
    """A check shows every choice large, and the right answer and all feedback only inside "Show the answer"."""
    lesson = catalogue().lessons["ks1-safe"]
    number = lesson.check_steps[0] + 1
    step = lesson.steps[number - 1]
    text = teacher.get(f"/teacher/lessons/ks1-safe/present/{number}").get_data(as_text=True)
    choices, _, answer = text.partition('<details class="answer"')
    assert "<form" not in choices.split('id="slide-choices"')[1]  # nothing is sent or stored
    for choice in step.choices:
        assert choice.text in choices and choice.feedback in answer
        assert choice.feedback not in choices
    right = next(c for c in step.choices if c.correct)
    letters = dict(re.findall(r'<span class="choice-letter" aria-hidden="true">([A-D])</span> ([^<]+)</li>', choices))
    letter = next(k for k, v in letters.items() if v == right.text)  # the board shows choices in a shuffled order
    assert len(letters) == len(step.choices) and f"The answer is {letter}: {right.text}" in answer


def test_presenter_view_shows_the_note_for_each_step(teacher):
    """The presenter view of step n shows the guide's note n, the answer of a check, and the next step's title."""
    lesson, guide = catalogue().lessons["ks2-tell"], catalogue().guides["ks2-tell"]
    for number, step in enumerate(lesson.steps, start=1):
        text = teacher.get(f"/teacher/lessons/ks2-tell/presenter/{number}").get_data(as_text=True)
        assert guide.step_notes[number - 1].replace("'", "&#39;") in text
        if number < len(lesson.steps):
            assert f"Next: {lesson.steps[number].title}" in text
        if step.type == "check":
            assert "<strong>Answer:</strong>" in text


@pytest.mark.parametrize("path", [
    "/teacher/lessons/no-such-lesson/guide", "/teacher/lessons/no-such-lesson/present/1",
    "/teacher/lessons/ks1-safe/present/0", "/teacher/lessons/ks1-safe/present/99",
    "/teacher/lessons/ks1-safe/presenter/99", "/teacher/lessons/ks1-safe/present/x",
])
def test_unknown_lessons_and_steps_are_not_found(teacher, path):
    """Bad lesson ids and step numbers give a 404 page, never a 500."""
    assert teacher.get(path).status_code == 404


def test_presenting_stores_nothing(teacher, queries):
    """Going through a whole lesson on the board writes no row and reads nothing about pupils."""
    before = db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress))
    audits = db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog))
    with queries() as statements:
        for number in range(1, len(catalogue().lessons["ks2-safe"].steps) + 1):
            teacher.get(f"/teacher/lessons/ks2-safe/present/{number}")
    assert not [s for s in statements if re.match(r"\s*(INSERT|UPDATE|DELETE)", s, re.I)]
    assert not [s for s in statements if "lesson_progress" in s or "quiz_attempt" in s]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress)) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == audits


def test_board_pages_make_no_third_party_requests(teacher):
    """Present mode loads only the app's own scripts, styles and pictures."""
    text = teacher.get("/teacher/lessons/ks2-reliable/present/2").get_data(as_text=True)
    assert not re.findall(r'(?:src|href)="(?:https?:)?//', text)
    assert "/static/js/present.js" in text


def test_letter_home_links_the_schools_own_guide_page(teacher, app):
    """The letter's address and QR code are the school's own parent guide page, on the configured base URL."""
    app.config["BASE_URL"] = "https://esafety.test-primary.example"
    text = teacher.get("/teacher/lessons/ks2-topic-gaming-chat/letter").get_data(as_text=True)
    assert "https://esafety.test-primary.example/parents/parent-gaming-chat" in text
    assert "http://localhost" not in text
    assert "<svg" in text and "QR code for the parent guide page" in text
    lesson = catalogue().lessons["ks2-topic-gaming-chat"]
    assert lesson.home_prompt.replace("'", "&#39;")[:40] in text


def test_worksheet_asks_every_check_and_hides_the_answers(teacher):
    """The worksheet lists every check question with all its choices, and no feedback or marked answer."""
    lesson = catalogue().lessons["ks2-topic-screen-time"]
    text = teacher.get("/teacher/lessons/ks2-topic-screen-time/worksheet").get_data(as_text=True)
    for index in lesson.check_steps:
        step = lesson.steps[index]
        assert step.question.replace("'", "&#39;") in text
        for choice in step.choices:
            assert choice.text.replace("'", "&#39;") in text
            assert choice.feedback.replace("'", "&#39;") not in text


def test_plan_prints_the_timings_and_the_dsl(teacher):
    """The printed plan gives each part's minutes and the school's DSL."""
    guide = catalogue().guides["ks1-topic-screen-time"]
    text = teacher.get("/teacher/lessons/ks1-topic-screen-time/plan").get_data(as_text=True)
    for part in guide.plan:
        assert f"<td>{part.minutes}</td>" in text
    assert "Ms Dee Ess" in text


@pytest.mark.parametrize("kind", ["plan", "worksheet", "letter"])
def test_printables_of_unknown_lessons_are_not_found(teacher, kind):
    """A printable for a lesson that does not exist is a 404."""
    assert teacher.get(f"/teacher/lessons/nope/{kind}").status_code == 404
