"""The signed-in person's session: the second factor held for every route, shared classroom computers,
and the settings that keep sessions unforgeable (security review findings 1, 2, 10, 14, 16-20)."""

import os
import re
import stat

import pytest
import sqlalchemy as sa

from esafety import create_app, sessions, signed_in
from esafety.config import ConfigError
from esafety.extensions import db
from esafety.models import Concern, ParentLink, ParentLinkCode, User

from . import factories


def _code_count() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(ParentLinkCode))


@pytest.mark.parametrize("who", ["admin", "dsl", "teacher_dsl"])
def test_password_only_staff_reach_no_pupil_class_or_card(client, school, sign_in, who):
    """With only the password of a DSL, an admin or a teacher who is also DSL, every page and action that shows
    or changes a pupil, a class, a concern, an export, a link code or a card goes to the second factor."""
    user = {"admin": school.admin, "dsl": school.dsl, "teacher_dsl": school.teacher}[who]
    if who == "teacher_dsl":
        user.is_dsl = True
        db.session.commit()
    sign_in(client, user, second_factor=False)
    pupil, klass = school.pupil, school.ks2
    gets = ["/teacher/", f"/teacher/classes/{klass.id}", f"/teacher/classes/{klass.id}/progress.csv",
            f"/teacher/pupils/{pupil.id}", f"/teacher/classes/{klass.id}/cards", "/concerns/",
            f"/admin/pupils/{pupil.id}/export.json", "/family/", "/pupil/"]
    for path in gets:
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/second-factor"), path
    passcode = pupil.passcode
    for path in (f"/teacher/pupils/{pupil.id}/reset", f"/teacher/pupils/{pupil.id}/parent-code",
                 f"/teacher/classes/{klass.id}/cards", f"/teacher/pupils/{pupil.id}/remove"):
        response = client.post(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/second-factor"), path
    db.session.expire_all()
    assert db.session.get(User, pupil.id).passcode == passcode and _code_count() == 0
    assert db.session.get(User, pupil.id).active
    assert client.get("/parents/").status_code == 200  # public pages stay open


def _sign_in_at(client, user, monkeypatch, sign_in, when: float):
    monkeypatch.setattr(sessions.time, "time", lambda: when)
    sign_in(client, user)


def test_a_pupil_left_idle_is_signed_out_on_the_server(client, school, sign_in, monkeypatch):
    """After 20 idle minutes the next child at the computer meets the sign-in page, not the last child's work."""
    _sign_in_at(client, school.pupil, monkeypatch, sign_in, 1_000_000)
    monkeypatch.setattr(sessions.time, "time", lambda: 1_000_000 + 19 * 60)
    assert client.get("/pupil/").status_code == 200
    monkeypatch.setattr(sessions.time, "time", lambda: 1_000_000 + 19 * 60 + 21 * 60)
    response = client.get("/pupil/")
    assert response.headers["Location"] == "/pupil/login"
    assert "nobody used this computer for a while" in client.get("/pupil/login").get_data(as_text=True)


def test_a_busy_pupil_session_still_ends_at_its_cap(client, school, sign_in, monkeypatch):
    """A pupil clicking every few minutes is signed out after the absolute cap (3 hours)."""
    _sign_in_at(client, school.pupil, monkeypatch, sign_in, 2_000_000)
    for minute in range(10, 181, 10):
        monkeypatch.setattr(sessions.time, "time", lambda m=minute: 2_000_000 + m * 60)
        assert client.get("/pupil/").status_code == 200
    monkeypatch.setattr(sessions.time, "time", lambda: 2_000_000 + 181 * 60)
    assert client.get("/pupil/").status_code == 302


def test_pupil_sign_in_page_offers_a_fresh_sign_in_to_the_next_child(client, school, sign_in):
    """A browser still signed in as Dev shows "Not Dev L.? Sign out", and signing out lets Esme in as herself."""
    sign_in(client, school.pupil)
    page = client.get("/pupil/login")
    assert page.status_code == 200 and "Not Dev L.? Sign out" in page.get_data(as_text=True)
    assert client.post("/logout").headers["Location"] == "/pupil/login"
    esme = school.ks2_pupils[1]
    sign_in(client, esme)
    assert "Esme L." in client.get("/pupil/").get_data(as_text=True)


def test_tell_says_whose_name_it_is_sent_in_and_hides_history_behind_pictures(client, school, sign_in):
    """The Tell form names the pupil, large; earlier reports show only after the pupil's own pictures."""
    sign_in(client, school.pupil)
    page = client.get("/pupil/tell").get_data(as_text=True)
    assert "You are telling as <strong>Dev L.</strong>" in page
    client.post("/pupil/tell", data={"key": "k" * 24, "category": "unkind", "words": "", "talk": "no"})
    sent = client.get(f"/pupil/tell/sent?concern_id={db.session.scalar(sa.select(Concern.id))}")
    assert "Things you have told" not in sent.get_data(as_text=True)
    history = client.get("/pupil/tell/history").get_data(as_text=True)
    assert "Press your 3 secret pictures first" in history and "Sent. An adult will read it." not in history
    for picture in ("dog", "dog", "dog"):
        wrong = client.post("/pupil/tell/history", data={"picture": picture})
    assert wrong.status_code == 401
    for picture in factories.PASSCODE.split("-"):
        client.post("/pupil/tell/history", data={"picture": picture})
    assert "Sent. An adult will read it." in client.get("/pupil/tell/history").get_data(as_text=True)


def test_school_can_sign_pupils_out_after_a_tell(client, school, sign_in):
    """With the school setting on, the pupil sees the confirmation and the computer is signed out."""
    school.school.sign_out_after_tell = True
    db.session.commit()
    sign_in(client, school.pupil)
    response = client.post("/pupil/tell", data={"key": "s" * 24, "category": "upsetting", "words": "", "talk": "yes"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "You did the right thing" in text and "You have been signed out" in text
    assert client.get("/pupil/").headers["Location"].startswith("/pupil/login")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Concern)) == 1


def test_a_tell_sent_after_the_session_ran_out_is_kept_for_the_same_pupil(client, school, sign_in, monkeypatch):
    """Typing a long Tell past the idle limit loses nothing: after signing in again the words are back."""
    _sign_in_at(client, school.pupil, monkeypatch, sign_in, 3_000_000)
    monkeypatch.setattr(sessions.time, "time", lambda: 3_000_000 + 25 * 60)
    client.post("/pupil/tell", data={"key": "d" * 24, "category": "contact", "words": "a man in the game", "talk": "yes"})
    sign_in(client, school.pupil)
    page = client.get("/pupil/tell").get_data(as_text=True)
    assert "a man in the game" in page and "Your words are still here" in page


@pytest.mark.parametrize("form", [{"category": "unkind", "words": "first"}, {"key": "", "category": "unkind", "words": "x"}])
def test_a_tell_without_its_hidden_key_is_saved_not_a_500(client, school, sign_in, form):
    """A missing or empty key never crashes and never merges two different reports."""
    sign_in(client, school.pupil)
    first = client.post("/pupil/tell", data={**form, "talk": "no"})
    second = client.post("/pupil/tell", data={**form, "words": "something else", "talk": "no"})
    assert first.status_code == second.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Concern)) == 2


