"""Baseline and impact: a teacher opens a What do I know? check as a baseline and again later, and sees per
strand the shares then and now, who holds which misconception now, and the lessons for each gap; pupils and
parents see growth in words, never scores; the demo seeds realistic growth; queries stay constant."""

import re

import pytest
import sqlalchemy as sa

from esafety import demo
from esafety.baseline import checks_for, class_report
from esafety.content import catalogue
from esafety.extensions import db
from esafety.models import Assignment, CheckRound, SchoolClass, User

from . import factories

CHECK = "baseline-ks2"


@pytest.fixture
def teacher(client, school, sign_in):
    """A client signed in as the Year 5 teacher."""
    sign_in(client, school.teacher)
    return client


def check():
    """The KS2 check from the real catalogue."""
    return catalogue().quizzes[CHECK]


def misconception_answer(question):
    """A pupil's answer showing a misconception (the first such choice)."""
    return next(c.id for c in question.choices if c.understanding == "misconception")


def secure_answer(question):
    """The secure answer."""
    return next(c.id for c in question.choices if c.correct)


def open_round(client, class_id, stage):
    """Press Open the check as the baseline or a later check."""
    return client.post(f"/teacher/classes/{class_id}/baseline/open", data={"quiz": CHECK, "stage": stage})


def test_every_key_stage_has_a_fair_check_over_smart_and_strands(app):
    """Each key stage has one check of 10-14 questions over at least four SMART letters and the strands its
    lessons teach, and none of its decisions gives itself away by an adult word or length."""
    from esafety.fairness import gives_away

    content = catalogue()
    for key_stage in ("KS1", "KS2"):
        (found,) = checks_for(content, key_stage)
        assert 10 <= len(found.questions) <= 14 and len({q.smart for q in found.questions}) >= 4
        strands = {content.statements[q.statement].strand for q in found.questions}
        taught = {content.statements[s].strand for lesson in content.lessons_for(key_stage)
                  for s in lesson.curriculum if s.startswith("ecacw-")}
        assert len(strands) >= 6 and strands <= taught, strands - taught
        for question in found.questions:
            assert {c.understanding for c in question.choices} - {"secure"}, question.id
            assert gives_away([(c.text, c.correct) for c in question.choices]) == (False, False), question.id


def test_later_check_needs_a_baseline_and_bad_input_gets_a_message(teacher, school):
    """A later check before any baseline, or an unknown check, is refused with a message, never a 500."""
    page = open_round(teacher, school.ks2.id, "later")
    assert page.status_code == 302
    assert "Open the baseline first" in teacher.get(page.headers["Location"]).get_data(as_text=True)
    bad = teacher.post(f"/teacher/classes/{school.ks2.id}/baseline/open", data={"quiz": "nope", "stage": "x"})
    assert bad.status_code == 302 and db.session.scalar(sa.select(sa.func.count()).select_from(CheckRound)) == 0
    assert teacher.post(f"/teacher/classes/{school.ks2.id}/baseline/lessons", data={}).status_code == 302


