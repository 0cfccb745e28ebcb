"""School admin: the school's settings reach the parents' page; a pupil's data can be exported (JSON and a
page) and deleted, keeping only safeguarding records; nobody else can do either."""

import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from esafety import concerns
from esafety.extensions import db
from esafety.models import (
    AuditLog, Concern, ConcernEntry, LessonProgress, ParentLinkCode, QuizAttempt, QuizResponse, User, utcnow,
)

from . import factories

CHILD_WORDS = "Someone in the game asked where I live"
ADMIN_PAGES = ("/admin/", "/admin/settings", "/admin/pupils", "/admin/privacy-register")


def admin_client(client, school, sign_in):
    """The client signed in as the school admin, with both factors."""
    sign_in(client, school.admin)
    return client


def give_pupil_a_history(school, pupil=None) -> User:
    """Lesson progress, a marked quiz with answers, a parent link code and a Tell about the pupil."""
    pupil = pupil or school.pupil
    db.session.add(LessonProgress(pupil_id=pupil.id, lesson_id="ks2-safe", content_version=1, step=4,
                                  answers={"2": 1}, completed_at=utcnow()))
    attempt = QuizAttempt(pupil_id=pupil.id, quiz_id="age-ks2", content_version=1, submitted_at=utcnow(),
                          score=80, passed=True)
    attempt.responses = [QuizResponse(position=0, question_id="pegi-meaning", answer="content-not-skill",
                                      correct=True, understanding="secure"),
                         QuizResponse(position=1, question_id="social-age", answer="ten", correct=False,
                                      understanding="misconception")]
    db.session.add(attempt)
    db.session.add(ParentLinkCode(pupil_id=pupil.id, code_hash=f"hash-{pupil.id}", created_by_id=school.teacher.id,
                                  expires_at=utcnow() + timedelta(days=3)))
    db.session.add(AuditLog(actor_id=pupil.id, school_id=pupil.school_id, action="sign-in"))
    concerns.create(pupil=pupil, reporter=pupil, category="contact", words=CHILD_WORDS, wants_to_talk=True,
                    submission_key=f"k-{pupil.id}", source="pupil")
    db.session.commit()
    return pupil


# School settings -------------------------------------------------------------------------------------------


def test_settings_edit_shows_on_the_parents_this_school_page(client, school, sign_in):
    """What the admin saves is what parents read on /parents/this-school, paragraphs and all."""
    admin = admin_client(client, school, sign_in)
    form = admin.get("/admin/settings").get_data(as_text=True)
    assert "A web filter" in form and "Ms Dee Ess" in form
    data = {"name": "Oakfield Primary", "town": "Brambleford", "dsl_name": "Mrs Rowan Ash", "dsl_contact": "Phone 01234 567890",
            "filtering": "Smoothwall filters every school device.\nIt blocks adult content.",
            "monitoring": "Teachers watch screens in lessons.", "school_platforms": "Purple Mash: class only.",
            "official_accounts": "Facebook: Oakfield Primary", "complaints": "Speak to the class teacher first."}
    response = admin.post("/admin/settings", data=data)
    assert response.status_code == 302
    page = client.application.test_client().get("/parents/this-school").get_data(as_text=True)
    assert "Oakfield Primary: keeping pupils safe online" in page and "Oakfield Primary in Brambleford." in page
    for text in ("Mrs Rowan Ash", "Phone 01234 567890", "<p>Smoothwall filters every school device.</p>",
                 "<p>It blocks adult content.</p>", "Teachers watch screens", "Purple Mash: class only.",
                 "Facebook: Oakfield Primary", "Speak to the class teacher first."):
        assert text in page
    changed = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "school settings changed"))
    assert changed.actor_id == school.admin.id and "filtering" in changed.detail


