"""DSL alerts through a real SMTP server (aiosmtpd on a loopback port): each concern emails each DSL once and
nobody else, names no child, survives an SMTP outage, is sent once by two workers at once, and escalates when no
DSL acknowledges it in time."""

import secrets
import threading
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from esafety import alerts, concerns
from esafety.config import ConfigError
from esafety.extensions import db
from esafety.models import AlertOutbox, AuditLog, Concern
from esafety.schoolhours import SchoolHours

from . import factories
from .pages import WORDS, hidden_fields, send


@pytest.fixture
def staffed(school):
    """The test school with a deputy DSL and a headteacher escalation contact, besides its lead DSL."""
    deputy = factories.make_staff(school.school, "deputy@test.example", dsl=True, name="Mr Deputy")
    deputy.is_deputy_dsl = True
    school.school.headteacher_email = "Head@Test.example"
    db.session.commit()
    school.deputy = deputy
    return school


def tell(pupil, words=WORDS, key=None) -> Concern:
    """A pupil's Tell, saved and committed as the Tell page saves it."""
    concern = concerns.create(pupil=pupil, reporter=pupil, category="photo-or-meet", words=words,
                              wants_to_talk=True, submission_key=key or concerns.new_submission_key(), source="pupil")
    db.session.commit()
    return concern


def outbox() -> list[AlertOutbox]:
    """Every alert row, fresh from the database."""
    db.session.commit()
    return list(db.session.scalars(sa.select(AlertOutbox).order_by(AlertOutbox.id)
                                   .execution_options(populate_existing=True)))


def audit(action: str) -> list[AuditLog]:
    """Audit entries of one kind."""
    db.session.commit()
    return list(db.session.scalars(sa.select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def test_a_tell_emails_each_dsl_once_and_nobody_else(client, staffed, sign_in, smtp_server):
    """A pupil's Tell through the page queues one alert; the worker emails the DSL and the deputy DSL, once each."""
    sign_in(client, staffed.pupil)
    assert send(client).status_code == 302
    [alert] = outbox()
    assert alert.kind == "new" and alert.sent_at is None
    result = alerts.run_pass(smtp_server.mailer())
    assert (result.sent, result.failed, result.emails) == (1, 0, 2)
    assert sorted(r for m in smtp_server.received for r in m.recipients) == ["deputy@test.example", "dsl@test.example"]
    assert all(len(m.recipients) == 1 for m in smtp_server.received)  # one email each, nobody sees the others
    assert outbox()[0].sent_at is not None
    assert alerts.run_pass(smtp_server.mailer()).emails == 0  # nothing is sent twice
    assert len(smtp_server.received) == 2
    assert [e.detail for e in audit("alert sent")] == ["new: 2 recipients"]
    assert len(audit("alert emailed")) == 2


def test_the_email_names_no_child_and_says_nothing_of_what_was_told(client, staffed, sign_in, smtp_server):
    """The email has the link (from the configured base URL) and nothing of the child: name, class, words, kind."""
    concern = tell(staffed.pupil)
    alerts.run_pass(smtp_server.mailer())
    assert smtp_server.received
    for received in smtp_server.received:
        text = received.text
        body = received.message.get_content()
        assert f"http://127.0.0.1:5000/concerns/{concern.id}" in body  # the default base URL and "new safeguarding concern" in body
        for secret in ("Dev", "Year 5", "Ash", WORDS[:20], "photo", "photo-or-meet", "meet", "Tell"):
            assert secret.lower() not in text.lower(), f"{secret!r} is in the email"


def test_the_link_comes_from_configuration_not_the_request(make_app, staffed, smtp_server):
    """ESAFETY_BASE_URL decides the link (the worker has no request, so no Host header can steer it)."""
    app = make_app(BASE_URL="https://esafety.oakfield.example/")
    concern = tell(staffed.pupil)
    with app.app_context():
        alerts.run_pass(smtp_server.mailer())
    lines = smtp_server.received[0].message.get_content().splitlines()
    assert f"https://esafety.oakfield.example/concerns/{concern.id}" in lines


def test_a_staff_concern_alerts_too(client, staffed, sign_in, smtp_server):
    """A concern a teacher logs queues its alert in the same transaction and reaches the DSLs."""
    sign_in(client, staffed.teacher)
    form = hidden_fields(client.get(f"/teacher/pupils/{staffed.pupil.id}/concern").get_data(as_text=True))
    response = client.post(f"/teacher/pupils/{staffed.pupil.id}/concern",
                           data={**form, "category": "contact", "words": "Saw a stranger's messages"})
    assert response.status_code == 302
    assert [a.kind for a in outbox()] == ["new"]
    alerts.run_pass(smtp_server.mailer())
    assert sorted(r for m in smtp_server.received for r in m.recipients) == ["deputy@test.example", "dsl@test.example"]


def test_a_concern_that_is_not_saved_has_no_alert(staffed):
    """The alert is written in the concern's transaction: rolled back together, nothing is left behind."""
    concerns.create(pupil=staffed.pupil, reporter=staffed.pupil, category="unkind", words="x", wants_to_talk=False,
                    submission_key="rolled-back", source="pupil")
    db.session.rollback()
    assert outbox() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Concern)) == 0