def test_baseline_then_later_check_shows_growth_misconceptions_and_lessons(teacher, school):
    """Opened as a baseline, taken, opened again later and taken again: the page shows both shares per strand,
    names who holds a misconception now, and one click sets the lessons that teach that strand."""
    quiz = check()
    assert open_round(teacher, school.ks2.id, "baseline").status_code == 302
    assert db.session.scalar(sa.select(Assignment).where(Assignment.activity_id == CHECK)) is not None
    for pupil in school.ks2_pupils:
        factories.finish_quiz(pupil, CHECK, pick=misconception_answer)
    open_round(teacher, school.ks2.id, "later")
    dev, esme, femi = school.ks2_pupils
    factories.finish_quiz(dev, CHECK, pick=misconception_answer)
    for pupil in (esme, femi):
        factories.finish_quiz(pupil, CHECK, pick=secure_answer)
    report = class_report(school.ks2.id, school.ks2_pupils, quiz, catalogue())
    assert (report.took_baseline, report.took_now) == (3, 3)
    first = report.strands[0]
    assert first.baseline.share("misconception") == 100 and first.now.share("secure") == 67
    assert all(holders == [dev] for _, holders in first.misconceptions)
    page = teacher.get(f"/teacher/classes/{school.ks2.id}/baseline").get_data(as_text=True)
    assert first.strand in page and "Misconception 100%" in page and "Secure 67%" in page
    assert "Dev L." in page and "Esme L." not in page[page.index("Gaps to teach"):]
    assert first.lessons and first.lessons[0].title in page
    response = teacher.post(f"/teacher/classes/{school.ks2.id}/baseline/lessons",
                            data={"quiz": CHECK, "strand": first.strand})
    assert response.status_code == 302
    set_now = set(db.session.scalars(sa.select(Assignment.activity_id).where(
        Assignment.class_id == school.ks2.id, Assignment.activity_kind == "lesson")))
    assert {lesson.id for lesson in first.lessons} <= set_now


def test_pupil_sees_what_they_know_in_words_and_parent_sees_growth_not_scores(app, school, sign_in):
    """The pupil's result of a check has "What I know now" and no percentage or rank; the parent sees growth
    per strand in words, with no score."""
    pupil = school.pupil
    factories.finish_quiz(pupil, CHECK, pick=misconception_answer)
    attempt, _ = factories.finish_quiz(pupil, CHECK, pick=secure_answer)
    child = app.test_client()
    sign_in(child, pupil)
    result = child.get(f"/pupil/quizzes/{CHECK}/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "What I know now" in result and "You know more about this than before" in result
    assert not re.search(r"\d+\s*%|your best|\brank|\bscore", result[result.index("<main"):], re.IGNORECASE)
    home = child.get("/pupil/").get_data(as_text=True)
    assert "What do I know?" in home and not re.search(r"\d+%", home)
    parent = app.test_client()
    sign_in(parent, school.parent)
    page = parent.get(f"/family/children/{pupil.id}").get_data(as_text=True)
    assert "understanding is growing" in page and "Knows more about this than at the start." in page
    assert not re.search(r"\d+\s*%", page)


def test_baseline_page_queries_do_not_grow_with_the_class(teacher, school, queries):
    """The page runs the same number of queries for a class of 3 pupils and of 33."""
    open_round(teacher, school.ks2.id, "baseline")
    counts = []
    for extra in (0, 30):
        for i in range(extra):
            pupil = factories.make_pupil(school.ks2, f"P{i}", "M")
            db.session.flush()
            factories.finish_quiz(pupil, CHECK, pick=misconception_answer)
        db.session.commit()
        with queries() as statements:
            assert teacher.get(f"/teacher/classes/{school.ks2.id}/baseline").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_demo_school_seeds_a_baseline_and_a_later_check_with_growth(app):
    """`flask demo` opens each class's check as a baseline and later, and the class knows more at the later
    check than at the baseline, without every pupil being secure on everything."""
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    for school_class in db.session.scalars(sa.select(SchoolClass)):
        pupils = list(db.session.scalars(sa.select(User).where(User.class_id == school_class.id)))
        (quiz,) = checks_for(catalogue(), school_class.key_stage)
        report = class_report(school_class.id, pupils, quiz, catalogue())
        assert report.took_baseline == len(pupils) and 0 < report.took_now <= len(pupils)
        before = sum(s.baseline.counts["secure"] for s in report.strands) / sum(s.baseline.total for s in report.strands)
        after = sum(s.now.counts["secure"] for s in report.strands) / sum(s.now.total for s in report.strands)
        assert after > before + 0.1 and after < 1, (school_class.name, before, after)
        assert any(s.misconceptions for s in report.strands)
    assert demo.seed() is False  # idempotent
