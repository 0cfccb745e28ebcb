"""A trust on one installation: a trust admin sees each school's coverage and manages its admins, nothing else;
everything else stays per school; parents and pupils are shown their own child's school."""

import re

import pyotp
import pytest
import sqlalchemy as sa

from esafety import progress, tallies
from esafety.content import catalogue
from esafety.extensions import db
from esafety.models import AuditLog, CoverageStamp, ParentLink, School, User

from . import factories


@pytest.fixture
def trust_world(app, school):
    """The shared school and Birch Primary in Test Trust with a trust admin; Elm Primary in another trust."""
    birch = factories.make_school("Birch Primary")
    trust = factories.make_trust("Test Trust", schools=[school.school, birch])
    trust_admin = factories.make_trust_admin(trust, "trust@test.example", name="Ms Trust")
    birch_admin = factories.make_staff(birch, "admin@birch.example", admin=True, name="Mr Birch")
    birch_teacher = factories.make_staff(birch, "teacher@birch.example", teacher=True)
    birch_class = factories.make_class(birch, "Year 5 Ash", 5, teachers=[birch_teacher], code="KRCH37")
    birch_pupils = [factories.make_pupil(birch_class, n, "B") for n in ("Ola", "Pip")]
    elm = factories.make_school("Elm Primary")
    other_trust = factories.make_trust("Other Trust", schools=[elm], kind="authority")
    elm_admin = factories.make_staff(elm, "admin@elm.example", admin=True)
    db.session.commit()
    factories.complete_lesson(school.pupil, "ks2-safe")
    factories.complete_lesson(birch_pupils[0], "ks2-safe")
    factories.finish_quiz(birch_pupils[1], "ks2-scenario-meet-up")
    school.birch, school.trust, school.trust_admin, school.birch_admin = birch, trust, trust_admin, birch_admin
    school.birch_class, school.birch_pupils, school.birch_teacher = birch_class, birch_pupils, birch_teacher
    school.elm, school.other_trust, school.elm_admin = elm, other_trust, elm_admin
    return school


@pytest.fixture
def trust_client(app, trust_world, sign_in):
    """A client signed in as the trust admin, password and authenticator code."""
    client = app.test_client()
    sign_in(client, trust_world.trust_admin)
    return client


def test_a_trust_owns_schools_and_a_stand_alone_school_has_none(trust_world):
    """Schools point at their trust; a school made without one stands alone."""
    alone = factories.make_school("Alone Primary")
    db.session.commit()
    assert db.session.get(School, trust_world.birch.id).trust.name == "Test Trust"
    assert db.session.get(School, trust_world.elm.id).trust.kind_name == "Local authority"
    assert db.session.get(School, alone.id).trust is None


def test_a_trust_admin_needs_the_second_factor_and_lands_on_the_trust_page(app, trust_world, sign_in):
    """A password alone reaches nothing but the second-factor page; after it, the trust coverage page."""
    client = app.test_client()
    response = sign_in(client, trust_world.trust_admin, second_factor=False)
    assert response.headers["Location"].startswith("/second-factor")
    assert client.get("/trust/").headers["Location"].startswith("/second-factor")
    code = pyotp.TOTP(trust_world.trust_admin.totp_secret).now()
    response = client.post("/second-factor", data={"code": code})
    assert response.headers["Location"] == "/trust/"
    assert client.get("/trust/").status_code == 200


def test_the_trust_page_shows_its_schools_coverage_side_by_side_and_no_other_school(trust_client, trust_world):
    """Both schools of the trust are there with their own figures; the other trust's school is not."""
    html = trust_client.get("/trust/").get_data(as_text=True)
    assert "Test Primary" in html and "Birch Primary" in html and "Elm Primary" not in html
    reports = tallies.coverage_for_schools([trust_world.school.id, trust_world.birch.id])
    framework, rows = reports[trust_world.birch.id][0]
    reached = sum(1 for row in rows if row.covered)
    assert reached > 0 and rows[0].pupils == 2
    assert f"{reached} of {len(rows)}" in html
    # Figures only: no pupil's name, no class.
    for name in ("Dev", "Ola", "Pip", "Year 5 Ash"):
        assert not re.search(rf"\b{name}\b", html)


