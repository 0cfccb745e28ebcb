"""Real headless Chromium: a teacher opens the What do I know? check as a baseline, pupils take it, the teacher
opens a later check, sees the shares then and now with who holds which misconception, sets the lessons for a
gap with one keyboard press, and the page passes axe."""

import pytest
import sqlalchemy as sa

from esafety.extensions import db
from esafety.models import Assignment

from .. import factories
from .helpers import axe_violations, click_through, snap, staff_tab

pytestmark = pytest.mark.browser
CHECK = "baseline-ks2"


def _pick(understanding):
    """An answer picker for factories.finish_quiz: the first choice with this understanding."""
    return lambda question: next(c.id for c in question.choices if c.understanding == understanding)


@pytest.mark.both_databases
def test_teacher_runs_baseline_and_later_check_and_sets_gap_lessons(browser, live_server, school):
    """The whole baseline-and-impact journey in a real browser, with the keyboard for the final click."""
    tab = staff_tab(browser, live_server, school.teacher)
    tab.goto(f"/teacher/classes/{school.ks2.id}/baseline")
    assert tab.get_by_role("heading", level=1).inner_text() == "Baseline and impact: Year 5 Ash"
    assert "not opened yet" in tab.inner_text("main")
    tab.select_option("#stage", "baseline")
    click_through(tab, "button:has-text('Open the check')")
    assert "is open to the class as the baseline" in tab.inner_text("main")
    db.session.rollback()  # a fresh snapshot: SQLite cannot write from one older than the server's write
    for pupil in school.ks2_pupils:
        factories.finish_quiz(pupil, CHECK, pick=_pick("misconception"))
    tab.select_option("#stage", "later")
    click_through(tab, "button:has-text('Open the check')")
    db.session.rollback()
    dev, esme, femi = school.ks2_pupils
    factories.finish_quiz(dev, CHECK, pick=_pick("misconception"))
    factories.finish_quiz(esme, CHECK, pick=_pick("secure"))
    factories.finish_quiz(femi, CHECK, pick=_pick("secure"))
    tab.reload()
    table = tab.locator("table.baseline-table")
    assert table.locator("tbody tr").count() >= 6
    first_row = table.locator("tbody tr").first
    assert "Misconception 100%" in first_row.locator("td").nth(0).inner_text()
    assert "Secure 67%" in first_row.locator("td").nth(1).inner_text()
    gaps = tab.locator(".gap")
    assert "Dev L." in gaps.first.inner_text() and "Esme L." not in gaps.first.inner_text()
    assert axe_violations(tab) == [], "baseline page"
    snap(tab, "baseline-ks2-impact")
    button = gaps.first.locator("button")
    button.focus()
    with tab.expect_navigation():  # wait for the POST and its redirect, not just the current page
        tab.keyboard.press("Enter")
    assert "Set " in tab.inner_text(".notice, [role=status], main")
    db.session.expire_all()
    lessons = db.session.scalars(sa.select(Assignment.activity_id).where(
        Assignment.class_id == school.ks2.id, Assignment.activity_kind == "lesson")).all()
    assert lessons
