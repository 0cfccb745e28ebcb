"""Test data, made the way the app makes it."""

from types import SimpleNamespace

import pyotp
from werkzeug.security import generate_password_hash

from esafety.extensions import db
from esafety.models import ParentLink, School, SchoolClass, Trust, User

PASSWORD = "correct horse battery staple"
PASSCODE = "cat-sun-boat"
# Hashed once per run with a cheap PBKDF2 setting: scrypt per user made every test a second slower.
# The app's own paths (registration, password changes) still use werkzeug's scrypt default.
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def make_school(name="Test Primary", town="") -> School:
    """A school with its settings filled in."""
    school = School(name=name, town=town, dsl_name="Ms Dee Ess", dsl_contact="Ask at the office", filtering="A web filter",
                    monitoring="Staff supervise", school_platforms="This app", official_accounts="None",
                    complaints="Talk to the class teacher first")
    db.session.add(school)
    db.session.flush()
    return school


def make_trust(name="Test Trust", schools=(), kind="trust") -> Trust:
    """A trust (or local authority) owning the given schools."""
    trust = Trust(name=name, kind=kind)
    db.session.add(trust)
    db.session.flush()
    for school in schools:
        school.trust_id = trust.id
    db.session.flush()
    return trust


def make_trust_admin(trust, email, name=None) -> User:
    """A trust admin: staff of the trust and of no school, with an authenticator secret."""
    user = User(school_id=None, trust_id=trust.id, kind="staff", email=email, is_trust_admin=True,
                name=name or email.split("@")[0].title(), totp_secret=pyotp.random_base32())
    user.password_hash = PASSWORD_HASH
    db.session.add(user)
    db.session.flush()
    return user


def make_staff(school, email, *, teacher=False, dsl=False, admin=False, name=None) -> User:
    """A member of staff; DSLs and admins get an authenticator secret."""
    user = User(school_id=school.id, kind="staff", email=email, name=name or email.split("@")[0].title(),
                is_teacher=teacher, is_dsl=dsl, is_admin=admin,
                totp_secret=pyotp.random_base32() if (dsl or admin) else None)
    user.password_hash = PASSWORD_HASH
    db.session.add(user)
    db.session.flush()
    return user


def make_class(school, name, year_group, teachers=(), code=None) -> SchoolClass:
    """A class taught by the given teachers."""
    school_class = SchoolClass(school_id=school.id, name=name, year_group=year_group)
    if code:
        school_class.join_code = code
    school_class.teachers = list(teachers)
    db.session.add(school_class)
    db.session.flush()
    return school_class


def make_pupil(school_class, name, initial="A", passcode=PASSCODE) -> User:
    """A pupil in a class."""
    pupil = User(school_id=school_class.school_id, kind="pupil", name=name, last_initial=initial,
                 class_id=school_class.id)
    pupil.set_passcode(passcode)
    db.session.add(pupil)
    db.session.flush()
    return pupil


def make_parent(email, school=None, children=()) -> User:
    """A parent linked to their children."""
    parent = User(school_id=school.id if school else None, kind="parent", email=email, name="Pat Parent")
    parent.password_hash = PASSWORD_HASH
    db.session.add(parent)
    db.session.flush()
    for child in children:
        db.session.add(ParentLink(parent_id=parent.id, pupil_id=child.id))
    db.session.flush()
    return parent


def make_school_world() -> SimpleNamespace:
    """Two classes, their teachers and pupils, a DSL, an admin, and a parent of one pupil, in one school."""
    school = make_school()
    teacher = make_staff(school, "teacher@test.example", teacher=True, name="Ms Teach")
    other_teacher = make_staff(school, "other@test.example", teacher=True, name="Mr Other")
    dsl = make_staff(school, "dsl@test.example", dsl=True, name="Ms Dsl")
    admin = make_staff(school, "admin@test.example", admin=True, name="Mr Admin")
    ks1 = make_class(school, "Year 2 Oak", 2, teachers=[other_teacher], code="CEDAR3")
    ks2 = make_class(school, "Year 5 Ash", 5, teachers=[teacher], code="WHEAT7")
    ks1_pupils = [make_pupil(ks1, n, "K") for n in ("Ava", "Ben", "Cara")]
    ks2_pupils = [make_pupil(ks2, n, "L") for n in ("Dev", "Esme", "Femi")]
    parent = make_parent("parent@test.example", school, children=[ks2_pupils[0]])
    other_parent = make_parent("otherparent@test.example", school, children=[ks1_pupils[0]])
    db.session.commit()
    return SimpleNamespace(school=school, teacher=teacher, other_teacher=other_teacher, dsl=dsl, admin=admin,
                           ks1=ks1, ks2=ks2, ks1_pupils=ks1_pupils, ks2_pupils=ks2_pupils, pupil=ks2_pupils[0],
                           ks1_pupil=ks1_pupils[0], parent=parent, other_parent=other_parent)


def complete_lesson(pupil, lesson_id: str):
    """Record a completed lesson the way the lesson player does."""
    from esafety.content import catalogue
    from esafety.learning import answer_check, complete_lesson as complete

    lesson = catalogue().lessons[lesson_id]
    for index in lesson.check_steps:
        answer_check(pupil, lesson, index, next(i for i, c in enumerate(lesson.steps[index].choices) if c.correct))
    complete(pupil, lesson)
    db.session.commit()


def finish_quiz(pupil, quiz_id: str, pick=None):
    """Submit a quiz attempt; pick(question) returns the raw answer (default: the first choice)."""
    from esafety.content import catalogue
    from esafety.learning import answer_question, choose, open_attempt, submit

    quiz = catalogue().quizzes[quiz_id]
    attempt = open_attempt(pupil, quiz)
    if quiz.kind == "scenario":
        node, position = quiz.nodes[quiz.start], 0
        while not node.end:
            index = pick(node) if pick else 0
            choose(attempt, quiz, position, index)
            node, position = quiz.nodes[node.choices[index].next], position + 1
    else:
        for question in quiz.questions:
            if pick:
                raw = pick(question)
            elif question.type == "sort":
                raw = {item.id: question.groups[0].id for item in question.items}
            elif question.type == "multiple":
                raw = [question.choices[0].id]
            else:
                raw = question.choices[0].id
            answer_question(attempt, quiz, question.id, raw)
    verdict = submit(attempt, quiz)
    db.session.commit()
    return attempt, verdict