def test_coverage_for_schools_equals_each_schools_own_coverage(trust_world):
    """The trust's figures for a school are exactly what the school's own coverage page works out."""
    ids = [trust_world.school.id, trust_world.birch.id, trust_world.elm.id]
    reports = tallies.coverage_for_schools(ids)
    for school_id in ids:
        pupils = list(db.session.scalars(sa.select(User.id).where(User.school_id == school_id,
                                                                  User.kind == "pupil")))
        expected = progress.coverage(pupils, catalogue())
        got = reports[school_id]
        assert [(f.key, [(r.statement.id, r.covered, r.pupils, r.first, r.last) for r in rows]) for f, rows in got] \
            == [(f.key, [(r.statement.id, r.covered, r.pupils, r.first, r.last) for r in rows]) for f, rows in expected]
    assert any(r.covered for _, rows in reports[trust_world.birch.id] for r in rows)
    assert not any(r.covered for _, rows in reports[trust_world.elm.id] for r in rows)


def test_the_trust_pages_summaries_equal_those_of_each_schools_full_report(trust_world):
    """The trust page's figures, summed from the stored tallies without a report, are exactly the summary of
    each school's full coverage report: for fresh schools, stale ones (another mapping, or no stored pupil count:
    counted live) and one with no pupils."""
    stale = db.session.get(CoverageStamp, trust_world.birch.id)
    ids = [trust_world.school.id, trust_world.birch.id, trust_world.elm.id]

    def both():
        reports = tallies.coverage_for_schools(ids, dates=False)
        return tallies.summaries_for_schools(ids), {school_id: progress.summarise(reports[school_id]) for school_id in ids}

    summed, expected = both()
    assert summed == expected
    assert any(item.reached for item in summed[trust_world.birch.id])
    assert all(item.pupils == 0 and item.reached == 0 for item in summed[trust_world.elm.id])
    stale.mapping = ""
    db.session.get(CoverageStamp, trust_world.school.id).pupils = None
    db.session.commit()
    assert tallies.stale_schools() == [trust_world.school.id, trust_world.birch.id]
    again, expected = both()
    assert again == expected == summed and any(item.reached for item in summed[trust_world.birch.id])


def test_the_trust_page_runs_the_same_number_of_queries_for_two_to_five_schools(trust_client, trust_world, queries):
    """Adding schools (with pupils and completions) to the trust adds no query to its coverage page."""
    counts = []
    for extra in range(4):
        if extra:
            added = factories.make_school(f"Added Primary {extra}")
            added.trust_id = trust_world.trust.id
            added_class = factories.make_class(added, "Year 4", 4)
            pupil = factories.make_pupil(added_class, "Quin", "C")
            db.session.commit()
            factories.complete_lesson(pupil, "ks2-safe")
        with queries() as statements:
            response = trust_client.get("/trust/")
        assert response.status_code == 200
        frameworks = len(progress.frameworks_in_force(catalogue()))
        assert response.get_data(as_text=True).count("Manage<span") == (2 + extra) * frameworks
        counts.append(len(statements))
    assert len(set(counts)) == 1, counts
    assert counts[0] <= 8


def test_a_trust_admin_reaches_no_pupil_class_or_concern(trust_client, trust_world):
    """Every school area refuses the trust admin, whatever the id."""
    for path in (f"/teacher/classes/{trust_world.ks2.id}", "/teacher/coverage", f"/admin/pupils/{trust_world.pupil.id}",
                 "/admin/staff", "/concerns/", "/pupil/", "/family/"):
        assert trust_client.get(path).status_code == 403, path


