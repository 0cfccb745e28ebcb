"""Real headless Chromium: a teacher presents a KS1 and a KS2 lesson on the board with the keyboard alone, the
presenter view follows the board in a second window, and the pages pass axe with no third-party requests."""

import pytest

from esafety.content import catalogue

from .helpers import axe_violations, press_enter, press_tab_until, snap, staff_tab

pytestmark = pytest.mark.browser


def present_with_keys(tab, lesson_id: str) -> None:
    """From the lesson list, open a lesson's board with Tab and Enter, then step through it with the keys
    a presenter clicker sends, revealing each check's answer from the keyboard."""
    lesson = catalogue().lessons[lesson_id]
    tab.goto("/teacher/lessons")
    press_tab_until(tab, f"el.tagName === 'A' && el.getAttribute('href') === '/teacher/lessons/{lesson_id}/present/1'",
                    limit=200)
    press_enter(tab)
    keys = ["ArrowRight", "PageDown"]
    for number, step in enumerate(lesson.steps, start=1):
        assert tab.locator("h1").inner_text() == step.title
        assert f"Step {number} of {len(lesson.steps)}" in tab.locator(".slide-nav").inner_text()
        if step.type == "check":
            right = next(c for c in step.choices if c.correct)
            assert not tab.get_by_text(right.feedback).is_visible()
            press_tab_until(tab, "el.tagName === 'SUMMARY'")
            tab.keyboard.press("Enter")
            assert tab.get_by_text(right.feedback).is_visible()
            assert axe_violations(tab) == [], f"{lesson_id} step {number} with the answer shown"
            snap(tab, f"present-{lesson_id}-{number}")
            tab.locator("summary").blur()
        if number < len(lesson.steps):
            with tab.expect_navigation():
                tab.keyboard.press(keys[number % 2])
    with tab.expect_navigation():
        tab.keyboard.press("PageUp")
    assert tab.locator("h1").inner_text() == lesson.steps[-2].title
    tab.keyboard.press("PageDown")  # the last step has nowhere further to go: the key does nothing
    tab.wait_for_timeout(200)
    assert tab.locator("h1").inner_text() == lesson.steps[-1].title


@pytest.mark.parametrize("lesson_id", ["ks1-safe", "ks2-tell"])
def test_teacher_presents_a_lesson_with_the_keyboard_alone(browser, live_server, school, lesson_id):
    """Every step of the lesson is reached with arrow keys and Page Down; Page Up goes back; checks reveal."""
    tab = staff_tab(browser, live_server, school.teacher)
    tab.set_viewport_size({"width": 1366, "height": 768})
    external = []
    tab.on("request", lambda r: external.append(r.url) if not r.url.startswith((live_server.url, "data:")) else None)
    present_with_keys(tab, lesson_id)
    assert axe_violations(tab) == [], f"{lesson_id} last step"
    assert external == []


def test_presenter_view_and_board_follow_each_other(browser, live_server, school):
    """Moving on in the presenter window moves the board window in the same browser, and back again."""
    tab = staff_tab(browser, live_server, school.teacher)
    board = tab
    board.goto("/teacher/lessons/ks2-safe/present/1")
    presenter = tab.context.new_page()
    presenter.goto("/teacher/lessons/ks2-safe/presenter/1")
    assert axe_violations(presenter) == [], "presenter view"
    note = catalogue().guides["ks2-safe"].step_notes[1]
    with board.expect_navigation():
        with presenter.expect_navigation():
            presenter.keyboard.press("PageDown")
    assert presenter.get_by_text(note).is_visible()
    assert board.locator("h1").inner_text() == catalogue().lessons["ks2-safe"].steps[1].title
    with presenter.expect_navigation():
        with board.expect_navigation():
            board.keyboard.press("ArrowLeft")
    assert "Step 1 of" in presenter.locator("h1").inner_text()


def test_scheme_and_guide_pages_pass_axe(browser, live_server, school):
    """The scheme of work (as an admin, with the reorder form), a guide and the lesson list pass axe."""
    tab = staff_tab(browser, live_server, school.admin)
    for path in ("/teacher/scheme", "/teacher/scheme/5", "/teacher/lessons", "/teacher/lessons/ks1-tell/guide"):
        tab.goto(path)
        assert axe_violations(tab) == [], path
    snap(tab, "guide-ks1-tell")
