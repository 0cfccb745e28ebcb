"""Browser-test helpers: keyboard-only sign-in, a signed-in staff tab, axe-core accessibility checks,
screenshots for review, and the text of a printed PDF."""

import os
import shutil
import subprocess
from pathlib import Path

import pyotp
import pytest

from .. import factories

AXE = Path(__file__).with_name("axe.min.js")
SHOTS = os.environ.get("ESAFETY_SCREENSHOTS")  # a folder: save full-page screenshots there for review


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core on the page and return the serious and critical violations."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"] if v["impact"] in impacts
    ]


def press_tab_until(page, predicate_js: str, limit: int = 80) -> None:
    """Press Tab until the focused element matches a JS predicate (receives `el`)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!({predicate_js}); }})()"):
            return
    raise AssertionError(f"never reached an element where {predicate_js}")


def keyboard_pupil_sign_in(page, class_code: str, name: str, passcode: str) -> None:
    """Sign a pupil in with the keyboard alone: type the code, Tab to their name, Tab to each picture."""
    page.goto("/pupil/login")
    press_tab_until(page, "el.id === 'code'")
    page.keyboard.type(class_code)
    press_enter(page)
    press_tab_until(page, f"el.textContent.trim() === {name!r}")
    press_enter(page)
    for picture in passcode.split("-"):
        press_tab_until(page, f"el.value === {picture!r}")
        press_enter(page)


def click_through(page, target) -> None:
    """Click a link or a submit button (a selector, or a locator) and wait for the page it opens. Playwright's
    click returns once the click is made, so a read straight after it can still see the page before: on a busy
    machine it did (a flash message and a chosen framework were missed)."""
    with page.expect_navigation():
        (page.locator(target) if isinstance(target, str) else target).click()


def press_enter(page) -> None:
    """Press Enter on the focused control and wait for the page it submits or opens."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def press_space(page) -> None:
    """Press Space on the focused button and wait for the page it submits."""
    with page.expect_navigation():
        page.keyboard.press("Space")


def tab_to_button(page, words: str, key: str = "Enter") -> None:
    """Tab to the button or link whose text is exactly `words`, press Enter (or Space), and wait for the next page."""
    press_tab_until(page, f"['BUTTON', 'A'].includes(el.tagName) && el.innerText.trim() === {words!r}")
    press_space(page) if key == "Space" else press_enter(page)


def sign_in_quickly(page, pupil, passcode: str) -> None:
    """Sign a pupil in through the same forms, sent from the page's own cookie jar (for tests not about sign-in)."""
    page.request.post("/pupil/login", form={"code": pupil.school_class.join_code})
    page.request.post("/pupil/login/name", form={"pupil": str(pupil.id)})
    for picture in passcode.split("-"):
        response = page.request.post("/pupil/login/passcode", form={"picture": picture})
    assert response.url.endswith("/pupil/"), "pupil sign-in failed"


def snap(page, name: str) -> None:
    """Save a screenshot when ESAFETY_SCREENSHOTS names a folder (for people reviewing the pages)."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def staff_tab(browser, live_server, user):
    """A new browser tab signed in as staff: password, then the authenticator code for a DSL or admin."""
    context = browser.new_context(base_url=live_server.url, bypass_csp=True, viewport={"width": 1100, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(10000)
    tab.goto("/login")
    tab.fill("#email", user.email)
    tab.fill("#password", factories.PASSWORD)
    click_through(tab, "button:has-text('Sign in')")
    if user.needs_second_factor:
        tab.fill("#code", pyotp.TOTP(user.totp_secret).now())
        click_through(tab, "button:has-text('Continue')")
    return tab


def pdf_pages(pdf: bytes, tmp_path) -> list[str]:
    """The text of each page of a PDF, read with poppler's pdftotext."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "evidence.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return [" ".join(page.split()) for page in text.split("\f") if page.strip()]