@pytest.mark.parametrize("field, value, message", [
    ("name", "", "Enter the school&#39;s name."),
    ("name", "x" * 121, "Field cannot be longer than 120 characters."),
    ("dsl_contact", "x" * 201, "Field cannot be longer than 200 characters."),
])
def test_settings_are_checked(client, school, sign_in, field, value, message):
    """A missing name or an overlong field is refused with a message and nothing changes."""
    data = {"name": "Test Primary", "dsl_name": "", "dsl_contact": "", "filtering": "", "monitoring": "",
            "school_platforms": "", "official_accounts": "", "complaints": "", field: value}
    response = admin_client(client, school, sign_in).post("/admin/settings", data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    db.session.commit()
    assert db.session.get(type(school.school), school.school.id).filtering == "A web filter"


def test_settings_escape_what_is_typed(client, school, sign_in):
    """Markup typed into a setting is shown as text on the parents' page, never run."""
    admin = admin_client(client, school, sign_in)
    admin.post("/admin/settings", data={"name": "Test Primary", "filtering": "<script>alert(1)</script> & more"})
    page = client.application.test_client().get("/parents/this-school").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page


# Finding pupils --------------------------------------------------------------------------------------------


def test_pupil_list_searches_by_class_and_name(client, school, sign_in):
    """Every pupil is listed; choosing a class or typing part of a name narrows the list."""
    admin = admin_client(client, school, sign_in)
    everyone = admin.get("/admin/pupils").get_data(as_text=True)
    assert all(name in everyone for name in ("Ava K.", "Ben K.", "Dev L.", "Femi L."))
    ks1 = admin.get(f"/admin/pupils?class_id={school.ks1.id}").get_data(as_text=True)
    assert "Ava K." in ks1 and "Dev L." not in ks1
    named = admin.get("/admin/pupils?name=es").get_data(as_text=True)
    assert "Esme L." in named and "Ava K." not in named
    assert admin.get("/admin/pupils?class_id=99999&name=%25").status_code == 200  # nonsense shows everyone


# Export ----------------------------------------------------------------------------------------------------


def test_json_export_holds_everything_but_concern_contents(client, school, sign_in):
    """The JSON has profile, class, lessons, quiz answers, parents and audit entries, and nothing about concerns,
    not even whether any exist (the export may be handed to a parent: security review finding 8)."""
    pupil = give_pupil_a_history(school)
    response = admin_client(client, school, sign_in).get(f"/admin/pupils/{pupil.id}/export.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == f'attachment; filename="pupil-{pupil.id}-dev-l.json"'
    data = json.loads(response.get_data(as_text=True))
    assert data["pupil"]["shown_as"] == "Dev L." and data["class"]["name"] == "Year 5 Ash"
    assert data["lesson_progress"][0]["title"] and data["lesson_progress"][0]["completed_at"].endswith("Z")
    attempt = data["quiz_attempts"][0]
    assert attempt["score"] == 80 and [r["answer"] for r in attempt["responses"]] == ["content-not-skill", "ten"]
    assert data["parent_links"] == [{"parent": "Pat Parent", "linked_at": data["parent_links"][0]["linked_at"]}]
    assert len(data["parent_link_codes"]) == 1
    assert any(e["action"] == "sign-in" and e["by"] == "the pupil" for e in data["audit_log"])
    assert set(data["safeguarding"]) == {"note"} and "ask the DSL" in data["safeguarding"]["note"]
    assert "if there are any" in data["safeguarding"]["note"]
    raw = response.get_data(as_text=True)
    assert CHILD_WORDS not in raw and "concern:" not in raw and "concern created" not in raw
    assert factories.PASSCODE not in raw and "hash-" not in raw
    assert db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "pupil data exported")).detail == "json"


def test_export_page_reads_well_and_is_audited(client, school, sign_in):
    """The readable page shows the same record, says safeguarding records are the DSL's (not how many), and is
    audited."""
    pupil = give_pupil_a_history(school)
    page = admin_client(client, school, sign_in).get(f"/admin/pupils/{pupil.id}").get_data(as_text=True)
    assert "Everything held about Dev L." in page
    assert "S is for Safe: keep your personal information private" in page
    assert "How old do you have to be?" in page and "misconception" in page and "Pat Parent" in page
    assert "1 safeguarding record" not in page and "held separately by the DSL" in page
    assert CHILD_WORDS not in page
    assert "until the child is 25" in page
    db.session.commit()
    rows = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "pupil data exported")).all()
    assert [(r.actor_id, r.target, r.detail) for r in rows] == [(school.admin.id, f"pupil:{pupil.id}", "page")]


# Deletion --------------------------------------------------------------------------------------------------


def rows_about(user_id: int) -> dict[str, int]:
    """For every column in the schema that points at a user, the rows that point at this one."""
    db.session.commit()
    found = {}
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "user" for fk in column.foreign_keys) or \
                    (table.name == "user" and column.name == "id"):
                count = db.session.scalar(sa.select(sa.func.count()).select_from(table).where(column == user_id))
                if count:
                    found[f"{table.name}.{column.name}"] = count
    return found


