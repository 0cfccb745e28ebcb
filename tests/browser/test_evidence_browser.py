"""Real headless Chromium: the subject lead's evidence page prints to PDF with every statement, and the school's
name and the date on every page; the coverage and evidence pages pass axe."""


import pytest

from esafety.content import catalogue
from esafety.models import utcnow

from .. import factories
from .helpers import axe_violations, click_through, pdf_pages, snap, staff_tab

pytestmark = pytest.mark.browser


def test_evidence_prints_every_statement_with_school_and_date_on_every_page(browser, live_server, school, tmp_path):
    """Year 5 against RSHE 2025 prints on several A4 pages; each page names the school and the date."""
    factories.complete_lesson(school.pupil, "ks2-topic-screen-time")
    tab = staff_tab(browser, live_server, school.admin)
    tab.goto("/teacher/evidence?year=5&framework=rshe-2025")
    assert tab.get_by_role("heading", level=1).inner_text() == "Curriculum evidence: Year 5, RSHE 2025"
    assert axe_violations(tab) == [], "evidence page"
    snap(tab, "evidence-y5-rshe2025")
    tab.emulate_media(media="print")
    snap(tab, "evidence-y5-rshe2025-print")
    pages = pdf_pages(tab.pdf(format="A4", print_background=True), tmp_path)
    assert len(pages) >= 2
    today = utcnow().strftime("%-d %B %Y")
    for number, text in enumerate(pages, 1):
        assert f"Test Primary: Year 5, RSHE 2025. Printed {today}." in text, f"page {number}"
    everything = " ".join(pages)
    for statement in catalogue().frameworks_by_key["rshe-2025"].statements:
        assert statement.reference in everything, statement.id
        assert " ".join(statement.text.split()[:6]) in everything, statement.id
    assert "1 of 3 (33%)" in everything and "Show" not in everything  # the form is not printed


def test_coverage_page_passes_axe_and_offers_rshe_2019(browser, live_server, school):
    """The class coverage page shows RSHE 2025 by default, lets a teacher pick RSHE 2019, and passes axe."""
    tab = staff_tab(browser, live_server, school.teacher)
    tab.goto(f"/teacher/classes/{school.ks2.id}/coverage")
    assert tab.locator("h2", has_text="(2025)").count() == 1
    assert axe_violations(tab) == [], "coverage page"
    snap(tab, "coverage-ks2-default")
    tab.select_option("#framework", "rshe-2019")
    click_through(tab, "button:has-text('Show')")
    assert tab.locator("h2", has_text="(2019)").count() == 1 and tab.locator("h2", has_text="(2025)").count() == 0
    snap(tab, "coverage-ks2-rshe2019")
