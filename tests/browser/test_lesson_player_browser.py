"""Real headless Chromium: pupils finish lessons with the keyboard alone, resume on another device, hear
steps read aloud (highlighted block by block), and the player pages pass axe-core."""

import re

import pytest
import sqlalchemy as sa

from esafety.content import catalogue
from esafety.extensions import db
from esafety.models import LessonProgress

from .. import factories
from .helpers import (
    axe_violations, keyboard_pupil_sign_in, press_enter, press_tab_until, sign_in_quickly, tab_to_button,
)

pytestmark = pytest.mark.browser

# A stand-in for the browser's speech engine (headless Chromium has no voices), so a test can see what is
# spoken and end each utterance itself.
FAKE_SPEECH = """
(() => {
  const spoken = [];
  window.__spoken = spoken;
  window.__endUtterance = () => { const u = spoken[spoken.length - 1]; if (u && u.onend) { u.onend(); } };
  const fake = {speak(u) { spoken.push(u); }, cancel() {}, getVoices() { return []; }};
  Object.defineProperty(window, "speechSynthesis", {value: fake, configurable: true});
})();
"""


def progress_rows(pupil):
    """The pupil's lesson progress rows, fresh from the database (a new transaction sees the server's writes)."""
    db.session.commit()
    return db.session.scalars(sa.select(LessonProgress).where(LessonProgress.pupil_id == pupil.id)).all()


def finish_lesson_by_keyboard(page, lesson, wrong_first=False):
    """Work through every step with Tab, Enter and Space only; check steps are answered (wrongly first if asked)."""
    total = len(lesson.steps)
    for number, step in enumerate(lesson.steps, start=1):
        assert page.get_by_text(f"Step {number} of {total}", exact=True).is_visible()
        if step.type == "check":
            if wrong_first:
                wrong = next(c for c in step.choices if not c.correct)
                tab_to_button(page, wrong.text, key="Space")
                assert page.get_by_text("Think again.").is_visible()
            right = next(c for c in step.choices if c.correct)
            tab_to_button(page, right.text, key="Space")
            assert page.evaluate("document.activeElement.id") == "feedback"  # feedback is heard first
            assert page.locator("#feedback").get_by_text(right.feedback).is_visible()
        tab_to_button(page, "Finish" if number == total else "Next")
        assert "#" not in page.url  # the answer's #feedback does not follow the pupil to the next page


@pytest.mark.parametrize("class_code, who, lesson_id, wrong_first", [
    ("CEDAR3", "ks1_pupil", "ks1-safe", False),
    ("WHEAT7", "pupil", "ks2-tell", True),
    ("WHEAT7", "pupil", "ks2-topic-body-pictures", True),  # the Years 5-6 lesson, for this Year 5 pupil
])
def test_a_pupil_finishes_a_lesson_with_the_keyboard_alone(page, school, class_code, who, lesson_id, wrong_first):
    """From sign-in to the celebration by Tab, Enter and Space only; the completion is stored once, with its version."""
    pupil = getattr(school, who)
    lesson = catalogue().lessons[lesson_id]
    keyboard_pupil_sign_in(page, class_code, pupil.display_name, factories.PASSCODE)
    page.wait_for_url("**/pupil/")
    press_tab_until(page, f"el.getAttribute('href') === '/pupil/lessons/{lesson_id}'")
    press_enter(page)
    finish_lesson_by_keyboard(page, lesson, wrong_first=wrong_first)
    page.wait_for_url(f"**/pupil/lessons/{lesson_id}/done")
    assert page.get_by_role("heading", level=1).inner_text() == f"You finished “{lesson.title}”"
    (row,) = progress_rows(pupil)
    assert row.completed_at is not None and row.content_version == lesson.version
    page.go_back()  # the Finish page again, from history: pressing Finish again must not record twice
    tab_to_button(page, "Finish")
    (again,) = progress_rows(pupil)
    assert again.completed_at == row.completed_at
    assert page.external_requests == []


@pytest.mark.both_databases
def test_a_pupil_who_leaves_mid_lesson_resumes_at_the_same_step(browser, live_server, page, school):
    """A pupil who leaves on step 3 and signs in again in a new browser opens the lesson at step 3."""
    sign_in_quickly(page, school.pupil, factories.PASSCODE)
    page.goto("/pupil/lessons/ks2-safe")
    for _ in range(2):
        with page.expect_navigation():
            page.get_by_role("button", name="Next").click()
    assert page.get_by_text("Step 3 of 7", exact=True).is_visible()
    page.context.close()
    context = browser.new_context(base_url=live_server.url)
    try:
        tablet = context.new_page()
        sign_in_quickly(tablet, school.pupil, factories.PASSCODE)
        tablet.goto("/pupil/")
        assert tablet.get_by_text("Started: step 3 of 7").is_visible()
        tablet.locator("a[href='/pupil/lessons/ks2-safe']").click()
        tablet.wait_for_url(re.compile(r"/pupil/lessons/ks2-safe/step/3$"))
        assert tablet.get_by_text("Step 3 of 7", exact=True).is_visible()
    finally:
        context.close()