def test_an_smtp_outage_delays_but_never_loses_the_alert(staffed, smtp_server):
    """With the server down the alert stays queued, backs off and is audited; once it is back, it is delivered."""
    concern = tell(staffed.pupil)
    smtp_server.stop()
    result = alerts.run_pass(smtp_server.mailer())
    assert (result.sent, result.failed) == (0, 1)
    [alert] = outbox()
    assert alert.sent_at is None and alert.attempts == 1 and alert.claimed_by is None
    assert alert.due_at > datetime.utcnow() + timedelta(seconds=20)  # backed off, not retried at once
    assert "ConnectionRefusedError" in alert.last_error
    [failure] = audit("alert failed")
    assert failure.target == f"concern:{concern.id}" and "attempt 1" in failure.detail
    # Still down a minute later: a second failure waits longer.
    alerts.run_pass(smtp_server.mailer(), now=alert.due_at + timedelta(seconds=1))
    [alert] = outbox()
    assert alert.attempts == 2 and alert.sent_at is None
    smtp_server.start()
    alerts.run_pass(smtp_server.mailer(), now=alert.due_at + timedelta(seconds=1))
    assert sorted(r for m in smtp_server.received for r in m.recipients) == ["deputy@test.example", "dsl@test.example"]
    assert outbox()[0].sent_at is not None


def test_a_worker_restart_loses_nothing(make_app, staffed, smtp_server):
    """The outbox is in the database: a worker in a brand new app (a restarted process) finds and sends it."""
    tell(staffed.pupil)
    smtp_server.stop()
    alerts.run_pass(smtp_server.mailer())
    smtp_server.start()
    fresh = make_app(**smtp_server.config())
    with fresh.app_context():
        result = fresh.test_cli_runner().invoke(args=["alerts", "send"])
    assert result.exit_code == 0, result.output
    assert "sent through 127.0.0.1" in result.output
    # Not due yet (backing off): the restarted worker waits rather than hammering the relay.
    assert smtp_server.received == []
    with fresh.app_context():
        db.session.execute(sa.update(AlertOutbox).values(due_at=datetime.utcnow() - timedelta(seconds=1)))
        db.session.commit()
        result = fresh.test_cli_runner().invoke(args=["alerts", "send"])
    assert result.exit_code == 0 and "1 alert(s) sent (2 email(s))" in result.output
    assert len(smtp_server.received) == 2


def test_a_refused_recipient_is_retried_without_emailing_the_others_again(staffed, smtp_server):
    """One mailbox refused: the others are emailed once, and the retry goes only to the one that was refused."""
    tell(staffed.pupil)
    smtp_server.handler.refuse = {"dsl@test.example"}
    result = alerts.run_pass(smtp_server.mailer())
    assert result.failed == 1
    [alert] = outbox()
    assert alert.delivered_to == ["deputy@test.example"] and alert.sent_at is None
    smtp_server.handler.refuse = set()
    alerts.run_pass(smtp_server.mailer(), now=alert.due_at + timedelta(seconds=1))
    assert [m.recipients for m in smtp_server.received] == [["deputy@test.example"], ["dsl@test.example"]]


