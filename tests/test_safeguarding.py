"""The DSL's inbox and concern record: order, notes, actions, status, corrections, an audit row for every
view and change, append-only rows in the database itself, and staff concerns from the teacher views."""

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from esafety import concerns
from esafety.extensions import db
from esafety.models import AuditLog, Concern, ConcernEntry, utcnow

from . import factories, pages
from .conftest import count_queries


def make_concern(school, pupil=None, words="Someone was mean in the game chat", minutes_ago=0, status=None,
                 category="unkind") -> Concern:
    """A pupil's Tell made some minutes ago (written directly: the database refuses later changes)."""
    pupil = pupil or school.pupil
    at = utcnow() - timedelta(minutes=minutes_ago)
    concern = Concern(school_id=pupil.school_id, pupil_id=pupil.id, pupil_name=pupil.display_name,
                      class_name=pupil.school_class.name, source="pupil", reporter_name=pupil.display_name,
                      category=category, wants_to_talk=True, submission_key=concerns.new_submission_key(),
                      created_at=at)
    concern.entries.append(ConcernEntry(author_name=pupil.display_name, kind="words", status="new", text=words,
                                        at=at))
    db.session.add(concern)
    db.session.flush()
    db.session.add(AuditLog(actor_id=pupil.id, school_id=pupil.school_id, action="concern created",
                            target=f"concern:{concern.id}", detail="pupil", at=at))
    if status:
        concerns.add_entry(concern, school.dsl, kind="status", status=status, reason="Checked")
    db.session.commit()
    return concern


def dsl_client(client, school, sign_in):
    """The client signed in as the DSL with both factors."""
    sign_in(client, school.dsl)
    return client


def audit_count(action: str, target: str | None = None) -> int:
    """Audit rows with this action (and target)."""
    db.session.commit()
    query = sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.action == action)
    if target:
        query = query.where(AuditLog.target == target)
    return db.session.scalar(query)


def test_inbox_lists_new_first_then_acknowledged_then_closed(client, school, sign_in):
    """New reports first (newest on top), then acknowledged, then closed; each with pupil, class, category and words."""
    closed = make_concern(school, words="closed one", minutes_ago=1, status="closed")
    older_new = make_concern(school, pupil=school.ks1_pupil, words="older new one", minutes_ago=30,
                             category="upsetting")
    acknowledged = make_concern(school, words="acknowledged one", minutes_ago=5, status="acknowledged")
    newest = make_concern(school, words="newest one", minutes_ago=0)
    page = dsl_client(client, school, sign_in).get("/concerns/").get_data(as_text=True)
    order = [int(i) for i in re.findall(r'href="/concerns/(\d+)"', page)]
    assert order == [newest.id, older_new.id, acknowledged.id, closed.id]
    assert "older new one" in page and "Ava K." in page and "Year 2 Oak" in page
    assert "I saw something upsetting" in page


def test_inbox_is_a_fixed_number_of_queries(app, client, school, sign_in):
    """The inbox costs the same number of queries with 2 or 12 concerns (no query per row)."""
    dsl_client(client, school, sign_in)
    with app.app_context():
        engine = db.engine
    counts = []
    for total in (2, 12):
        while db.session.scalar(sa.select(sa.func.count()).select_from(Concern)) < total:
            make_concern(school, words=f"worry {utcnow().isoformat()}")
        with count_queries(engine) as statements:
            assert client.get("/concerns/").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_dsl_acknowledges_notes_acts_and_closes(client, school, sign_in):
    """Each step is a new entry with its author and reason, shown on the concern page in order."""
    concern = make_concern(school)
    dsl = dsl_client(client, school, sign_in)
    base = f"/concerns/{concern.id}"
    assert dsl.post(f"{base}/status", data={"status": "acknowledged", "decision": "Read it, speaking to Dev"}).status_code == 302
    assert dsl.post(f"{base}/notes", data={"text": "Dev showed me the chat. Opinion: he seemed relieved.",
                                           "corrects": 0}).status_code == 302
    assert dsl.post(f"{base}/actions", data={"action": "informed-parents",
                                             "why": "Phoned mum so she can check the console settings"}).status_code == 302
    assert dsl.post(f"{base}/status", data={"status": "closed",
                                            "decision": "Outcome: player blocked and reported; no further risk"}).status_code == 302
    page = dsl.get(base).get_data(as_text=True)
    for text in ("Someone was mean in the game chat", "Read it, speaking to Dev", "Dev showed me the chat",
                 "Informed parents or carers", "Phoned mum", "Outcome and reason", "player blocked and reported"):
        assert text in page
    assert page.index("Read it, speaking to Dev") < page.index("Dev showed me") < page.index("Phoned mum")
    assert 'badge-closed">Closed' in page
    kinds = [e.kind for e in db.session.get(Concern, concern.id).entries]
    assert kinds == ["words", "status", "note", "action", "status"]
    assert {e.author_name for e in db.session.get(Concern, concern.id).entries[1:]} == {"Ms Dsl"}


