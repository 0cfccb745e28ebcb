"""Real headless Chromium: a pupil finishes the KS2 age quiz and a story with the keyboard alone, the page never
holds the answer key, a reload keeps progress, a double click records one attempt, and the pages pass axe-core."""

import re
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from esafety.content import catalogue
from esafety.extensions import db
from esafety.models import QuizAttempt, QuizResponse

from .. import factories
from .helpers import (
    axe_violations, keyboard_pupil_sign_in, press_enter, press_tab_until, sign_in_quickly, tab_to_button,
)

pytestmark = pytest.mark.browser

STORY = "ks2-scenario-game-friend-request"


def submitted(pupil, quiz_id):
    """The pupil's submitted attempts at a quiz, with their response counts, fresh from the database."""
    db.session.commit()
    rows = db.session.execute(
        sa.select(QuizAttempt.number, QuizAttempt.score, sa.func.count(QuizResponse.id))
        .outerjoin(QuizResponse, QuizResponse.attempt_id == QuizAttempt.id)
        .where(QuizAttempt.pupil_id == pupil.id, QuizAttempt.quiz_id == quiz_id, QuizAttempt.submitted_at.is_not(None))
        .group_by(QuizAttempt.id, QuizAttempt.number, QuizAttempt.score)
    ).all()
    return [tuple(row) for row in rows]


def assert_no_answer_key(html, secrets):
    """The page holds none of the feedback or tags that would give the answers away."""
    assert not re.search(r"correct|secure|misconception", html, re.IGNORECASE)
    for secret in secrets:
        assert secret not in html, secret


def question_secrets(question):
    """What a question's page must not contain before it is answered."""
    texts = [c.feedback for c in question.choices] + [c.misconception for c in question.choices if c.misconception]
    return texts + [i.feedback for i in question.items] + [i.misconception for i in question.items if i.misconception]


def answer_by_keyboard(page, question):
    """Answer one question rightly with the keyboard: buttons by Tab and Enter, ticks by Space, groups by arrows."""
    if question.type in ("single", "truefalse"):
        tab_to_button(page, next(c for c in question.choices if c.correct).text)
    elif question.type == "multiple":
        for choice in question.choices:
            if choice.correct:
                press_tab_until(page, f"el.id === 'c-{choice.id}'")
                page.keyboard.press("Space")
        tab_to_button(page, "Check my answer")
    else:
        groups = [g.id for g in question.groups]
        for item in question.items:
            press_tab_until(page, f"el.name === 'item-{item.id}'")
            steps = groups.index(item.group)
            page.keyboard.press("ArrowRight" if steps else "Space")
            for _ in range(steps - 1):
                page.keyboard.press("ArrowRight")
        tab_to_button(page, "Check my answers")


def start_by_keyboard(page, quiz_id):
    """From the pupil's home, Tab to the quiz, open it, and press Start."""
    page.goto("/pupil/")
    press_tab_until(page, f"el.getAttribute('href') === '/pupil/quizzes/{quiz_id}'")
    press_enter(page)
    tab_to_button(page, "Start")


def test_a_pupil_finishes_the_ks2_age_quiz_with_the_keyboard_alone(page, school):
    """Sign-in, every question type and "See how I did" by keyboard; no answers show before each is answered."""
    quiz = catalogue().quizzes["age-ks2"]
    keyboard_pupil_sign_in(page, "WHEAT7", "Dev L.", factories.PASSCODE)
    page.wait_for_url("**/pupil/")
    start_by_keyboard(page, "age-ks2")
    for number, question in enumerate(quiz.questions, start=1):
        assert page.get_by_text(f"Question {number} of {len(quiz.questions)}", exact=True).is_visible()
        html = page.content()
        assert_no_answer_key(html[html.index('class="question-form"'):], question_secrets(question))
        answer_by_keyboard(page, question)
        assert page.evaluate("document.activeElement.id") == "feedback"
        assert page.locator("#feedback").get_by_text("Right!").is_visible()
    tab_to_button(page, "See how I did")
    assert page.get_by_role("heading", level=1).inner_text() == "Great thinking!"
    assert submitted(school.pupil, "age-ks2") == [(1, 100, len(quiz.questions))]
    assert page.external_requests == []