def test_a_trust_admin_adds_a_school_admin_who_then_sets_up_an_authenticator(app, trust_client, trust_world):
    """The new admin gets a starting password shown once, signs in with it and must enrol a second factor."""
    page = trust_client.get(f"/trust/schools/{trust_world.birch.id}/admins").get_data(as_text=True)
    assert "Mr Birch" in page and "Teacher" not in page  # admins only, not the school's other staff
    response = trust_client.post(f"/trust/schools/{trust_world.birch.id}/admins",
                                 data={"name": "Mrs New", "email": " New@Birch.example "})
    assert response.status_code == 200
    password = re.search(r"<code>([^<]+)</code>", response.get_data(as_text=True)).group(1)
    admin = db.session.scalar(sa.select(User).where(User.email == "new@birch.example"))
    assert admin.is_admin and admin.school_id == trust_world.birch.id and not admin.is_trust_admin
    assert db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "school admin added")).school_id \
        == trust_world.birch.id
    newcomer = app.test_client()
    signed_in = newcomer.post("/login", data={"email": "new@birch.example", "password": password})
    assert signed_in.headers["Location"].startswith("/second-factor")
    assert admin.totp_secret is None
    assert "Set up your authenticator app" in newcomer.get("/second-factor").get_data(as_text=True)
    assert newcomer.get("/admin/").headers["Location"].startswith("/second-factor")


def test_adding_an_admin_with_a_used_or_bad_email_says_why(trust_client, trust_world):
    """An address that already has an account, or is not an address, is refused with a message; nothing made."""
    before = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    used = trust_client.post(f"/trust/schools/{trust_world.birch.id}/admins",
                             data={"name": "Copy", "email": "admin@test.example"})
    assert used.status_code == 400 and "already has an account" in used.get_data(as_text=True)
    bad = trust_client.post(f"/trust/schools/{trust_world.birch.id}/admins", data={"name": "", "email": "nope"})
    assert bad.status_code == 400 and "Enter an email address" in bad.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == before


def test_a_trust_admin_deactivates_a_school_admin_and_their_sessions_end(app, trust_client, trust_world, sign_in):
    """Deactivating ends the admin's sessions at once; only admins of the trust's schools can be deactivated."""
    birch_admin = app.test_client()
    sign_in(birch_admin, trust_world.birch_admin)
    assert birch_admin.get("/admin/").status_code == 200
    response = trust_client.post(f"/trust/admins/{trust_world.birch_admin.id}/deactivate")
    assert response.status_code == 302
    assert db.session.get(User, trust_world.birch_admin.id).active is False
    assert birch_admin.get("/admin/").headers["Location"].startswith("/login")
    for someone in (trust_world.birch_teacher, trust_world.elm_admin, trust_world.pupil):
        assert trust_client.post(f"/trust/admins/{someone.id}/deactivate").status_code == 404
        assert db.session.get(User, someone.id).active is True


def test_a_trust_admin_cannot_open_another_trusts_school(trust_client, trust_world):
    """A school of another trust, or of none, is not found (the id reveals nothing)."""
    alone = factories.make_school("Alone Primary")
    db.session.commit()
    for school in (trust_world.elm, alone):
        assert trust_client.get(f"/trust/schools/{school.id}/admins").status_code == 404
        assert trust_client.post(f"/trust/schools/{school.id}/admins",
                                 data={"name": "X", "email": "x@x.example"}).status_code == 404


def test_staff_of_another_school_of_the_trust_see_nothing_of_this_one(app, trust_world, sign_in):
    """Birch Primary's admin gets 404 for the shared school's class, pupil and staff, and counts only Birch."""
    client = app.test_client()
    sign_in(client, trust_world.birch_admin)
    assert client.get(f"/teacher/classes/{trust_world.ks2.id}").status_code == 404
    assert client.get(f"/admin/pupils/{trust_world.pupil.id}").status_code == 404
    assert client.post(f"/admin/staff/{trust_world.teacher.id}/deactivate").status_code == 404
    assert client.get("/trust/").status_code == 403
    html = client.get("/teacher/coverage").get_data(as_text=True)
    assert "share of 2 pupils" in html


