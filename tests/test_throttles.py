"""Sign-in throttles that hold: counted before they are checked, bounded lock-outs with a way back, no
school-wide shut-out from one address, and Redis shared by app servers (security review findings 3-7, 11, 21).
"""

import logging
import socket

import sqlalchemy as sa

from esafety.extensions import db
from esafety.models import AuditLog, User

from . import factories

WRONG = ("dog", "dog", "dog")


def _press(client, pupil, pictures) -> int:
    """Go through the three pupil sign-in steps; the status of the last picture press."""
    client.post("/pupil/login", data={"code": pupil.school_class.join_code})
    client.post("/pupil/login/name", data={"pupil": pupil.id})
    response = None
    for picture in pictures:
        response = client.post("/pupil/login/passcode", data={"picture": picture})
    return response.status_code


def _client(app, address: str):
    """A test client whose requests come from this address (another machine)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_teacher_reset_clears_a_pupils_lock_out(make_app, school, sign_in):
    """A pupil locked out by a classmate's wrong pictures signs in with the new pictures straight after a reset."""
    app = make_app(PUPIL_LIMIT="3 per 15 minutes; 20 per day")
    guesser = _client(app, "10.0.0.5")
    assert [_press(guesser, school.pupil, WRONG) for _ in range(4)] == [401, 401, 401, 429]
    victim = _client(app, "10.0.0.6")
    assert _press(victim, school.pupil, factories.PASSCODE.split("-")) == 429  # locked out, from anywhere
    teacher = app.test_client()
    sign_in(teacher, school.teacher)
    teacher.post(f"/teacher/pupils/{school.pupil.id}/reset")
    db.session.expire_all()
    new_pictures = db.session.get(User, school.pupil.id).passcode.split("-")
    assert _press(victim, school.pupil, new_pictures) == 302


def test_guessing_across_a_class_is_limited_and_shown_to_the_teacher(make_app, school, sign_in):
    """Wrong pictures spread over a class hit the class budget; the teacher sees who was targeted and can undo it."""
    app = make_app(CLASS_PICTURE_LIMIT="4 per hour")
    guesser = _client(app, "10.0.0.7")
    dev, esme, femi = school.ks2_pupils
    statuses = [_press(guesser, pupil, WRONG) for pupil in (dev, esme, dev, esme, femi)]
    assert statuses == [401, 401, 401, 401, 429]
    assert _press(_client(app, "10.0.0.8"), femi, factories.PASSCODE.split("-")) == 429
    teacher = app.test_client()
    sign_in(teacher, school.teacher)
    page = teacher.get(f"/teacher/classes/{school.ks2.id}").get_data(as_text=True)
    assert "Wrong secret pictures today" in page
    assert "Dev L.</a>: 2 wrong tries" in page and "Esme L.</a>: 2 wrong tries" in page
    teacher.post(f"/teacher/classes/{school.ks2.id}/pictures-unlock")
    assert _press(_client(app, "10.0.0.8"), femi, factories.PASSCODE.split("-")) == 302


def test_failed_pupil_sign_in_is_logged_against_the_target_not_as_them(client, school):
    """The audit blames nobody signed in, names the targeted pupil and the network the guess came from."""
    client.environ_base["REMOTE_ADDR"] = "203.0.113.77"
    _press(client, school.pupil, WRONG)
    entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "sign-in failed"))
    assert entry.actor_id is None and entry.target == f"pupil:{school.pupil.id}"
    assert entry.detail == "pupil passcode from 203.0.113.0/24"


def test_a_known_device_is_not_locked_out_by_guesses_elsewhere(make_app, school, sign_in):
    """Guesses from elsewhere lock a DSL's account for new browsers only; the DSL's own computer still signs in."""
    app = make_app(LOGIN_LIMIT_ACCOUNT="3 per 15 minutes; 40 per day")
    own_computer = app.test_client()
    sign_in(own_computer, school.dsl)  # password and second factor: this browser is now known
    own_computer.post("/logout")
    for address in ("10.1.0.1", "10.1.0.2", "10.1.0.3", "10.1.0.4"):
        _client(app, address).post("/login", data={"email": school.dsl.email, "password": "guess"})
    new_browser = _client(app, "10.1.0.9")
    refused = new_browser.post("/login", data={"email": school.dsl.email, "password": factories.PASSWORD})
    assert refused.status_code == 429 and "signed in on this computer before" in refused.get_data(as_text=True)
    signed_in = own_computer.post("/login", data={"email": school.dsl.email, "password": factories.PASSWORD})
    assert signed_in.status_code == 302 and signed_in.headers["Location"].startswith("/second-factor")