def test_read_aloud_is_offered_with_javascript_and_hidden_without(browser, live_server, page, school):
    """With JavaScript the "Read to me" button shows; without it the button is hidden and the lesson still works."""
    sign_in_quickly(page, school.pupil, factories.PASSCODE)
    page.goto("/pupil/lessons/ks2-safe/step/1")
    assert page.get_by_role("button", name="Read to me").is_visible()
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        plain = context.new_page()
        sign_in_quickly(plain, school.ks2_pupils[1], factories.PASSCODE)
        plain.goto("/pupil/lessons/ks2-safe/step/1")
        assert plain.locator("button.read-aloud").count() == 1
        assert not plain.locator("button.read-aloud").is_visible()
        with plain.expect_navigation():
            plain.get_by_role("button", name="Next").click()
        assert plain.get_by_text("Step 2 of 7", exact=True).is_visible()
    finally:
        context.close()


def test_read_aloud_highlights_each_block_as_it_reads_it(page, school):
    """Each block is highlighted while it is spoken, one at a time, through to the answers; pressing again stops."""
    page.add_init_script(FAKE_SPEECH)
    sign_in_quickly(page, school.pupil, factories.PASSCODE)
    step = catalogue().lessons["ks2-safe"].steps[3]
    for number in range(1, 4):
        page.request.post(f"/pupil/lessons/ks2-safe/step/{number}")
    page.goto("/pupil/lessons/ks2-safe/step/4")
    shown = [c.inner_text().strip() for c in page.locator("button.choice-button").all()]  # this pupil's order
    assert sorted(shown) == sorted(c.text for c in step.choices)
    button = page.locator("button.read-aloud")
    button.click()
    assert button.inner_text().strip() == "Stop reading"
    read = []
    for _ in range(20):
        highlighted = page.locator(".reading")
        assert highlighted.count() == 1
        spoken = page.evaluate("window.__spoken[window.__spoken.length - 1].text")
        assert spoken == re.sub(r"\s+", " ", highlighted.inner_text()).strip()
        read.append(spoken)
        if spoken == shown[-1]:
            break
        page.evaluate("window.__endUtterance()")
    assert read[0] == step.title and step.question in read
    assert shown == read[-len(step.choices):]  # the answers are read too, in the order the page shows them
    button.click()
    assert page.locator(".reading").count() == 0 and button.inner_text().strip() == "Read to me"
    page.evaluate("window.__endUtterance()")  # a late end from the stopped reading starts nothing
    assert page.locator(".reading").count() == 0


def test_lesson_player_pages_have_no_serious_accessibility_problems(page, school):
    """Home, a read step, a check step with feedback and the completion page pass axe-core (serious, critical)."""
    sign_in_quickly(page, school.ks1_pupil, factories.PASSCODE)
    page.goto("/pupil/")
    assert axe_violations(page) == [], "home"
    lesson = catalogue().lessons["ks1-safe"]
    page.goto("/pupil/lessons/ks1-safe")
    assert axe_violations(page) == [], "read step"
    for number, step in enumerate(lesson.steps, start=1):
        if step.type == "check":
            with page.expect_navigation():
                page.get_by_role("button", name=step.choices[0].text, exact=True).click()
            if number == lesson.check_steps[0] + 1:
                assert page.locator("#feedback").is_visible()
                assert axe_violations(page) == [], "check step with feedback"
        with page.expect_navigation():
            page.get_by_role("button", name="Finish" if number == len(lesson.steps) else "Next").click()
    page.wait_for_url("**/done")
    assert axe_violations(page) == [], "completion page"
    assert page.external_requests == []


def test_player_pages_fit_a_phone_screen(page, school):
    """At 390 pixels wide, in KS1's larger text, no lesson, quiz, story or result page scrolls sideways."""
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_quickly(page, school.ks1_pupil, factories.PASSCODE)
    lesson = catalogue().lessons["ks1-safe"]
    check = lesson.check_steps[0] + 1
    for number in range(1, check):
        page.request.post(f"/pupil/lessons/ks1-safe/step/{number}")
    page.request.post(f"/pupil/lessons/ks1-safe/step/{check}", form={"choice": "0"})
    story = next(q for q in catalogue().quizzes.values() if q.kind == "scenario" and q.key_stage == "KS1")
    story_url = page.request.post(f"/pupil/quizzes/{story.id}/start").url
    quiz_url = page.request.post("/pupil/quizzes/age-ks1/start").url
    pages = ["/pupil/", "/pupil/lessons/ks1-safe/step/1", f"/pupil/lessons/ks1-safe/step/{check}",
             "/pupil/quizzes/age-ks1", quiz_url, story_url]
    for path in pages:
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    node = story.nodes[story.start]
    position = 0
    while not node.end:
        page.request.post(story_url, form={"position": str(position), "choice": "0"})
        node, position = story.nodes[node.choices[0].next], position + 1
    page.goto(story_url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "story ending"
    with page.expect_navigation():
        page.get_by_role("button", name="See how I did").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "result"
