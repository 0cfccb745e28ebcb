"""DSL alerts that cannot be lost: an outbox row written with each concern, and a worker that emails it.

- `queue_new` adds the alert in the concern's own transaction: if the concern is saved, so is its alert.
- `run_pass` (the `flask alerts send` command) queues escalations of concerns left unacknowledged too long,
  claims due alerts (SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL; one atomic UPDATE on SQLite, whose write
  lock serialises writers), sends them and records the outcome. A claim is a lease: a worker that dies
  mid-send leaves the row to be claimed again when the lease runs out. Delivery is at least once; the
  addresses already sent to are kept on the row, so a retry never emails the same person twice.
- The email says only that a concern is waiting and links to it: never the child's name, words or category.
- No SMTP host configured: in development and testing the worker prints each email instead of sending it.
"""

import os
import secrets
import signal
import smtplib
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import click
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from .audit import record
from .concern_status import latest_status_subquery
from .config import ConfigError
from .database import writing
from .extensions import db
from .models import AlertOutbox, Concern, School, User, utcnow
from .schoolhours import SchoolHours, describe_minutes

LEASE = timedelta(minutes=5)
BATCH = 20
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
SECURITY_MODES = {"starttls": 587, "tls": 465, "none": 25}


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after `attempts` failures: 30 s, 1, 2, 4 minutes... at most an hour."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


def queue_new(concern: Concern) -> AlertOutbox:
    """Queue the 'new concern' alert in the concern's transaction (the caller commits both or neither)."""
    alert = AlertOutbox(school_id=concern.school_id, concern_id=concern.id, kind="new")
    db.session.add(alert)
    return alert


# Who is told ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """One address to send to, and the role it is sent to (for the audit log: never the address itself)."""

    email: str
    role: str
    user_id: int | None = None


def _dsls(school_id: int, deputies_only: bool = False) -> list[User]:
    """Active DSLs (and deputies) of the school with an email address."""
    query = sa.select(User).where(User.school_id == school_id, User.kind == "staff", User.is_dsl.is_(True),
                                  User.active.is_(True), User.email.is_not(None))
    if deputies_only:
        query = query.where(User.is_deputy_dsl.is_(True))
    return list(db.session.scalars(query.order_by(User.id)))


def recipients(alert: AlertOutbox, school: School) -> list[Recipient]:
    """A new concern goes to every DSL and deputy DSL; an escalation to the deputies and the headteacher contact
    (to every DSL again when the school has set up neither)."""
    if alert.kind == "new":
        found = [Recipient(u.email.lower(), "deputy DSL" if u.is_deputy_dsl else "DSL", u.id)
                 for u in _dsls(alert.school_id)]
    else:
        found = [Recipient(u.email.lower(), "deputy DSL", u.id) for u in _dsls(alert.school_id, deputies_only=True)]
        if school.headteacher_email.strip():
            found.append(Recipient(school.headteacher_email.strip().lower(), "headteacher contact"))
        if not found:
            found = [Recipient(u.email.lower(), "DSL", u.id) for u in _dsls(alert.school_id)]
    unique: dict[str, Recipient] = {}
    for item in found:
        unique.setdefault(item.email, item)
    return list(unique.values())


# What they are told ---------------------------------------------------------------------------------------


def concern_link(concern_id: int) -> str:
    """The link in the email, from the configured base URL (never the request's Host header); the local
    server's address when none is set (development: production's worker refuses to start without it)."""
    base = current_app.config["BASE_URL"] or "http://127.0.0.1:" + os.environ.get("PORT", "5000")
    return f"{base.rstrip('/')}/concerns/{concern_id}"


def compose(alert: AlertOutbox, school: School, to: Recipient, sender: str) -> EmailMessage:
    """The email: that a concern is waiting, and where. No child's name, words or category, on purpose."""
    message = EmailMessage()
    link = concern_link(alert.concern_id)
    if alert.kind == "new":
        message["Subject"] = "A new safeguarding concern is waiting in esafety"
        opening = (f"A new safeguarding concern has been recorded in esafety for {school.name} and is waiting "
                   "for a designated safeguarding lead.")
    else:
        minutes = int(current_app.config["ESCALATE_AFTER_SCHOOL_MINUTES"])
        message["Subject"] = "A safeguarding concern in esafety has not been acknowledged"
        opening = (f"A safeguarding concern recorded in esafety for {school.name} has not been acknowledged by a "
                   f"designated safeguarding lead after {describe_minutes(minutes)}. You are told as "
                   f"the school's {to.role}: please make sure a DSL picks it up now.")
    message["From"] = sender
    message["To"] = to.email
    message["Date"] = format_datetime(datetime.now().astimezone())
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "esafety.invalid")
    message["Auto-Submitted"] = "auto-generated"
    message["X-Esafety-Alert"] = f"{alert.id}"
    message.set_content(
        f"{opening}\n\n"
        f"Open it here (you will be asked to sign in and use your authenticator app):\n{link}\n\n"
        "This email does not say who the concern is about or what it says, on purpose: that stays in esafety.\n"
        "Please do not reply to this email.\n"
    )
    return message


