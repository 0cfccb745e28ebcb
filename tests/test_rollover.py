"""The September rollover on the demo school: the preview, classes moving up, Year 6 leaving with their data
scheduled for deletion, history kept, consent due for renewal, a second run doing nothing, and undo."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from esafety import concerns, consent, demo, schoolyear
from esafety.extensions import db
from esafety.models import AuditLog, LessonProgress, QuizAttempt, School, SchoolClass, User, this_school_year, utcnow


@pytest.fixture
def oakfield(app):
    """The demo school (still in last school year) and its admin, signed in."""
    demo.seed()
    return db.session.scalar(sa.select(School))


def _admin_client(app, sign_in):
    """A client signed in as the demo admin (with the second factor)."""
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@oakfield.example"))
    client = app.test_client()
    sign_in(client, admin, password=demo.STAFF["admin"][2])
    return client


def _form(html: str) -> dict:
    """The rollover form's fields as a browser sends them."""
    fields = dict(re.findall(r'<input[^>]*name="(target_year)"[^>]*value="([^"]*)"', html))
    for name in re.findall(r'<select[^>]*name="(teacher_\d+)"', html):
        fields[name] = "default"
    return fields


def _classes() -> dict[str, tuple]:
    """Each class by name: year group, archived or not, teachers' names."""
    return {c.name: (c.year_group, c.archived_at is not None, sorted(t.name for t in c.teachers))
            for c in db.session.scalars(sa.select(SchoolClass))}


def _history() -> tuple[int, int]:
    """Completed lessons and submitted quiz attempts in the whole school."""
    lessons = db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress)
                                .where(LessonProgress.completed_at.is_not(None)))
    quizzes = db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt)
                                .where(QuizAttempt.submitted_at.is_not(None)))
    return lessons, quizzes


def test_the_demo_school_moves_up_a_year_once(app, oakfield, sign_in):
    """Hazel becomes Year 3, Rowan Year 6, Cedar (Year 6) leaves: accounts closed, deletion scheduled for the end
    of the autumn term; every completion stays; consent is due for renewal; running it again changes nothing."""
    client = _admin_client(app, sign_in)
    year = oakfield.school_year
    history = _history()
    cedar = db.session.scalar(sa.select(SchoolClass).where(SchoolClass.name == "Year 6 Cedar"))
    leavers = [p.id for p in cedar.pupils]
    html = client.get("/admin/new-school-year").get_data(as_text=True)
    assert f"Preview: moving into {schoolyear.school_year_label(year + 1)}" in html
    assert "Year 3 Hazel (Year 3)" in html and "Year 6 Rowan (Year 6)" in html
    assert "Leave the school." in html and "31 December" in html
    response = client.post("/admin/new-school-year", data=_form(html))
    assert response.status_code == 302
    db.session.expire_all()
    classes = _classes()
    assert classes["Year 3 Hazel"][:2] == (3, False) and classes["Year 6 Rowan"][:2] == (6, False)
    assert classes["Year 6 Cedar"][:2] == (6, True)
    assert classes["Year 6 Rowan"][2] == ["Ms Priya Shah"]  # stays with Year 6, which she taught
    gone = db.session.scalars(sa.select(User).where(User.id.in_(leavers))).all()
    assert len(gone) == 24 and not any(p.active for p in gone)
    assert {p.delete_after for p in gone} == {date(year + 1, 12, 31)} and all(p.left_at for p in gone)
    assert _history() == history, "a completion was lost"
    school = db.session.get(School, oakfield.id)
    assert school.school_year == year + 1
    nia = db.session.scalar(sa.select(User).where(User.name == "Nia"))
    assert {a.status for a in consent.register([nia.id], school.school_year)[nia.id]} == {consent.DUE}
    after = (_classes(), school.school_year)
    audit = db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.action == "new school year"))
    again = client.post("/admin/new-school-year", data=_form(html), follow_redirects=True).get_data(as_text=True)
    assert "Nothing was changed: the school is already in" in again
    db.session.expire_all()
    assert (_classes(), db.session.get(School, oakfield.id).school_year) == after
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)
                             .where(AuditLog.action == "new school year")) == audit == 1


def test_teachers_can_be_reassigned_in_the_preview(app, oakfield, sign_in):
    """Choosing a teacher for a class in the preview gives that class exactly that teacher next year."""
    client = _admin_client(app, sign_in)
    walsh = db.session.scalar(sa.select(User).where(User.email == "teacher2@oakfield.example"))
    hazel = db.session.scalar(sa.select(SchoolClass).where(SchoolClass.name == "Year 2 Hazel"))
    fields = _form(client.get("/admin/new-school-year").get_data(as_text=True))
    fields[f"teacher_{hazel.id}"] = str(walsh.id)
    client.post("/admin/new-school-year", data=fields)
    db.session.expire_all()
    assert _classes()["Year 3 Hazel"][2] == ["Mr Tom Walsh"]


