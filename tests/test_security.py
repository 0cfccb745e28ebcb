"""CSRF on every state change, security headers on every response, no third-party origins, and fuzzed input
that never produces a 500 or a stack trace."""

import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from esafety.extensions import db

from . import factories, pages
from .matrix import ROLES, users as _users, values as _values

NASTY = ["", " ", "0", "-1", "99999999999999999999", "1e9", "null", "[]", "{}", "<script>alert(1)</script>",
         "'; DROP TABLE user; --", "../../etc/passwd", "%00", "\x00", "碁\\\\ &lt;&amp;", "😀" * 50, "a" * 100_000,
         "=HYPERLINK(\"http://x\")", "javascript:alert(1)", "\r\nSet-Cookie: x=1"]


@pytest.fixture
def csrf_app(make_app):
    """The app with CSRF protection on, as in production."""
    return make_app(WTF_CSRF_ENABLED=True)


def test_every_post_without_a_token_is_refused(csrf_app, world, sign_in):
    """Every state-changing route, as a user allowed to use it, refuses a request without a CSRF token."""
    values = _values(world)
    users = _users(world)
    clients = {}
    for role in ("pupil", "parent", "teacher", "dsl", "admin", "tadmin"):
        clients[role] = csrf_app.test_client()
        _sign_in_with_token(clients[role], users[role])
    owner = {"pupil": "pupil", "family": "parent", "teacher": "teacher", "safeguarding": "dsl", "admin": "admin",
             "parents": "pupil", "auth": "teacher", "public": "teacher", "trust": "tadmin"}
    checked = 0
    for rule in csrf_app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        client = clients[owner[rule.endpoint.split(".")[0]]]
        path = rule.build(values, append_unknown=False)[1]
        response = client.post(path, data={"name": "x"})
        assert response.status_code == 400, f"POST {path} without a CSRF token gave {response.status_code}"
        checked += 1
    print(f"\ncsrf: {checked} POST routes refused without a token")
    assert checked >= 30


def _sign_in_with_token(client, user):
    """Sign in through the real forms with their CSRF tokens."""
    import pyotp

    from . import factories, pages

    def token(path):
        html = client.get(path).get_data(as_text=True)
        return pages.csrf_token(html) or ""

    if user.kind == "pupil":
        client.post("/pupil/login", data={"code": user.school_class.join_code, "csrf_token": token("/pupil/login")})
        client.post("/pupil/login/name", data={"pupil": user.id, "csrf_token": token("/pupil/login/name")})
        for picture in factories.PASSCODE.split("-"):
            client.post("/pupil/login/passcode", data={"picture": picture,
                                                       "csrf_token": token("/pupil/login/passcode")})
        return
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD,
                                           "csrf_token": token("/login")})
    assert response.status_code == 302
    if user.needs_second_factor:
        client.post("/second-factor", data={"code": pyotp.TOTP(user.totp_secret).now(),
                                            "csrf_token": token("/second-factor")})


def test_security_headers_on_every_page_for_every_role(app, world, sign_in):
    """Every GET route, as every role, carries the CSP, nosniff, referrer and framing headers; signed-in pages
    are not stored by the browser."""
    values = _values(world)
    users = _users(world)
    failures, checked = [], 0
    for role in ROLES:
        client = app.test_client()
        if role != "anon":
            sign_in(client, users[role])
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods:
                continue
            path = rule.build(values, append_unknown=False)[1]
            response = client.get(path)
            headers = response.headers
            csp = headers.get("Content-Security-Policy", "")
            # A login card's page sends no Referer at all: its address held the card's token.
            referrer = "no-referrer" if path.startswith("/card") else "same-origin"
            ok = ("default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
                  and headers.get("X-Content-Type-Options") == "nosniff"
                  and headers.get("Referrer-Policy") == referrer)
            if role != "anon" and rule.endpoint != "static" and headers.get("Cache-Control") != "no-store":
                ok = False
            if not ok:
                failures.append(f"{role} {path}")
            checked += 1
    print(f"\nheaders: {checked - len(failures)} of {checked} role x page responses compliant")
    assert failures == []
    assert checked > 300


