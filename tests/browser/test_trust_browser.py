"""Real headless Chromium: the trust admin of `flask demo --trust` signs in (password and authenticator code) and
sees every school's coverage on one page, axe-clean."""

import pyotp
import pytest
import sqlalchemy as sa

from esafety import demo_trust
from esafety.extensions import db
from esafety.models import School

from .helpers import axe_violations

pytestmark = pytest.mark.browser


@pytest.mark.both_databases
def test_trust_admin_signs_in_and_sees_every_schools_coverage(app, page):
    """A small demo trust (3 schools): sign in, pass the second factor, and find each school in every framework."""
    result = app.test_cli_runner().invoke(args=["demo", "--trust", "--schools", "3", "--pupils", "150"])
    assert result.exit_code == 0, result.output
    # Each school as the trust page names it: with its town, when it has one (the demo school has).
    schools = sorted((f"{name}, {town}" if town else name, name)
                     for name, town in db.session.execute(sa.select(School.name, School.town)
                                                          .where(School.trust_id.is_not(None))))
    names = [label for label, _ in schools]
    assert len(names) == 3 and any(", Brambleford" in label for label in names)
    email, password, secret = demo_trust.TRUST_ADMIN[1], demo_trust.TRUST_ADMIN[2], demo_trust.TRUST_TOTP_SECRET
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert "/second-factor" in page.url
    page.fill("#code", pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/trust/")
    assert "Riverside Learning Trust (demo)" in page.get_by_role("heading", level=1).inner_text()
    tables = page.locator("table.trust-coverage")
    assert tables.count() >= 1
    for index in range(tables.count()):
        row_heads = tables.nth(index).locator("tbody th[scope=row]").all_inner_texts()
        assert sorted(row_heads) == sorted(names)
    # Figures are there: at least one school has reached some statements of the first framework.
    reached = tables.first.locator("tbody tr td:nth-of-type(2)").all_inner_texts()
    assert any(not text.startswith("0 of") for text in reached), reached
    assert axe_violations(page) == []
    page.screenshot(path="/tmp/esafety-trust-coverage.png", full_page=True)
    first_label, first_name = schools[0]
    with page.expect_navigation():
        page.get_by_role("link", name=f"Manage {first_label} admins").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == f"{first_name}: admin accounts"
    assert page.locator("tbody th[scope=row]").count() >= 1  # the school's own admins
    assert axe_violations(page) == [], "admins page"
    page.goto("/parents/this-school")
    assert page.get_by_role("heading", level=2, name="Riverside Learning Trust (demo) (multi-academy trust)").count()
    assert axe_violations(page) == [], "school chooser"
    assert page.external_requests == []