def test_two_workers_at_once_send_each_alert_once(app, staffed, smtp_server, monkeypatch):
    """Two workers started together claim different rows: every DSL gets exactly one email per concern."""
    made = [tell(pupil) for pupil in staffed.ks1_pupils + staffed.ks2_pupils for _ in range(2)]
    monkeypatch.setattr(alerts, "BATCH", 1)  # claim one at a time, so the two workers really interleave
    start = threading.Barrier(2)
    results, errors = [], []

    def work():
        try:
            with app.app_context():
                start.wait(5)
                results.append(alerts.run_pass(smtp_server.mailer()))
                db.session.remove()
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(r.sent for r in results) == len(made) and sum(r.failed for r in results) == 0
    links = sorted((m.recipients[0], m.message["X-Esafety-Alert"]) for m in smtp_server.received)
    assert len(links) == 2 * len(made) and len(set(links)) == len(links)  # no duplicate, none missing
    assert all(a.sent_at is not None for a in outbox())


def test_smtp_login_with_user_and_password(staffed):
    """ESAFETY_SMTP_USER and ESAFETY_SMTP_PASSWORD sign in to a relay that requires it; a wrong password fails."""
    pytest.importorskip("aiosmtpd")
    from .conftest import SmtpServer

    server = SmtpServer(credentials=("esafety", "relay-secret"))
    try:
        tell(staffed.pupil)
        wrong = alerts.SmtpMailer("127.0.0.1", server.port, "none", "esafety", "wrong", 5)
        assert alerts.run_pass(wrong).failed == 1
        assert "SMTPAuthenticationError" in outbox()[0].last_error
        alerts.run_pass(server.mailer(), now=outbox()[0].due_at + timedelta(seconds=1))
        assert len(server.received) == 2
    finally:
        server.stop()


def test_no_dsl_means_the_alert_waits_and_says_why(school, smtp_server):
    """A school whose DSLs are all deactivated keeps the alert queued, and the audit log says why."""
    school.dsl.active = False
    db.session.commit()
    tell(school.pupil)
    assert alerts.run_pass(smtp_server.mailer()).failed == 1
    assert "no active DSL" in outbox()[0].last_error and smtp_server.received == []


def test_development_prints_alerts_when_no_smtp_is_configured(make_app, staffed):
    """With no SMTP host, `flask alerts send` says so and prints the email instead (and marks it sent)."""
    tell(staffed.pupil)
    app = make_app(SMTP_HOST="")
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["alerts", "send"])
    assert result.exit_code == 0, result.output
    assert "printed here" in result.output and "alert email" in result.output
    assert "To: dsl@test.example" in result.output and "Dev" not in result.output


def test_production_without_smtp_refuses_to_start(make_app, staffed):
    """In production a worker with nowhere to send says what to set, and leaves the alerts queued."""
    tell(staffed.pupil)
    app = make_app(SMTP_HOST="", ESAFETY_ENV="production", SECRET_KEY=secrets.token_hex(32))
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["alerts", "send"])
    assert result.exit_code != 0 and "ESAFETY_SMTP_HOST is not set" in result.output
    assert outbox()[0].sent_at is None


@pytest.mark.parametrize("setting, value, message", [
    ("SMTP_SECURITY", "ssl3", "starttls, tls or none"),
    ("SMTP_PORT", "smtp", "port number"),
    ("SCHOOL_HOURS", "9 till 3", "08:00-16:00"),
    ("SCHOOL_DAYS", "Weekdays", "Mon-Fri"),
    ("SCHOOL_TIMEZONE", "Mars/Olympus", "not a known time zone"),
])
def test_bad_settings_get_a_clear_message(make_app, setting, value, message):
    """A mistyped alert setting stops the worker with a message that names it, not a traceback."""
    app = make_app(**{"SMTP_HOST": "relay.example", setting: value})
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["alerts", "send"])
    assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output


