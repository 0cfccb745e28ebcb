"""A demo school with realistic progress, seeded the same way every time so its sign-ins can be printed."""

import os
import random
from datetime import datetime, timedelta

import sqlalchemy as sa

from .content import catalogue
from .extensions import db
from .activities import quiz_kind
from .baseline import checks_for
from .models import (
    MEDIA_PURPOSES, Assignment, CheckRound, LessonProgress, MediaConsent, ParentLink, QuizAttempt, QuizResponse,
    School, SchoolClass, User, this_school_year, utcnow,
)
from .passcodes import PICTURES

SCHOOL_NAME = "Oakfield Primary School (demo)"
STAFF = {
    "admin": ("Mrs Helen Price", "admin@oakfield.example", "demo-admin-maple-2026"),
    "dsl": ("Mr Daniel Osei", "dsl@oakfield.example", "demo-dsl-willow-2026"),
    "teacher": ("Ms Priya Shah", "teacher@oakfield.example", "demo-teacher-rowan-2026"),
    "teacher2": ("Mr Tom Walsh", "teacher2@oakfield.example", "demo-teacher-hazel-2026"),
}
PARENT = ("Amina Yusuf", "parent@oakfield.example", "demo-parent-birch-2026")
# Fixed so the printed demo authenticator secrets keep working; demo accounts only.
TOTP_SECRETS = {"dsl": "JBSWY3DPEHPK3PXPDEMODSLSECRET234", "admin": "KRSXG5CTMVRXEZLUDEMOADMINSEC234"}
# Year 6 Cedar is there so the September rollover has leavers to show (its pupils leave at the next rollover).
CLASSES = (("Year 2 Hazel", 2, "CEDAR3"), ("Year 5 Rowan", 5, "WHEAT7"), ("Year 6 Cedar", 6, "PEAR49"))
FIRST_NAMES = (
    "Maya", "Amir", "Zainab", "Leo", "Priya", "Kofi", "Ellie", "Tomasz", "Aisha", "Jack", "Mei", "Oscar",
    "Freya", "Yusuf", "Isla", "Dev", "Grace", "Mohammed", "Ruby", "Kai", "Sofia", "Noah", "Hana", "Ethan",
    "Amara", "Finn", "Layla", "Arjun", "Chloe", "Luca", "Nia", "Harry", "Eva", "Ibrahim", "Poppy", "Theo",
    "Zara", "Alfie", "Ananya", "George", "Lily", "Jamal", "Olivia", "Ravi", "Rosie", "Samuel", "Fatima",
    "Max", "Daisy", "Omar", "Matilda", "Ben", "Iqra", "Reuben", "Leah", "Kian", "Ada", "Ryan", "Aria", "Joel",
    "Bilal", "Elsie", "Tariq", "Niamh", "Kwame", "Esther", "Callum", "Yasmin", "Dylan", "Ayesha", "Rhys", "Maisie",
    "Hamza", "Orla", "Zain", "Phoebe", "Jonah", "Anaya", "Lewis", "Tia", "Emeka", "Ivy", "Krish", "Sienna",
)
INITIALS = "ABCDEFGHJKLMNPRSTW"
CLASS_SIZES = (27, 29, 24)


def _pupils(index: int, size: int, rng: random.Random) -> list[tuple[str, str, str]]:
    names = FIRST_NAMES[index * 30: index * 30 + size]
    return [(name, rng.choice(INITIALS), "-".join(rng.choice(PICTURES) for _ in range(3))) for name in names]


def plan() -> dict:
    """The demo's people and passcodes, the same on every run."""
    rng = random.Random(20261122)  # nosec B311: demo passcodes are meant to be reproducible and printed
    return {
        "classes": [
            {"name": name, "year_group": year, "code": code, "pupils": _pupils(i, CLASS_SIZES[i], rng)}
            for i, (name, year, code) in enumerate(CLASSES)
        ]
    }


def logins() -> dict:
    """The demo sign-ins, in the shape `flask demo --json` prints."""
    staff = {role: {"email": email, "password": password} for role, (_, email, password) in STAFF.items()}
    staff["dsl"]["totp_secret"] = TOTP_SECRETS["dsl"]
    staff["admin"]["totp_secret"] = TOTP_SECRETS["admin"]
    staff["parent"] = {"email": PARENT[1], "password": PARENT[2]}
    staff["pupils"] = [
        {"class_code": c["code"], "name": f"{name} {initial}.", "passcode": passcode}
        for c in plan()["classes"] for name, initial, passcode in c["pupils"]
    ]
    return staff