def test_a_pupil_finishes_a_story_with_the_keyboard_alone(page, school):
    """Each decision by Tab and Enter along the safe path; no decision page holds its choices' feedback or tags."""
    story = catalogue().quizzes[STORY]
    sign_in_quickly(page, school.pupil, factories.PASSCODE)
    start_by_keyboard(page, STORY)
    node = story.nodes[story.start]
    while not node.end:
        html = page.content()
        assert_no_answer_key(html, [c.feedback for c in node.choices]
                             + [c.misconception for c in node.choices if c.misconception])
        choice = next(c for c in node.choices if c.understanding == "secure")
        tab_to_button(page, choice.text)
        assert page.locator("#feedback").get_by_text("A safe choice!").is_visible()
        node = story.nodes[choice.next]
    assert page.get_by_text(node.text).is_visible()
    tab_to_button(page, "See how I did")
    assert page.get_by_role("heading", level=1).inner_text() == "Great thinking!"
    assert submitted(school.pupil, STORY) == [(1, 100, story.max_decisions)]


@pytest.mark.both_databases
def test_a_reload_mid_quiz_keeps_progress(page, school):
    """After two answers, reloading the page shows question 3 and the last feedback; nothing is lost."""
    quiz = catalogue().quizzes["age-ks2"]
    sign_in_quickly(page, school.pupil, factories.PASSCODE)
    page.goto("/pupil/quizzes/age-ks2")
    with page.expect_navigation():
        page.get_by_role("button", name="Start").click()
    for question in quiz.questions[:2]:
        with page.expect_navigation():
            page.get_by_role("button", name=question.choices[0].text, exact=True).click()
    page.reload()
    assert page.get_by_text(f"Question 3 of {len(quiz.questions)}", exact=True).is_visible()
    assert page.locator("#feedback").is_visible()
    page.goto("/pupil/quizzes/age-ks2")
    assert page.get_by_role("button", name="Carry on").is_visible()


@pytest.mark.both_databases
def test_double_clicking_see_how_i_did_records_one_attempt(page, school):
    """A double click on "See how I did" lands on the result with one submitted attempt and one set of responses."""
    quiz = catalogue().quizzes["age-ks2"]
    sign_in_quickly(page, school.pupil, factories.PASSCODE)
    attempt_url = page.request.post("/pupil/quizzes/age-ks2/start").url
    for question in quiz.questions:
        post_answer(page, attempt_url, question)
    page.goto(attempt_url)
    with page.expect_navigation(url=re.compile(r"/result$")):
        page.get_by_role("button", name="See how I did").dblclick()
    assert submitted(school.pupil, "age-ks2") == [(1, 100, len(quiz.questions))]


def post_answer(page, attempt_url, question) -> None:
    """Send the right answer to a question from the page's own session, as the form would (for set-up only)."""
    if question.type == "sort":
        fields = [(f"item-{i.id}", i.group) for i in question.items]
    else:
        fields = [("choice", c.id) for c in question.choices if c.correct]
    page.request.post(attempt_url, data=urlencode([("question", question.id), *fields]),
                      headers={"Content-Type": "application/x-www-form-urlencoded"})


def test_quiz_pages_have_no_serious_accessibility_problems(page, school):
    """A question, a sort question (with feedback), a story decision and a result page pass axe-core."""
    quiz = catalogue().quizzes["age-ks2"]
    sign_in_quickly(page, school.pupil, factories.PASSCODE)
    attempt_url = page.request.post("/pupil/quizzes/age-ks2/start").url
    page.goto(attempt_url)
    assert axe_violations(page) == [], "question"
    for question in quiz.questions[:quiz.questions.index(next(q for q in quiz.questions if q.type == "sort"))]:
        post_answer(page, attempt_url, question)
    page.goto(attempt_url)
    assert page.locator("fieldset.sort-item").count() > 1
    assert axe_violations(page) == [], "sort question"
    for question in quiz.questions:
        post_answer(page, attempt_url, question)
    page.goto(attempt_url)
    with page.expect_navigation():
        page.get_by_role("button", name="See how I did").click()
    assert axe_violations(page) == [], "result"
    story_url = page.request.post(f"/pupil/quizzes/{STORY}/start").url
    page.request.post(story_url, form={"position": "0", "choice": "0"})
    page.goto(story_url)
    assert axe_violations(page) == [], "story decision with feedback"
    assert page.external_requests == []
