"""Real headless Chromium at 1366 x 768 (a common school laptop): teacher pages use the screen's width, so the
progress grid shows more of the class at once."""

import pytest

from esafety.content import catalogue

from .. import factories
from .helpers import axe_violations, snap, staff_tab

pytestmark = pytest.mark.browser


def test_progress_grid_uses_the_width_of_a_1366_pixel_screen(browser, live_server, school):
    """The grid's scroll area spans nearly the whole window and shows at least eight activity columns."""
    for pupil in school.ks2_pupils[:2]:
        factories.complete_lesson(pupil, "ks2-safe")
    tab = staff_tab(browser, live_server, school.teacher)
    tab.set_viewport_size({"width": 1366, "height": 768})
    tab.goto(f"/teacher/classes/{school.ks2.id}/progress")
    region = tab.locator(".grid-scroll").bounding_box()
    assert region["width"] >= 1366 * 0.9, region
    visible = tab.evaluate("""() => {
        const box = document.querySelector('.grid-scroll').getBoundingClientRect();
        return [...document.querySelectorAll('.grid-table thead th')]
            .filter(th => th.getBoundingClientRect().right <= box.right).length - 1; }""")
    assert visible >= 8, f"only {visible} activity columns fit"
    assert len(catalogue().lessons_for("KS2")) + len(catalogue().quizzes_for("KS2")) > visible  # it still scrolls
    assert tab.evaluate("document.documentElement.scrollWidth") <= 1366  # only the grid scrolls, not the page
    assert axe_violations(tab) == []
    snap(tab, "progress-1366")
    tab.goto(f"/teacher/classes/{school.ks2.id}")
    assert tab.locator("main").bounding_box()["width"] >= 1366 * 0.9
