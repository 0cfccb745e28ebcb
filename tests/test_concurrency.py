"""A class signing in and submitting quizzes at the same moment, and two app instances sharing one database,
against real gunicorn servers on loopback ports (SQLite WAL here; PostgreSQL when the suite runs on it).

Slow (each test starts gunicorn processes: a few seconds), and part of `make test` all the same.
"""

import threading
import time
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from esafety import tallies
from esafety.content import catalogue
from esafety.extensions import db
from esafety.models import AuditLog, CoverageTally, QuizAttempt, QuizResponse, User

from . import factories
from .servers import Browser, gunicorn

pytestmark = pytest.mark.slow
CLASS_SIZE = 30


def _answer(question) -> dict:
    """The form that answers one question of a question quiz correctly."""
    if question.type == "sort":
        return {"question": question.id, **{f"item-{i.id}": i.group for i in question.items}}
    right = [c.id for c in question.choices if c.correct]
    return {"question": question.id, "choice": right if question.type == "multiple" else right[0]}


def test_class_of_30_signs_in_and_submits_at_once(app, database_url, tmp_path):
    """30 pupils sign in and finish a quiz together, each pressing Finish twice at once, every request going to
    one of two app servers in turn (one database, one Redis), so a sign-in made on one server is used on the
    other and the two Finish presses land on different servers: no error, nothing lost or doubled, and the
    stored coverage tallies count every pupil once."""
    school = factories.make_school()
    teacher = factories.make_staff(school, "teacher@test.example", teacher=True)
    klass = factories.make_class(school, "Year 2 Oak", 2, teachers=[teacher], code="CEDAR3")
    pupils = [factories.make_pupil(klass, f"Pupil{n:02d}", "A") for n in range(CLASS_SIZE)]
    db.session.commit()
    pupil_ids, school_id = [p.id for p in pupils], school.id
    quiz = next(q for q in catalogue().quizzes_for("KS1") if q.kind != "scenario")
    errors: list[str] = []
    browsers: list[Browser] = []
    start = threading.Barrier(CLASS_SIZE)

    def pupil_journey(browser: Browser, pupil_id: int):
        try:
            start.wait()
            browser.expect(200, "GET", "/pupil/login")
            browser.expect(302, "POST", "/pupil/login", {"code": "CEDAR3"})
            browser.expect(302, "POST", "/pupil/login/name", {"pupil": pupil_id})
            pictures = factories.PASSCODE.split("-")
            for picture in pictures[:-1]:
                browser.expect(200, "POST", "/pupil/login/passcode", {"picture": picture})
            assert browser.expect(302, "POST", "/pupil/login/passcode", {"picture": pictures[-1]}).endswith("/pupil/")
            browser.expect(200, "GET", "/pupil/")
            attempt_path = urlsplit(browser.expect(302, "POST", f"/pupil/quizzes/{quiz.id}/start", {})).path
            for question in quiz.questions:
                browser.expect(302, "POST", attempt_path, _answer(question))
            # Finish pressed twice at once (a double click, or two tabs): both land on the one result.
            both = threading.Barrier(2)
            outcomes: list = []

            def finish():
                both.wait()
                outcomes.append(browser.request("POST", attempt_path, {"finish": "1"}))

            pair = [threading.Thread(target=finish) for _ in range(2)]
            for thread in pair:
                thread.start()
            for thread in pair:
                thread.join()
            assert [o[0] for o in outcomes] == [302, 302], [o[0] for o in outcomes]
            assert all(o[1].endswith("/result") for o in outcomes), [o[1] for o in outcomes]
            browser.expect(200, "GET", attempt_path + "/result")
        except Exception as error:  # noqa: BLE001  (collected and reported by the test below)
            errors.append(f"pupil {pupil_id}: {error!r}")

    with gunicorn(database_url, tmp_path, instances=2, workers=2) as (a, b):
        threads = []
        for pupil_id in pupil_ids:
            browser = Browser(a.port, b.port)
            browsers.append(browser)
            threads.append(threading.Thread(target=pupil_journey, args=(browser, pupil_id)))
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        elapsed = time.monotonic() - started
        log = a.log.read_text() + b.log.read_text()

    statuses = [s for b in browsers for s in b.statuses]
    assert not errors, "\n".join(errors[:10]) + f"\n{log[-2000:]}"
    assert not [s for s in statuses if s >= 500], log[-2000:]
    assert len(statuses) == CLASS_SIZE * (8 + len(quiz.questions) + 3), "a request went missing"
    db.session.remove()  # a fresh transaction: see what the servers committed
    attempts = db.session.scalars(sa.select(QuizAttempt).where(QuizAttempt.quiz_id == quiz.id)).all()
    assert sorted(a.pupil_id for a in attempts) == sorted(pupil_ids), "one attempt per pupil, none doubled"
    assert all(a.submitted_at is not None and a.score == 100 for a in attempts)
    responses = db.session.execute(
        sa.select(QuizResponse.attempt_id, QuizResponse.position).join(QuizAttempt)
        .where(QuizAttempt.quiz_id == quiz.id)).all()
    assert len(responses) == CLASS_SIZE * len(quiz.questions), "each answer recorded exactly once"
    assert {(a.id, i) for a in attempts for i in range(len(quiz.questions))} == set(responses)
    # 30 completions of one quiz at once, from two servers, all add to the same stored coverage rows.
    assert tallies.differences([school_id]) == []
    stored = dict(db.session.execute(sa.select(CoverageTally.statement_id, CoverageTally.covered)
                                     .where(CoverageTally.school_id == school_id)).all())
    assert stored == {statement_id: CLASS_SIZE for statement_id in quiz.curriculum}
    sign_ins = db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.action == "sign-in", AuditLog.actor_id.in_(pupil_ids)))
    assert sign_ins == CLASS_SIZE
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.id.in_(pupil_ids), User.last_sign_in_at.is_not(None))) == CLASS_SIZE
    print(f"\n{CLASS_SIZE} pupils, {len(statuses)} requests in {elapsed:.1f} s, 0 errors")


