"""Backup and restore: a seeded database backed up with scripts/backup.sh and restored into a new database
holds the same rows (count and checksum of every table); a restore never overwrites data unless forced.

SQLite here, PostgreSQL (pg_dump and pg_restore) when the suite runs on it.
"""

import os
import secrets
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from esafety import backup, create_app
from esafety.extensions import db
from esafety.models import Concern, ConcernEntry

from . import factories

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
@contextmanager
def app_on(url: str):
    """The app on another database, in its own app context."""
    other = create_app({"ESAFETY_ENV": "testing", "TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with other.app_context():
        try:
            yield other
        finally:
            db.session.remove()
            db.engine.dispose()


def seed_term(school) -> None:
    """A few weeks of work: lessons, quiz attempts with responses, a Tell report with the child's words."""
    from esafety.content import catalogue

    factories.complete_lesson(school.pupil, catalogue().lessons_for("KS2")[0].id)
    factories.finish_quiz(school.pupil, "age-ks2")
    factories.finish_quiz(school.ks2_pupils[1], "age-ks2")
    factories.finish_quiz(school.ks1_pupil, "age-ks1")
    db.session.commit()


def _tell(school) -> None:
    """A Tell report with the child's own words (append-only records are backed up like any other)."""
    concern = Concern(school_id=school.school.id, pupil_id=school.pupil.id, pupil_name="Dev L.", class_name="Year 5 Ash",
                      source="pupil", reporter_name="Dev L.", category="contact", wants_to_talk=True,
                      submission_key=secrets.token_hex(16))
    concern.entries.append(ConcernEntry(author_name="Dev L.", kind="words", status="new",
                                        text="Someone in a game asked where I live. Zoë saw it too."))
    db.session.add(concern)
    db.session.commit()


def _script(*args: str, url: str, tmp_path: Path) -> str:
    env = {**os.environ, "ESAFETY_ENV": "testing", "ESAFETY_DATABASE_URL": url,
           "ESAFETY_BACKUP_DIR": str(tmp_path / "backups"), "ESAFETY_BACKUP_COPY_TO": str(tmp_path / "second-disk")}
    env.pop("DATABASE_URL", None)
    finished = subprocess.run([str(ROOT / "scripts" / "backup.sh"), *args], env=env, cwd=ROOT, capture_output=True,
                              text=True, timeout=120, check=False)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return finished.stdout


def test_backup_script_and_restore_keep_every_row(app, school, database_url, empty_database_url, tmp_path):
    """scripts/backup.sh backs up a seeded school; restored into a new database, every table's count and checksum match."""
    seed_term(school)
    _tell(school)
    before = backup.summary()
    assert before["quiz_response"]["rows"] > 0 and before["concern_entry"]["rows"] > 0
    output = _script(url=database_url, tmp_path=tmp_path)
    made = sorted(p for p in (tmp_path / "backups").iterdir() if not p.name.endswith(".json"))
    assert len(made) == 1 and made[0].name.startswith("esafety-"), output
    assert (tmp_path / "second-disk" / made[0].name).is_file(), "a copy went to the second place"
    assert oct(made[0].stat().st_mode & 0o777) == oct(0o600), "only the owner may read a backup"
    # The script's restore is `flask backup restore FILE`: run in-process here (the app takes seconds to start).
    with app_on(empty_database_url) as restored:
        result = restored.test_cli_runner().invoke(args=["backup", "restore", str(made[0])])
        assert result.exit_code == 0 and "match" in result.output, result.output
        after = backup.summary()
    assert after == before


def test_restore_refuses_a_database_with_data_unless_forced(app, school, empty_database_url, tmp_path):
    """Restoring over data is refused; with force it replaces the data; a changed table shows in the summary."""
    seed_term(school)
    before = backup.summary()
    target = backup.create(tmp_path / f"school{backup.suffix()}")
    with app_on(empty_database_url):
        backup.restore(target)
        assert backup.summary() == before
        db.session.execute(sa.text("UPDATE quiz_attempt SET score = 1"))
        db.session.commit()
        changed = backup.summary()
        assert changed["quiz_attempt"]["rows"] == before["quiz_attempt"]["rows"]
        assert changed["quiz_attempt"]["sha256"] != before["quiz_attempt"]["sha256"], "the checksum sees a change"
        with pytest.raises(backup.BackupError, match="already holds data"):
            backup.restore(target)
        backup.restore(target, force=True)
        assert backup.summary() == before
