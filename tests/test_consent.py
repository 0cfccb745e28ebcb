"""The photo and video consent register: parents give and withdraw, the office records paper forms, teachers
see it on their class list and a printable list at once, renewal each school year, and every change audited."""

import sqlalchemy as sa

from esafety import privacy
from esafety.extensions import db
from esafety.models import AuditLog, MediaConsent, School

ALL_YES = {"in_school": "yes", "website": "yes", "social_media": "yes", "press": "yes"}


def _row(html: str, start: str) -> str:
    """The table row that starts with the given cell."""
    rest = html[html.index(start):]
    return rest[:rest.index("</tr>")]


def _client(app, sign_in, user):
    """A client signed in as the user."""
    client = app.test_client()
    sign_in(client, user)
    return client


def test_a_parent_withdrawing_social_media_shows_on_the_teachers_list_straight_away(app, school, sign_in):
    """The office records a yes to everything; the parent withdraws social media; the class list, the register
    and the printable list show it on the next page load, and the change is audited with who and how."""
    admin, parent, teacher = (_client(app, sign_in, u) for u in (school.admin, school.parent, school.teacher))
    dev = school.pupil
    assert admin.post(f"/admin/pupils/{dev.id}/consent", data=ALL_YES).status_code == 302
    class_page = teacher.get(f"/teacher/classes/{school.ks2.id}").get_data(as_text=True)
    row = _row(class_page, ">Dev L.</a>")
    assert "All uses agreed" in row
    printable = teacher.get(f"/teacher/classes/{school.ks2.id}/consent/print").get_data(as_text=True)
    assert "Dev L." not in printable
    response = parent.post(f"/family/children/{dev.id}/consent", data={**ALL_YES, "social_media": "no"})
    assert response.status_code == 302
    class_page = teacher.get(f"/teacher/classes/{school.ks2.id}").get_data(as_text=True)
    row = _row(class_page, ">Dev L.</a>")
    assert "Not for: Social media" in row and "Do not photograph" not in row
    printable = teacher.get(f"/teacher/classes/{school.ks2.id}/consent/print").get_data(as_text=True)
    line = _row(printable, '<th scope="row">Dev L.</th>')
    assert "May be photographed in school" in line and "Social media" in line
    register = teacher.get(f"/teacher/classes/{school.ks2.id}/consent").get_data(as_text=True)
    assert "parent online" in register
    entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "photo consent withdrawn"))
    assert entry.actor_id == school.parent.id and entry.target == f"pupil:{dev.id}"
    assert entry.detail == "social_media, by the parent"
    given = db.session.scalars(sa.select(AuditLog.detail).where(AuditLog.action == "photo consent given")).all()
    assert sorted(given) == sorted(f"{p}, paper form recorded by the office" for p in ALL_YES)


def test_not_renewed_counts_as_not_given_and_parents_are_prompted(app, school, sign_in):
    """After the school year moves on, last year's yes shows as "Not renewed" (a no) to teachers, the parent is
    asked to renew, and renewing clears both."""
    parent, teacher = _client(app, sign_in, school.parent), _client(app, sign_in, school.teacher)
    dev = school.pupil
    parent.post(f"/family/children/{dev.id}/consent", data=ALL_YES)
    assert "consent for Dev is due" not in parent.get("/family/").get_data(as_text=True)
    db.session.get(School, school.school.id).school_year += 1
    db.session.commit()
    register = teacher.get(f"/teacher/classes/{school.ks2.id}/consent").get_data(as_text=True)
    row = _row(register, '<th scope="row">Dev L.</th>')
    assert row.count("Not renewed") == 4 and "Yes" not in row
    printable = teacher.get(f"/teacher/classes/{school.ks2.id}/consent/print").get_data(as_text=True)
    assert "DO NOT PHOTOGRAPH" in _row(printable, '<th scope="row">Dev L.</th>')
    home = parent.get("/family/").get_data(as_text=True)
    assert "Photo and video consent for Dev is due" in home
    form = parent.get(f"/family/children/{dev.id}/consent").get_data(as_text=True)
    assert 'value="yes" checked' not in form and 'checked value="yes"' not in form  # must be chosen again
    parent.post(f"/family/children/{dev.id}/consent", data=ALL_YES)
    assert "consent for Dev is due" not in parent.get("/family/").get_data(as_text=True)
    renewed = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "photo consent renewed")).all()
    assert len(renewed) == 4


def test_an_unanswered_form_is_refused_with_its_fields_named(app, school, sign_in):
    """Each use needs a yes or a no: a missing answer re-shows the form with the problem, saving nothing."""
    parent = _client(app, sign_in, school.parent)
    response = parent.post(f"/family/children/{school.pupil.id}/consent", data={"in_school": "yes", "press": "maybe"})
    assert response.status_code == 400
    assert "Choose yes or no." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MediaConsent)) == 0


def test_a_parent_cannot_answer_for_another_child(app, school, sign_in):
    """Another family's child is a 404, whatever the form says."""
    parent = _client(app, sign_in, school.parent)
    response = parent.post(f"/family/children/{school.ks1_pupil.id}/consent", data=ALL_YES)
    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MediaConsent)) == 0


def test_the_register_page_runs_a_fixed_number_of_queries(app, school, sign_in, queries):
    """Three pupils or thirty, the register and the class list cost the same number of queries."""
    from tests import factories

    teacher = _client(app, sign_in, school.teacher)
    counts = []
    for _ in range(2):
        for path in (f"/teacher/classes/{school.ks2.id}/consent", f"/teacher/classes/{school.ks2.id}"):
            teacher.get(path)  # warm
        with queries() as statements:
            teacher.get(f"/teacher/classes/{school.ks2.id}/consent")
            teacher.get(f"/teacher/classes/{school.ks2.id}")
        counts.append(len(statements))
        for n in range(27):
            factories.make_pupil(school.ks2, f"Extra{n}", "Q")
        db.session.commit()
    assert counts[0] == counts[1]


def test_consent_is_in_the_pupils_export_and_deleted_with_them(app, school, sign_in):
    """The admin's export lists the answers; deleting the pupil deletes them."""
    admin = _client(app, sign_in, school.admin)
    admin.post(f"/admin/pupils/{school.pupil.id}/consent", data={**ALL_YES, "press": "no"})
    data = privacy.pupil_record(school.pupil)
    assert {(c["purpose"], c["given"]) for c in data["photo_and_video_consent"]} == {
        ("in_school", True), ("website", True), ("social_media", True), ("press", False)}
    admin.post(f"/admin/pupils/{school.pupil.id}/delete", data={"confirm": "y"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MediaConsent)) == 0