@pytest.mark.parametrize("path, data, message", [
    ("notes", {"text": "", "corrects": 0}, "Write the note first."),
    ("actions", {"action": "referred", "why": ""}, "Say what was done and why."),
    ("status", {"status": "closed", "decision": ""}, "Record the decision and the reason."),
    ("status", {"status": "deleted", "decision": "x"}, "Not a valid choice"),
])
def test_entries_need_their_reason(client, school, sign_in, path, data, message):
    """An action, decision or outcome without its reason is refused with a message, and nothing is added."""
    concern = make_concern(school)
    response = dsl_client(client, school, sign_in).post(f"/concerns/{concern.id}/{path}", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.commit()
    assert len(db.session.get(Concern, concern.id).entries) == 1


def test_a_correction_is_a_new_entry_and_the_original_stays(client, school, sign_in):
    """Correcting a note adds an entry that points at it; the original words are still there, unchanged."""
    concern = make_concern(school)
    dsl = dsl_client(client, school, sign_in)
    dsl.post(f"/concerns/{concern.id}/notes", data={"text": "Spoke to Dev on Tuesday", "corrects": 0})
    note = db.session.scalars(sa.select(ConcernEntry).where(ConcernEntry.kind == "note")).one()
    dsl.post(f"/concerns/{concern.id}/notes", data={"text": "It was Wednesday, not Tuesday", "corrects": note.id})
    page = dsl.get(f"/concerns/{concern.id}").get_data(as_text=True)
    assert "Spoke to Dev on Tuesday" in page and "It was Wednesday, not Tuesday" in page
    assert f'Corrects <a href="#entry-{note.id}">entry 2</a>' in page
    correction = db.session.scalars(sa.select(ConcernEntry).where(ConcernEntry.kind == "correction")).one()
    assert correction.corrects_id == note.id


def test_a_correction_cannot_point_at_another_concerns_entry(client, school, sign_in):
    """The 'corrects' choice only accepts entries of the same concern."""
    first, second = make_concern(school, words="first"), make_concern(school, words="second")
    other_entry = db.session.get(Concern, second.id).entries[0].id
    response = dsl_client(client, school, sign_in).post(f"/concerns/{first.id}/notes",
                                                        data={"text": "x", "corrects": other_entry})
    assert response.status_code == 400


def test_every_view_and_change_is_in_the_audit_log_shown_on_the_concern(client, school, sign_in):
    """Audit rows equal the views and changes, with who and when (UTC), and the concern page lists them."""
    concern = make_concern(school)
    target = f"concern:{concern.id}"
    dsl = dsl_client(client, school, sign_in)
    for _ in range(3):
        dsl.get(f"/concerns/{concern.id}")
    dsl.get("/concerns/")
    dsl.post(f"/concerns/{concern.id}/notes", data={"text": "A note", "corrects": 0})
    dsl.post(f"/concerns/{concern.id}/actions", data={"action": "talked-to-pupil", "why": "Checked in"})
    assert audit_count("concern viewed", target) == 3
    assert audit_count("concern note", target) == 1 and audit_count("concern action", target) == 1
    assert audit_count("concern inbox viewed") == 1
    page = dsl.get(f"/concerns/{concern.id}").get_data(as_text=True)
    assert audit_count("concern viewed", target) == 4
    rows = re.findall(r"<tr><td>[^<]+</td><td>([^<]+)</td><td>([^<]+)</td></tr>", page)
    assert [what for _, what in rows].count("Opened this record") == 4
    assert ("Dev L.", "Reported: by the pupil, using Tell") in rows
    assert ("Ms Dsl", "Added a note") in rows and ("Ms Dsl", "Recorded an action: Talked to the pupil") in rows
    assert "has been opened 1 time since this was reported" in page
    row = db.session.scalars(sa.select(AuditLog).where(AuditLog.target == target)).first()
    assert abs((row.at - utcnow()).total_seconds()) < 120  # stored in UTC


def test_dsl_views_take_the_sqlite_write_lock_up_front(app, client, school, sign_in):
    """An audited read begins with BEGIN IMMEDIATE, so a busy school never makes it fail with "locked"."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite only")
        engine = db.engine
    concern = make_concern(school)
    dsl_client(client, school, sign_in)
    begins = []
    listener = lambda conn, cursor, statement, *a: begins.append(statement) if statement.startswith("BEGIN") else None  # noqa: E731
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        client.get(f"/concerns/{concern.id}")
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    assert begins and begins[0] == "BEGIN IMMEDIATE"


@pytest.mark.parametrize("statement", [
    "UPDATE concern SET category = 'other' WHERE id = :id",
    "UPDATE concern SET pupil_name = 'Someone Else' WHERE id = :id",
    "UPDATE concern SET pupil_id = NULL, category = 'other' WHERE id = :id",
    "DELETE FROM concern WHERE id = :id",
    "UPDATE concern_entry SET text = 'rewritten' WHERE concern_id = :id",
    "UPDATE concern_entry SET author_id = NULL, author_name = 'Nobody' WHERE concern_id = :id",
    "UPDATE concern_entry SET author_id = author_id + 1000 WHERE concern_id = :id",
    "UPDATE concern SET reporter_name = 'Someone Else', reporter_id = NULL WHERE id = :id",
    "DELETE FROM concern_entry WHERE concern_id = :id",
])
def test_the_database_refuses_to_change_or_delete_safeguarding_records(school, statement):
    """UPDATE and DELETE on concern and concern_entry rows fail in the database itself, with the append-only message."""
    concern = make_concern(school)
    concerns.add_entry(concern, school.dsl, kind="note", text="A note")
    db.session.commit()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.execute(sa.text(statement), {"id": concern.id})
        db.session.flush()
    db.session.rollback()
    assert db.session.get(Concern, concern.id).category == "unkind"
    assert [e.text for e in db.session.get(Concern, concern.id).entries] == ["Someone was mean in the game chat",
                                                                              "A note"]


def test_the_database_allows_only_unlinking_a_deleted_account(school):
    """The changes the triggers allow: clearing the pupil, reporter and author links (deleting those accounts)."""
    concern = make_concern(school)
    concerns.add_entry(concern, school.dsl, kind="note", text="A note")
    db.session.commit()
    db.session.execute(sa.text("UPDATE concern SET pupil_id = NULL, reporter_id = NULL WHERE id = :id"),
                       {"id": concern.id})
    db.session.execute(sa.text("UPDATE concern_entry SET author_id = NULL WHERE concern_id = :id"), {"id": concern.id})
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(Concern, concern.id)
    assert kept.pupil_id is None and [e.author_id for e in kept.entries] == [None, None]
    assert [e.author_name for e in kept.entries] == ["Dev L.", "Ms Dsl"]


# Staff log a concern from the teacher views -----------------------------------------------------------------


def test_teacher_logs_a_concern_that_reaches_the_dsl_inbox(app, school, sign_in):
    """A teacher's concern lands once in the DSL inbox as from staff; the teacher sees only "sent", never the inbox."""
    teacher = app.test_client()
    sign_in(teacher, school.teacher)
    form = teacher.get(f"/teacher/pupils/{school.pupil.id}/concern").get_data(as_text=True)
    assert "Log a concern about Dev L." in form
    key = re.search(r'name="key"[^>]*value="([^"]+)"', form).group(1)
    data = {"key": key, "category": "contact", "words": "Dev said a stranger in a game asked for his address."}
    response = teacher.post(f"/teacher/pupils/{school.pupil.id}/concern", data=data)
    assert response.status_code == 302
    sent = teacher.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sent to the designated safeguarding lead" in sent and "asked for his address" not in sent
    assert teacher.post(f"/teacher/pupils/{school.pupil.id}/concern", data=data).status_code == 302  # resent
    assert teacher.get("/concerns/").status_code == 403
    dsl = app.test_client()
    sign_in(dsl, school.dsl)
    inbox = dsl.get("/concerns/").get_data(as_text=True)
    assert inbox.count("asked for his address") == 1 and "Ms Teach (staff)" in inbox
    concern = db.session.scalars(sa.select(Concern)).one()
    assert (concern.source, concern.reporter_id, concern.category) == ("staff", school.teacher.id, "contact")
    assert teacher.get(f"/concerns/{concern.id}").status_code == 403


def test_teacher_cannot_log_a_concern_about_a_pupil_outside_their_classes(client, school, sign_in):
    """Another class's pupil, a staff member's id or a missing id: 404, and nothing is recorded."""
    sign_in(client, school.teacher)
    for user_id in (school.ks1_pupil.id, school.dsl.id, 99999):
        assert client.get(f"/teacher/pupils/{user_id}/concern").status_code == 404
        response = client.post(f"/teacher/pupils/{user_id}/concern", data={"key": "k", "category": "other",
                                                                            "words": "x"})
        assert response.status_code == 404
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Concern)) == 0


