"""`flask demo`: the README's way to a demo school and every pupil's passcode never crashes."""

import json

import sqlalchemy as sa

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
