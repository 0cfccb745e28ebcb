"""Every route of the app, requested as every kind of user, against one declared table of expected outcomes.

Routes come from the URL map, not a hand list: a new route missing from EXPECTED fails the test, so no view
can ship without someone deciding who may use it.
"""

from .matrix import ROLES, STATES, put_into_states, users, values

COLUMNS = ROLES + STATES
# O: allowed (2xx or a redirect within the area); L: sent to sign in; M: sent to the second factor; F: 403;
# N: 404.
# Each row lists the outcome for the roles in the order above. Object ids used are the Year 5 class, its
# pupil Dev (linked to `parent`), Dev's quiz attempt, a concern about Dev, and work set for Year 5.
# pupil2 is a KS1 pupil, parent2 a parent of a KS1 pupil, teacher2 teaches only KS1, xteacher is at another school.
# Then the states (tests/matrix.py): dsl1f, admin1f and tdsl1f gave only a password; archived is a pupil of an
# archived class, unlinked a parent whose link to Dev staff removed, disabled a teacher whose account was disabled.
EXPECTED = {
    "public.index": "OOOOOOOOOOOOOOOO",
    "public.healthz": "OOOOOOOOOOOOOOOO",
    "public.privacy": "OOOOOOOOOOOOOOOO",
    "public.accessibility": "OOOOOOOOOOOOOOOO",
    "parents.index": "OOOOOOOOOOOOOOOO",
    "parents.ages": "OOOOOOOOOOOOOOOO",
    "parents.this_school": "OOOOOOOOOOOOOOOO",
    "parents.page": "OOOOOOOOOOOOOOOO",
    "parents.register": "OOOOOOOOOOOOOOOO",
    "auth.login": "OOOOOOOOOOOOOOOO",
    "auth.pupil_login": "OOOOOOOOOOOOOOOO",
    "auth.pupil_pick": "LLLLLLLLLLMMMLLL",
    "auth.pupil_passcode": "LLLLLLLLLLMMMLLL",
    "auth.card_login": "OOOOOOOOOOMMMOOO",
    "auth.second_factor": "LOOOOOOOOOOOOLOL",
    "auth.logout": "LOOOOOOOOOOOOLOL",
    "auth.card": "LLLLLLLLLLMMMLLL",
    "pupil.home": "LOOFFFFFFFMMMLFL",
    "pupil.lesson": "LONFFFFFFFMMMLFL",
    "pupil.lesson_step": "LONFFFFFFFMMMLFL",
    "pupil.lesson_done": "LONFFFFFFFMMMLFL",
    "pupil.quiz": "LONFFFFFFFMMMLFL",
    "pupil.quiz_begin": "LONFFFFFFFMMMLFL",
    "pupil.quiz_attempt": "LONFFFFFFFMMMLFL",
    "pupil.quiz_result": "LONFFFFFFFMMMLFL",
    "pupil.tell": "LOOFFFFFFFMMMLFL",
    "pupil.tell_sent": "LOOFFFFFFFMMMLFL",
    "pupil.tell_history": "LOOFFFFFFFMMMLFL",
    "family.home": "LFFOOFFFFFMMMLOL",
    "family.child": "LFFONFFFFFMMMLNL",
    "family.link": "LFFOOFFFFFMMMLOL",
    "family.unlink": "LFFONFFFFFMMMLNL",
    "family.delete_account": "LFFOOFFFFFMMMLOL",
    "family.consent_form": "LFFONFFFFFMMMLNL",
    "teacher.home": "LFFFFOOFOOMMMLFL",
    "teacher.create_class": "LFFFFOOFOOMMMLFL",
    "teacher.school_coverage": "LFFFFFFFOFMMMLFL",
    "teacher.evidence": "LFFFFFFFOFMMMLFL",
    "teacher.evidence_csv": "LFFFFFFFOFMMMLFL",
    "teacher.class_view": "LFFFFONFONMMMLFL",
    "teacher.rename_class": "LFFFFONFONMMMLFL",
    "teacher.archive_class": "LFFFFONFONMMMLFL",
    "teacher.add_co_teacher": "LFFFFONFONMMMLFL",
    "teacher.add_pupils": "LFFFFONFONMMMLFL",
    "teacher.cards": "LFFFFONFONMMMLFL",
    "teacher.work": "LFFFFONFONMMMLFL",
    "teacher.remove_work": "LFFFFONFONMMMLFL",
    "teacher.baseline": "LFFFFONFONMMMLFL",
    "teacher.open_check": "LFFFFONFONMMMLFL",
    "teacher.set_gap_lessons": "LFFFFONFONMMMLFL",
    "teacher.class_progress": "LFFFFONFONMMMLFL",
    "teacher.progress_csv": "LFFFFONFONMMMLFL",
    "teacher.misconceptions": "LFFFFONFONMMMLFL",
    "teacher.class_coverage": "LFFFFONFONMMMLFL",
    "teacher.coverage_csv": "LFFFFONFONMMMLFL",
    "teacher.pupil": "LFFFFONFONMMMLFL",
    "teacher.pupil_csv": "LFFFFONFONMMMLFL",
    "teacher.reset_pupil": "LFFFFONFONMMMLFL",
    "teacher.remove_pupil": "LFFFFONFONMMMLFL",
    "teacher.parent_code": "LFFFFONFONMMMLFL",
    "teacher.log_concern": "LFFFFONFONMMMLFL",
    "teacher.concern_sent": "LFFFFONFONMMMLFL",
    "teacher.choose_pupil_for_concern": "LFFFFOOFOOMMMLFL",
    "teacher.import_roster_form": "LFFFFOOFOOMMMLFL",
    "teacher.import_roster": "LFFFFOOFOOMMMLFL",
    "teacher.import_preview": "LFFFFOOFOOMMMLFL",
    "teacher.consent_register": "LFFFFONFONMMMLFL",
    "teacher.consent_print": "LFFFFONFONMMMLFL",
    "teacher.unlink_parent": "LFFFFONFONMMMLFL",
    "teacher.withdraw_parent_codes": "LFFFFONFONMMMLFL",
    "teacher.unlock_pictures": "LFFFFONFONMMMLFL",
    "teacher.lessons": "LFFFFOOFOOMMMLFL",
    "teacher.lesson_guide": "LFFFFOOFOOMMMLFL",
    "teacher.present": "LFFFFOOFOOMMMLFL",
    "teacher.presenter": "LFFFFOOFOOMMMLFL",
    "teacher.lesson_plan": "LFFFFOOFOOMMMLFL",
    "teacher.worksheet": "LFFFFOOFOOMMMLFL",
    "teacher.parent_letter": "LFFFFOOFOOMMMLFL",
    "teacher.scheme": "LFFFFOOFOOMMMLFL",
    "teacher.scheme_year": "LFFFFOOFOOMMMLFL",
    "teacher.set_half_term": "LFFFFOOFOOMMMLFL",
    "teacher.reorder_scheme": "LFFFFFFFOFMMMLFL",
    "teacher.reset_scheme": "LFFFFFFFOFMMMLFL",
    "safeguarding.inbox": "LFFFFFFOFFMMMLFL",
    "safeguarding.concern": "LFFFFFFOFFMMMLFL",
    "safeguarding.add_note": "LFFFFFFOFFMMMLFL",
    "safeguarding.add_action": "LFFFFFFOFFMMMLFL",
    "safeguarding.change_status": "LFFFFFFOFFMMMLFL",
    "safeguarding.set_urgency": "LFFFFFFOFFMMMLFL",
    "safeguarding.chronology": "LFFFFFFOFFMMMLFL",
    "safeguarding.chronology_csv": "LFFFFFFOFFMMMLFL",
    "safeguarding.chronology_pdf": "LFFFFFFOFFMMMLFL",
    "safeguarding.concern_csv": "LFFFFFFOFFMMMLFL",
    "safeguarding.concern_pdf": "LFFFFFFOFFMMMLFL",
    "admin.home": "LFFFFFFFOFMMMLFL",
    "admin.settings": "LFFFFFFFOFMMMLFL",
    "admin.pupils": "LFFFFFFFOFMMMLFL",
    "admin.pupil_record": "LFFFFFFFOFMMMLFL",
    "admin.pupil_export": "LFFFFFFFOFMMMLFL",
    "admin.delete_pupil": "LFFFFFFFOFMMMLFL",
    "admin.privacy_register": "LFFFFFFFOFMMMLFL",
    "admin.new_year": "LFFFFFFFOFMMMLFL",
    "admin.undo_new_year": "LFFFFFFFOFMMMLFL",
    "admin.pupil_consent": "LFFFFFFFOFMMMLFL",
    "admin.staff": "LFFFFFFFOFMMMLFL",
    "admin.deactivate_staff": "LFFFFFFFOFMMMLFL",
    "admin.reactivate_staff": "LFFFFFFFOFMMMLFL",
    "admin.toggle_deputy": "LFFFFFFFOFMMMLFL",
    "admin.delete_staff": "LFFFFFFFOFMMMLFL",
}
SIGN_IN_PATHS = ("/login", "/pupil/login")