@pytest.mark.parametrize("key", ["x", "changeme", "a" * 40, "testing-only-secret"])
def test_production_refuses_a_guessable_secret_key(monkeypatch, tmp_path, key):
    """A short, well-known or repetitive key stops production with why and how to make one."""
    monkeypatch.setenv("ESAFETY_ENV", "production")
    monkeypatch.setenv("ESAFETY_SECRET_KEY", key)
    with pytest.raises(ConfigError, match="token_hex"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}"})


def test_session_cookie_is_secure_in_production_whatever_a_test_sets(monkeypatch, tmp_path):
    """The Secure flag comes from the environment: it is on in production even if asked to be off."""
    monkeypatch.setenv("ESAFETY_ENV", "production")
    monkeypatch.setenv("ESAFETY_SECRET_KEY", os.urandom(32).hex())
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}", "SESSION_COOKIE_SECURE": False})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_development_database_and_key_are_private(monkeypatch, tmp_path):
    """The SQLite file and the development key are created readable by their owner only."""
    monkeypatch.setenv("ESAFETY_ENV", "development")
    monkeypatch.delenv("ESAFETY_SECRET_KEY", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'dev.db'}"})
    key_file = os.path.join(app.instance_path, "secret_key")  # made by this app if it was not there yet
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "dev.db").st_mode) == 0o600