def test_two_instances_share_sessions_and_sign_out(app, database_url, tmp_path):
    """A session made on instance A works on B (CSRF token included), and signing out on A ends it on B."""
    school = factories.make_school()
    teacher = factories.make_staff(school, "teacher@test.example", teacher=True, name="Ms Teach")
    factories.make_class(school, "Year 5 Ash", 5, teachers=[teacher])
    db.session.commit()
    with gunicorn(database_url, tmp_path, instances=2, workers=1) as (a, b):
        browser = Browser(a.port)
        browser.expect(200, "GET", "/login")
        browser.expect(302, "POST", "/login", {"email": "teacher@test.example", "password": factories.PASSWORD})
        status, _, page = browser.request("GET", "/teacher/", port=b.port)
        assert status == 200 and "Ms Teach" in page, "B accepts the session A made"
        # A CSRF token that A put on a page is good for a form sent to B.
        browser.expect(200, "GET", "/teacher/", port=a.port)
        browser.expect(302, "POST", "/teacher/classes", {"name": "Year 6 Elm", "year_group": "6"},
                       port=b.port)
        captured = dict(browser.cookies)
        browser.expect(302, "POST", "/logout", {}, port=a.port)
        browser.cookies = captured  # the cookie as it was before signing out, replayed on the other instance
        location = browser.expect(302, "GET", "/teacher/", port=b.port)
        assert urlsplit(location).path == "/login", "the ended session is refused by B too"
        # Signing in again on B works and is seen by A.
        fresh = Browser(b.port)
        fresh.expect(200, "GET", "/login")
        fresh.expect(302, "POST", "/login", {"email": "teacher@test.example", "password": factories.PASSWORD})
        assert fresh.request("GET", "/teacher/", port=a.port)[0] == 200
        logs = a.log.read_text() + b.log.read_text()
    assert "Traceback" not in logs, logs[-2000:]


def test_sqlite_writers_queue_on_the_lock_file_and_always_let_go(app, school):
    """On SQLite a writing transaction holds the writer lock file beside the database from its BEGIN IMMEDIATE
    to its end, so the next writer starts as soon as it is free; a commit, a rollback after a failed write and
    a reader never leave it held (a held lock would make every pupil's next save wait)."""
    import fcntl
    import os

    from esafety import database

    if db.engine.dialect.name != "sqlite":
        pytest.skip("the writer lock is SQLite's (PostgreSQL locks rows)")
    path = database.writer_lock_path(db.engine.url.database)

    def free() -> bool:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False
        finally:
            os.close(fd)

    pupil_id = school.pupil.id
    db.session.remove()
    with database.writing():
        db.session.execute(sa.update(User).where(User.id == pupil_id).values(name="Ada"))
        assert not free()  # held while the write is open
        db.session.commit()
    assert free()
    with database.writing():
        db.session.execute(sa.update(User).where(User.id == pupil_id).values(name="Ada"))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.insert(User).values(id=pupil_id, kind="pupil", name="Twin"))
        db.session.rollback()
    assert free()
    db.session.scalar(sa.select(User.name).where(User.id == pupil_id))  # a read takes no writer lock
    assert free()
    db.session.rollback()
