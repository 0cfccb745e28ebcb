"""Real headless Chromium: every lesson's plan, worksheet and letter home print on one A4 page, with their
text readable in the PDF (pdftotext), and the letter's QR code points at the school's own parent guide page."""

import pytest

from esafety.content import catalogue

from .helpers import axe_violations, pdf_pages, snap, staff_tab

pytestmark = [pytest.mark.browser, pytest.mark.content_only]  # printed from content: the same on every database


def printed(tab, path: str, tmp_path, too_long: list) -> str:
    """Open a printable, print it to an A4 PDF, note it in too_long unless it is one page, and return its text."""
    tab.goto(path)
    tab.emulate_media(media="print")
    pages = pdf_pages(tab.pdf(format="A4", print_background=True), tmp_path)
    tab.emulate_media(media="screen")
    if len(pages) != 1:
        too_long.append(f"{path}: {len(pages)} pages")
    return " ".join(pages)


def words(text: str, count: int = 6) -> str:
    """The first few words of a text, spaced as pdftotext gives them."""
    return " ".join(text.split()[:count])


def test_every_lesson_prints_its_plan_worksheet_and_letter_on_one_page(browser, live_server, school, tmp_path):
    """For all lessons: one page each; the plan has every part and the DSL; the worksheet every question; the
    letter the home prompt and the guide page's address."""
    tab = staff_tab(browser, live_server, school.teacher)
    content = catalogue()
    too_long: list[str] = []
    for lesson_id, guide in content.guides.items():
        lesson = content.lessons[lesson_id]
        plan = printed(tab, f"/teacher/lessons/{lesson_id}/plan", tmp_path, too_long)
        assert f"Lesson plan: {lesson.title}" in plan and "Ms Dee Ess" in plan
        for part in guide.plan:
            assert words(part.what) in plan, (lesson_id, part.part)
        sheet = printed(tab, f"/teacher/lessons/{lesson_id}/worksheet", tmp_path, too_long)
        for index in lesson.check_steps:
            assert words(lesson.steps[index].question) in sheet, lesson_id
        assert "Name:" in sheet and "Back to the teacher" not in sheet  # the screen-only help is not printed
        letter = printed(tab, f"/teacher/lessons/{lesson_id}/letter", tmp_path, too_long)
        assert "This week we learned" in letter and words(lesson.home_prompt) in letter, lesson_id
        assert f"/parents/{guide.parent_page}" in letter.replace(" ", "")
    assert too_long == [], "\n".join(too_long)
    assert tab.locator(".letter-qr svg").count() == 1


@pytest.mark.parametrize("kind", ["plan", "worksheet", "letter"])
def test_printables_pass_axe(browser, live_server, school, kind):
    """Each printable, on screen, has no serious or critical accessibility problem."""
    tab = staff_tab(browser, live_server, school.teacher)
    tab.goto(f"/teacher/lessons/ks2-topic-cyberbullying/{kind}")
    assert axe_violations(tab) == [], kind
    tab.emulate_media(media="print")
    snap(tab, f"printable-ks2-cyberbullying-{kind}")
