"""Real headless Chromium: a pupil signs in with the keyboard alone; the pages pass axe-core."""

import re

import pytest

from .. import factories
from .helpers import axe_violations, click_through, keyboard_pupil_sign_in

pytestmark = pytest.mark.browser


def test_pupil_signs_in_with_keyboard_alone(page, school):
    """Class code, name and three pictures, by Tab and Enter only, land on the pupil's lessons."""
    keyboard_pupil_sign_in(page, "WHEAT7", "Dev L.", factories.PASSCODE)
    page.wait_for_url("**/pupil/")
    assert page.get_by_role("heading", level=1).inner_text() == "Hello Dev!"
    tell = page.get_by_role("link", name=re.compile(r"^Tell\b.*worried me"))
    assert tell.is_visible()
    assert page.external_requests == []


def test_sign_in_pages_have_no_serious_accessibility_problems(page, school):
    """The landing page and each pupil sign-in step have no serious or critical axe-core violation."""
    for path in ("/", "/pupil/login", "/login"):
        page.goto(path)
        assert axe_violations(page) == [], path
    page.fill("#email", "x")
    page.goto("/pupil/login")
    page.fill("#code", "WHEAT7")
    click_through(page, "text=Next")
    assert axe_violations(page) == [], "name step"
    click_through(page, "text=Dev L.")
    assert axe_violations(page) == [], "picture step"


def test_second_child_on_the_same_browser_gets_a_fresh_sign_in(page, school):
    """Dev leaves the computer signed in; Esme opens the pupil sign-in page, is offered "Not Dev L.? Sign out",
    signs out, signs in as herself, and Tell says it is sent in her name. Axe-clean on the way."""
    keyboard_pupil_sign_in(page, "WHEAT7", "Dev L.", factories.PASSCODE)
    page.wait_for_url("**/pupil/")
    page.goto("/pupil/login")
    assert page.get_by_role("heading", level=1).inner_text() == "Not Dev L.? Sign out"
    assert axe_violations(page) == []
    click_through(page, page.get_by_role("button", name="I am not Dev L.: sign out"))
    page.wait_for_url("**/pupil/login")
    keyboard_pupil_sign_in(page, "WHEAT7", "Esme L.", factories.PASSCODE)
    page.wait_for_url("**/pupil/")
    assert page.get_by_role("heading", level=1).inner_text() == "Hello Esme!"
    page.goto("/pupil/tell")
    assert "You are telling as Esme L." in page.locator(".telling-as").inner_text()
    assert axe_violations(page) == []
    page.screenshot(path="/tmp/esafety-tell-as.png", full_page=True)
    assert page.external_requests == []
