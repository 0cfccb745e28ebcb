"""The bulk seeder: whole schools with their progress, written with one executemany per table.

Used by the benchmark (benchmarks/run.py: a school of 600 pupils, one of 30, and a trust of 40 schools) and by
`flask demo --trust` (esafety/demo_trust.py: the trust's schools besides the demo school). Rows are built in
Python (progress as varied as the demo school's: keen pupils, steady ones, a few who have barely started) and
written with one executemany per table, so 600 pupils and their ~34,000 rows take a second or two. Pupils'
passcodes are plain words (no hashing); every adult of a school shares one password hash, computed once.

Besides the finished work, every pupil has, as a class part-way through a quiz lesson would:
- an open attempt at their key stage's age quiz with no answers yet (the "quiz answer" POSTs answer it);
- an open attempt at every scenario quiz of their key stage with the whole story chosen, waiting for
  "See how I did" (the "quiz submission" POSTs finish them);
- reached step 2 or further of their key stage's first lesson (the "lesson step" GETs show step 2).

Whoever bulk-seeds calls after_bulk_seed() with the new schools once their rows are written.
"""

import random
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from .activities import quiz_kind
from .content import Catalogue
from .content.schema import ScenarioQuiz
from .models import (
    Assignment, LessonProgress, QuizAttempt, QuizResponse, School, SchoolClass, User, class_teacher, utcnow,
)
from .passcodes import PICTURES

PASSWORD = "bench-password-not-secret"
# Staff addresses are <role><n>@<slug>.<email domain>: the benchmark's own domain unless the caller gives one.
EMAIL_DOMAIN = "bench.example"
# Known authenticator secrets, so the benchmark can pass the admins' second factor with pyotp.
ADMIN_SECRETS = ("JBSWY3DPEHPK3PXPBENCHADMINONE234", "JBSWY3DPEHPK3PXPBENCHADMINTWO234")
FIRST_NAMES = ("Maya", "Amir", "Zainab", "Leo", "Priya", "Kofi", "Ellie", "Tomasz", "Aisha", "Jack", "Mei",
               "Oscar", "Freya", "Yusuf", "Isla", "Dev", "Grace", "Mohammed", "Ruby", "Kai", "Sofia", "Noah",
               "Hana", "Ethan", "Amara", "Finn", "Layla", "Arjun", "Chloe", "Luca")
INITIALS = "ABCDEFGHJKLMNPRSTW"
CODE_LETTERS = "ACDEFGHJKMNPQRTUVWXY"


@dataclass
class PupilInfo:
    """What the load generator needs to sign a pupil in and give it work."""

    id: int
    class_id: int
    class_code: str
    passcode: str
    key_stage: str
    answer_attempt: int  # open age-quiz attempt, no answers yet
    finish_attempts: dict[str, int]  # scenario quiz id -> open attempt with the whole path chosen


@dataclass
class ClassInfo:
    """A seeded class."""

    id: int
    name: str
    year_group: int
    code: str
    key_stage: str
    teacher_email: str
    pupils: list[PupilInfo] = field(default_factory=list)


@dataclass
class SchoolInfo:
    """A seeded school, for the load generator and the query counter."""

    id: int
    name: str
    classes: list[ClassInfo]
    admins: list[tuple[str, str]]  # (email, TOTP secret)

    @property
    def pupils(self) -> list[PupilInfo]:
        """Every pupil of the school."""
        return [p for c in self.classes for p in c.pupils]


# The tables written, by name; all but class_teacher have an integer id the seeder gives explicitly.
TABLES = {"school": School.__table__, "user": User.__table__, "school_class": SchoolClass.__table__,
          "class_teacher": class_teacher, "assignment": Assignment.__table__,
          "lesson_progress": LessonProgress.__table__, "quiz_attempt": QuizAttempt.__table__,
          "quiz_response": QuizResponse.__table__}


