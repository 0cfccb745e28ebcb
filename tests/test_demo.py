"""`flask demo`: the README's way to a demo school and every pupil's passcode never crashes."""

import json

import sqlalchemy as sa

from esafety import tallies
from esafety.extensions import db
from esafety.models import School, SchoolClass, User

from . import factories


def test_demo_json_still_works_after_the_school_is_renamed(app):
    """An admin renamed the demo school; `flask demo --json` finds it by its staff and prints the sign-ins."""
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    school = db.session.scalar(sa.select(School))
    school.name = "Oakfield Primary"
    db.session.commit()
    result = runner.invoke(args=["demo", "--json"])
    assert result.exit_code == 0 and "Traceback" not in result.output
    data = json.loads(result.output)
    assert data["teacher"]["email"] == "teacher@oakfield.example" and len(data["pupils"]) > 30
    assert db.session.scalar(sa.select(sa.func.count()).select_from(School)) == 1


def test_demo_says_clearly_when_its_class_codes_are_taken(app):
    """A database whose classes already use the demo's codes gets a one-line reason, not an IntegrityError."""
    factories.make_class(factories.make_school(), "Year 5 Real", 5, code="WHEAT7")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 1 and "class code WHEAT7 is already used" in result.output
    assert "Traceback" not in result.output and "IntegrityError" not in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SchoolClass)) == 1


def test_demo_trust_seeds_a_small_trust_once_and_prints_the_trust_admins_sign_in(app):
    """`flask demo --trust --schools 3` makes the demo school and two more in one trust, with pupils, progress
    and a trust admin; a second run adds nothing; --json names the trust admin."""
    from esafety import demo_trust
    from esafety.models import LessonProgress, Trust

    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--trust", "--schools", "3", "--pupils", "200"])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    assert "Demo trust created." in result.output and demo_trust.TRUST_ADMIN[1] in result.output
    assert "demo-code trust" in result.output and "3 schools" in result.output
    trust = db.session.scalar(sa.select(Trust))
    schools = db.session.scalars(sa.select(School).where(School.trust_id == trust.id)).all()
    assert len(schools) == 3 and any(s.name == "Oakfield Primary School (demo)" for s in schools)
    pupils = db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.kind == "pupil"))
    assert 180 <= pupils <= 220
    for school in schools:
        done = db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress).join(
            User, User.id == LessonProgress.pupil_id).where(User.school_id == school.id,
                                                            LessonProgress.completed_at.is_not(None)))
        assert done > 0, school.name
    # Every school's coverage tallies are fresh and equal a live count: Oakfield's through the ORM listener,
    # the bulk-seeded ones through the bulk seeder's recount.
    assert tallies.stale_schools() == [] and tallies.differences() == []
    admin = db.session.scalar(sa.select(User).where(User.email == demo_trust.TRUST_ADMIN[1]))
    assert admin.is_trust_admin and admin.trust_id == trust.id and admin.school_id is None
    # The other schools' staff have the trust's addresses, not the benchmark's, and the printed one signs in.
    staff = db.session.scalars(sa.select(User.email).join(School, School.id == User.school_id).where(
        User.kind == "staff", School.name != "Oakfield Primary School (demo)")).all()
    assert staff and all(email.endswith(".riverside-trust.example") for email in staff), staff
    printed = "teacher1@ashgrove.riverside-trust.example"
    assert printed in result.output and printed in staff
    assert app.test_client().post("/login", data={"email": printed, "password": "bench-password-not-secret"},
                                  ).headers["Location"].endswith("/teacher/")
    again = runner.invoke(args=["demo", "--trust", "--schools", "3", "--pupils", "200"])
    assert again.exit_code == 0 and "Demo trust already there." in again.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(School)) == 3
    data = json.loads(runner.invoke(args=["demo", "--trust", "--json"]).output)
    assert data["trust_admin"]["email"] == demo_trust.TRUST_ADMIN[1] and data["admin"]["email"]


def test_demo_code_trust_prints_the_trust_admins_current_code(app):
    """`flask demo-code trust` gives the code the trust admin's authenticator shows now."""
    import pyotp

    from esafety import demo_trust

    output = app.test_cli_runner().invoke(args=["demo-code", "trust"]).output.strip()
    assert output == pyotp.TOTP(demo_trust.TRUST_TOTP_SECRET).now()


def test_demo_trust_refuses_impossible_sizes_with_a_message(app):
    """More schools than pupils gets a one-line reason, not a traceback."""
    result = app.test_cli_runner().invoke(args=["demo", "--trust", "--schools", "5", "--pupils", "2"])
    assert result.exit_code == 1 and "a pupil for each school" in result.output and "Traceback" not in result.output
