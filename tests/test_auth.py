"""Signing in and out, for every role, and what stops guessing and replayed cookies."""

import re

import pyotp
import pytest

from esafety.extensions import db
from esafety.passcodes import new_card_token, token_hash

from . import factories


def test_staff_sign_in_lands_on_their_home(client, school):
    """A teacher with the right password lands on their classes."""
    response = client.post("/login", data={"email": "Teacher@Test.example ", "password": factories.PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/teacher/"


@pytest.mark.parametrize("email, password", [
    ("teacher@test.example", "wrong password here"),
    ("nobody@test.example", factories.PASSWORD),
])
def test_sign_in_failure_gives_one_generic_message(client, school, email, password):
    """Unknown email and wrong password look the same, so accounts cannot be discovered."""
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 401
    assert "Those details did not match" in response.get_data(as_text=True)


def test_disabled_account_cannot_sign_in(client, school):
    """A disabled member of staff is refused with the same message."""
    school.teacher.active = False
    db.session.commit()
    response = client.post("/login", data={"email": school.teacher.email, "password": factories.PASSWORD})
    assert response.status_code == 401


@pytest.mark.parametrize("target, expected", [
    ("/teacher/", "/teacher/"),
    ("https://evil.example/steal", "/teacher/"),
    ("//evil.example/steal", "/teacher/"),
    ("/\\evil.example", "/teacher/"),
])
def test_next_only_redirects_within_the_site(client, school, target, expected):
    """`next` after sign-in only goes to a path on this site, never another host."""
    response = client.post(f"/login?next={target}", data={"email": school.teacher.email,
                                                         "password": factories.PASSWORD})
    assert response.headers["Location"] == expected


def test_pupil_signs_in_with_class_code_name_and_pictures(client, school):
    """Class code, own name, three pictures: the pupil lands on their lessons."""
    assert client.post("/pupil/login", data={"code": "wheat 7"}).headers["Location"] == "/pupil/login/name"
    names = client.get("/pupil/login/name").get_data(as_text=True)
    assert "Dev L." in names and "Ava K." not in names  # only this class's pupils are listed
    client.post("/pupil/login/name", data={"pupil": school.pupil.id})
    for picture in ("cat", "sun"):
        assert client.post("/pupil/login/passcode", data={"picture": picture}).status_code == 200
    response = client.post("/pupil/login/passcode", data={"picture": "boat"})
    assert response.headers["Location"] == "/pupil/"
    assert "Hello Dev" in client.get("/pupil/").get_data(as_text=True)


def test_wrong_class_code_is_explained(client, school):
    """A mistyped class code says what to do, with a 400, not a crash."""
    response = client.post("/pupil/login", data={"code": "NOPE99"})
    assert response.status_code == 400
    assert "could not find that class code" in response.get_data(as_text=True)


def test_wrong_pictures_start_again(client, school):
    """Wrong pictures are refused kindly, and the pupil can try again."""
    client.post("/pupil/login", data={"code": "WHEAT7"})
    client.post("/pupil/login/name", data={"pupil": school.pupil.id})
    for picture in ("dog", "dog"):
        client.post("/pupil/login/passcode", data={"picture": picture})
    response = client.post("/pupil/login/passcode", data={"picture": "dog"})
    assert response.status_code == 401
    assert "did not match" in response.get_data(as_text=True)
    assert client.get("/pupil/").status_code == 302  # not signed in


def test_pupil_of_another_class_cannot_be_chosen(client, school):
    """Posting the id of a pupil from another class does not let you sign in as them."""
    client.post("/pupil/login", data={"code": "WHEAT7"})
    client.post("/pupil/login/name", data={"pupil": school.ks1_pupil.id})
    response = client.get("/pupil/login/passcode")
    assert response.status_code == 302 and response.headers["Location"] == "/pupil/login"


def test_passcode_guessing_is_throttled_per_account(make_app, school):
    """After repeated wrong pictures one pupil is slowed down; a classmate on the same address is not."""
    app = make_app(PUPIL_LIMIT_ADDRESS="3 per 15 minutes", PUPIL_LIMIT="50 per day")
    client = app.test_client()
    statuses = []
    for _ in range(5):
        client.post("/pupil/login", data={"code": "WHEAT7"})
        client.post("/pupil/login/name", data={"pupil": school.pupil.id})
        for picture in ("dog", "dog", "dog"):
            response = client.post("/pupil/login/passcode", data={"picture": picture})
        statuses.append(response.status_code)
    assert statuses[:3] == [401, 401, 401] and statuses[3] == 429
    assert "Too many wrong tries" in response.get_data(as_text=True)
    classmate = app.test_client()
    classmate.post("/pupil/login", data={"code": "WHEAT7"})
    classmate.post("/pupil/login/name", data={"pupil": school.ks2_pupils[1].id})
    for picture in factories.PASSCODE.split("-"):
        response = classmate.post("/pupil/login/passcode", data={"picture": picture})
    assert response.headers["Location"] == "/pupil/"


def test_staff_password_guessing_is_throttled(make_app, school):
    """Repeated wrong passwords for one account get 429; the right password for another account still works."""
    app = make_app(LOGIN_LIMIT_ACCOUNT_ADDRESS="3 per 15 minutes")
    client = app.test_client()
    codes = [client.post("/login", data={"email": school.teacher.email, "password": "wrong one!"}).status_code
             for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    response = client.post("/login", data={"email": school.other_teacher.email, "password": factories.PASSWORD})
    assert response.status_code == 302


def test_sign_out_ends_the_session_on_the_server(client, school, sign_in):
    """A cookie captured before sign-out is refused afterwards (replay gets the sign-in page)."""
    sign_in(client, school.teacher)
    stolen = client.get_cookie("esafety_session").value
    client.post("/logout")
    replay = client.application.test_client()
    replay.set_cookie("esafety_session", stolen)
    response = replay.get("/teacher/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_session_changes_at_sign_in(client, school):
    """The session cookie before sign-in is not the one after it (no session fixation)."""
    client.get("/login")
    client.post("/pupil/login", data={"code": "WHEAT7"})
    before = client.get_cookie("esafety_session").value
    client.post("/login", data={"email": school.teacher.email, "password": factories.PASSWORD})
    assert client.get_cookie("esafety_session").value != before


def test_disabling_an_account_ends_its_sessions(client, school, sign_in):
    """A teacher disabled by an admin is signed out at their very next request."""
    sign_in(client, school.teacher)
    assert client.get("/teacher/").status_code == 200
    school.teacher.active = False
    db.session.commit()
    assert client.get("/teacher/").status_code == 302


def test_password_change_ends_other_sessions(client, school, sign_in):
    """Changing a password (which bumps the session version) ends sessions elsewhere."""
    sign_in(client, school.teacher)
    school.teacher.set_password("a brand new passphrase")
    school.teacher.end_sessions()
    db.session.commit()
    assert client.get("/teacher/").status_code == 302


def test_login_card_signs_pupil_in_and_can_be_revoked(client, school):
    """A QR card link names the pupil, one press signs them in; a replaced card stops working."""
    token = new_card_token()
    school.pupil.card_token_hash = token_hash(token)
    db.session.commit()
    scanned = client.get(f"/card/{token}")
    assert scanned.headers["Location"] == "/card"  # the token leaves the address bar and history at once
    assert "Dev L." in client.get("/card").get_data(as_text=True)
    assert client.post("/card").headers["Location"] == "/pupil/"
    school.pupil.card_token_hash = token_hash(new_card_token())
    db.session.commit()
    assert client.application.test_client().get(f"/card/{token}").status_code == 401


def test_dsl_needs_the_second_factor(client, school, sign_in):
    """A DSL with only a password is sent to the authenticator step, not to the concerns."""
    sign_in(client, school.dsl, second_factor=False)
    response = client.get("/concerns/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/second-factor")
    code = pyotp.TOTP(school.dsl.totp_secret).now()
    assert client.post("/second-factor", data={"code": code}).status_code == 302
    assert client.get("/concerns/").status_code == 200


def test_a_used_authenticator_code_cannot_be_replayed(app, school, sign_in):
    """The same TOTP code does not work twice."""
    first = app.test_client()
    sign_in(first, school.dsl, second_factor=False)
    code = pyotp.TOTP(school.dsl.totp_secret).now()
    assert first.post("/second-factor", data={"code": code}).status_code == 302
    second = app.test_client()
    sign_in(second, school.dsl, second_factor=False)
    assert second.post("/second-factor", data={"code": code}).status_code == 400


def test_first_time_dsl_sets_up_authenticator_and_gets_recovery_codes(client, school, sign_in):
    """A DSL with no authenticator yet scans a QR code made on the server and gets recovery codes."""
    school.dsl.totp_secret = None
    db.session.commit()
    sign_in(client, school.dsl, second_factor=False)
    page = client.get("/second-factor").get_data(as_text=True)
    assert "<svg" in page and "Set up your authenticator app" in page
    secret = re.search(r'<code[^>]*>([A-Z2-7 ]{32,})</code>', page).group(1).replace(" ", "")  # typed in by hand
    assert client.get("/second-factor").get_data(as_text=True).count(secret[:8]) >= 1  # the same after a reload
    with client.session_transaction() as session:
        assert secret not in str(dict(session))  # never in the (readable) session cookie
    response = client.post("/second-factor", data={"code": pyotp.TOTP(secret).now()})
    body = response.get_data(as_text=True)
    assert "Keep these recovery codes safe" in body
    assert client.get("/concerns/").status_code == 200


def test_unknown_email_takes_as_long_as_a_wrong_password(client, school, monkeypatch):
    """An unknown address still runs the password hash, so response time does not reveal who has an account."""
    calls = []
    import esafety.auth.routes as routes

    real = routes.check_password_hash
    monkeypatch.setattr(routes, "check_password_hash", lambda h, p: calls.append(h) or real(h, p))
    client.post("/login", data={"email": "nobody@test.example", "password": "some password"})
    assert calls == [routes.DUMMY_HASH]
