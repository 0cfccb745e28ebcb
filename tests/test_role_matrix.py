"""Every route of the app, requested as every kind of user, against one declared table of expected outcomes.

Routes come from the URL map, not a hand list: a new route missing from EXPECTED fails the test, so no view
can ship without someone deciding who may use it.
"""

import pyotp
import pytest
import sqlalchemy as sa

from esafety import concerns
from esafety.extensions import db
from esafety.models import Assignment
from esafety.passcodes import token_hash

from . import factories

ROLES = ("anon", "pupil", "pupil2", "parent", "parent2", "teacher", "teacher2", "dsl", "admin", "xteacher")
# O: allowed (2xx or a redirect within the area); L: sent to sign in; F: 403; N: 404.
# Each row lists the outcome for the roles in the order above. Object ids used are the Year 5 class, its
# pupil Dev (linked to `parent`), Dev's quiz attempt, a concern about Dev, and work set for Year 5.
# pupil2 is a KS1 pupil, parent2 a parent of a KS1 pupil, teacher2 teaches only KS1, xteacher is at another school.
EXPECTED = {
    "public.index": "OOOOOOOOOO",
    "public.healthz": "OOOOOOOOOO",
    "public.privacy": "OOOOOOOOOO",
    "public.accessibility": "OOOOOOOOOO",
    "parents.index": "OOOOOOOOOO",
    "parents.ages": "OOOOOOOOOO",
    "parents.this_school": "OOOOOOOOOO",
    "parents.page": "OOOOOOOOOO",
    "parents.register": "OOOOOOOOOO",
    "auth.login": "OOOOOOOOOO",
    "auth.pupil_login": "OOOOOOOOOO",
    "auth.pupil_pick": "LLLLLLLLLL",
    "auth.pupil_passcode": "LLLLLLLLLL",
    "auth.card_login": "OOOOOOOOOO",
    "auth.second_factor": "LOOOOOOOOO",
    "auth.logout": "LOOOOOOOOO",
    "pupil.home": "LOOFFFFFFF",
    "pupil.lesson": "LONFFFFFFF",
    "pupil.lesson_step": "LONFFFFFFF",
    "pupil.lesson_done": "LONFFFFFFF",
    "pupil.quiz": "LONFFFFFFF",
    "pupil.quiz_begin": "LONFFFFFFF",
    "pupil.quiz_attempt": "LONFFFFFFF",
    "pupil.quiz_result": "LONFFFFFFF",
    "pupil.tell": "LOOFFFFFFF",
    "pupil.tell_sent": "LOOFFFFFFF",
    "family.home": "LFFOOFFFFF",
    "family.child": "LFFONFFFFF",
    "family.link": "LFFOOFFFFF",
    "family.unlink": "LFFONFFFFF",
    "family.delete_account": "LFFOOFFFFF",
    "teacher.home": "LFFFFOOFOO",
    "teacher.create_class": "LFFFFOOFOO",
    "teacher.school_coverage": "LFFFFFFFOF",
    "teacher.class_view": "LFFFFONFON",
    "teacher.rename_class": "LFFFFONFON",
    "teacher.archive_class": "LFFFFONFON",
    "teacher.add_co_teacher": "LFFFFONFON",
    "teacher.add_pupils": "LFFFFONFON",
    "teacher.cards": "LFFFFONFON",
    "teacher.work": "LFFFFONFON",
    "teacher.remove_work": "LFFFFONFON",
    "teacher.class_progress": "LFFFFONFON",
    "teacher.progress_csv": "LFFFFONFON",
    "teacher.misconceptions": "LFFFFONFON",
    "teacher.class_coverage": "LFFFFONFON",
    "teacher.coverage_csv": "LFFFFONFON",
    "teacher.pupil": "LFFFFONFON",
    "teacher.pupil_csv": "LFFFFONFON",
    "teacher.reset_pupil": "LFFFFONFON",
    "teacher.remove_pupil": "LFFFFONFON",
    "teacher.parent_code": "LFFFFONFON",
    "teacher.log_concern": "LFFFFONFON",
    "teacher.concern_sent": "LFFFFONFON",
    "teacher.choose_pupil_for_concern": "LFFFFOOFOO",
    "teacher.import_roster_form": "LFFFFOOFOO",
    "teacher.import_roster": "LFFFFOOFOO",
    "teacher.import_preview": "LFFFFOOFOO",
    "teacher.consent_register": "LFFFFONFON",
    "teacher.consent_print": "LFFFFONFON",
    "family.consent_form": "LFFONFFFFF",
    "safeguarding.inbox": "LFFFFFFOFF",
    "safeguarding.concern": "LFFFFFFOFF",
    "safeguarding.add_note": "LFFFFFFOFF",
    "safeguarding.add_action": "LFFFFFFOFF",
    "safeguarding.change_status": "LFFFFFFOFF",
    "admin.home": "LFFFFFFFOF",
    "admin.settings": "LFFFFFFFOF",
    "admin.pupils": "LFFFFFFFOF",
    "admin.pupil_record": "LFFFFFFFOF",
    "admin.pupil_export": "LFFFFFFFOF",
    "admin.delete_pupil": "LFFFFFFFOF",
    "admin.privacy_register": "LFFFFFFFOF",
    "admin.new_year": "LFFFFFFFOF",
    "admin.undo_new_year": "LFFFFFFFOF",
    "admin.pupil_consent": "LFFFFFFFOF",
}
SIGN_IN_PATHS = ("/login", "/pupil/login")