def _outcome(response) -> str:
    if response.status_code == 403:
        return "F"
    if response.status_code == 404:
        return "N"
    if response.status_code in (301, 302, 303) and response.headers["Location"].split("?")[0] in SIGN_IN_PATHS:
        return "L"
    if response.status_code in (301, 302, 303) and response.headers["Location"].startswith("/second-factor"):
        return "M"
    if response.status_code == 401:
        return "L"
    return "O" if response.status_code < 500 else f"5xx({response.status_code})"


def test_every_route_is_in_the_table(app):
    """No route exists without a declared expectation for every role (static files excepted)."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert endpoints - set(EXPECTED) == set(), "declare who may use these routes"
    assert set(EXPECTED) - endpoints == set(), "these rows name routes that no longer exist"
    assert all(len(row) == len(COLUMNS) for row in EXPECTED.values())


def test_role_matrix(app, world, sign_in):
    """Each route gives each role and user state exactly the declared outcome; nobody gets another's data by
    changing an id, and a password without the second factor reaches nothing but the second-factor page."""
    ids = values(world)
    clients = {"anon": app.test_client()}
    for role, user in users(world).items():
        clients[role] = app.test_client()
        sign_in(clients[role], user)
    for state, user in world.state_users.items():
        clients[state] = app.test_client()
        sign_in(clients[state], user, second_factor=not state.endswith("1f"))
    put_into_states(world)
    surprises = []
    cells = 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if rule.endpoint == "static":
            continue
        path = rule.build(ids, append_unknown=False)[1]
        for role, expected in zip(COLUMNS, EXPECTED[rule.endpoint]):
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
    assert cells > 900


def test_deny_by_default_for_posts(app, world, sign_in):
    """Every POST route refuses an anonymous request (sign in first) or the wrong role, never a silent success."""
    anonymous = app.test_client()
    open_to_all = {"auth.login", "auth.pupil_login", "parents.register", "auth.card", "auth.pupil_pick",
                   "auth.pupil_passcode"}
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in open_to_all:
            continue
        path = rule.build(values(world), append_unknown=False)[1]
        response = anonymous.post(path)
        assert _outcome(response) == "L", f"POST {path} without signing in gave {response.status_code}"


def test_single_factor_dsl_is_refused_concerns(app, world, sign_in):
    """A DSL who has not passed the authenticator step cannot read a concern, even by its id."""
    client = app.test_client()
    sign_in(client, world.dsl, second_factor=False)
    response = client.get(f"/concerns/{world.concern.id}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/second-factor")
    assert "someone was mean" not in client.get(f"/concerns/{world.concern.id}", follow_redirects=True) \
        .get_data(as_text=True)