def test_this_school_chooser_is_grouped_by_trust(client, trust_world):
    """Without a school in the address, the public sees every school under its trust, stand-alone ones last."""
    factories.make_school("Alone Primary")
    db.session.commit()
    html = client.get("/parents/this-school").get_data(as_text=True)
    assert html.index("Other Trust") < html.index("Elm Primary") < html.index("Test Trust") \
        < html.index("Birch Primary") < html.index("Test Primary") < html.index("Other schools") \
        < html.index("Alone Primary")
    page = client.get(f"/parents/this-school?school={trust_world.birch.id}").get_data(as_text=True)
    assert "Birch Primary: keeping pupils safe online" in page
    unknown = client.get("/parents/this-school?school=999999").get_data(as_text=True)
    assert "could not find that school" in unknown and "Which school?" in unknown


def test_two_schools_of_one_name_are_told_apart_by_their_towns(client, trust_world, trust_client):
    """England has many a "St Mary's": in the public chooser and on the trust's page, each shows its town."""
    for school, town in ((trust_world.school, "Ashford"), (trust_world.birch, "Wye")):
        school.name, school.town = "St Mary's Primary", town
    db.session.commit()
    chooser = client.get("/parents/this-school").get_data(as_text=True)
    assert "St Mary&#39;s Primary, Ashford</a>" in chooser and "St Mary&#39;s Primary, Wye</a>" in chooser
    trust_page = trust_client.get("/trust/").get_data(as_text=True)
    assert '<th scope="row">St Mary&#39;s Primary, Ashford</th>' in trust_page
    assert '<th scope="row">St Mary&#39;s Primary, Wye</th>' in trust_page


def test_a_parent_sees_their_own_childs_school(app, trust_world, sign_in):
    """One child: that child's school; children at two schools of the trust: a chooser of just those two."""
    client = app.test_client()
    parent = factories.make_parent("birchparent@test.example", children=[trust_world.birch_pupils[0]])
    db.session.commit()
    sign_in(client, parent)
    assert "Birch Primary: keeping pupils safe online" in client.get("/parents/this-school").get_data(as_text=True)
    db.session.add(ParentLink(parent_id=parent.id, pupil_id=trust_world.ks2_pupils[1].id))
    db.session.commit()
    html = client.get("/parents/this-school").get_data(as_text=True)
    assert "Which school?" in html and "Birch Primary" in html and "Test Primary" in html
    assert "Elm Primary" not in html


def test_pupil_sign_in_names_the_school_when_two_schools_of_the_trust_look_alike(client, trust_world):
    """Both schools have a "Year 5 Ash": the class code finds one, and the name page says which school."""
    assert trust_world.ks2.name == "Year 5 Ash" == trust_world.birch_class.name
    client.post("/pupil/login", data={"code": "krch 37"})
    html = client.get("/pupil/login/name").get_data(as_text=True)
    assert "Year 5 Ash, Birch Primary." in html and "Ola B." in html and "Dev" not in html
    trust_world.birch.town = "Wye"  # and where it is, once the school has said
    db.session.commit()
    assert "Class: Year 5 Ash, Birch Primary, Wye." in client.get("/pupil/login/name").get_data(as_text=True)
    client.post("/pupil/login", data={"code": trust_world.ks2.join_code})
    html = client.get("/pupil/login/name").get_data(as_text=True)
    assert "Year 5 Ash, Test Primary" in html and "Dev L." in html and "Ola" not in html


def test_an_email_names_one_account_in_the_whole_installation(trust_world):
    """Email addresses are unique across every school of every trust, so an adult's sign-in is never ambiguous."""
    factories.make_staff(trust_world.elm, "same@test.example", teacher=True)
    db.session.commit()
    with pytest.raises(sa.exc.IntegrityError):
        factories.make_staff(trust_world.birch, "same@test.example", teacher=True)
    db.session.rollback()