def test_undo_puts_everything_back_until_a_pupil_signs_in(app, oakfield, sign_in):
    """Undo restores classes, teachers, leavers and the school year; once a pupil has signed in it is refused."""
    client = _admin_client(app, sign_in)
    before = _classes()
    html = client.get("/admin/new-school-year").get_data(as_text=True)
    client.post("/admin/new-school-year", data=_form(html))
    assert "Undo the new school year" in client.get("/admin/new-school-year").get_data(as_text=True)
    client.post("/admin/new-school-year/undo")
    db.session.expire_all()
    assert _classes() == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.left_at.is_not(None))) == 0
    assert all(p.active for p in db.session.scalars(sa.select(User).where(User.kind == "pupil")))
    client.post("/admin/new-school-year", data=_form(client.get("/admin/new-school-year").get_data(as_text=True)))
    db.session.expire_all()
    pupil = db.session.scalar(sa.select(User).where(User.name == "Maya"))
    pupil.last_sign_in_at = utcnow() + timedelta(seconds=1)
    db.session.commit()
    moved = _classes()
    html = client.post("/admin/new-school-year/undo", follow_redirects=True).get_data(as_text=True)
    assert "1 pupil has signed in since the new school year started" in html
    db.session.expire_all()
    assert _classes() == moved


def test_the_rollover_waits_for_june(app, oakfield, sign_in):
    """A school already in this school year cannot move on again before 1 June of the next."""
    school = db.session.get(School, oakfield.id)
    school.school_year = this_school_year()
    db.session.commit()
    client = _admin_client(app, sign_in)
    html = client.get("/admin/new-school-year").get_data(as_text=True)
    assert f"can run from 01 June {this_school_year() + 1}" in html and "Start " not in html
    before = _classes()
    client.post("/admin/new-school-year", data={"target_year": str(this_school_year() + 1)})
    db.session.expire_all()
    assert _classes() == before


def test_leavers_are_deleted_when_due_and_the_deletion_is_logged(app, oakfield):
    """`flask retention delete-due` deletes leavers whose date has come (not later ones), keeps safeguarding
    records, and logs each deletion."""
    cedar = db.session.scalar(sa.select(SchoolClass).where(SchoolClass.name == "Year 6 Cedar"))
    due, later = cedar.pupils[0], cedar.pupils[1]
    concerns.create(pupil=due, reporter=due, category="unkind", words="someone was unkind in a game",
                    wants_to_talk=False, submission_key="leaver-concern", source="pupil")
    for pupil, when in ((due, date.today() - timedelta(days=1)), (later, date.today() + timedelta(days=30))):
        pupil.active, pupil.left_at, pupil.delete_after = False, utcnow(), when
    db.session.commit()
    due_id, later_id = due.id, later.id
    result = app.test_cli_runner().invoke(args=["retention", "delete-due"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 leaver(s)" in result.output
    db.session.expire_all()
    assert db.session.get(User, due_id) is None and db.session.get(User, later_id) is not None
    entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.target == f"pupil:{due_id}",
                                                        AuditLog.action == "pupil deleted"))
    assert entry.detail.startswith("leaver, retention ended") and "safeguarding" not in entry.detail
    kept = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "pupil account deleted; concerns kept"))
    assert kept.target == "concerns" and kept.detail == f"pupil:{due_id}"  # the DSL's record, not the admin's
    assert db.session.scalar(sa.select(LessonProgress.id).where(LessonProgress.pupil_id == due_id)) is None


def test_next_name_moves_year_words_only():
    """"Year 4 Willow" becomes "Year 5 Willow", "Reception Oak" "Year 1 Oak"; "Willow" stays "Willow"."""
    assert schoolyear.next_name("Year 4 Willow", 4) == "Year 5 Willow"
    assert schoolyear.next_name("Reception Oak", 0) == "Year 1 Oak"
    assert schoolyear.next_name("Y3 Birch", 3) == "Year 4 Birch"
    assert schoolyear.next_name("Willow", 2) == "Willow"


def test_reception_moves_into_year_1(app, oakfield, sign_in):
    """A Reception class (year group 0) becomes Year 1, its name too, with the Key Stage 1 material."""
    acorn = SchoolClass(school_id=oakfield.id, name="Reception Acorn", year_group=0)
    db.session.add(acorn)
    db.session.commit()
    assert acorn.key_stage == "KS1"
    client = _admin_client(app, sign_in)
    html = client.get("/admin/new-school-year").get_data(as_text=True)
    assert "Reception Acorn (Reception)" in html and "Year 1 Acorn (Year 1)" in html
    client.post("/admin/new-school-year", data=_form(html))
    db.session.expire_all()
    assert _classes()["Year 1 Acorn"][:2] == (1, False)
