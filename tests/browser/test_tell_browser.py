"""Real headless Chromium: a KS1 pupil tells with the keyboard alone, the DSL handles it behind a second
factor, and the pupil sees that an adult has looked at it; the admin's settings and pupil export pages."""

import re

import pytest

from esafety.extensions import db
from esafety.models import LessonProgress, utcnow

from .. import factories
from .helpers import (
    axe_violations, click_through, keyboard_pupil_sign_in, press_enter, press_tab_until, snap, staff_tab,
)

pytestmark = pytest.mark.browser

WORDS = "A man in my game said he is 9 and asked for my address"


def test_ks1_pupil_tells_dsl_closes_and_pupil_sees_it_was_looked_at(page, browser, live_server, school):
    """A KS1 pupil tells by keyboard; the DSL (TOTP) notes and closes it; axe passes; the pupil sees it was looked at."""
    keyboard_pupil_sign_in(page, "CEDAR3", "Ava K.", factories.PASSCODE)
    page.wait_for_url("**/pupil/")
    press_tab_until(page, "el.classList.contains('tell-button')")
    press_enter(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Something online worried me"
    assert "ks1" in page.get_attribute("body", "class")
    assert axe_violations(page) == [], "tell page"
    snap(page, "1-tell-ks1")

    press_tab_until(page, "el.name === 'category'")
    page.keyboard.press("Space")  # the first picture: "Someone was unkind"
    page.keyboard.press("ArrowRight")  # arrow keys move along the pictures, as in any radio group
    page.keyboard.press("ArrowRight")
    assert page.is_checked("input[name=category][value=contact]")
    press_tab_until(page, "el.id === 'words'")
    page.keyboard.type(WORDS)
    press_tab_until(page, "el.classList.contains('tell-send')")
    press_enter(page)
    page.wait_for_url("**/pupil/tell/sent?concern_id=*")
    assert page.get_by_role("heading", level=1).inner_text() == "Thank you. You did the right thing."
    assert "0800 1111" in page.inner_text("main")
    assert axe_violations(page) == [], "sent page"
    snap(page, "2-tell-sent")

    dsl = staff_tab(browser, live_server, school.dsl)
    dsl.goto("/concerns/")
    first_row = dsl.locator("tbody tr").first
    assert "Ava K." in first_row.inner_text() and "Someone I don't know contacted me" in first_row.inner_text()
    assert WORDS[:40] in first_row.inner_text()
    assert axe_violations(dsl) == [], "inbox"
    snap(dsl, "3-dsl-inbox")
    click_through(dsl, first_row.get_by_role("link", name="Ava K."))
    dsl.wait_for_url(re.compile(r".*/concerns/\d+$"))
    assert WORDS in dsl.inner_text(".entry-words")
    assert axe_violations(dsl) == [], "concern page"

    dsl.fill("#text", "Spoke to Ava at 10:30. She showed me the game chat. Parents told.")
    click_through(dsl, "button:has-text('Add note')")
    dsl.select_option("#status", "closed")
    dsl.fill("#decision", "Outcome: player reported to the game and blocked; parents changed chat settings.")
    click_through(dsl, "button:has-text('Save status')")
    assert dsl.inner_text(".facts .badge") == "Closed"
    assert "Spoke to Ava at 10:30" in dsl.inner_text(".timeline")
    assert "Changed the status: Closed" in dsl.inner_text(".audit-table")
    assert axe_violations(dsl) == [], "concern page after closing"
    snap(dsl, "4-dsl-concern")

    page.goto("/pupil/tell")
    click_through(page, page.get_by_role("link", name="Things I have told before"))
    for picture in factories.PASSCODE.split("-"):  # only the pupil's own pictures open the list
        with page.expect_navigation():  # each press is a POST: wait for its page before the next press
            page.click(f"button[value={picture}]")
    told = page.inner_text(".tell-history")
    assert "An adult has looked at it." in told
    assert "Spoke to Ava" not in page.content() and "Outcome" not in page.content()
    assert page.external_requests == [] and dsl.context.pages[0].url.startswith(live_server.url)
    dsl.context.close()


def test_admin_settings_and_pupil_export_pages(browser, live_server, school):
    """The admin edits settings (parents see them) and opens a pupil's export; both pass axe-core."""
    db.session.add(LessonProgress(pupil_id=school.pupil.id, lesson_id="ks2-safe", content_version=1, step=4,
                                  completed_at=utcnow()))
    db.session.commit()
    admin = staff_tab(browser, live_server, school.admin)
    admin.goto("/admin/settings")
    assert axe_violations(admin) == [], "settings"
    admin.fill("#official_accounts", "Facebook: Test Primary (@testprimary)\nX: @testprimary")
    click_through(admin, "button:has-text('Save settings')")
    assert "Saved." in admin.inner_text(".notice")
    snap(admin, "5-admin-settings")
    admin.goto("/parents/this-school")
    assert "X: @testprimary" in admin.inner_text("main")
    admin.goto("/admin/pupils")
    admin.select_option("#class_id", label="Year 5 Ash")
    click_through(admin, "button:has-text('Show pupils')")
    assert "Ava K." not in admin.inner_text("tbody")
    assert axe_violations(admin) == [], "pupil list"
    snap(admin, "5b-admin-pupils")
    click_through(admin, admin.get_by_role("link", name="See everything held about Dev L."))
    assert admin.get_by_role("heading", level=1).inner_text() == "Everything held about Dev L."
    assert "held separately by the DSL" in admin.inner_text("main")
    assert "safeguarding records are held by the DSL" not in admin.inner_text("main")  # never a count
    assert axe_violations(admin) == [], "pupil export page"
    snap(admin, "6-admin-pupil-export")
    click_through(admin, admin.get_by_role("link", name="Delete this pupil"))
    assert axe_violations(admin) == [], "delete confirmation"
    snap(admin, "7-admin-delete-confirm")
    admin.context.close()


def test_teacher_logs_a_concern_for_the_dsl(browser, live_server, school):
    """A teacher picks a pupil, sends a concern and is told only that it went to the DSL; both pages pass axe-core."""
    teacher = staff_tab(browser, live_server, school.teacher)
    teacher.goto("/teacher/concern")
    click_through(teacher, teacher.get_by_role("link", name="Dev L."))
    assert axe_violations(teacher) == [], "concern form"
    teacher.select_option("#category", "contact")
    teacher.fill("#words", "At 10:15 in the ICT suite Dev said a player asked for his address.")
    snap(teacher, "8-teacher-concern-form")
    click_through(teacher, "button:has-text('Send to the DSL')")
    assert teacher.get_by_role("heading", level=1).inner_text() == "Sent to the designated safeguarding lead"
    assert "ICT suite" not in teacher.content()
    assert axe_violations(teacher) == [], "sent page"
    snap(teacher, "9-teacher-concern-sent")
    teacher.context.close()