def describe(data: dict) -> str:
    """The demo sign-ins as text for the terminal."""
    lines = ["", f"Demo sign-ins (http://127.0.0.1:{os.environ.get('PORT', '5000')}):"]
    for role in ("teacher", "teacher2", "dsl", "admin", "parent"):
        lines.append(f"  {role:<9} {data[role]['email']:<28} password: {data[role]['password']}")
    lines.append("  DSL and admin also need an authenticator code: flask --app esafety demo-code dsl (or admin)")
    for code in dict.fromkeys(p["class_code"] for p in data["pupils"]):
        first = next(p for p in data["pupils"] if p["class_code"] == code)
        lines.append(f"  pupil     class code {code}, press {first['name']}, pictures: "
                     f"{first['passcode'].replace('-', ', ')}")
    lines.append("  (every pupil's passcode: flask --app esafety demo --json)")
    return "\n".join(lines)


class DemoConflict(RuntimeError):
    """The database holds something the demo school would clash with; the message says what."""


def _demo_present() -> bool:
    """True when the demo school is already there, found by its staff sign-ins (an admin may rename it)."""
    emails = [email for _, email, _ in STAFF.values()]
    return db.session.scalar(sa.select(User.id).where(User.email.in_(emails)).limit(1)) is not None


def seed(if_empty: bool = False) -> bool:
    """Create the demo school unless it exists (or, with if_empty, unless anyone exists). True if created."""
    if _demo_present():
        return False
    if if_empty and db.session.scalar(sa.select(User.id).limit(1)):
        return False
    codes = [code for _, _, code in CLASSES]
    taken = db.session.scalars(sa.select(SchoolClass.join_code).where(SchoolClass.join_code.in_(codes))).all()
    if taken:
        raise DemoConflict(f"Cannot add the demo school: class code {', '.join(sorted(taken))} is already used by "
                           "a class in this database. Use an empty database for the demo (a new DATABASE_URL).")
    rng = random.Random(7)  # nosec B311: demo progress, not a secret
    school = School(
        name=SCHOOL_NAME,
        town="Brambleford",
        dsl_name=STAFF["dsl"][0],
        dsl_contact="Ask at the school office, or email dsl@oakfield.example",
        filtering="Our broadband provider's web filter blocks harmful and inappropriate sites on every school "
                  "device and on the school Wi-Fi.",
        monitoring="Staff supervise pupils whenever they use devices. Searches and sites visited on school "
                   "devices are logged, and the safeguarding lead reviews alerts every school day.",
        school_platforms="Pupils use this esafety app, a maths practice site and a reading app. Pupils only "
                         "interact with their own class and teachers; none of them has public chat.",
        official_accounts="The school's only official social media account is its Facebook page, run by the "
                          "school office. The school does not use any other social media account.",
        complaints="Talk to your child's class teacher first. If that does not resolve it, contact the "
                   "headteacher through the school office, then follow the complaints policy on our website.",
        headteacher_name="Mrs Grace Adeyemi",
        headteacher_email="head@oakfield.example",
        # The demo is still in last school year, so an admin can try the September rollover on it.
        school_year=this_school_year() - 1,
    )
    db.session.add(school)
    db.session.flush()
    staff = {}
    for role, (name, email, password) in STAFF.items():
        user = User(school_id=school.id, kind="staff", name=name, email=email,
                    is_teacher=role.startswith("teacher"), is_dsl=role == "dsl", is_admin=role == "admin",
                    totp_secret=TOTP_SECRETS.get(role))
        user.set_password(password)
        staff[role] = user
    db.session.add_all(staff.values())
    classes = []
    for spec in plan()["classes"]:
        school_class = SchoolClass(school_id=school.id, name=spec["name"], year_group=spec["year_group"],
                                   join_code=spec["code"])
        school_class.teachers = [staff["teacher"]] if spec["year_group"] > 2 else [staff["teacher2"], staff["teacher"]]
        for name, initial, passcode in spec["pupils"]:
            pupil = User(school_id=school.id, kind="pupil", name=name, last_initial=initial)
            pupil.set_passcode(passcode)
            school_class.pupils.append(pupil)
        classes.append(school_class)
    db.session.add_all(classes)
    parent = User(school_id=school.id, kind="parent", name=PARENT[0], email=PARENT[1])
    parent.set_password(PARENT[2])
    db.session.add(parent)
    db.session.flush()
    db.session.add(ParentLink(parent_id=parent.id, pupil_id=classes[1].pupils[0].id))
    consent_rng = random.Random(18)  # nosec B311: demo consent forms, not a secret
    for school_class in classes:
        seed_progress(school_class, staff["teacher"], rng)
        seed_consent(school_class, school.school_year, staff["admin"], consent_rng)
    db.session.commit()
    return True