@pytest.fixture
def world(app, school):
    """The shared school plus another school, a concern, an attempt, a card and set work to aim at."""
    other = factories.make_school("Other Primary")
    x_teacher = factories.make_staff(other, "x@other.example", teacher=True)
    factories.make_class(other, "Year 5 Other", 5, teachers=[x_teacher], code="XQ4RT7")
    concern = concerns.create(pupil=school.pupil, reporter=school.pupil, category="unkind", words="someone was mean",
                              wants_to_talk=True, submission_key="matrix-key", source="pupil")
    assignment = Assignment(class_id=school.ks2.id, activity_kind="lesson", activity_id="ks2-safe")
    db.session.add(assignment)
    school.pupil.card_token_hash = token_hash("matrix-card-token")
    db.session.commit()
    attempt, _ = factories.finish_quiz(school.pupil, "age-ks2")
    school.x_teacher, school.concern, school.assignment, school.attempt = x_teacher, concern, assignment, attempt
    return school


def _users(world):
    return {"pupil": world.pupil, "pupil2": world.ks1_pupil, "parent": world.parent, "parent2": world.other_parent,
            "teacher": world.teacher, "teacher2": world.other_teacher, "dsl": world.dsl, "admin": world.admin,
            "xteacher": world.x_teacher}


def _values(world) -> dict:
    return {"class_id": world.ks2.id, "pupil_id": world.pupil.id, "concern_id": world.concern.id,
            "assignment_id": world.assignment.id, "attempt_id": world.attempt.id, "lesson_id": "ks2-safe",
            "quiz_id": "age-ks2", "number": 1, "token": "matrix-card-token", "page_id": "parent-smart",
            "filename": "css/site.css"}


def _outcome(response) -> str:
    if response.status_code == 403:
        return "F"
    if response.status_code == 404:
        return "N"
    if response.status_code in (301, 302, 303) and response.headers["Location"].split("?")[0] in SIGN_IN_PATHS:
        return "L"
    if response.status_code == 401:
        return "L"
    return "O" if response.status_code < 500 else f"5xx({response.status_code})"


def test_every_route_is_in_the_table(app):
    """No route exists without a declared expectation for every role (static files excepted)."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert endpoints - set(EXPECTED) == set(), "declare who may use these routes"
    assert set(EXPECTED) - endpoints == set(), "these rows name routes that no longer exist"
    assert all(len(row) == len(ROLES) for row in EXPECTED.values())


def test_role_matrix(app, world, sign_in):
    """Each route gives each role exactly the declared outcome; nobody gets another's data by changing an id."""
    users = _users(world)
    values = _values(world)
    clients = {"anon": app.test_client()}
    for role, user in users.items():
        clients[role] = app.test_client()
        sign_in(clients[role], user)
    surprises = []
    cells = 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if rule.endpoint == "static":
            continue
        path = rule.build(values, append_unknown=False)[1]
        for role, expected in zip(ROLES, EXPECTED[rule.endpoint]):
            methods = ["GET"] if "GET" in rule.methods else ["POST"]
            if methods == ["POST"] and expected == "O":
                continue  # allowed state changes are exercised by each area's own tests
            for method in methods:
                response = clients[role].open(path, method=method)
                got = _outcome(response)
                cells += 1
                if got != expected:
                    surprises.append(f"{method} {path} as {role}: expected {expected}, got {got}")
    assert surprises == [], "\n".join(surprises)
    print(f"\nrole matrix: {cells} route x role requests, {len(surprises)} unexpected")
    assert cells > 400


def test_deny_by_default_for_posts(app, world, sign_in):
    """Every POST route refuses an anonymous request (sign in first) or the wrong role, never a silent success."""
    anonymous = app.test_client()
    open_to_all = {"auth.login", "auth.pupil_login", "parents.register", "auth.card_login", "auth.pupil_pick",
                   "auth.pupil_passcode"}
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in open_to_all:
            continue
        path = rule.build(_values(world), append_unknown=False)[1]
        response = anonymous.post(path)
        assert _outcome(response) == "L", f"POST {path} without signing in gave {response.status_code}"


def test_single_factor_dsl_is_refused_concerns(app, world, sign_in):
    """A DSL who has not passed the authenticator step cannot read a concern, even by its id."""
    client = app.test_client()
    sign_in(client, world.dsl, second_factor=False)
    response = client.get(f"/concerns/{world.concern.id}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/second-factor")
    assert pyotp  # the second factor is the only way in (see test_auth)