THIRD_PARTY = re.compile(r'(?:src|srcset|data|action|poster)\s*=\s*["\']\s*(?:https?:)?//|<link[^>]+href=["\']\s*(?:https?:)?//',
                         re.I)


def test_no_page_loads_anything_from_another_origin(app, world, sign_in):
    """No page, for any role, loads a script, style, font, image or form target from another site."""
    values = _values(world)
    users = _users(world)
    offenders = []
    for role in ROLES:
        client = app.test_client()
        if role != "anon":
            sign_in(client, users[role])
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            response = client.get(rule.build(values, append_unknown=False)[1])
            if response.mimetype == "text/html" and THIRD_PARTY.search(response.get_data(as_text=True)):
                offenders.append(f"{role} {rule.rule}")
    assert offenders == []


def test_user_input_is_escaped_everywhere(app, world, sign_in):
    """Markup in a pupil's name is shown as text on the teacher's pages, never run."""
    from esafety.extensions import db

    world.pupil.name = "<script>alert(1)</script>"
    db.session.commit()
    client = app.test_client()
    sign_in(client, world.teacher)
    for path in (f"/teacher/classes/{world.ks2.id}", f"/teacher/classes/{world.ks2.id}/progress",
                 f"/teacher/pupils/{world.pupil.id}"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def _form_routes(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and rule.endpoint not in ("auth.logout", "family.delete_account"):
            yield rule


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(data=st.data())
def test_fuzzed_forms_never_crash(app_for_fuzz, data):
    """Random, huge, unicode and hostile values in every form field and query string never give a 500."""
    app, world, clients = app_for_fuzz
    rules = list(_form_routes(app))
    rule = data.draw(st.sampled_from(rules))
    role = {"pupil": "pupil", "family": "parent", "teacher": "teacher", "safeguarding": "dsl", "admin": "admin"}.get(
        rule.endpoint.split(".")[0], "anon")
    values = dict(world.fuzz_values)  # ids read once: an example may delete the row behind one
    values["class_id"] = data.draw(st.sampled_from([values["class_id"], 0, 999999]))
    values["pupil_id"] = data.draw(st.sampled_from([values["pupil_id"], world.ks1_pupil.id, 999999]))
    path = rule.build(values, append_unknown=False)[1]
    names = ["email", "password", "code", "name", "names", "year_group", "choice", "question", "position", "finish",
             "picture", "pupil", "category", "words", "talk", "key", "text", "action", "reason", "status", "activity",
             "due_on", "last_initial", "class_id", "confirm", "corrects", "item-i1", "again", "payload", "action",
             "file", "mis_id", "forename", "class_column", "in_school", "social_media", "target_year"]
    form = data.draw(st.dictionaries(st.sampled_from(names), st.one_of(st.sampled_from(NASTY), st.text(max_size=200)),
                                     max_size=6))
    query = data.draw(st.dictionaries(st.sampled_from(["next", "smart", "kind", "set_only", "page", "q"]),
                                      st.sampled_from(NASTY), max_size=3))
    response = clients[role].post(path, data=form, query_string=query)
    body = response.get_data(as_text=True)
    assert response.status_code < 500, f"POST {path} {form!r} gave {response.status_code}"
    assert "Traceback" not in body


@pytest.fixture
def app_for_fuzz(app, world, sign_in):
    """Signed-in clients for each area, reused across fuzz examples."""
    users = _users(world)
    world.fuzz_values = _values(world)
    clients = {"anon": app.test_client()}
    for role in ("pupil", "parent", "teacher", "dsl", "admin"):
        clients[role] = app.test_client()
        sign_in(clients[role], users[role])
    return app, world, clients


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(data=st.data())
def test_fuzzed_query_strings_and_ids_never_crash(app_for_fuzz, data):
    """Hostile query strings and out-of-range ids on GET pages give clear 4xx answers, never a 500."""
    app, world, clients = app_for_fuzz
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint != "static"]
    rule = data.draw(st.sampled_from(rules))
    values = dict(world.fuzz_values)  # ids read once: an example may delete the row behind one
    for key in ("class_id", "pupil_id", "concern_id", "attempt_id", "assignment_id", "number"):
        values[key] = data.draw(st.sampled_from([values[key], 0, 2**31 - 1]))
    values["lesson_id"] = data.draw(st.sampled_from(["ks2-safe", "ks1-safe", "nope", "a" * 300]))
    values["quiz_id"] = data.draw(st.sampled_from(["age-ks2", "age-ks1", "nope"]))
    values["page_id"] = data.draw(st.sampled_from(["parent-smart", "nope", "..%2f"]))
    values["token"] = data.draw(st.sampled_from(["x", "a" * 500, "matrix-card-token"]))
    path = rule.build(values, append_unknown=False)[1]
    query = data.draw(st.dictionaries(st.sampled_from(["next", "smart", "kind", "set_only", "concern_id", "show"]),
                                      st.sampled_from(NASTY), max_size=3))
    role = data.draw(st.sampled_from(list(clients)))
    response = clients[role].get(path, query_string=query)
    assert response.status_code < 500, f"GET {path} {query!r} as {role} gave {response.status_code}"


def test_a_form_signed_a_while_ago_still_submits(csrf_app, school, monkeypatch):
    """Pages shown within a minute carry the same signed token (signed once, not per page); a minute later a
    new one is signed, and a form still open from before is accepted all the same."""
    from esafety import csrf_tokens

    client = csrf_app.test_client()
    teacher = school.teacher
    login = pages.csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": teacher.email, "password": factories.PASSWORD, "csrf_token": login})
    first = pages.csrf_token(client.get("/teacher/").get_data(as_text=True))  # the session's first token
    a_second_later = time.time() + 1  # a token signed now would carry another time
    monkeypatch.setattr(time, "time", lambda: a_second_later)
    assert first and pages.csrf_token(client.get("/teacher/").get_data(as_text=True)) == first
    wall, monotonic = time.time() + 61, time.monotonic() + csrf_tokens.SIGN_AGAIN_AFTER + 1
    monkeypatch.setattr(time, "time", lambda: wall)  # a minute later, for the signature's time too
    monkeypatch.setattr(time, "monotonic", lambda: monotonic)
    second = pages.csrf_token(client.get("/teacher/").get_data(as_text=True))
    assert second and second != first
    response = client.post("/logout", data={"csrf_token": first})  # the form from the older page
    assert response.status_code == 302 and client.get("/teacher/").status_code == 302  # signed out


SIGN_OUT_TOKEN = re.compile(r'action="/logout"[^>]*>\s*<input type="hidden" name="csrf_token" value="([^"]+)"')


def test_each_session_signs_out_with_its_own_token_whoever_shares_its_name(csrf_app, school):
    """The Sign out form in every signed-in page's header carries the session's own CSRF token (the tokens are
    signed once a minute per session and remembered: csrf_tokens.py): two pupils called Dev L. each sign out with
    their own page's form, and neither's token works for the other."""
    twin = factories.make_pupil(school.ks1, "Dev", "L")
    db.session.commit()
    clients, tokens = {}, {}
    for pupil in (school.pupil, twin):
        client = clients[pupil.id] = csrf_app.test_client()
        _sign_in_with_token(client, pupil)
        html = client.get("/pupil/").get_data(as_text=True)
        assert '<span class="who-name">Dev L.</span>' in html
        tokens[pupil.id] = SIGN_OUT_TOKEN.search(html).group(1)
    assert clients[twin.id].post("/logout", data={"csrf_token": tokens[school.pupil.id]}).status_code == 400
    for pupil_id, client in clients.items():
        assert client.post("/logout", data={"csrf_token": tokens[pupil_id]}).status_code == 302
        assert client.get("/pupil/").status_code == 302, "still signed in after Sign out"