def seed_consent(school_class: SchoolClass, school_year: int, office: User, rng: random.Random) -> None:
    """Paper consent forms as a real class has them: most say yes to everything, a few say no to some uses,
    and a couple have not come back. The demo parent's child has said yes to everything."""
    for index, pupil in enumerate(school_class.pupils):
        roll = rng.random()
        if roll < 0.08 and index:
            continue  # form not returned
        refused = set() if roll < 0.85 or not index else set(rng.sample(sorted(MEDIA_PURPOSES), rng.randint(1, 3)))
        if index == 3:
            refused = {"in_school", "website", "social_media", "press"}  # every class has a "do not photograph"
        for purpose in MEDIA_PURPOSES:
            db.session.add(MediaConsent(pupil_id=pupil.id, purpose=purpose, given=purpose not in refused,
                                        school_year=school_year, source="office", recorded_by_id=office.id,
                                        recorded_by_name=office.name,
                                        recorded_at=datetime(school_year, 9, 12, 10, rng.randint(0, 59))))


def seed_progress(school_class: SchoolClass, teacher: User, rng: random.Random) -> None:
    """A half-term of varied progress: keen pupils, steady ones, and a few who have barely started."""
    content = catalogue()
    lessons = content.lessons_for(school_class.key_stage, school_class.year_group)
    quizzes = content.quizzes_for(school_class.key_stage, school_class.year_group)
    now = utcnow()
    for activity in lessons[:2]:
        db.session.add(Assignment(class_id=school_class.id, activity_kind="lesson", activity_id=activity.id,
                                  due_on=(now + timedelta(days=7)).date(), set_by_id=teacher.id))
    if quizzes:
        db.session.add(Assignment(class_id=school_class.id, activity_kind="quiz", activity_id=quizzes[0].id,
                                  set_by_id=teacher.id))
    for pupil in school_class.pupils:
        keenness = rng.choice((0.1, 0.4, 0.6, 0.6, 0.8, 0.95))
        for activity in lessons:
            if rng.random() > keenness:
                continue
            started = now - timedelta(days=rng.randint(1, 40), minutes=rng.randint(0, 600))
            done = rng.random() < 0.85
            db.session.add(LessonProgress(
                pupil_id=pupil.id, lesson_id=activity.id, content_version=activity.version,
                step=len(activity.steps) - 1 if done else rng.randint(1, len(activity.steps) - 2),
                answers={str(i): next(j for j, c in enumerate(activity.steps[i].choices) if c.correct)
                         for i in activity.check_steps} if done else {},
                started_at=started, updated_at=started + timedelta(minutes=12),
                completed_at=started + timedelta(minutes=12) if done else None,
            ))
        for quiz in quizzes:
            if quiz_kind(quiz).opens_to_class or rng.random() > keenness * 0.8:
                continue  # checks are seeded as a baseline and a later check below
            attempt_at = now - timedelta(days=rng.randint(0, 30), minutes=rng.randint(0, 600))
            _seed_attempt(pupil, quiz, rng, keenness, attempt_at)
    for check in checks_for(content, school_class.key_stage):
        seed_baseline(school_class, teacher, check, rng)


def seed_baseline(school_class: SchoolClass, teacher: User, check, rng: random.Random) -> None:
    """A baseline six weeks ago and a later check this week, with the growth a half-term's teaching brings:
    most pupils secure on more strands, a few still holding a misconception, one or two who missed the later
    check."""
    now = utcnow()
    baseline_at, later_at = now - timedelta(days=42), now - timedelta(days=5)
    db.session.add_all([
        CheckRound(class_id=school_class.id, quiz_id=check.id, stage="baseline", opened_at=baseline_at,
                   opened_by_id=teacher.id),
        CheckRound(class_id=school_class.id, quiz_id=check.id, stage="later", opened_at=later_at,
                   opened_by_id=teacher.id),
    ])
    for pupil in school_class.pupils:
        before = rng.uniform(0.15, 0.55)
        _seed_attempt(pupil, check, rng, before, baseline_at + timedelta(hours=rng.randint(2, 50)))
        if rng.random() < 0.9:
            _seed_attempt(pupil, check, rng, min(0.9, before + rng.uniform(0.15, 0.4)),
                          later_at + timedelta(hours=rng.randint(2, 50)), number=2)


def _seed_attempt(pupil: User, quiz, rng: random.Random, skill: float, at, number: int = 1) -> None:
    """A submitted attempt whose answers are right about as often as the pupil is keen."""
    kind = quiz_kind(quiz)
    state = kind.simulate(quiz, rng, skill)
    verdict = kind.mark(quiz, state)
    attempt = QuizAttempt(pupil_id=pupil.id, quiz_id=quiz.id, number=number, content_version=quiz.version,
                          state=state, choice_order=kind.orders(quiz, rng),
                          started_at=at, submitted_at=at + timedelta(minutes=6), score=verdict.score,
                          passed=verdict.passed)
    attempt.responses = [
        QuizResponse(position=i, question_id=r.question_id, answer=r.answer, correct=r.correct,
                     understanding=r.understanding)
        for i, r in enumerate(verdict.results)
    ]
    db.session.add(attempt)
