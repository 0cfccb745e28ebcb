"""Migrations: `flask db upgrade` on an empty database gives exactly the models' schema, and upgrading a
database that holds the first release's data, one revision at a time, keeps every row.

Each test gets a database of its own: a new SQLite file, or a new database on the test run's PostgreSQL server
(created and dropped here). Alembic's env.py reconfigures logging; the test run's logging is put back after.
"""

import json
import logging
import warnings
from contextlib import contextmanager
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from esafety import create_app
from esafety.extensions import db, migrate

pytestmark = pytest.mark.slow

@contextmanager
def kept_logging():
    """Put the logging set-up back as it was after Alembic's env.py has run logging.config.fileConfig."""
    root = logging.getLogger()
    saved_root = (root.level, list(root.handlers))
    saved = {name: (logger.disabled, logger.level, list(logger.handlers), logger.propagate)
             for name, logger in logging.Logger.manager.loggerDict.items() if isinstance(logger, logging.Logger)}
    try:
        yield
    finally:
        for handler in root.handlers:
            if handler not in saved_root[1]:
                handler.close()
        root.setLevel(saved_root[0])
        root.handlers[:] = saved_root[1]
        for name, logger in logging.Logger.manager.loggerDict.items():
            if not isinstance(logger, logging.Logger):
                continue
            if name in saved:
                logger.disabled, logger.level, handlers, logger.propagate = saved[name]
                logger.handlers[:] = handlers
            else:
                logger.disabled = False
                logger.handlers.clear()
                logger.setLevel(logging.NOTSET)
                logger.propagate = True