# Escalation -----------------------------------------------------------------------------------------------


def _deadline(concern: Concern, minutes: int = 120) -> datetime:
    """When the concern's escalation is due under the default school hours."""
    return SchoolHours.parse("08:00-16:00", "Mon-Fri", "Europe/London").add(concern.created_at, minutes)


def test_an_unacknowledged_concern_escalates_to_the_deputy_and_the_headteacher(staffed, smtp_server):
    """After 2 school hours still 'new': the deputy DSL and the headteacher contact are emailed, the lead is not."""
    concern = tell(staffed.pupil)
    due = _deadline(concern)
    assert alerts.run_pass(smtp_server.mailer(), now=due - timedelta(minutes=1)).escalations == 0
    smtp_server.received.clear()
    result = alerts.run_pass(smtp_server.mailer(), now=due + timedelta(minutes=1))
    assert result.escalations == 1
    assert sorted(r for m in smtp_server.received for r in m.recipients) == ["deputy@test.example",
                                                                            "head@test.example"]
    body = smtp_server.received[0].message.get_content()
    assert "has not been acknowledged" in body and "2 school hours" in body and "Dev" not in body
    assert alerts.run_pass(smtp_server.mailer(), now=due + timedelta(hours=3)).escalations == 0  # only once
    assert [a.kind for a in outbox()] == ["new", "escalation"]
    assert "not acknowledged after 2 school hours" in audit("alert queued")[0].detail


def test_an_acknowledged_concern_does_not_escalate(staffed, smtp_server):
    """Once a DSL acknowledges it, no escalation is queued however long it stays open."""
    concern = tell(staffed.pupil)
    concerns.add_entry(concern, staffed.dsl, kind="status", status="acknowledged", reason="Seen, talking to Dev")
    db.session.commit()
    assert alerts.run_pass(smtp_server.mailer(), now=_deadline(concern) + timedelta(days=3)).escalations == 0


def test_escalation_waits_for_the_configured_time(make_app, staffed, smtp_server):
    """ESAFETY_ESCALATE_AFTER_SCHOOL_MINUTES changes the wait (here 30 school minutes)."""
    app = make_app(ESCALATE_AFTER_SCHOOL_MINUTES="30")
    concern = tell(staffed.pupil)
    with app.app_context():
        assert alerts.run_pass(smtp_server.mailer(), now=_deadline(concern, 30) + timedelta(minutes=1)).escalations == 1


def test_escalation_with_no_deputy_or_headteacher_goes_to_the_dsls(school, smtp_server):
    """A school that set up neither still hears about it: the escalation goes to every DSL."""
    concern = tell(school.pupil)
    alerts.run_pass(smtp_server.mailer(), now=_deadline(concern) + timedelta(minutes=1))
    escalations = [m for m in smtp_server.received if "not been acknowledged" in m.message.get_content()]
    assert [m.recipients for m in escalations] == [["dsl@test.example"]]


def test_backoff_grows_and_is_capped():
    """Retries wait 30 s, 1 min, 2 min... and never more than an hour."""
    assert [alerts.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert alerts.backoff(30) == timedelta(hours=1)


def test_the_mailer_refuses_production_without_a_host():
    """mailer_for names the missing setting."""
    with pytest.raises(ConfigError, match="ESAFETY_SMTP_HOST"):
        alerts.mailer_for({"SMTP_HOST": "", "ESAFETY_ENV": "production"})


def test_the_mailer_refuses_production_without_a_base_url():
    """In production an alert must link to the school's own address, so a missing ESAFETY_BASE_URL is named."""
    with pytest.raises(ConfigError, match="ESAFETY_BASE_URL"):
        alerts.mailer_for({"SMTP_HOST": "smtp.school.example", "ESAFETY_ENV": "production", "BASE_URL": ""})
