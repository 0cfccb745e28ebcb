"""Staff who leave: an admin deactivates, then deletes, a member of staff; the append-only safeguarding record
keeps the names as written, and only the links to the account are cleared (on SQLite and PostgreSQL)."""

import sqlalchemy as sa

from esafety import concerns
from esafety.extensions import db
from esafety.models import AuditLog, Concern, ConcernEntry, SchoolClass, User, class_teacher

from . import factories


def admin_client(app, school, sign_in):
    """A client signed in as the school admin, past the second factor."""
    client = app.test_client()
    sign_in(client, school.admin)
    return client


def test_a_teacher_who_leaves_is_deactivated_then_deleted_and_the_record_keeps_their_name(app, school, sign_in):
    """The teacher's concern and the DSL's note survive, with names as written and links cleared; classes lose them."""
    concern = concerns.create(pupil=school.pupil, reporter=school.teacher, category="contact",
                              words="Dev showed me messages from a stranger", wants_to_talk=False,
                              submission_key="leaver-key", source="staff")
    concerns.add_entry(concern, school.teacher, kind="note", text="Dev's mum phoned me about it too")
    db.session.commit()
    teacher_id = school.teacher.id
    admin = admin_client(app, school, sign_in)
    # Deleting an active account is refused: deactivate first.
    response = admin.post(f"/admin/staff/{teacher_id}/delete", data={"confirm": "y"})
    assert response.status_code == 302 and db.session.get(User, teacher_id) is not None
    assert admin.post(f"/admin/staff/{teacher_id}/deactivate").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, teacher_id).active is False
    leaver = app.test_client()
    response = leaver.post("/login", data={"email": "teacher@test.example", "password": factories.PASSWORD})
    assert response.status_code != 302 or "/login" in response.headers.get("Location", "")  # cannot sign in
    page = admin.get(f"/admin/staff/{teacher_id}/delete").get_data(as_text=True)
    assert "3 safeguarding record entries keep the name" in page  # the concern it reported and two entries
    assert admin.post(f"/admin/staff/{teacher_id}/delete", data={}).status_code == 400  # the tick is needed
    assert admin.post(f"/admin/staff/{teacher_id}/delete", data={"confirm": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, teacher_id) is None
    kept = db.session.get(Concern, concern.id)
    assert (kept.reporter_id, kept.reporter_name) == (None, "Ms Teach")
    assert [(e.author_id, e.author_name, e.text) for e in kept.entries] == [
        (None, "Ms Teach", "Dev showed me messages from a stranger"),
        (None, "Ms Teach", "Dev's mum phoned me about it too")]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(class_teacher)
                             .where(class_teacher.c.user_id == teacher_id)) == 0
    assert db.session.get(SchoolClass, school.ks2.id) is not None
    deleted = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "staff deleted"))
    assert deleted.target == f"user:{teacher_id}" and "Ms Teach" in deleted.detail


def test_a_dsl_who_leaves_keeps_their_entries_and_the_concern_page_still_opens(app, school, sign_in):
    """A second DSL's note stays as written after their account is deleted; the remaining DSL reads it."""
    leaving = factories.make_staff(school.school, "leaving@test.example", dsl=True, name="Mrs Leaving")
    concern = concerns.create(pupil=school.pupil, reporter=school.pupil, category="unkind", words="mean messages",
                              wants_to_talk=True, submission_key="dsl-leaver", source="pupil")
    concerns.add_entry(concern, leaving, kind="status", status="acknowledged", reason="Talking to Dev today")
    db.session.commit()
    admin = admin_client(app, school, sign_in)
    admin.post(f"/admin/staff/{leaving.id}/deactivate")
    assert admin.post(f"/admin/staff/{leaving.id}/delete", data={"confirm": "y"}).status_code == 302
    dsl = app.test_client()
    sign_in(dsl, school.dsl)
    page = dsl.get(f"/concerns/{concern.id}").get_data(as_text=True)
    assert "by Mrs Leaving" in page and "Talking to Dev today" in page
    db.session.expire_all()
    assert db.session.scalars(sa.select(ConcernEntry.author_id).where(ConcernEntry.concern_id == concern.id)).all() \
        == [None, None]


def test_an_admin_cannot_deactivate_or_delete_themselves(app, school, sign_in):
    """No lock-out by accident: the admin's own account is refused, with a message."""
    admin = admin_client(app, school, sign_in)
    response = admin.post(f"/admin/staff/{school.admin.id}/deactivate", follow_redirects=True)
    assert "cannot do that to your own account" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, school.admin.id).active is True


def test_staff_of_another_school_and_pupils_are_not_found(app, school, sign_in):
    """Only the admin's own school's staff can be changed: other ids are 404."""
    other = factories.make_school("Other Primary")
    outsider = factories.make_staff(other, "x@other.example", teacher=True)
    db.session.commit()
    admin = admin_client(app, school, sign_in)
    for user_id in (outsider.id, school.pupil.id, 999999):
        assert admin.post(f"/admin/staff/{user_id}/deactivate").status_code == 404
        assert admin.get(f"/admin/staff/{user_id}/delete").status_code == 404


def test_reactivating_and_the_deputy_role(app, school, sign_in):
    """A deactivated account can be reactivated; a DSL can be marked deputy (escalations go to deputies)."""
    admin = admin_client(app, school, sign_in)
    admin.post(f"/admin/staff/{school.teacher.id}/deactivate")
    admin.post(f"/admin/staff/{school.teacher.id}/reactivate")
    admin.post(f"/admin/staff/{school.dsl.id}/deputy")
    admin.post(f"/admin/staff/{school.teacher.id}/deputy")  # not a DSL: nothing changes
    db.session.expire_all()
    assert db.session.get(User, school.teacher.id).active is True
    assert db.session.get(User, school.dsl.id).is_deputy_dsl is True
    assert db.session.get(User, school.teacher.id).is_deputy_dsl is False
    assert "deputy DSL" in admin.get("/admin/staff").get_data(as_text=True)
