"""Teacher views: classes, pupils, cards, set work, progress grid, misconceptions, coverage and exports."""

import csv
import io
import re
from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa

from esafety.content import catalogue
from esafety.extensions import db
from esafety.models import Assignment, LessonProgress, SchoolClass, User, utcnow
from esafety.roster import parse_line

from . import factories


@pytest.fixture
def teacher(client, school, sign_in):
    """A client signed in as the Year 5 teacher."""
    sign_in(client, school.teacher)
    return client


@pytest.mark.parametrize("line, expected", [
    ("Maya K", ("Maya", "K")), ("maya k.", ("Maya", "K")), ("Maya Khan", ("Maya", "K")),
    ("Khan, Maya", ("Maya", "K")), ("  Zoë   O'Neill ", ("Zoë", "O")), ("Leo", ("Leo", "")), ("123", None), ("", None),
])
def test_pasted_names_keep_first_name_and_initial_only(line, expected):
    """Whatever shape a class list comes in, only a first name and an initial are kept."""
    assert parse_line(line) == expected


def test_teacher_creates_a_class_and_pastes_thirty_names(teacher, school):
    """A new class gets a join code; 30 pasted names become 30 pupils with passcodes; duplicates are skipped."""
    response = teacher.post("/teacher/classes", data={"name": "Year 4 Willow", "year_group": 4})
    class_id = int(response.headers["Location"].rsplit("/", 1)[1])
    names = "\n".join(f"Pupil{i} {chr(65 + i % 26)}" for i in range(30)) + "\nPupil0 A\n"
    page = teacher.post(f"/teacher/classes/{class_id}/pupils", data={"names": names}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "Added 30 pupils" in text and "Skipped Pupil0 A: already in the class" in text
    pupils = db.session.scalars(sa.select(User).where(User.class_id == class_id)).all()
    assert len(pupils) == 30 and all(p.passcode and p.email is None for p in pupils)
    school_class = db.session.get(SchoolClass, class_id)
    assert school_class.key_stage == "KS2" and len(school_class.join_code) == 6


def test_other_teachers_classes_and_pupils_are_not_found(teacher, school):
    """Ids of another teacher's class or pupil give 404 on every teacher page, never their data."""
    ks1, other_pupil = school.ks1.id, school.ks1_pupil.id
    for path in (f"/teacher/classes/{ks1}", f"/teacher/classes/{ks1}/progress", f"/teacher/classes/{ks1}/coverage",
                 f"/teacher/classes/{ks1}/misconceptions", f"/teacher/classes/{ks1}/work",
                 f"/teacher/classes/{ks1}/progress.csv", f"/teacher/pupils/{other_pupil}",
                 f"/teacher/pupils/{other_pupil}/record.csv"):
        assert teacher.get(path).status_code == 404, path
    for path in (f"/teacher/pupils/{other_pupil}/reset", f"/teacher/classes/{ks1}/cards",
                 f"/teacher/classes/{ks1}/pupils", f"/teacher/pupils/{other_pupil}/remove"):
        assert teacher.post(path, data={"names": "Eve X"}).status_code == 404, path
    assert db.session.get(User, other_pupil).active


def test_pupils_and_parents_cannot_open_teacher_pages(client, school, sign_in):
    """A pupil is refused the teacher area (403), and anonymous users are sent to sign in."""
    assert client.get("/teacher/").status_code == 302
    sign_in(client, school.pupil)
    assert client.get("/teacher/").status_code == 403


def test_login_cards_sign_in_and_printing_again_revokes_them(teacher, school, monkeypatch):
    """Printed cards carry a QR code of a card link that signs the pupil in; printing again revokes them."""
    tokens = iter(f"token-{i:03d}-{'x' * 20}" for i in range(100))
    monkeypatch.setattr("esafety.teacher.routes.new_card_token", lambda: next(tokens))
    page = teacher.post(f"/teacher/classes/{school.ks2.id}/cards").get_data(as_text=True)
    assert page.count('class="login-card"') == 3 and page.count("<svg") >= 3 and "WHEAT7" in page
    assert "Dev L." in page and "token-000" not in page  # the link is only inside the QR code
    hashes = db.session.scalars(sa.select(User.card_token_hash).where(User.class_id == school.ks2.id)).all()
    assert all(h and len(h) == 64 and "token" not in h for h in hashes)
    first_cards = [f"token-{i:03d}-{'x' * 20}" for i in range(3)]
    pupil_tab = teacher.application.test_client()
    assert pupil_tab.get(f"/card/{first_cards[0]}").headers["Location"] == "/card"
    assert pupil_tab.post("/card").headers["Location"] == "/pupil/"
    teacher.post(f"/teacher/classes/{school.ks2.id}/cards")
    assert teacher.application.test_client().get(f"/card/{first_cards[1]}").status_code == 401


def test_reset_gives_new_pictures_and_a_new_card(teacher, school):
    """Resetting a pupil shows their new card with their pictures and ends their sessions."""
    version = school.pupil.session_version
    page = teacher.post(f"/teacher/pupils/{school.pupil.id}/reset").get_data(as_text=True)
    db.session.refresh(school.pupil)
    assert "Login cards for Dev L." in page
    assert school.pupil.session_version == version + 1
    for number, picture in enumerate(school.pupil.passcode.split("-"), 1):
        assert f"{number}. {picture}" in page


def test_move_pupil_only_into_own_classes(teacher, school):
    """A pupil can be moved between the teacher's own classes, not into someone else's."""
    other = factories.make_class(school.school, "Year 6 Elm", 6, teachers=[school.teacher])
    db.session.commit()
    response = teacher.post(f"/teacher/pupils/{school.pupil.id}",
                            data={"name": "Dev", "last_initial": "L", "class_id": other.id})
    assert response.status_code == 302
    db.session.refresh(school.pupil)
    assert school.pupil.class_id == other.id
    response = teacher.post(f"/teacher/pupils/{school.pupil.id}",
                            data={"name": "Dev", "last_initial": "L", "class_id": school.ks1.id})
    assert response.status_code == 400


def test_set_work_shows_first_for_pupils(teacher, school, client, sign_in):
    """Work a teacher sets appears first on the pupil's home page, with its due date."""
    teacher.post(f"/teacher/classes/{school.ks2.id}/work", data={"activity": "lesson:ks2-tell", "due_on": "2026-12-04"})
    assert db.session.scalar(sa.select(Assignment).where(Assignment.class_id == school.ks2.id)).activity_id == "ks2-tell"
    pupil_client = client.application.test_client()
    sign_in(pupil_client, school.pupil)
    home = pupil_client.get("/pupil/").get_data(as_text=True)
    set_section = home.split("Your teacher has set you")[1].split("SMART lessons")[0]
    assert "T is for Tell" in set_section and "By Friday 4 December" in set_section
    work = teacher.get(f"/teacher/classes/{school.ks2.id}/work").get_data(as_text=True)
    assert "4 Dec 2026" in work[work.index("T is for Tell"):]  # the teacher's list of set work, with its date


def test_progress_grid_and_csv_show_completions(teacher, school):
    """A completed lesson shows as Done in the grid and the CSV has the same words."""
    factories.complete_lesson(school.pupil, "ks2-safe")
    attempt, verdict = factories.finish_quiz(school.ks2_pupils[1], "age-ks2")
    page = teacher.get(f"/teacher/classes/{school.ks2.id}/progress").get_data(as_text=True)
    assert "Done" in page and f"Best {verdict.score}%" in page
    rows = list(csv.reader(io.StringIO(teacher.get(f"/teacher/classes/{school.ks2.id}/progress.csv")
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    header, dev = rows[0], next(r for r in rows if r[0] == "Dev L.")
    assert dev[header.index(next(h for h in header if h.startswith("S is for Safe")))] == "Done"
    esme = next(r for r in rows if r[0] == "Esme L.")
    assert f"Best {verdict.score}%" in esme
    assert len(rows) == 1 + 3


def test_grid_cells_and_headings_made_once_still_follow_each_change(teacher, school):
    """The grid's cells and column headings are made once and reused across requests, yet the next request
    shows a pupil's new step, their completion and newly set work."""
    lesson = catalogue().lessons["ks2-safe"]
    url = f"/teacher/classes/{school.ks2.id}/progress"

    def cell_of(pupil) -> str:
        page = teacher.get(url).get_data(as_text=True)
        heading = page[page.index("<thead>"):page.index("</thead>")].split("</th>")
        column = next(i for i, h in enumerate(heading) if lesson.title in h)
        row = page.split(f">{pupil.display_name}</a></th>")[1].split("</tr>")[0]
        return row.split("</td>")[column - 1], heading[column]

    assert "Not started" in cell_of(school.pupil)[0]
    progress = LessonProgress(pupil_id=school.pupil.id, lesson_id=lesson.id, content_version=1, step=1)
    db.session.add(progress)
    db.session.commit()
    assert f"Step 2 of {len(lesson.steps)}" in cell_of(school.pupil)[0]
    progress.completed_at = utcnow()
    db.session.commit()
    cell, heading = cell_of(school.pupil)
    assert "cell-done" in cell and "Done" in cell and "Step" not in cell
    assert "Set" not in heading
    teacher.post(f"/teacher/classes/{school.ks2.id}/work", data={"activity": f"lesson:{lesson.id}"})
    assert "Lesson · Set" in cell_of(school.pupil)[1]


def test_grid_filters_by_smart_letter_and_set_work(teacher, school):
    """Filtering by letter shows only that letter's activities; set work only shows set activities."""
    page = teacher.get(f"/teacher/classes/{school.ks2.id}/progress?smart=M").get_data(as_text=True)
    assert "M is for Meeting" in page and "S is for Safe" not in page
    teacher.post(f"/teacher/classes/{school.ks2.id}/work", data={"activity": "quiz:age-ks2"})
    page = teacher.get(f"/teacher/classes/{school.ks2.id}/progress?set_only=1").get_data(as_text=True)
    assert "How old do you have to be?" in page and "M is for Meeting" not in page


def test_coverage_is_derived_from_completions(teacher, school):
    """Coverage of a statement is the share of pupils who completed an activity mapped to it."""
    page = teacher.get(f"/teacher/classes/{school.ks2.id}/coverage").get_data(as_text=True)
    assert "0 of 3" in page and "Gap" in page
    factories.complete_lesson(school.pupil, "ks2-reliable")  # maps to comp-ks2-5
    rows = list(csv.reader(io.StringIO(teacher.get(f"/teacher/classes/{school.ks2.id}/coverage.csv")
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    row = next(r for r in rows if r[1] == "comp-ks2-5")
    assert row[5:] == ["1", "3", "33%"]


def test_school_coverage_is_for_admins_only(client, school, sign_in):
    """Whole-school coverage is refused to a class teacher and shown to an admin."""
    sign_in(client, school.teacher)
    assert client.get("/teacher/coverage").status_code == 403
    admin = client.application.test_client()
    sign_in(admin, school.admin)
    assert "the whole school" in admin.get("/teacher/coverage").get_data(as_text=True)


def test_misconceptions_list_common_wrong_answers_with_lesson(teacher, school):
    """The misconceptions page shows the wrong answers chosen, what they show, and the lesson to use."""
    quiz_id = "ks2-scenario-meet-up"
    for pupil in school.ks2_pupils:
        factories.finish_quiz(pupil, quiz_id, pick=lambda node: next(
            i for i, c in enumerate(node.choices) if c.understanding == "misconception"))
    page = teacher.get(f"/teacher/classes/{school.ks2.id}/misconceptions").get_data(as_text=True)
    assert "Let's meet at the park" in page or "meet" in page.lower()
    assert "Misconception" in page and "3 of 3 wrong" in page
    assert "M is for Meeting" in page  # the lesson that addresses it


def test_pupil_record_shows_understanding_tags(teacher, school):
    """A pupil's page lists their attempts with each answer's understanding and misconception."""
    factories.finish_quiz(school.pupil, "ks2-scenario-meet-up", pick=lambda node: next(
        i for i, c in enumerate(node.choices) if c.understanding == "misconception"))
    page = teacher.get(f"/teacher/pupils/{school.pupil.id}").get_data(as_text=True)
    assert "Misconception" in page and "attempt 1" in page
    csv_text = teacher.get(f"/teacher/pupils/{school.pupil.id}/record.csv").get_data(as_text=True)
    assert "Quiz" in csv_text and "Answer" in csv_text


def test_parent_link_code_is_shown_once(teacher, school):
    """A teacher makes a one-time parent link code in the XXXX-XXXX-XX form."""
    page = teacher.post(f"/teacher/pupils/{school.pupil.id}/parent-code").get_data(as_text=True)
    assert re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{2}", page)


def test_csv_cells_cannot_run_as_formulas(teacher, school):
    """A pupil name that looks like a formula is exported as text."""
    school.pupil.name = "=HYPERLINK(1)"
    db.session.commit()
    text = teacher.get(f"/teacher/classes/{school.ks2.id}/progress.csv").get_data(as_text=True)
    assert "'=HYPERLINK(1)" in text


def _class_of(size: int, school) -> SchoolClass:
    school_class = factories.make_class(school.school, f"Size {size}", 5, teachers=[school.teacher])
    for i in range(size):
        pupil = factories.make_pupil(school_class, f"P{i}", "Z")
        if i % 2:
            factories.complete_lesson(pupil, "ks2-safe")
        if i % 3 == 0:
            factories.finish_quiz(pupil, "ks2-scenario-meet-up")
    db.session.commit()
    return school_class


@pytest.mark.parametrize("page", ["progress", "coverage", "misconceptions"])
def test_teacher_pages_use_a_fixed_number_of_queries(teacher, school, queries, page):
    """The grid, coverage and misconceptions pages run the same number of queries at 5 and 60 pupils."""
    small, large = _class_of(5, school), _class_of(60, school)
    counts = []
    for school_class in (small, large):
        with queries() as statements:
            response = teacher.get(f"/teacher/classes/{school_class.id}/{page}")
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 12


def test_set_work_offers_only_what_suits_the_class_year(teacher, school):
    """A Year 5 class can be set the Years 5-6 lesson but not the Year 6 one; setting it anyway is refused."""
    page = teacher.get(f"/teacher/classes/{school.ks2.id}/work").get_data(as_text=True)
    assert "lesson:ks2-topic-body-pictures" in page and "lesson:ks2-topic-ready-for-phone" not in page
    response = teacher.post(f"/teacher/classes/{school.ks2.id}/work", data={"activity": "lesson:ks2-topic-ready-for-phone"})
    assert response.status_code in (200, 400)
    assert db.session.scalar(sa.select(Assignment).where(Assignment.class_id == school.ks2.id)) is None


def test_progress_chart_counts_each_completion_in_its_week(teacher, school):
    """The grid's weekly chart counts the class's lessons completed in the last ten weeks, each in its week (a
    lesson no longer offered too), from the rows the grid read; older ones and other classes are left out."""
    monday = utcnow().date() - timedelta(days=utcnow().date().weekday())
    first, second, third = school.ks2_pupils
    for pupil, lesson_id, day in ((first, "ks2-tell", monday), (second, "ks2-retired-lesson", monday),
                                  (third, "ks2-tell", monday - timedelta(weeks=3)),
                                  (first, "ks2-safe", monday - timedelta(weeks=12)),
                                  (school.ks1_pupil, "ks1-tell", monday)):
        db.session.add(LessonProgress(pupil_id=pupil.id, lesson_id=lesson_id, content_version=1, step=0,
                                      completed_at=datetime.combine(day, time(10))))
    db.session.commit()
    page = teacher.get(f"/teacher/classes/{school.ks2.id}/progress").get_data(as_text=True)
    chart = page[page.index('<desc id="chart-desc">'):page.index("</desc>")]
    weeks = dict(re.findall(r"Week of ([^:]+): (\d+)\.", chart))
    assert len(weeks) == 10
    assert weeks[monday.strftime("%-d %b")] == "2"
    assert weeks[(monday - timedelta(weeks=3)).strftime("%-d %b")] == "1"
    assert sum(int(n) for n in weeks.values()) == 3
