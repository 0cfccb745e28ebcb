"""Real headless Chromium: the DSL's filtered inbox with the new-concerns count, urgency, a pupil's
chronology, and the admin's staff page are axe-clean and usable; the Tell confirmation too."""

import pytest

from esafety import concerns
from esafety.extensions import db

from .helpers import axe_violations, click_through, sign_in_quickly, snap, staff_tab

pytestmark = pytest.mark.browser


def _concern(pupil, reporter=None, category="unkind", words="Someone in the chat called me names"):
    """A committed concern about the pupil."""
    made = concerns.create(pupil=pupil, reporter=reporter or pupil, category=category, words=words,
                           wants_to_talk=True, submission_key=concerns.new_submission_key(),
                           source="pupil" if reporter is None else "staff")
    db.session.commit()
    return made


@pytest.mark.both_databases
def test_dsl_filters_sets_urgency_and_reads_a_chronology(browser, live_server, school):
    """Count in the menu, filters by keyboard-usable selects, urgency saved, chronology in date order; axe-clean."""
    first = _concern(school.pupil, words="A player kept asking which school I go to")
    _concern(school.ks1_pupil, category="contact", words="Someone I don't know sent me a message")
    _concern(school.pupil, reporter=school.teacher, category="photo-or-meet",
             words="Dev said an online friend asked to meet at the park on Saturday")
    dsl = staff_tab(browser, live_server, school.dsl)
    dsl.goto("/concerns/")
    assert dsl.inner_text(".main-nav .count-badge") == "3 new"
    dsl.select_option("#category", "contact")
    click_through(dsl, "button:has-text('Show concerns')")
    assert dsl.locator("tbody tr").count() == 1
    assert axe_violations(dsl) == [], "filtered inbox"
    dsl.goto(f"/concerns/{first.id}")
    dsl.select_option("#urgency", "immediate")
    dsl.fill("#urgency_reason", "Asking for the school's name: possible grooming")
    click_through(dsl, "button:has-text('Save urgency')")
    assert "Immediate" in dsl.inner_text(".facts")
    assert axe_violations(dsl) == [], "concern page with urgency"
    dsl.goto("/concerns/")
    assert "Immediate" in dsl.locator("tbody tr").first.inner_text()
    snap(dsl, "5-dsl-inbox-urgency")
    dsl.goto(f"/concerns/{first.id}")
    click_through(dsl, "a:has-text('Chronology: every concern')")
    timeline = dsl.inner_text(".timeline-table")
    assert timeline.index("which school I go to") < timeline.index("asked to meet at the park")
    assert "Urgency: Immediate" in timeline
    assert axe_violations(dsl) == [], "chronology"
    snap(dsl, "6-dsl-chronology")
    dsl.context.close()


def test_admin_staff_page_deactivates_then_offers_delete(browser, live_server, school):
    """The staff page is axe-clean; deactivating a teacher turns their row to Reactivate and Delete."""
    admin = staff_tab(browser, live_server, school.admin)
    admin.goto("/admin/staff")
    assert axe_violations(admin) == [], "staff page"
    row = admin.locator("tr", has_text="Mr Other")
    click_through(admin, row.locator("button:has-text('Deactivate')"))
    row = admin.locator("tr", has_text="Mr Other")
    assert "Deactivated" in row.inner_text() and row.locator("a:has-text('Delete')").count() == 1
    snap(admin, "7-admin-staff")
    click_through(admin, row.locator("a:has-text('Delete')"))
    assert axe_violations(admin) == [], "delete staff page"
    admin.context.close()


def test_tell_confirmation_is_accessible(page, school):
    """The confirmation, with who reads it, when, 999 and Childline, has no serious accessibility problem."""
    sign_in_quickly(page, school.pupil, "cat-sun-boat")
    page.goto("/pupil/tell")
    page.locator("label", has_text="Someone was unkind").first.click()
    click_through(page, "button:has-text('Send')")
    page.wait_for_url("**/tell/sent*")
    assert "If you are in danger now, call 999." in page.inner_text("main")
    assert axe_violations(page) == []
    snap(page, "8-pupil-tell-sent")