class _Ids:
    """Explicit primary keys, so rows can point at each other before they are written."""

    def __init__(self, connection: sa.Connection):
        self.next = {name: (connection.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1
                     for name, table in TABLES.items() if "id" in table.c}

    def __call__(self, table: str) -> int:
        value = self.next[table]
        self.next[table] += 1
        return value


def seed_school(connection: sa.Connection, content: Catalogue, *, name: str, class_sizes: list[int],
                seed: int = 1, trust_id: int | None = None, days: int = 70, engagement: float = 1.0,
                email_domain: str = EMAIL_DOMAIN, slug: str | None = None) -> SchoolInfo:
    """Write one school with a class per entry of class_sizes (years 1 to 6 in turn) and a term of progress
    (spread over the last `days` days: `flask demo --trust` asks for a school year's), in trust_id's trust.
    engagement scales every pupil's keenness, so the schools of a demo trust differ as real ones do. Its staff
    are admin1@<slug>.<email_domain>, teacher1@... (slug defaults to "s" and the school's id)."""
    rng = random.Random(seed)
    ids = _Ids(connection)
    now = utcnow()
    password_hash = generate_password_hash(PASSWORD)
    rows: dict[str, list[dict]] = {t: [] for t in ("school", "user", "school_class", "class_teacher",
                                                     "lesson_progress", "quiz_attempt", "quiz_response",
                                                     "assignment")}
    school_id = ids("school")
    rows["school"].append(dict(id=school_id, name=name, trust_id=trust_id, dsl_name="Ms Dee Ess", dsl_contact="Ask at the office",
                               filtering="A web filter", monitoring="Staff supervise", school_platforms="This app",
                               official_accounts="None", complaints="Talk to the class teacher first",
                               created_at=now))

    def adult(email: str, name_: str, *, teacher=False, admin=False, totp=None) -> int:
        user_id = ids("user")
        rows["user"].append(dict(id=user_id, school_id=school_id, kind="staff", email=email,
                                 password_hash=password_hash, name=name_, last_initial="", is_teacher=teacher,
                                 is_dsl=False, is_admin=admin, active=True, session_version=1, class_id=None,
                                 passcode=None, totp_secret=totp, totp_last_step=0, created_at=now))
        return user_id

    slug = slug or f"s{school_id}"
    admins = []
    for n, secret in enumerate(ADMIN_SECRETS, start=1):
        email = f"admin{n}@{slug}.{email_domain}"
        adult(email, f"Admin {n}", admin=True, totp=secret)
        admins.append((email, secret))
    classes = []
    for index, size in enumerate(class_sizes):
        year = index % 6 + 1
        class_id = ids("school_class")
        code = "".join(rng.choice(CODE_LETTERS) for _ in range(6))
        teacher_email = f"teacher{index + 1}@{slug}.{email_domain}"
        teacher_id = adult(teacher_email, f"Teacher {index + 1}", teacher=True)
        info = ClassInfo(class_id, f"Year {year} Class {index + 1}", year, code, "KS1" if year <= 2 else "KS2",
                         teacher_email)
        rows["school_class"].append(dict(id=class_id, school_id=school_id, name=info.name, year_group=year,
                                         join_code=code, archived_at=None, created_at=now))
        rows["class_teacher"].append(dict(class_id=class_id, user_id=teacher_id))
        # What the class's year group is offered: an attempt at a quiz for another year could not be finished.
        lessons = content.lessons_for(info.key_stage, year)
        quizzes = content.quizzes_for(info.key_stage, year)
        age_quiz = next(q for q in quizzes if not isinstance(q, ScenarioQuiz))
        scenarios = [q for q in quizzes if isinstance(q, ScenarioQuiz)]
        for activity_kind, activity in (("lesson", lessons[0]), ("lesson", lessons[1]), ("quiz", age_quiz)):
            rows["assignment"].append(dict(id=ids("assignment"), class_id=class_id, activity_kind=activity_kind,
                                           activity_id=activity.id, due_on=(now + timedelta(days=7)).date(),
                                           set_by_id=teacher_id, created_at=now))
        for n in range(size):
            pupil_id = ids("user")
            passcode = "-".join(rng.choice(PICTURES) for _ in range(3))
            rows["user"].append(dict(id=pupil_id, school_id=school_id, kind="pupil", email=None, password_hash=None,
                                     name=FIRST_NAMES[n % len(FIRST_NAMES)], last_initial=INITIALS[n % len(INITIALS)],
                                     is_teacher=False, is_dsl=False, is_admin=False, active=True, session_version=1,
                                     class_id=class_id, passcode=passcode, totp_secret=None, totp_last_step=0,
                                     created_at=now))
            keenness = min(0.98, rng.choice((0.1, 0.4, 0.6, 0.6, 0.8, 0.95)) * engagement)
            # A term of lessons; the first lesson of the key stage is always at least at step 2.
            for position, lesson in enumerate(lessons):
                if position and rng.random() > keenness:
                    continue
                started = now - timedelta(days=rng.randint(1, days), minutes=rng.randint(0, 600))
                done = rng.random() < 0.85
                step = len(lesson.steps) - 1 if done else rng.randint(1, len(lesson.steps) - 2)
                answers = {str(i): next(j for j, c in enumerate(lesson.steps[i].choices) if c.correct)
                           for i in lesson.check_steps if i <= step}
                rows["lesson_progress"].append(dict(
                    id=ids("lesson_progress"), pupil_id=pupil_id, lesson_id=lesson.id,
                    content_version=lesson.version, step=step, answers=answers, started_at=started,
                    updated_at=started + timedelta(minutes=12),
                    completed_at=started + timedelta(minutes=12) if done else None))
            numbers: dict[str, int] = {}

            def attempt(quiz, state, verdict=None, at=None) -> int:
                attempt_id = ids("quiz_attempt")
                numbers[quiz.id] = numbers.get(quiz.id, 0) + 1
                rows["quiz_attempt"].append(dict(
                    id=attempt_id, pupil_id=pupil_id, quiz_id=quiz.id, number=numbers[quiz.id],
                    content_version=quiz.version, state=state, started_at=at or now,
                    submitted_at=at + timedelta(minutes=6) if verdict else None,
                    score=verdict.score if verdict else None, passed=verdict.passed if verdict else None))
                for i, result in enumerate(verdict.results if verdict else ()):
                    rows["quiz_response"].append(dict(
                        id=ids("quiz_response"), attempt_id=attempt_id, position=i, question_id=result.question_id,
                        answer=result.answer, correct=result.correct, understanding=result.understanding))
                return attempt_id

            # The term's finished attempts (some pupils had two goes at a quiz).
            for quiz in quizzes:
                for _ in range(2 if rng.random() < 0.2 else 1):
                    if rng.random() > keenness * 0.8:
                        continue
                    at = now - timedelta(days=rng.randint(1, max(1, days * 6 // 7)), minutes=rng.randint(0, 600))
                    state = quiz_kind(quiz).simulate(quiz, rng, keenness)
                    attempt(quiz, state, quiz_kind(quiz).mark(quiz, state), at)
            # Work in hand, for the write benchmarks.
            answer_attempt = attempt(age_quiz, {})
            finish = {quiz.id: attempt(quiz, quiz_kind(quiz).simulate(quiz, rng, keenness)) for quiz in scenarios}
            info.pupils.append(PupilInfo(pupil_id, class_id, code, passcode, info.key_stage, answer_attempt, finish))
        classes.append(info)

    tables = TABLES
    # Users point at classes and classes at the school: write parents before children.
    users = rows["user"]
    connection.execute(tables["school"].insert(), rows["school"])
    connection.execute(tables["user"].insert(), [u for u in users if u["kind"] != "pupil"])
    connection.execute(tables["school_class"].insert(), rows["school_class"])
    connection.execute(tables["user"].insert(), [u for u in users if u["kind"] == "pupil"])
    for table in ("class_teacher", "assignment", "lesson_progress", "quiz_attempt", "quiz_response"):
        if rows[table]:
            connection.execute(tables[table].insert(), rows[table])
    if connection.dialect.name == "postgresql":
        # The explicit ids bypassed each table's sequence: move it past them.
        for table_name in ids.next:
            sequence = sa.func.pg_get_serial_sequence(f'"{table_name}"', "id")
            connection.execute(sa.select(sa.func.setval(sequence, sa.select(sa.func.max(TABLES[table_name].c.id))
                                                        .scalar_subquery())))
    return SchoolInfo(school_id, name, classes, admins)


def after_bulk_seed(connection: sa.Connection, school_ids: list[int]) -> None:
    """Called once the bulk seeder has written these schools, before the caller commits: stored coverage
    tallies are rebuilt here, so that they equal a recount from the completions just written (the bulk insert
    bypasses learning.complete_lesson and learning.submit, which keep them up to date otherwise).

    connection is the one the rows were written on (db.session's, for every caller). The schools are new and
    not yet committed, so no completion can arrive while they are counted: they are stamped and counted in this
    one transaction (a live school is rebuilt by tallies.rebuild, which commits its stamp first).
    """
    from . import tallies
    from .models import CoverageStamp

    if not school_ids:
        return
    if connection.dialect.name == "postgresql":
        # Planner statistics for the rows just written, as autovacuum would gather a minute later: without them
        # PostgreSQL plans a trust's pages for empty tables (seconds, not milliseconds, at 40 schools).
        connection.exec_driver_sql("ANALYZE")
    connection.execute(sa.insert(CoverageStamp), [{"school_id": s, "mapping": ""} for s in school_ids])
    tallies.recount(connection, school_ids)


def row_count(connection: sa.Connection) -> int:
    """All rows in the database, for the report."""
    from .extensions import db

    return sum(connection.scalar(sa.select(sa.func.count()).select_from(t)) for t in db.metadata.sorted_tables)
