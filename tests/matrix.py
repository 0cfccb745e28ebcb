"""The people the role matrix and the security tests act as: every role, and users in states that must
change what they can reach (password given but not the second factor, class archived, link removed, account
disabled), with real objects for every id a route takes."""

import sqlalchemy as sa

from esafety import concerns
from esafety.extensions import db
from esafety.models import Assignment, ParentLink, User, utcnow
from esafety.passcodes import token_hash

from . import factories

ROLES = ("anon", "pupil", "pupil2", "parent", "parent2", "teacher", "teacher2", "dsl", "admin", "xteacher",
         "tadmin", "sibling")
# States of a signed-in user, each signed in first and then put into its state:
# a DSL, an admin and a teacher-who-is-also-DSL who gave only their password; a pupil whose class was
# archived; a parent whose link to Dev was removed by staff; a teacher whose account was disabled; the trust
# admin who gave only their password.
STATES = ("dsl1f", "admin1f", "tdsl1f", "archived", "unlinked", "disabled", "trust1f")


def make_world(school):
    """The shared school plus another school, a concern, an attempt, a card, set work and the state users.

    The shared school belongs to a trust with a sibling school (Birch Primary): `tadmin` is the trust's admin,
    `sibling` an admin and DSL of Birch Primary (staff of another school in the same trust, with every school
    role that reaches data). Other Primary (xteacher's) stands alone.
    """
    other = factories.make_school("Other Primary")
    birch = factories.make_school("Birch Primary")
    trust = factories.make_trust("Test Trust", schools=[school.school, birch])
    trust_admin = factories.make_trust_admin(trust, "trust@test.example", name="Ms Trust")
    sibling = factories.make_staff(birch, "admin@birch.example", admin=True, dsl=True, teacher=True,
                                   name="Mr Birch")
    factories.make_class(birch, "Year 5 Birch", 5, teachers=[sibling], code="KRCH37")
    x_teacher = factories.make_staff(other, "x@other.example", teacher=True)
    factories.make_class(other, "Year 5 Other", 5, teachers=[x_teacher], code="XQ4RT7")
    concern = concerns.create(pupil=school.pupil, reporter=school.pupil, category="unkind", words="someone was mean",
                              wants_to_talk=True, submission_key="matrix-key-0001", source="pupil")
    assignment = Assignment(class_id=school.ks2.id, activity_kind="lesson", activity_id="ks2-safe")
    db.session.add(assignment)
    school.pupil.card_token_hash = token_hash("matrix-card-token")
    teacher_dsl = factories.make_staff(school.school, "tdsl@test.example", teacher=True, dsl=True)
    school.ks2.teachers.append(teacher_dsl)
    leaving_class = factories.make_class(school.school, "Year 6 Leavers", 6, code="LVRS46")
    archived_pupil = factories.make_pupil(leaving_class, "Zac", "Q")
    unlinked_parent = factories.make_parent("unlinked@test.example", school.school, children=[school.pupil])
    disabled = factories.make_staff(school.school, "leaver@test.example", teacher=True)
    school.ks2.teachers.append(disabled)
    db.session.commit()
    attempt, _ = factories.finish_quiz(school.pupil, "age-ks2")
    school.trust, school.trust_admin, school.sibling, school.birch = trust, trust_admin, sibling, birch
    school.x_teacher, school.concern, school.assignment, school.attempt = x_teacher, concern, assignment, attempt
    school.state_users = {"dsl1f": school.dsl, "admin1f": school.admin, "tdsl1f": teacher_dsl,
                          "archived": archived_pupil, "unlinked": unlinked_parent, "disabled": disabled,
                          "trust1f": trust_admin}
    school.leaving_class = leaving_class
    return school


def put_into_states(world) -> None:
    """After the state users signed in: archive the class, remove the parent's link, disable the teacher."""
    db.session.get(type(world.leaving_class), world.leaving_class.id).archived_at = utcnow()
    parent = world.state_users["unlinked"]
    db.session.execute(sa.delete(ParentLink).where(ParentLink.parent_id == parent.id))
    db.session.get(User, world.state_users["disabled"].id).active = False
    db.session.commit()


def users(world) -> dict:
    """The signed-in user of each role (not the states)."""
    return {"pupil": world.pupil, "pupil2": world.ks1_pupil, "parent": world.parent, "parent2": world.other_parent,
            "teacher": world.teacher, "teacher2": world.other_teacher, "dsl": world.dsl, "admin": world.admin,
            "xteacher": world.x_teacher, "tadmin": world.trust_admin, "sibling": world.sibling}


def values(world) -> dict:
    """A real object for every id a route takes (Year 5, its pupil Dev, Dev's attempt, concern and link)."""
    link_id = db.session.scalar(sa.select(ParentLink.id).where(ParentLink.parent_id == world.parent.id))
    # (a fuzzed Remove may have deleted the set work: then an id that is not there)
    assignment_id = db.session.scalar(sa.select(Assignment.id).where(Assignment.class_id == world.ks2.id)
                                      .order_by(Assignment.id).limit(1))
    return {"class_id": world.ks2.id, "pupil_id": world.pupil.id, "concern_id": world.concern.id,
            "assignment_id": assignment_id or 999999, "attempt_id": world.attempt.id, "lesson_id": "ks2-safe",
            "quiz_id": "age-ks2", "number": 1, "year_group": 5, "token": "matrix-card-token",
            "page_id": "parent-smart", "filename": "css/site.css", "link_id": link_id or 999999,
            "staff_id": world.teacher.id, "school_id": world.school.id, "admin_id": world.admin.id}  # (a fuzzed unlink or removal may have deleted the link or the work)
