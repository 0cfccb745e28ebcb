"""Tell: a pupil's report reaches the DSL once, is never lost, is never shown as sent when it was not, and
nobody but the DSL can read it."""

import re
import time
from types import SimpleNamespace

import itsdangerous.timed
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from esafety import concerns
from esafety.extensions import db
from esafety.models import AuditLog, Concern, ConcernEntry

from . import factories, pages
from .pages import WORDS, hidden_fields, send, tell_form

def concern_count() -> int:
    """How many concerns the database holds."""
    db.session.commit()  # end the test's own read, so it sees what requests committed
    return db.session.scalar(sa.select(sa.func.count()).select_from(Concern))


def test_pupil_sends_a_tell_and_is_reassured(client, school, sign_in):
    """Sending a Tell leads to a thank-you page, Childline and CEOP, and the report arrives with the words."""
    sign_in(client, school.pupil)
    response = send(client)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You did the right thing" in page and "You are not in trouble" in page
    assert "0800 1111" in page and "CEOP" in page
    assert "An adult will come and talk to you soon" in page
    assert "Sent. An adult will read it." not in page  # earlier reports need the pupil's pictures first
    concern = db.session.scalar(sa.select(Concern))
    assert (concern.pupil_name, concern.class_name, concern.category) == ("Dev L.", "Year 5 Ash", "photo-or-meet")
    assert concern.wants_to_talk and concern.source == "pupil"
    assert [e.text for e in concern.entries] == [WORDS]