# How it is sent -------------------------------------------------------------------------------------------


class ConsoleMailer:
    """Development: print each email where the worker runs, instead of sending it."""

    where = "printed here, in this terminal (ESAFETY_SMTP_HOST is not set)"

    def __init__(self, echo: Callable[[str], None] = click.echo):
        self.echo = echo

    def send(self, message: EmailMessage) -> None:
        """Print the email with its headers."""
        headers = "".join(f"{name}: {message[name]}\n" for name in ("From", "To", "Subject", "Date"))
        self.echo(f"----- alert email (not sent: no SMTP server configured) -----\n{headers}\n"
                  f"{message.get_content()}----- end of alert email -----")

    def close(self) -> None:
        """Nothing to close."""


class SmtpMailer:
    """The school's SMTP relay through smtplib: STARTTLS (default), implicit TLS or none, with optional login."""

    def __init__(self, host: str, port: int, security: str, user: str, password: str, timeout: float):
        self.host, self.port, self.security = host, port, security
        self.user, self.password, self.timeout = user, password, timeout
        self.connection: smtplib.SMTP | None = None
        label = {"starttls": "STARTTLS", "tls": "TLS", "none": "no encryption"}[security]
        self.where = f"sent through {host}:{port} ({label}{', signed in as ' + user if user else ''})"

    def _connect(self) -> smtplib.SMTP:
        """Open (once per pass) and secure the connection, then sign in if a user is configured."""
        context = ssl.create_default_context()
        if self.security == "tls":
            connection = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            connection.ehlo()
            if self.security == "starttls":
                connection.starttls(context=context)
                connection.ehlo()
            if self.user:
                connection.login(self.user, self.password)
        except BaseException:
            connection.close()
            raise
        return connection

    def send(self, message: EmailMessage) -> None:
        """Send one email; a failure closes the connection so the next try starts afresh."""
        if self.connection is None:
            self.connection = self._connect()
        try:
            refused = self.connection.send_message(message)
        except BaseException:
            self.close()
            raise
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)

    def close(self) -> None:
        """Say goodbye to the server (or just drop a broken connection)."""
        if self.connection is None:
            return
        try:
            self.connection.quit()
        except (smtplib.SMTPException, OSError):
            self.connection.close()
        self.connection = None


def sender_address(config) -> str:
    """ESAFETY_SMTP_FROM, else the SMTP user when it is an address, else a local placeholder."""
    if config["SMTP_FROM"]:
        return config["SMTP_FROM"]
    if "@" in config["SMTP_USER"]:
        return config["SMTP_USER"]
    return "esafety@localhost"


def mailer_for(config) -> ConsoleMailer | SmtpMailer:
    """The mailer the configuration asks for; a clear ConfigError when it cannot work."""
    host = config["SMTP_HOST"].strip()
    if not host:
        if config["ESAFETY_ENV"] == "production":
            raise ConfigError("ESAFETY_SMTP_HOST is not set, so DSL alerts cannot be emailed. Set ESAFETY_SMTP_HOST "
                              "(and ESAFETY_SMTP_PORT, ESAFETY_SMTP_SECURITY, ESAFETY_SMTP_USER, "
                              "ESAFETY_SMTP_PASSWORD, ESAFETY_SMTP_FROM) to the school's mail relay. Alerts wait "
                              "in the outbox until then.")
        return ConsoleMailer()
    if config["ESAFETY_ENV"] == "production" and not config["BASE_URL"]:
        raise ConfigError("ESAFETY_BASE_URL is not set, so alert emails cannot link to esafety. Set it to the "
                          "address staff use, e.g. https://esafety.school.example. Alerts wait in the outbox.")
    security = config["SMTP_SECURITY"].strip().lower()
    if security not in SECURITY_MODES:
        raise ConfigError(f"ESAFETY_SMTP_SECURITY must be starttls, tls or none, not {config['SMTP_SECURITY']!r}")
    port_text = str(config["SMTP_PORT"]).strip() or str(SECURITY_MODES[security])
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError(f"ESAFETY_SMTP_PORT must be a port number, not {config['SMTP_PORT']!r}")
    try:
        timeout = float(config["SMTP_TIMEOUT"])
    except ValueError as error:
        raise ConfigError(f"ESAFETY_SMTP_TIMEOUT must be a number of seconds, not {config['SMTP_TIMEOUT']!r}") \
            from error
    return SmtpMailer(host, int(port_text), security, config["SMTP_USER"], config["SMTP_PASSWORD"], timeout)