def test_wrong_class_codes_from_a_shared_address_do_not_shut_out_known_computers(make_app, school, sign_in):
    """A script on the school's address spends the address's class-code budget; classroom computers used before
    (a pupil signed in on them) still get in with the right code."""
    app = make_app(CLASS_CODE_LIMIT="5 per minute")
    classroom = _client(app, "198.51.100.10")
    sign_in(classroom, school.pupil)
    classroom.post("/logout")
    script = _client(app, "198.51.100.10")
    assert [script.post("/pupil/login", data={"code": "WRONG1"}).status_code for _ in range(6)][-1] == 429
    assert classroom.post("/pupil/login", data={"code": "WHEAT7"}).status_code == 302


def test_the_right_code_after_many_wrong_ones_from_a_new_browser_waits(make_app, school):
    """From a browser never signed in on, the address budget holds (so class codes cannot be enumerated)."""
    app = make_app(CLASS_CODE_LIMIT="3 per minute")
    browser = _client(app, "198.51.100.11")
    statuses = [browser.post("/pupil/login", data={"code": "WRONG1"}).status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]
    assert "Too many wrong class codes" in browser.post("/pupil/login", data={"code": "WHEAT7"}).get_data(as_text=True)


def test_login_cards_are_never_throttled(client, school):
    """Hundreds of bad card links from one address leave a real card working (160-bit tokens need no throttle)."""
    from esafety.passcodes import token_hash

    school.pupil.card_token_hash = token_hash("a-real-card-token-for-dev")
    db.session.commit()
    assert all(client.get(f"/card/bad-{n}").status_code == 401 for n in range(150))
    assert client.get("/card/a-real-card-token-for-dev").status_code == 302


def test_parent_registration_throttle_is_per_address(make_app):
    """Mass registrations from one address are stopped there, and do not stop a family elsewhere."""
    app = make_app(REGISTER_LIMIT_ADDRESS="3 per hour")
    junk = _client(app, "192.0.2.50")

    def form(n):
        return {"name": "X", "email": f"x{n}@example.com", "password": "a long junk passphrase",
                "confirm": "a long junk passphrase"}

    assert [junk.post("/parents/register", data=form(n)).status_code for n in range(4)] == [302, 302, 302, 429]
    family = _client(app, "192.0.2.99")
    response = family.post("/parents/register", data={
        "name": "Sam Carer", "email": "sam@example.com", "password": "a long family passphrase",
        "confirm": "a long family passphrase"})
    assert response.status_code == 302


def test_registration_does_not_say_whether_an_email_has_an_account(client, school):
    """Registering an address that exists (a teacher's) looks exactly like registering a new one."""
    def register(email):
        response = client.post("/parents/register", data={
            "name": "Someone", "email": email, "password": "a long family passphrase",
            "confirm": "a long family passphrase"})
        return response.status_code, response.headers.get("Location"), client.get("/login").get_data(as_text=True)

    existing, new = register(school.teacher.email), register("brand-new@example.com")
    assert existing[:2] == new[:2] == (302, "/login")
    assert "If that email address is new to us" in existing[2] and "If that email address is new to us" in new[2]
    assert db.session.scalar(sa.select(User).where(User.email == school.teacher.email)).kind == "staff"


def test_redis_down_fails_open_and_says_so(make_app, school, caplog):
    """With the throttle storage unreachable, sign-in still works (no school locked out) and the log says why."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    app = make_app(RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{closed_port}")
    caplog.set_level(logging.WARNING, logger="esafety.throttle")
    response = app.test_client().post("/login", data={"email": school.teacher.email, "password": factories.PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/teacher/"
    assert "was NOT throttled" in caplog.text


def test_second_factor_codes_are_throttled_before_they_are_checked(make_app, school, sign_in):
    """After the limit, even the right authenticator code waits: guesses cannot race the counter."""
    import pyotp

    app = make_app(SECOND_FACTOR_LIMIT="3 per 15 minutes")
    client = app.test_client()
    sign_in(client, school.dsl, second_factor=False)
    statuses = [client.post("/second-factor", data={"code": "000000"}).status_code for _ in range(3)]
    right = client.post("/second-factor", data={"code": pyotp.TOTP(school.dsl.totp_secret).now()})
    assert statuses == [400, 400, 400] and right.status_code == 429

