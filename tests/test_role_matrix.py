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
# pupil2 is a KS1 pupil, parent2 a parent of a KS1 pupil, teacher2 teaches only KS1, xteacher is at another school;
# tadmin is the admin of the trust the school belongs to, sibling an admin, DSL and teacher of another school of
# the same trust (trust routes use the school and its admin).
# Then the states (tests/matrix.py): dsl1f, admin1f and tdsl1f gave only a password; archived is a pupil of an
# archived class, unlinked a parent whose link to Dev staff removed, disabled a teacher whose account was
# disabled; trust1f the trust admin who gave only a password.
EXPECTED = {
    "public.index": "OOOOOOOOOOOOOOOOOOO",
    "public.healthz": "OOOOOOOOOOOOOOOOOOO",
    "public.privacy": "OOOOOOOOOOOOOOOOOOO",
    "public.accessibility": "OOOOOOOOOOOOOOOOOOO",
    "parents.index": "OOOOOOOOOOOOOOOOOOO",
    "parents.ages": "OOOOOOOOOOOOOOOOOOO",
    "parents.this_school": "OOOOOOOOOOOOOOOOOOO",
    "parents.page": "OOOOOOOOOOOOOOOOOOO",
    "parents.register": "OOOOOOOOOOOOOOOOOOO",
    "auth.login": "OOOOOOOOOOOOOOOOOOO",
    "auth.pupil_login": "OOOOOOOOOOOOOOOOOOO",
    "auth.pupil_pick": "LLLLLLLLLLLLMMMLLLM",
    "auth.pupil_passcode": "LLLLLLLLLLLLMMMLLLM",
    "auth.card_login": "OOOOOOOOOOOOMMMOOOM",
    "auth.second_factor": "LOOOOOOOOOOOOOOLOLO",
    "auth.logout": "LOOOOOOOOOOOOOOLOLO",
    "auth.card": "LLLLLLLLLLLLMMMLLLM",
    "pupil.home": "LOOFFFFFFFFFMMMLFLM",
    "pupil.lesson": "LONFFFFFFFFFMMMLFLM",
    "pupil.lesson_step": "LONFFFFFFFFFMMMLFLM",
    "pupil.lesson_done": "LONFFFFFFFFFMMMLFLM",
    "pupil.quiz": "LONFFFFFFFFFMMMLFLM",
    "pupil.quiz_begin": "LONFFFFFFFFFMMMLFLM",
    "pupil.quiz_attempt": "LONFFFFFFFFFMMMLFLM",
    "pupil.quiz_result": "LONFFFFFFFFFMMMLFLM",
    "pupil.tell": "LOOFFFFFFFFFMMMLFLM",
    "pupil.tell_sent": "LOOFFFFFFFFFMMMLFLM",
    "pupil.tell_history": "LOOFFFFFFFFFMMMLFLM",
    "family.home": "LFFOOFFFFFFFMMMLOLM",
    "family.child": "LFFONFFFFFFFMMMLNLM",
    "family.link": "LFFOOFFFFFFFMMMLOLM",
    "family.unlink": "LFFONFFFFFFFMMMLNLM",
    "family.delete_account": "LFFOOFFFFFFFMMMLOLM",
    "family.consent_form": "LFFONFFFFFFFMMMLNLM",
    "teacher.home": "LFFFFOOFOOFOMMMLFLM",
    "teacher.create_class": "LFFFFOOFOOFOMMMLFLM",
    "teacher.school_coverage": "LFFFFFFFOFFOMMMLFLM",
    "teacher.evidence": "LFFFFFFFOFFOMMMLFLM",
    "teacher.evidence_csv": "LFFFFFFFOFFOMMMLFLM",
    "teacher.class_view": "LFFFFONFONFNMMMLFLM",
    "teacher.rename_class": "LFFFFONFONFNMMMLFLM",
    "teacher.archive_class": "LFFFFONFONFNMMMLFLM",
    "teacher.add_co_teacher": "LFFFFONFONFNMMMLFLM",
    "teacher.add_pupils": "LFFFFONFONFNMMMLFLM",
    "teacher.cards": "LFFFFONFONFNMMMLFLM",
    "teacher.work": "LFFFFONFONFNMMMLFLM",
    "teacher.remove_work": "LFFFFONFONFNMMMLFLM",
    "teacher.baseline": "LFFFFONFONFNMMMLFLM",
    "teacher.open_check": "LFFFFONFONFNMMMLFLM",
    "teacher.set_gap_lessons": "LFFFFONFONFNMMMLFLM",
    "teacher.class_progress": "LFFFFONFONFNMMMLFLM",
    "teacher.progress_csv": "LFFFFONFONFNMMMLFLM",
    "teacher.misconceptions": "LFFFFONFONFNMMMLFLM",
    "teacher.class_coverage": "LFFFFONFONFNMMMLFLM",
    "teacher.coverage_csv": "LFFFFONFONFNMMMLFLM",
    "teacher.pupil": "LFFFFONFONFNMMMLFLM",
    "teacher.pupil_csv": "LFFFFONFONFNMMMLFLM",
    "teacher.reset_pupil": "LFFFFONFONFNMMMLFLM",
    "teacher.remove_pupil": "LFFFFONFONFNMMMLFLM",
    "teacher.parent_code": "LFFFFONFONFNMMMLFLM",
    "teacher.log_concern": "LFFFFONFONFNMMMLFLM",
    "teacher.concern_sent": "LFFFFONFONFNMMMLFLM",
    "teacher.choose_pupil_for_concern": "LFFFFOOFOOFOMMMLFLM",
    "teacher.import_roster_form": "LFFFFOOFOOFOMMMLFLM",
    "teacher.import_roster": "LFFFFOOFOOFOMMMLFLM",
    "teacher.import_preview": "LFFFFOOFOOFOMMMLFLM",
    "teacher.consent_register": "LFFFFONFONFNMMMLFLM",
    "teacher.consent_print": "LFFFFONFONFNMMMLFLM",
    "teacher.unlink_parent": "LFFFFONFONFNMMMLFLM",
    "teacher.withdraw_parent_codes": "LFFFFONFONFNMMMLFLM",
    "teacher.unlock_pictures": "LFFFFONFONFNMMMLFLM",
    "teacher.lessons": "LFFFFOOFOOFOMMMLFLM",
    "teacher.lesson_guide": "LFFFFOOFOOFOMMMLFLM",
    "teacher.present": "LFFFFOOFOOFOMMMLFLM",
    "teacher.presenter": "LFFFFOOFOOFOMMMLFLM",
    "teacher.lesson_plan": "LFFFFOOFOOFOMMMLFLM",
    "teacher.worksheet": "LFFFFOOFOOFOMMMLFLM",
    "teacher.parent_letter": "LFFFFOOFOOFOMMMLFLM",
    "teacher.scheme": "LFFFFOOFOOFOMMMLFLM",
    "teacher.scheme_year": "LFFFFOOFOOFOMMMLFLM",
    "teacher.set_half_term": "LFFFFOOFOOFOMMMLFLM",
    "teacher.reorder_scheme": "LFFFFFFFOFFOMMMLFLM",
    "teacher.reset_scheme": "LFFFFFFFOFFOMMMLFLM",
    "safeguarding.inbox": "LFFFFFFOFFFOMMMLFLM",
    "safeguarding.concern": "LFFFFFFOFFFNMMMLFLM",
    "safeguarding.add_note": "LFFFFFFOFFFNMMMLFLM",
    "safeguarding.add_action": "LFFFFFFOFFFNMMMLFLM",
    "safeguarding.change_status": "LFFFFFFOFFFNMMMLFLM",
    "safeguarding.set_urgency": "LFFFFFFOFFFNMMMLFLM",
    "safeguarding.chronology": "LFFFFFFOFFFNMMMLFLM",
    "safeguarding.chronology_csv": "LFFFFFFOFFFNMMMLFLM",
    "safeguarding.chronology_pdf": "LFFFFFFOFFFNMMMLFLM",
    "safeguarding.concern_csv": "LFFFFFFOFFFNMMMLFLM",
    "safeguarding.concern_pdf": "LFFFFFFOFFFNMMMLFLM",
    "admin.home": "LFFFFFFFOFFOMMMLFLM",
    "admin.settings": "LFFFFFFFOFFOMMMLFLM",
    "admin.pupils": "LFFFFFFFOFFOMMMLFLM",
    "admin.pupil_record": "LFFFFFFFOFFNMMMLFLM",
    "admin.pupil_export": "LFFFFFFFOFFNMMMLFLM",
    "admin.delete_pupil": "LFFFFFFFOFFNMMMLFLM",
    "admin.privacy_register": "LFFFFFFFOFFOMMMLFLM",
    "admin.new_year": "LFFFFFFFOFFOMMMLFLM",
    "admin.undo_new_year": "LFFFFFFFOFFOMMMLFLM",
    "admin.pupil_consent": "LFFFFFFFOFFNMMMLFLM",
    "admin.staff": "LFFFFFFFOFFOMMMLFLM",
    "admin.deactivate_staff": "LFFFFFFFOFFNMMMLFLM",
    "admin.reactivate_staff": "LFFFFFFFOFFNMMMLFLM",
    "admin.toggle_deputy": "LFFFFFFFOFFNMMMLFLM",
    "admin.delete_staff": "LFFFFFFFOFFNMMMLFLM",
    "trust.home": "LFFFFFFFFFOFMMMLFLM",
    "trust.school_admins": "LFFFFFFFFFOFMMMLFLM",
    "trust.add_school_admin": "LFFFFFFFFFOFMMMLFLM",
    "trust.deactivate_school_admin": "LFFFFFFFFFOFMMMLFLM",
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