def test_resubmitting_the_same_form_records_the_report_once(client, school, sign_in):
    """Pressing Send twice (or the browser resending) makes one report, and both presses say sent."""
    sign_in(client, school.pupil)
    fields = tell_form(client)
    data = {**fields, "category": "unkind", "words": "They called me names", "talk": "no"}
    first = client.post("/pupil/tell", data=data)
    second = client.post("/pupil/tell", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert concern_count() == 1


def test_a_tell_needs_a_choice_and_keeps_the_words(client, school, sign_in):
    """Forgetting to press a picture shows a friendly message and keeps what the child typed."""
    sign_in(client, school.ks1_pupil)
    response = send(client, category="")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Press the picture that fits best." in page and WORDS in page
    assert concern_count() == 0


def test_sent_page_never_says_sent_for_a_report_that_does_not_exist(client, school, sign_in):
    """Opening the thank-you page without having sent anything goes back to the Tell page."""
    sign_in(client, school.pupil)
    response = client.get("/pupil/tell/sent?concern_id=999")
    assert response.status_code == 302 and response.headers["Location"].endswith("/pupil/tell")


_csrf_token = pages.csrf_token


def _csrf_pupil_sign_in(client, pupil) -> None:
    """Sign a pupil in on an app that checks CSRF tokens, taking each token from the page."""
    token = _csrf_token(client.get("/pupil/login").get_data(as_text=True))
    client.post("/pupil/login", data={"code": pupil.school_class.join_code, "csrf_token": token})
    client.post("/pupil/login/name", data={"pupil": pupil.id, "csrf_token": token})
    for picture in factories.PASSCODE.split("-"):
        response = client.post("/pupil/login/passcode", data={"picture": picture, "csrf_token": token})
    assert response.status_code == 302


@pytest.mark.parametrize("problem", ["expired", "tampered", "missing"])
def test_a_refused_security_token_keeps_the_childs_words(make_app, school, monkeypatch, problem):
    """An expired (2 h), tampered or missing CSRF token brings the form back with the words kept and nothing sent."""
    app = make_app(WTF_CSRF_ENABLED=True, WTF_CSRF_TIME_LIMIT=3600)
    client = app.test_client()
    _csrf_pupil_sign_in(client, school.pupil)
    if problem == "expired":
        # The page was opened two hours ago: the token in it was made then.
        real = time.time
        monkeypatch.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda: real() - 2 * 3600))
    fields = tell_form(client)
    monkeypatch.undo()
    data = {**fields, "category": "contact", "words": WORDS, "talk": "no"}
    if problem == "tampered":
        data["csrf_token"] = data["csrf_token"][:-4] + "AAAA"
    elif problem == "missing":
        del data["csrf_token"]
    response = client.post("/pupil/tell", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Your words are still here" in page and WORDS in page
    assert re.search(r'value="contact"[^>]*checked|checked[^>]*value="contact"', page)
    assert "sent safely" not in page
    assert concern_count() == 0
    again = client.post("/pupil/tell", data={**data, **hidden_fields(page)})
    assert again.status_code == 302 and "/pupil/tell/sent" in again.headers["Location"]
    assert concern_count() == 1


def test_expired_token_on_tell_is_not_a_way_round_the_pupil_guard(make_app, school, sign_in):
    """The keep-the-words page is for pupils: signed out goes to sign-in, a teacher gets 403."""
    app = make_app(WTF_CSRF_ENABLED=True)
    anonymous = app.test_client()
    response = anonymous.post("/pupil/tell", data={"words": WORDS})
    assert response.status_code == 302 and "/pupil/login" in response.headers["Location"]
    teacher = app.test_client()
    token = _csrf_token(teacher.get("/login").get_data(as_text=True))
    teacher.post("/login", data={"email": school.teacher.email, "password": factories.PASSWORD,
                                 "csrf_token": token})
    response = teacher.post("/pupil/tell", data={"words": WORDS})
    assert response.status_code == 403 and WORDS not in response.get_data(as_text=True)


def test_database_failure_keeps_the_words_and_never_says_sent(client, school, sign_in, monkeypatch):
    """When saving fails the form comes back with the words kept and a clear "not sent" message."""
    sign_in(client, school.pupil)

    def broken(**kwargs):
        """A save that fails the way a database error does."""
        raise SQLAlchemyError("database unavailable")

    monkeypatch.setattr(concerns, "create", broken)
    response = send(client)
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "We could not send it just now" in page and WORDS in page
    assert "sent safely" not in page and "You did the right thing" not in page
    monkeypatch.undo()
    assert concern_count() == 0


def test_a_double_press_that_loses_the_race_still_says_sent(client, school, sign_in, monkeypatch):
    """If a racing press of the same form saved it first, the losing press says sent for that one report."""
    sign_in(client, school.pupil)
    fields = tell_form(client)
    concern_id = concerns.create(pupil=school.pupil, reporter=school.pupil, category="unkind", words=WORDS,
                                 wants_to_talk=True, submission_key=fields["key"], source="pupil").id
    db.session.commit()

    def lost_race(**kwargs):
        """The insert the database refuses because the same key was saved a moment earlier."""
        raise IntegrityError("INSERT INTO concern", {}, Exception("duplicate key value"))

    monkeypatch.setattr(concerns, "create", lost_race)
    response = client.post("/pupil/tell", data={**fields, "category": "unkind", "words": WORDS, "talk": "yes"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"concern_id={concern_id}")
    assert concern_count() == 1


def test_database_gone_while_saving_still_shows_the_words(app, client, school, sign_in):
    """If the database stops answering mid-save, the page is drawn from memory with the words kept, not a 500."""
    sign_in(client, school.pupil)
    fields = tell_form(client)
    with app.app_context():
        engine = db.engine
    down = {"now": False}

    def fail(conn, cursor, statement, *args):
        """From the first INSERT on, every statement fails as if the server went away."""
        if statement.lstrip().upper().startswith("INSERT"):
            down["now"] = True
        if down["now"]:
            raise OperationalError(statement, (), Exception("server closed the connection"))

    sa.event.listen(engine, "before_cursor_execute", fail)
    try:
        response = client.post("/pupil/tell", data={**fields, "category": "other", "words": WORDS, "talk": "yes"})
    finally:
        sa.event.remove(engine, "before_cursor_execute", fail)
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert WORDS in page and "We could not send it just now" in page
    assert concern_count() == 0


def _dsl_concern(school) -> Concern:
    """A committed Tell from Dev."""
    concern = concerns.create(pupil=school.pupil, reporter=school.pupil, category="unkind", words=WORDS,
                              wants_to_talk=True, submission_key="k-1", source="pupil")
    db.session.commit()
    return concern


@pytest.mark.parametrize("who", ["teacher", "admin", "parent", "other_pupil", "reporting_pupil"])
def test_nobody_but_the_dsl_can_open_concerns(client, school, sign_in, who):
    """Non-DSL staff, a parent, another pupil and the teller get 403/404 on the inbox and concern, never its words."""
    concern = _dsl_concern(school)
    user = {"teacher": school.teacher, "admin": school.admin, "parent": school.parent,
            "other_pupil": school.ks2_pupils[1], "reporting_pupil": school.pupil}[who]
    sign_in(client, user)
    for path in ("/concerns/", f"/concerns/{concern.id}", f"/concerns/{concern.id + 1}"):
        response = client.get(path)
        assert response.status_code in (403, 404), path
        assert WORDS not in response.get_data(as_text=True)
    response = client.post(f"/concerns/{concern.id}/notes", data={"text": "sneaky", "corrects": 0})
    assert response.status_code in (403, 404)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ConcernEntry)) == 1