def test_teacher_concern_needs_what_was_seen(client, school, sign_in):
    """An empty account is refused with a message; the teacher's choice is kept."""
    sign_in(client, school.teacher)
    response = client.post(f"/teacher/pupils/{school.pupil.id}/concern",
                           data={"key": "k", "category": "upsetting", "words": ""})
    assert response.status_code == 400
    assert "Write down what you saw or heard." in response.get_data(as_text=True)


def test_teacher_sent_page_needs_a_concern_they_sent(client, school, sign_in):
    """The 'sent' page with a made-up key goes back to the form: it never says sent when nothing was."""
    sign_in(client, school.teacher)
    response = client.get(f"/teacher/pupils/{school.pupil.id}/concern/sent?key=made-up")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/pupils/{school.pupil.id}/concern")


def test_teacher_picks_a_pupil_from_their_own_classes(client, school, sign_in):
    """The pupil picker lists the teacher's own pupils only."""
    sign_in(client, school.teacher)
    page = client.get("/teacher/concern").get_data(as_text=True)
    assert "Dev L." in page and "Ava K." not in page


@pytest.fixture
def migrated_url(tmp_path, database_url):
    """An empty database of the test run's kind, built by the Alembic migrations (not by create_all)."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'migrated.db'}"
        admin = None
    else:
        name = f"esafety_migrations_{os.getpid()}"
        admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
        url = database_url.rsplit("/", 1)[0] + "/" + name
    # In a subprocess: Alembic's env.py reconfigures logging, which must not leak into this test run.
    env = {**os.environ, "ESAFETY_ENV": "testing", "ESAFETY_DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "flask", "--app", "esafety", "db", "upgrade"], env=env, check=True,
                   capture_output=True, cwd=Path(__file__).resolve().parent.parent)
    yield url
    if admin is not None:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def test_migrated_database_has_the_same_append_only_rules(migrated_url):
    """A database built by the migrations refuses the same changes, and allows only clearing account links."""
    engine = sa.create_engine(migrated_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO school (id, name, dsl_name, dsl_contact, filtering, monitoring, "
                                       "school_platforms, official_accounts, complaints, created_at) VALUES "
                                       "(1, 'S', '', '', '', '', '', '', '', CURRENT_TIMESTAMP)")
            connection.exec_driver_sql("INSERT INTO concern (id, school_id, pupil_name, class_name, source, "
                                       "reporter_name, category, wants_to_talk, submission_key, created_at) VALUES "
                                       "(1, 1, 'Dev L.', 'Y5', 'pupil', 'Dev L.', 'unkind', false, 'k', "
                                       "CURRENT_TIMESTAMP)")
            connection.exec_driver_sql("INSERT INTO concern_entry (id, concern_id, at, author_name, kind, text, "
                                       "reason) VALUES (1, 1, CURRENT_TIMESTAMP, 'Dev L.', 'words', 'hi', '')")
        for statement in ("UPDATE concern SET category = 'other'", "DELETE FROM concern",
                          "UPDATE concern_entry SET text = 'changed'", "DELETE FROM concern_entry"):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as connection:
                connection.exec_driver_sql(statement)
        with engine.begin() as connection:
            connection.exec_driver_sql("UPDATE concern SET pupil_id = NULL")
            # A departed member of staff's account deleted: the links clear, the names stay (migration 0004).
            connection.exec_driver_sql("UPDATE concern SET reporter_id = NULL")
            connection.exec_driver_sql("UPDATE concern_entry SET author_id = NULL")
            assert connection.exec_driver_sql("SELECT text FROM concern_entry").scalar() == "hi"
    finally:
        engine.dispose()


def test_teacher_concern_with_an_expired_page_keeps_what_they_wrote(make_app, school):
    """With CSRF on, a refused token brings the teacher's form back with their words, and nothing is sent."""
    app = make_app(WTF_CSRF_ENABLED=True)
    teacher = app.test_client()
    token = pages.csrf_token(teacher.get("/login").get_data(as_text=True))
    teacher.post("/login", data={"email": school.teacher.email, "password": factories.PASSWORD, "csrf_token": token})
    response = teacher.post(f"/teacher/pupils/{school.pupil.id}/concern",
                            data={"csrf_token": "expired", "key": "k", "category": "contact",
                                  "words": "Dev was upset after break"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Dev was upset after break" in page and "It has not been sent" in page
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Concern)) == 0


def test_teacher_pupil_page_links_to_logging_a_concern(client, school, sign_in):
    """The teacher's page for a pupil has a link to log a concern about that pupil."""
    sign_in(client, school.teacher)
    page = client.get(f"/teacher/pupils/{school.pupil.id}").get_data(as_text=True)
    assert f'href="/teacher/pupils/{school.pupil.id}/concern"' in page
