"""Real headless Chromium: the public parent guide, and a parent linking their child with a teacher's code."""

import pytest

from esafety.content import catalogue
from esafety.extensions import db
from esafety.linking import new_code

from .. import factories
from .helpers import axe_violations, click_through

pytestmark = pytest.mark.browser


def test_every_guide_page_passes_axe_without_signing_in(page, app):
    """Each guide page, the age guide and This school open without sign-in and have no serious axe violation."""
    paths = ["/parents/", "/parents/ages", "/parents/this-school"] + [
        f"/parents/{p.id}" for p in catalogue().parent_pages.values()]
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, path
        assert axe_violations(page) == [], path
    assert page.external_requests == []


def test_parent_links_child_and_sees_their_lessons(page, school):
    """A parent registers with a code, sees their child's finished lessons; the code does not work twice."""
    code = new_code(school.pupil, school.teacher)
    db.session.commit()
    factories.complete_lesson(school.pupil, "ks2-accepting")
    page.goto("/parents/register")
    page.fill("#name", "Jo Parent")
    page.fill("#email", "jo@home.example")
    page.fill("#password", "our family passphrase")
    page.fill("#confirm", "our family passphrase")
    page.fill("#code", code)
    click_through(page, "button:has-text('Create account')")
    # Registration says the same whether or not the email was new, and the parent then signs in.
    assert "If that email address is new to us" in page.inner_text("main")
    page.fill("#email", "jo@home.example")
    page.fill("#password", "our family passphrase")
    click_through(page, "button[type=submit]")
    click_through(page, f"text={school.pupil.display_name}")
    assert page.get_by_role("heading", level=1).inner_text() == "What Dev has learned"
    assert page.get_by_text("A is for Accepting").is_visible()
    assert axe_violations(page) == []
    page.goto("/family/")
    page.fill("#code", code)
    click_through(page, "button:has-text('Link')")
    assert page.get_by_text("That code did not work").is_visible()
    response = page.goto(f"/family/children/{school.ks1_pupil.id}")
    assert response.status == 404