# Escalation -----------------------------------------------------------------------------------------------


def queue_escalations(now: datetime | None = None) -> int:
    """Queue an escalation for each concern still 'new' after the configured school time; returns how many."""
    now = now or utcnow()
    hours = SchoolHours.from_config(current_app.config)
    minutes = int(current_app.config["ESCALATE_AFTER_SCHOOL_MINUTES"])
    status = latest_status_subquery()
    escalated = sa.select(AlertOutbox.id).where(AlertOutbox.concern_id == Concern.id,
                                                AlertOutbox.kind == "escalation")
    waiting = db.session.execute(
        sa.select(Concern.id, Concern.school_id, Concern.created_at)
        .join(status, status.c.concern_id == Concern.id)
        .where(status.c.status == "new", ~sa.exists(escalated), Concern.created_at <= now)
    ).all()
    due = [row for row in waiting if hours.add(row.created_at, minutes) <= now]
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    queued = 0
    for row in due:
        result = db.session.execute(
            insert(AlertOutbox).values(school_id=row.school_id, concern_id=row.id, kind="escalation",
                                       created_at=now, due_at=now, attempts=0, delivered_to=[], last_error="")
            .on_conflict_do_nothing(index_elements=["concern_id", "kind"])
        )
        if result.rowcount:
            queued += 1
            record("alert queued", target=f"concern:{row.id}", school_id=row.school_id,
                   detail=f"escalation: not acknowledged after {describe_minutes(minutes)}")
    return queued


# The worker -----------------------------------------------------------------------------------------------


def worker_id() -> str:
    """Names this worker's claims: host, process and a random part (two threads never share one)."""
    return f"{socket.gethostname()[:20]}:{os.getpid()}:{secrets.token_hex(3)}"[:40]