def test_single_factor_dsl_session_is_refused(client, school, sign_in):
    """A DSL who has only typed a password is sent to the authenticator step and sees no concern."""
    concern = _dsl_concern(school)
    sign_in(client, school.dsl, second_factor=False)
    for path in ("/concerns/", f"/concerns/{concern.id}"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/second-factor")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)
                             .where(AuditLog.action == "concern viewed")) == 0


def test_dsl_of_another_school_cannot_open_the_concern(client, school, sign_in):
    """A DSL of another school gets 404 for this school's concern (ids reveal nothing)."""
    concern = _dsl_concern(school)
    other = factories.make_school("Elsewhere Primary")
    other_dsl = factories.make_staff(other, "dsl@elsewhere.example", dsl=True)
    db.session.commit()
    sign_in(client, other_dsl)
    assert client.get(f"/concerns/{concern.id}").status_code == 404
    assert WORDS not in client.get("/concerns/").get_data(as_text=True)


def open_history(client) -> str:
    """The pupil's list of earlier reports, after pressing their own pictures."""
    for picture in factories.PASSCODE.split("-"):
        client.post("/pupil/tell/history", data={"picture": picture})
    return client.get("/pupil/tell/history").get_data(as_text=True)


def test_pupil_sees_only_sent_then_an_adult_has_looked(client, school, sign_in):
    """The pupil sees "sent" until the DSL closes it, then "an adult has looked at it"; never a note."""
    concern = _dsl_concern(school)
    concerns.add_entry(concern, school.dsl, kind="note", text="Spoke to class teacher, secret note")
    db.session.commit()
    sign_in(client, school.pupil)
    page = open_history(client)
    assert "Sent. An adult will read it." in page and "secret note" not in page
    concerns.add_entry(concern, school.dsl, kind="status", status="closed", reason="Resolved with parents")
    db.session.commit()
    page = client.get("/pupil/tell/history").get_data(as_text=True)
    assert "An adult has looked at it." in page
    assert "Resolved with parents" not in page and "secret note" not in page and "Ms Dsl" not in page


def test_staff_concerns_are_not_shown_to_the_pupil(client, school, sign_in):
    """A concern a teacher logged about a pupil never appears in that pupil's list."""
    concerns.create(pupil=school.pupil, reporter=school.teacher, category="other", words="Seen at break",
                    wants_to_talk=False, submission_key="staff-1", source="staff")
    db.session.commit()
    sign_in(client, school.pupil)
    page = open_history(client)
    assert "You have not sent anything yet" in page and "Seen at break" not in page
