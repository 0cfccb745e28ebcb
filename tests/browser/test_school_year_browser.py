"""Real headless Chromium on the demo school: the import preview, the rollover preview, the consent register and
the printable list pass axe, and a parent's withdrawal shows on the teacher's list. Set ESAFETY_SCREENSHOTS to a
folder to keep a screenshot of each page."""

import os
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa

from esafety import demo
from esafety.extensions import db
from esafety.models import SchoolClass

from .helpers import axe_violations, click_through

pytestmark = pytest.mark.browser
FIXTURES = Path(__file__).parent.parent / "fixtures" / "mis"


def _shot(page, name: str) -> None:
    """Keep a full-page screenshot when asked to."""
    folder = os.environ.get("ESAFETY_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _sign_in(page, role: str) -> None:
    """Sign in as a demo adult through the form (and the authenticator step for the admin)."""
    _, email, password = demo.PARENT if role == "parent" else demo.STAFF[role]
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    click_through(page, "main button[type=submit]")
    if role in demo.TOTP_SECRETS:
        page.fill("#code", pyotp.TOTP(demo.TOTP_SECRETS[role]).now())
        click_through(page, "main button[type=submit]")


def test_import_and_rollover_previews_pass_axe(page, app):
    """The admin's import preview of a SIMS file and the rollover preview have no serious axe violation."""
    demo.seed()
    _sign_in(page, "admin")
    page.goto("/teacher/import")
    assert axe_violations(page) == []
    page.set_input_files("#file", str(FIXTURES / "sims_student_list.csv"))
    click_through(page, "button:has-text('Preview the import')")
    assert page.get_by_role("heading", level=1).inner_text() == "Import preview"
    assert page.get_by_text("laid out like a SIMS export").is_visible()
    assert axe_violations(page) == []
    _shot(page, "import-preview")
    page.goto("/admin/new-school-year")
    assert page.get_by_text("Leave the school.").is_visible()
    assert axe_violations(page) == []
    _shot(page, "rollover-preview")
    assert page.external_requests == []


def test_a_parents_withdrawal_shows_on_the_teachers_register(page, app, browser, live_server):
    """The demo parent withdraws social-media consent; the class teacher's register and printable list show it."""
    demo.seed()
    rowan = db.session.scalar(sa.select(SchoolClass).where(SchoolClass.name == "Year 5 Rowan"))
    nia = next(p for p in rowan.pupils if p.name == "Nia")
    _sign_in(page, "parent")
    page.goto(f"/family/children/{nia.id}/consent")
    assert axe_violations(page) == []
    page.check("#social_media-1")  # No
    click_through(page, "button:has-text('Save my answers')")
    teacher = browser.new_context(base_url=live_server.url, bypass_csp=True, viewport={"width": 1100, "height": 900})
    tab = teacher.new_page()
    _sign_in(tab, "teacher")
    tab.goto(f"/teacher/classes/{rowan.id}/consent")
    row = tab.locator("tr", has=tab.locator("th", has_text="Nia J."))
    assert "The school's social media" in tab.locator("thead th").nth(3).inner_text()
    assert row.locator("td").nth(2).inner_text().strip() == "✗ No"
    assert axe_violations(tab) == []
    _shot(tab, "consent-register")
    tab.goto(f"/teacher/classes/{rowan.id}/consent/print")
    assert "Social media" in tab.locator("tr", has=tab.locator("th", has_text="Nia J.")).inner_text()
    assert axe_violations(tab) == []
    _shot(tab, "consent-print")
    tab.emulate_media(media="print")
    _shot(tab, "consent-print-media")
    tab.goto(f"/teacher/classes/{rowan.id}")
    assert "Not for: Social media" in tab.locator("tr", has=tab.locator("th", has_text="Nia J.")).inner_text()
    _shot(tab, "class-list")
    teacher.close()