def test_next_with_a_control_character_is_refused_cleanly(client, school):
    """`/\\r//host` in next is ignored: the sign-in lands on the home page, not a 500."""
    response = client.post("/login?next=/%0D//evil.example", data={"email": school.teacher.email,
                                                                    "password": factories.PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/teacher/"


def test_untrusted_host_is_refused_and_cards_use_the_base_url(make_app, school, sign_in):
    """A forged Host header gets 400; login-card QR links use ESAFETY_BASE_URL, never the request's host."""
    app = make_app(TRUSTED_HOSTS=["esafety.school.example", "localhost"], BASE_URL="https://esafety.school.example")
    client = app.test_client()
    refused = client.get("/", headers={"Host": "evil.example"})
    assert refused.status_code == 400 and "evil.example" not in refused.get_data(as_text=True)
    sign_in(client, school.teacher)  # the test client's host is localhost; links must not use it
    code_page = client.post(f"/teacher/pupils/{school.pupil.id}/parent-code").get_data(as_text=True)
    assert "https://esafety.school.example/parents/register" in code_page and "localhost" not in code_page
    from esafety.teacher.routes import card_for

    with app.test_request_context("/", headers={"Host": "localhost"}):
        assert card_for(school.pupil, "tok")["link"] == "https://esafety.school.example/card/tok"


def test_card_pages_are_not_stored_and_reprinting_ends_old_card_sessions(app, client, school, sign_in, monkeypatch):
    """The card page is no-store and no-referrer; new cards end sessions opened with the old ones; cards expire."""
    tokens = iter(f"card-token-{n:03d}-{'y' * 20}" for n in range(100))
    monkeypatch.setattr("esafety.teacher.routes.new_card_token", lambda: next(tokens))
    teacher = app.test_client()
    sign_in(teacher, school.teacher)
    teacher.post(f"/teacher/classes/{school.ks2.id}/cards")
    token = "card-token-000-" + "y" * 20  # the first pupil of the class: Dev
    scanned = client.get(f"/card/{token}")
    assert scanned.headers["Cache-Control"] == "no-store" and scanned.headers["Referrer-Policy"] == "no-referrer"
    client.post("/card")
    assert client.get("/pupil/").status_code == 200
    teacher.post(f"/teacher/classes/{school.ks2.id}/cards")
    assert client.get("/pupil/").status_code == 302
    db.session.expire_all()
    expires = db.session.get(User, school.pupil.id).card_expires_at
    assert expires is not None and 100 < (expires - db.session.get(User, school.pupil.id).created_at).days < 140


def test_staff_see_and_remove_parent_links_and_withdraw_codes(app, client, school, sign_in):
    """The teacher sees who is linked, removes the link (the parent loses the child), and withdraws unused codes."""
    sign_in(client, school.teacher)
    page = client.get(f"/teacher/pupils/{school.pupil.id}").get_data(as_text=True)
    assert "parent@test.example" in page
    client.post(f"/teacher/pupils/{school.pupil.id}/parent-code")
    assert "1 link code is not used yet" in client.get(f"/teacher/pupils/{school.pupil.id}").get_data(as_text=True)
    link_id = db.session.scalar(sa.select(ParentLink.id).where(ParentLink.pupil_id == school.pupil.id))
    client.post(f"/teacher/pupils/{school.pupil.id}/parents/{link_id}/remove")
    client.post(f"/teacher/pupils/{school.pupil.id}/parent-codes/withdraw")
    parent = app.test_client()
    sign_in(parent, school.parent)
    assert parent.get(f"/family/children/{school.pupil.id}").status_code == 404
    assert _code_count() == 0
    other = school.ks1_pupil  # another teacher's pupil: no link of it can be removed from here
    other_link = db.session.scalar(sa.select(ParentLink.id).where(ParentLink.pupil_id == other.id))
    assert client.post(f"/teacher/pupils/{other.id}/parents/{other_link}/remove").status_code == 404


def test_a_link_code_dies_when_the_pupil_leaves(app, client, school, sign_in):
    """A code made before a pupil was removed links nobody afterwards."""
    from esafety.linking import new_code, redeem

    code = new_code(school.pupil, school.teacher)
    db.session.commit()
    sign_in(client, school.teacher)
    client.post(f"/teacher/pupils/{school.pupil.id}/remove")
    db.session.expire_all()
    child, message = redeem(school.other_parent, code)
    assert child is None and "did not work" in message


def test_this_school_shows_the_viewers_own_school(app, client, school, sign_in):
    """A parent of a second school sees their school's DSL; an anonymous visitor chooses a school."""
    other = factories.make_school("Brook Primary")
    other.dsl_name = "Mr Brook DSL"
    parent = factories.make_parent("brook@test.example", other)
    db.session.commit()
    assert "Which school?" in client.get("/parents/this-school").get_data(as_text=True)
    sign_in(client, parent)
    assert "Mr Brook DSL" in client.get("/parents/this-school").get_data(as_text=True)


def test_archiving_a_class_ends_its_pupils_sessions(app, client, school, sign_in):
    """A pupil signed in when their class is archived is signed out at once."""
    sign_in(client, school.pupil)
    teacher = app.test_client()
    sign_in(teacher, school.teacher)
    teacher.post(f"/teacher/classes/{school.ks2.id}/archive")
    assert client.get("/pupil/").status_code == 302


def _session_cookie(client) -> str:
    return client.get_cookie("esafety_session").value


def test_a_remembered_session_cookie_is_still_checked_every_time(client, school, sign_in):
    """A worker remembers a cookie it has verified, but an altered copy of it is refused, and so is the very same
    cookie once its pupil has signed out (the session version moved on)."""
    sign_in(client, school.pupil)
    assert client.get("/pupil/").status_code == 200
    genuine = _session_cookie(client)
    assert client.get("/pupil/").status_code == 200  # the remembered cookie
    payload, _, signature = genuine.rpartition(".")
    client.set_cookie("esafety_session", payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:])
    assert client.get("/pupil/").status_code == 302  # to sign-in
    client.set_cookie("esafety_session", genuine)
    assert client.get("/pupil/").status_code == 200
    client.post("/logout")
    client.set_cookie("esafety_session", genuine)  # replayed, say from a copy taken before sign-out
    response = client.get("/pupil/")
    assert response.status_code == 302 and "/pupil/login" in response.headers["Location"]


def test_a_remembered_session_cookie_still_expires(client, school, sign_in, monkeypatch):
    """A cookie older than the session lifetime is refused even by a worker that remembers verifying it."""
    from esafety import session_cookie

    sign_in(client, school.teacher)
    assert client.get("/teacher/").status_code == 200
    later = session_cookie.time.time() + 8 * 3600 + 60

    class Later:
        @staticmethod
        def time():
            return later

    monkeypatch.setattr(session_cookie, "time", Later)
    response = client.get("/teacher/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_every_page_reads_the_signed_in_account_once(client, school, sign_in, queries):
    """The signed-in person (and a pupil's class) is one statement per request, whichever page draws them:
    a page or template reaching past the columns read for every request would read the account again."""
    pages = {school.pupil: ("/pupil/", "/pupil/lessons/ks2-safe/step/1", "/pupil/tell"),
             school.teacher: ("/teacher/", f"/teacher/classes/{school.ks2.id}")}
    for person, paths in pages.items():
        sign_in(client, person)
        for path in paths:
            with queries() as statements:
                assert client.get(path).status_code == 200
            # one account's columns by its id, whoever reads them (not a class's pupils)
            reads = [s for s in statements if "session_version" in s and re.search(r'user"?\.id = (\?|%\(|\$\d)', s)]
            assert len(reads) == 1, (path, reads)
        client.post("/logout")


def test_the_signed_in_person_is_read_only_and_never_taken_for_the_account(app, school):
    """A change to the signed-in person would be lost with the request, and handing them to the ORM would
    save a stranger's row: both are refused at once; the account itself is one attribute away."""
    with app.test_request_context("/pupil/"):
        person = signed_in.load(school.pupil.id)
        assert (person.display_name, person.school_class.key_stage) == (school.pupil.display_name, "KS2")
        # Role flags are booleans on both databases, as the account's are (SQLite stores 0 and 1).
        assert (person.is_teacher, person.active) == (False, True)
        assert all(type(getattr(person, flag)) is bool for flag in ("is_teacher", "is_dsl", "is_admin", "active"))
        with pytest.raises(AttributeError, match="read-only"):
            person.session_version = 99
        assert person.account is db.session.get(User, school.pupil.id)
        assert person.account.passcode == school.pupil.passcode  # what the columns leave out, from the account
        link = ParentLink(pupil=person)
        with pytest.raises(AttributeError, match="_sa_instance_state"):  # not an entity: the ORM finds no state
            db.session.add(link)
        db.session.rollback()
