"""The public parent guide, the age guide, "This school", and parent accounts linked to their own child."""

import re

import sqlalchemy as sa

from esafety.content import catalogue
from esafety.extensions import db
from esafety.linking import new_code
from esafety.models import ParentLink, ParentLinkCode, User

from . import factories


def test_guide_needs_no_sign_in_and_lists_every_page(client, app):
    """Anyone can read the guide; its contents page links every parent page, the age guide and This school."""
    html = client.get("/parents/").get_data(as_text=True)
    pages = catalogue().parent_pages
    assert len(pages) >= 10
    for page in pages.values():
        assert f'href="/parents/{page.id}"' in html
        assert client.get(f"/parents/{page.id}").status_code == 200
    assert 'href="/parents/ages"' in html and 'href="/parents/this-school"' in html


def test_age_guide_lists_every_platform_with_source_and_date(client, app):
    """The age guide has a row for every platform in the data file, with its source link and checked date."""
    html = client.get("/parents/ages").get_data(as_text=True)
    for platform in catalogue().platforms:
        assert f">{platform.name}</th>" in html.replace("&#39;", "'"), platform.name
        assert f'href="{platform.source}"' in html.replace("&amp;", "&")
    assert html.count("Checked ") == len(catalogue().platforms)
    assert "Not confirmed" in html  # unverified ages are flagged, not stated as fact


def test_age_restrictions_page_embeds_the_age_table(client, app):
    """The age restrictions guide page shows the same platform table inside its text."""
    html = client.get("/parents/parent-age-restrictions").get_data(as_text=True)
    assert "{{ widget }}" not in html and "Minimum ages in the UK" in html


def test_this_school_page_comes_from_settings(client, school):
    """The This school page shows the school's filtering, DSL and complaints settings."""
    html = client.get("/parents/this-school").get_data(as_text=True)
    for text in ("A web filter", "Ms Dee Ess", "Talk to the class teacher first"):
        assert text in html


def test_parent_registers_and_links_a_child_with_a_one_time_code(client, school):
    """A new parent registers with a teacher's code, sees that child's finished lessons, and the code is spent."""
    code = new_code(school.ks2_pupils[1], school.teacher)
    db.session.commit()
    factories.complete_lesson(school.ks2_pupils[1], "ks2-safe")
    response = client.post("/parents/register", data={
        "name": "Sam Carer", "email": "sam@home.example", "password": "a long family passphrase",
        "confirm": "a long family passphrase", "code": code.lower().replace("-", " ")})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    client.post("/login", data={"email": "sam@home.example", "password": "a long family passphrase"})
    child = school.ks2_pupils[1]
    page = client.get(f"/family/children/{child.id}").get_data(as_text=True)
    assert "What Esme has learned" in page and "S is for Safe" in page and "Talk about it at home" in page
    other = client.application.test_client()
    other.post("/parents/register", data={"name": "X", "email": "x@home.example", "password": "another passphrase ok",
                                          "confirm": "another passphrase ok"})
    other.post("/login", data={"email": "x@home.example", "password": "another passphrase ok"})
    refused = other.post("/family/link", data={"code": code}, follow_redirects=True).get_data(as_text=True)
    assert "did not work" in refused
    x = db.session.scalar(sa.select(User).where(User.email == "x@home.example"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ParentLink).where(ParentLink.parent_id == x.id)) == 0


def test_parent_cannot_see_another_child(client, school, sign_in):
    """A parent asking for another child's page by id gets 404, and never sees their name."""
    sign_in(client, school.parent)
    response = client.get(f"/family/children/{school.ks1_pupil.id}")
    assert response.status_code == 404 and "Ava" not in response.get_data(as_text=True)
    assert client.post(f"/family/children/{school.ks1_pupil.id}/unlink").status_code == 404


def test_parent_view_shows_no_rankings_or_tell_reports(client, school, sign_in):
    """The child view shows only that child's learning: no other pupils, no concerns."""
    factories.complete_lesson(school.ks2_pupils[1], "ks2-tell")
    sign_in(client, school.parent)
    page = client.get(f"/family/children/{school.pupil.id}").get_data(as_text=True)
    assert "Esme" not in page and "Femi" not in page and "concern" not in page.lower()


def test_parents_cannot_open_pupil_teacher_or_concern_pages(client, school, sign_in):
    """A parent is refused the pupil, teacher and safeguarding areas."""
    sign_in(client, school.parent)
    for path in ("/pupil/", "/teacher/", "/concerns/"):
        assert client.get(path).status_code == 403, path


def test_weak_or_common_passwords_are_refused_with_a_reason(client, school):
    """Registration explains why a short or very common password is not allowed, and keeps what was typed."""
    for password, reason in (("short", "at least 8 characters"), ("password1", "most common")):
        html = client.post("/parents/register", data={"name": "Pat", "email": "pat@home.example",
                                                      "password": password, "confirm": password}).get_data(as_text=True)
        assert reason in html and 'value="pat@home.example"' in html


def test_parent_unlinks_and_deletes_account(client, school, sign_in):
    """A parent can stop following a child and delete their own account; the child's learning stays."""
    factories.complete_lesson(school.pupil, "ks2-safe")
    email, pupil_id = school.parent.email, school.pupil.id
    sign_in(client, school.parent)
    client.post(f"/family/children/{school.pupil.id}/unlink")
    assert client.get(f"/family/children/{school.pupil.id}").status_code == 404
    refused = client.post("/family/delete", data={}, follow_redirects=True).get_data(as_text=True)
    assert "Tick the box" in refused
    client.post("/family/delete", data={"confirm": "y"})
    assert db.session.scalar(sa.select(User).where(User.email == email)) is None
    assert client.get("/family/").status_code == 302
    assert db.session.get(User, pupil_id) is not None


def test_expired_link_code_is_refused(client, school, sign_in):
    """A code past its 30 days does not link."""
    code = new_code(school.pupil, school.teacher)
    db.session.flush()
    row = db.session.scalars(sa.select(ParentLinkCode)).all()[-1]
    row.expires_at = row.created_at.replace(year=row.created_at.year - 1)
    db.session.commit()
    sign_in(client, school.other_parent)
    html = client.post("/family/link", data={"code": code}, follow_redirects=True).get_data(as_text=True)
    assert "did not work" in html


def test_guide_pages_print_cleanly(client, app):
    """Guide pages carry the print source line and mark navigation as not for print."""
    html = client.get("/parents/parent-smart").get_data(as_text=True)
    assert 'class="print-source"' in html and re.search(r'class="[^"]*no-print', html)