def test_deleting_a_pupil_removes_their_data_from_every_table_except_concerns(app, client, school, sign_in):
    """After confirming, no table points at the pupil; their Tells stay for the DSL by name, and the page says so."""
    pupil = factories.make_pupil(school.ks2, "Gus", "M")
    db.session.commit()
    pupil_id = pupil.id
    pupil_client = app.test_client()
    sign_in(pupil_client, pupil)
    html = pupil_client.get("/pupil/tell").get_data(as_text=True)
    key = re.search(r'name="key"[^>]*value="([^"]+)"', html).group(1)
    pupil_client.post("/pupil/tell", data={"key": key, "category": "contact", "words": CHILD_WORDS, "talk": "no"})
    give_pupil_a_history(school, pupil)
    attempt_ids = db.session.scalars(sa.select(QuizAttempt.id).where(QuizAttempt.pupil_id == pupil.id)).all()
    assert rows_about(pupil_id)  # there is something to delete

    admin = admin_client(client, school, sign_in)
    confirm = admin.get(f"/admin/pupils/{pupil_id}/delete").get_data(as_text=True)
    assert "2 safeguarding records" not in confirm and "held separately by the designated safeguarding lead" \
        in confirm and "until the child is 25" in confirm
    assert admin.post(f"/admin/pupils/{pupil_id}/delete", data={}).status_code == 400  # not ticked
    assert rows_about(pupil_id)
    response = admin.post(f"/admin/pupils/{pupil_id}/delete", data={"confirm": "y"})
    assert response.status_code == 302
    done = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Gus M.&#39;s account and learning records have been deleted." in done
    assert "2 safeguarding" not in done and "Safeguarding records, if any, stay with the DSL" in done
    assert "until the child is 25" in done
    assert "Gus M." not in done.split("have been deleted")[1]

    assert rows_about(pupil_id) == {}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizResponse)
                             .where(QuizResponse.attempt_id.in_(attempt_ids))) == 0
    about = db.session.scalars(sa.select(AuditLog).where(AuditLog.target == f"pupil:{pupil_id}")).all()
    assert [a.action for a in about] == ["pupil deleted"] and "Gus" not in about[0].detail
    kept = db.session.scalars(sa.select(Concern).where(Concern.pupil_name == "Gus M.")).all()
    assert len(kept) == 2 and all(c.pupil_id is None for c in kept)
    assert CHILD_WORDS in [e.text for c in kept for e in c.entries]
    assert pupil_client.get("/pupil/").status_code == 302  # the deleted pupil's session has ended


def test_dsl_still_reads_a_deleted_pupils_concern(app, client, school, sign_in):
    """After the pupil is deleted the DSL still opens the concern, which says the account was deleted."""
    pupil_id = give_pupil_a_history(school).id
    concern_id = db.session.scalar(sa.select(Concern.id).where(Concern.pupil_id == pupil_id))
    admin_client(client, school, sign_in).post(f"/admin/pupils/{pupil_id}/delete", data={"confirm": "y"})
    dsl = app.test_client()
    sign_in(dsl, school.dsl)
    page = dsl.get(f"/concerns/{concern_id}").get_data(as_text=True)
    assert CHILD_WORDS in page and "Dev L." in page and "kept for the safeguarding retention period" in page
    assert dsl.post(f"/concerns/{concern_id}/notes", data={"text": "Pupil left", "corrects": 0}).status_code == 302


def test_deleting_leaves_other_pupils_alone(client, school, sign_in):
    """Only the chosen pupil's rows go."""
    other_id, pupil_id = give_pupil_a_history(school, school.ks2_pupils[1]).id, school.pupil.id
    before = rows_about(other_id)
    admin_client(client, school, sign_in).post(f"/admin/pupils/{pupil_id}/delete", data={"confirm": "y"})
    assert rows_about(other_id) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ConcernEntry)) == 1


# Who may ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["teacher", "dsl", "parent", "pupil"])
def test_only_admins_reach_admin_pages(client, school, sign_in, who):
    """A teacher, the DSL, a parent and a pupil get 403 on every admin page and action; nothing changes."""
    sign_in(client, getattr(school, who))
    pupil_id = school.ks1_pupil.id
    for path in ADMIN_PAGES + (f"/admin/pupils/{pupil_id}", f"/admin/pupils/{pupil_id}/export.json",
                               f"/admin/pupils/{pupil_id}/delete"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/admin/pupils/{pupil_id}/delete", data={"confirm": "y"}).status_code == 403
    assert client.post("/admin/settings", data={"name": "Hacked"}).status_code == 403
    db.session.commit()
    assert db.session.get(User, pupil_id) is not None and school.school.name == "Test Primary"


def test_admin_needs_the_second_factor_and_signed_out_users_sign_in(app, school, sign_in):
    """Signed out: sent to sign in. Password only: sent to the authenticator step. Neither sees pupil data."""
    anonymous = app.test_client()
    response = anonymous.get(f"/admin/pupils/{school.pupil.id}/export.json")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    half = app.test_client()
    sign_in(half, school.admin, second_factor=False)
    response = half.get(f"/admin/pupils/{school.pupil.id}/export.json")
    assert response.status_code == 302 and response.headers["Location"].startswith("/second-factor")


def test_admin_of_another_school_gets_not_found(client, school, sign_in):
    """Pupil ids of another school are 404 for export and deletion."""
    other = factories.make_school("Elsewhere Primary")
    other_admin = factories.make_staff(other, "admin@elsewhere.example", admin=True)
    db.session.commit()
    sign_in(client, other_admin)
    for path in (f"/admin/pupils/{school.pupil.id}", f"/admin/pupils/{school.pupil.id}/export.json",
                 f"/admin/pupils/{school.pupil.id}/delete"):
        assert client.get(path).status_code == 404
    assert client.post(f"/admin/pupils/{school.pupil.id}/delete", data={"confirm": "y"}).status_code == 404
    assert "Dev L." not in client.get("/admin/pupils").get_data(as_text=True)
    assert client.get(f"/admin/pupils/{school.admin.id}").status_code == 404  # not a pupil