@pytest.fixture
def migrating_app(empty_database_url):
    """The app on the empty database, in an app context, with logging kept as the test run had it."""
    app = create_app({"ESAFETY_ENV": "testing", "TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context(), kept_logging(), warnings.catch_warnings():
        # migrations/env.py (Flask-Migrate's template) tries Flask-SQLAlchemy 2's get_engine() before db.engine.
        warnings.filterwarnings("ignore", message="'get_engine' is deprecated", category=DeprecationWarning)
        yield app
        db.session.remove()
        db.engine.dispose()


def revisions() -> list[str]:
    """Every revision, oldest first (the history must be one line)."""
    script = ScriptDirectory.from_config(migrate.get_config())
    ordered = [r.revision for r in reversed(list(script.walk_revisions()))]
    assert len(script.get_heads()) == 1, f"more than one head: {script.get_heads()}"
    return ordered


def test_upgrade_on_an_empty_database_gives_the_models_schema(migrating_app):
    """`flask db upgrade` builds exactly what the models declare: autogenerate finds nothing to add or change."""
    result = migrating_app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "compare_server_default": False})
        differences = compare_metadata(context, db.metadata)
        assert differences == [], "the migrations and the models disagree:\n" + "\n".join(map(str, differences))
        assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == revisions()[-1]
        if connection.dialect.name == "sqlite":
            triggers = set(connection.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
        else:
            triggers = set(connection.execute(sa.text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).scalars())
    assert {t for t in triggers if t.startswith("concern")}, "the append-only triggers on concerns are missing"


# The first release's data, written with plain SQL against the first revision's tables --------------------

AT = datetime(2026, 9, 8, 9, 15, 30, 123456)
FIRST_RELEASE = {
    "school": [dict(id=1, name="Oakfield Primary", dsl_name="Ms Dee", dsl_contact="Office", filtering="Filter",
                    monitoring="Staff", school_platforms="This app", official_accounts="None",
                    complaints="Teacher first", created_at=AT)],
    "user": [
        dict(id=1, school_id=1, kind="staff", email="teacher@oak.example", password_hash="scrypt:x$y$z",
             name="Ms Teach", last_initial="", is_teacher=True, is_dsl=False, is_admin=False, active=True,
             session_version=3, class_id=None, passcode=None, card_token_hash=None, totp_secret=None,
             totp_last_step=0, created_at=AT, last_sign_in_at=AT),
        dict(id=2, school_id=1, kind="staff", email="dsl@oak.example", password_hash="scrypt:a$b$c",
             name="Mr Dsl", last_initial="", is_teacher=False, is_dsl=True, is_admin=True, active=True,
             session_version=1, class_id=None, passcode=None, card_token_hash=None,
             totp_secret="JBSWY3DPEHPK3PXP", totp_last_step=59000000, created_at=AT, last_sign_in_at=None),
        dict(id=3, school_id=1, kind="parent", email="parent@oak.example", password_hash="scrypt:d$e$f",
             name="Pat Parent", last_initial="", is_teacher=False, is_dsl=False, is_admin=False, active=True,
             session_version=1, class_id=None, passcode=None, card_token_hash=None, totp_secret=None,
             totp_last_step=0, created_at=AT, last_sign_in_at=None),
    ],
    "school_class": [dict(id=1, school_id=1, name="Year 5 Ash", year_group=5, join_code="WHEAT7", archived_at=None,
                          created_at=AT),
                     dict(id=2, school_id=1, name="Year 2 Oak", year_group=2, join_code="CEDAR3", archived_at=AT,
                          created_at=AT)],
    "pupils": [
        dict(id=10, school_id=1, kind="pupil", email=None, password_hash=None, name="Nia", last_initial="J",
             is_teacher=False, is_dsl=False, is_admin=False, active=True, session_version=2, class_id=1,
             passcode="cat-sun-boat", card_token_hash="a" * 64, totp_secret=None, totp_last_step=0, created_at=AT,
             last_sign_in_at=AT),
        dict(id=11, school_id=1, kind="pupil", email=None, password_hash=None, name="Zoë", last_initial="Ł",
             is_teacher=False, is_dsl=False, is_admin=False, active=False, session_version=1, class_id=2,
             passcode="dog-bird-star", card_token_hash=None, totp_secret=None, totp_last_step=0, created_at=AT,
             last_sign_in_at=None),
    ],
    "class_teacher": [dict(class_id=1, user_id=1), dict(class_id=2, user_id=1)],
    "parent_link": [dict(id=1, parent_id=3, pupil_id=10, created_at=AT)],
    "parent_link_code": [dict(id=1, pupil_id=11, code_hash="b" * 64, created_by_id=1, created_at=AT,
                              expires_at=AT, used_at=None)],
    "recovery_code": [dict(id=1, user_id=2, code_hash="scrypt:g$h$i", used_at=None),
                      dict(id=2, user_id=2, code_hash="scrypt:j$k$l", used_at=AT)],
    "assignment": [dict(id=1, class_id=1, activity_kind="lesson", activity_id="ks2-safe-personal-info",
                        due_on=date(2026, 9, 15), set_by_id=1, created_at=AT),
                   dict(id=2, class_id=1, activity_kind="quiz", activity_id="age-ks2", due_on=None, set_by_id=None,
                        created_at=AT)],
    "lesson_progress": [dict(id=1, pupil_id=10, lesson_id="ks2-safe-personal-info", content_version=1, step=4,
                             answers={"2": 1, "4": 0}, started_at=AT, updated_at=AT, completed_at=AT),
                        dict(id=2, pupil_id=11, lesson_id="ks1-safe-secrets", content_version=2, step=1, answers={},
                             started_at=AT, updated_at=AT, completed_at=None)],
    "quiz_attempt": [dict(id=1, pupil_id=10, quiz_id="age-ks2", number=1, content_version=1,
                          state={"answers": {"q1": "a", "q2": "b,c"}}, started_at=AT, submitted_at=AT, score=50,
                          passed=False),
                     dict(id=2, pupil_id=10, quiz_id="ks2-scenario-meet-up", number=1, content_version=1,
                          state={"path": [0, 2]}, started_at=AT, submitted_at=None, score=None, passed=None)],
    "quiz_response": [dict(id=1, attempt_id=1, position=0, question_id="q1", answer="a", correct=True,
                           understanding="secure"),
                      dict(id=2, attempt_id=1, position=1, question_id="q2", answer="b,c", correct=False,
                           understanding="misconception")],
    "audit_log": [dict(id=1, at=AT, school_id=1, actor_id=10, action="sign-in", target="", detail=""),
                  dict(id=2, at=AT, school_id=None, actor_id=None, action="sign-in failed", target="user:99",
                       detail="pupil passcode")],
    "concern": [dict(id=1, school_id=1, pupil_id=10, pupil_name="Nia J.", class_name="Year 5 Ash", source="pupil",
                     reporter_id=10, reporter_name="Nia J.", category="contact", wants_to_talk=True,
                     submission_key="k" * 32, created_at=AT)],
    "concern_entry": [dict(id=1, concern_id=1, at=AT, author_id=10, author_name="Nia J.", kind="words",
                           status="new", action=None, text="Someone in a game asked where I live.", reason="",
                           corrects_id=None),
                      dict(id=2, concern_id=1, at=AT, author_id=2, author_name="Mr Dsl", kind="action", status=None,
                           action="talked-to-pupil", text="Talked with Nia.", reason="", corrects_id=1)],
}


def _insert(connection: sa.Connection, table: str, row: dict) -> None:
    """INSERT one row with plain SQL; values are bound with the type they hold, as the first release wrote them."""
    kinds = {datetime: sa.DateTime(), date: sa.Date(), bool: sa.Boolean(), dict: sa.JSON(), list: sa.JSON()}
    statement = sa.text(f'INSERT INTO "{table}" ({", ".join(row)}) VALUES ({", ".join(":" + c for c in row)})')
    statement = statement.bindparams(*(sa.bindparam(c, type_=kinds[type(v)]) for c, v in row.items()
                                       if type(v) in kinds))
    connection.execute(statement, row)


def _snapshot(connection: sa.Connection) -> dict[str, dict]:
    """Every first-release row as the database now returns it, by table and key, in the first release's columns."""
    snapshot = {}
    for table, rows in FIRST_RELEASE.items():
        table = "user" if table == "pupils" else table
        columns = list(rows[0])
        key = ["class_id", "user_id"] if table == "class_teacher" else ["id"]
        for row in rows:
            where = " AND ".join(f"{k} = :{k}" for k in key)
            found = connection.execute(sa.text(f'SELECT {", ".join(columns)} FROM "{table}" WHERE {where}'),
                                       {k: row[k] for k in key}).all()
            assert len(found) == 1, f"{table} {[row[k] for k in key]} is missing"
            values = {c: (json.loads(v) if isinstance(v, str) and c in ("answers", "state") else v)
                      for c, v in found[0]._mapping.items()}
            snapshot.setdefault(table, {})[tuple(row[k] for k in key)] = values
    return snapshot


def test_upgrading_the_first_release_keeps_every_row(migrating_app):
    """Data written at the first revision survives every later revision, applied one at a time, and the models read it."""
    steps = revisions()
    upgrade(revision=steps[0])
    with db.engine.begin() as connection:
        for table, rows in FIRST_RELEASE.items():
            for row in rows:
                _insert(connection, "user" if table == "pupils" else table, row)
    with db.engine.connect() as connection:
        before = _snapshot(connection)
    assert before["lesson_progress"][(1,)]["answers"] == {"2": 1, "4": 0}
    for revision in steps[1:]:
        upgrade(revision=revision)
        with db.engine.connect() as connection:
            assert _snapshot(connection) == before, f"rows changed or went missing upgrading to {revision}"
    upgrade()  # head: nothing left to do
    with db.engine.connect() as connection:
        assert _snapshot(connection) == before
    # The models of this release read the old rows.
    from esafety.models import Concern, LessonProgress, QuizAttempt, SchoolClass, User

    assert db.session.get(User, 10).school_class.name == "Year 5 Ash"
    assert db.session.get(User, 11).display_name == "Zoë Ł."
    assert db.session.get(LessonProgress, 1).answers == {"2": 1, "4": 0}
    assert db.session.get(QuizAttempt, 1).responses[1].understanding == "misconception"
    assert [t.email for t in db.session.get(SchoolClass, 2).teachers] == ["teacher@oak.example"]
    assert [e.kind for e in db.session.get(Concern, 1).entries] == ["words", "action"]
    assert db.session.get(User, 2).totp_last_step == 59000000