def claim(worker: str, now: datetime | None = None, limit: int | None = None) -> list[int]:
    """Lease up to `limit` (default BATCH) due alerts to this worker and commit; no other worker gets them."""
    now = now or utcnow()
    limit = limit or BATCH
    free = sa.or_(AlertOutbox.claimed_until.is_(None), AlertOutbox.claimed_until < now)
    due = sa.and_(AlertOutbox.sent_at.is_(None), AlertOutbox.due_at <= now, free)
    # PostgreSQL: rows another worker is claiming are skipped, not waited for. SQLite ignores FOR UPDATE; its
    # single statement runs under the database's write lock, so two claims cannot interleave.
    candidates = sa.select(AlertOutbox.id).where(due).order_by(AlertOutbox.due_at, AlertOutbox.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    with writing():
        db.session.execute(
            sa.update(AlertOutbox).where(AlertOutbox.id.in_(candidates.scalar_subquery()), due)
            .values(claimed_by=worker, claimed_until=now + LEASE),
            execution_options={"synchronize_session": False},
        )
        ids = list(db.session.scalars(sa.select(AlertOutbox.id).where(
            AlertOutbox.claimed_by == worker, AlertOutbox.sent_at.is_(None)).order_by(AlertOutbox.id)))
        db.session.commit()
    return ids


@dataclass
class PassResult:
    """What one pass did."""

    sent: int = 0
    failed: int = 0
    escalations: int = 0
    emails: int = 0
    errors: list[str] = field(default_factory=list)


def _mine(alert_id: int, worker: str) -> AlertOutbox | None:
    """The alert, if this worker still holds its lease."""
    alert = db.session.get(AlertOutbox, alert_id, populate_existing=True)
    return alert if alert is not None and alert.claimed_by == worker and alert.sent_at is None else None


def _fail(alert_id: int, worker: str, why: str) -> None:
    """Put the alert back for a later try, with back-off, and audit the failure."""
    with writing():
        alert = _mine(alert_id, worker)
        if alert is not None:
            alert.attempts += 1
            alert.due_at = utcnow() + backoff(alert.attempts)
            alert.claimed_by = alert.claimed_until = None
            alert.last_error = why[:300]
            record("alert failed", target=f"concern:{alert.concern_id}", school_id=alert.school_id,
                   detail=f"{alert.kind}: attempt {alert.attempts}, next try {alert.due_at:%H:%M:%S} UTC: {why}"[:500])
        db.session.commit()


def deliver(alert_id: int, worker: str, mailer, result: PassResult) -> None:
    """Send one claimed alert to each recipient not yet sent to, recording each send; failures back off."""
    alert = _mine(alert_id, worker)
    if alert is None:
        db.session.rollback()
        return
    school = db.session.get(School, alert.school_id)
    to = recipients(alert, school)
    pending = [r for r in to if r.email not in (alert.delivered_to or [])]
    messages = [(r, compose(alert, school, r, sender_address(current_app.config))) for r in pending]
    concern_id, kind, school_id = alert.concern_id, alert.kind, alert.school_id
    db.session.commit()  # end the read before talking to the mail server: SQLite's lock is never held meanwhile
    if not to:
        _fail(alert_id, worker, "no active DSL or deputy DSL with an email address at this school")
        result.failed += 1
        result.errors.append(f"alert {alert_id}: no one to send it to")
        return
    problems = []
    for recipient, message in messages:
        try:
            mailer.send(message)
        except smtplib.SMTPRecipientsRefused as error:
            problems.append(f"the {recipient.role}'s mailbox was refused: {error}")
            continue  # one refused mailbox must not keep the alert from everyone else
        except (smtplib.SMTPException, OSError) as error:
            problems.append(f"{type(error).__name__}: {error}")
            break  # the relay itself is failing: the rest wait for the retry too
        result.emails += 1
        with writing():
            alert = _mine(alert_id, worker)
            if alert is not None:
                alert.delivered_to = [*(alert.delivered_to or []), recipient.email]
            who = f"user:{recipient.user_id}" if recipient.user_id else "the address in school settings"
            record("alert emailed", target=f"concern:{concern_id}", school_id=school_id,
                   detail=f"{kind}: to the {recipient.role} ({who})")
            db.session.commit()
    if problems:
        why = "; ".join(problems)
        _fail(alert_id, worker, why)
        result.failed += 1
        result.errors.append(f"alert {alert_id}: {why}")
        return
    with writing():
        alert = _mine(alert_id, worker)
        if alert is not None:
            alert.sent_at = utcnow()
            alert.claimed_until = None
            alert.attempts += 1
            alert.last_error = ""
            record("alert sent", target=f"concern:{concern_id}", school_id=school_id,
                   detail=f"{kind}: {len(to)} recipient{'s' if len(to) != 1 else ''}")
        db.session.commit()
    result.sent += 1


def run_pass(mailer, worker: str | None = None, now: datetime | None = None) -> PassResult:
    """One pass: queue due escalations, then claim and send every due alert, a batch at a time."""
    worker = worker or worker_id()
    result = PassResult()
    with writing():
        result.escalations = queue_escalations(now)
        db.session.commit()
    try:
        while ids := claim(worker, now):
            for alert_id in ids:
                deliver(alert_id, worker, mailer, result)
            if now is not None:
                break  # a fixed clock (tests) would see failed alerts as due again at once
    finally:
        mailer.close()
    return result


# The command ----------------------------------------------------------------------------------------------


@click.group("alerts")
def alerts_group():
    """Email alerts to the DSLs about new and unacknowledged concerns."""


@alerts_group.command("send")
@click.option("--loop", is_flag=True, help="Keep running, a pass every ESAFETY_ALERT_POLL_SECONDS (for systemd "
                                            "or make run); without it, one pass (for cron).")
@click.option("--interval", type=float, default=None, help="Seconds between passes with --loop.")
def send_command(loop: bool, interval: float | None):
    """Send due alerts (and queue escalations); say where emails go."""
    config = current_app.config
    try:
        mailer = mailer_for(config)
        SchoolHours.from_config(config)
        interval = interval if interval is not None else float(config["ALERT_POLL_SECONDS"])
    except (ConfigError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    worker = worker_id()
    click.echo(f"Alert worker {worker}: emails are {mailer.where}"
               + (f"; checking every {interval:g} seconds." if loop else "."))
    if not loop:
        result = _one_pass(mailer, worker)
        if result is None or result.failed:
            raise SystemExit(1)
        return
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    while not stop.is_set():
        _one_pass(mailer, worker)
        stop.wait(interval)
    click.echo(f"Alert worker {worker} stopped.")


def _one_pass(mailer, worker: str) -> PassResult | None:
    """A pass that reports, and survives a database that is down or not migrated yet (None then)."""
    try:
        result = run_pass(mailer, worker)
    except SQLAlchemyError as error:
        db.session.rollback()
        click.echo(f"Alert worker: the database is not available ({type(error).__name__}); "
                   "alerts stay in the outbox and go on the next pass.", err=True)
        return None
    for line in result.errors:
        click.echo(f"Alert worker: not sent yet, will retry: {line}", err=True)
    if result.sent or result.failed or result.escalations:
        click.echo(f"Alert worker: {result.sent} alert(s) sent ({result.emails} email(s)), {result.failed} to retry, "
                   f"{result.escalations} escalation(s) queued.")
    return result
