"""Fixtures: an app on a fresh database (SQLite by default, PostgreSQL when ESAFETY_TEST_DATABASE_URL is set),
a test client, sign-in helpers, a query counter, a live server with headless Chromium for browser tests, and a
real SMTP server (aiosmtpd) for the DSL alerts."""

import os
import secrets
import shutil
import socket
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from email import policy as email_policy
from email.message import EmailMessage
from email.parser import BytesParser

import jinja2
import pyotp
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from esafety import create_app
from esafety.extensions import db

from . import factories

PG_URL = os.environ.get("ESAFETY_TEST_DATABASE_URL")


def pytest_report_header(config):
    """Say which database this run uses."""
    return f"esafety database: {'PostgreSQL (' + PG_URL.rsplit('@', 1)[-1] + ')' if PG_URL else 'SQLite (WAL)'}"


def _reset_postgres(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


_pg_schema_ready = False


@pytest.fixture
def database_url(tmp_path):
    """A database with the schema and nothing else in it."""
    if PG_URL:
        return PG_URL
    return f"sqlite:///{tmp_path / 'test.db'}"


class SharedBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates shared by every app the suite builds (each test builds fresh apps)."""

    def __init__(self):
        self.store = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket):
        self.store[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CACHE = SharedBytecodeCache()


class CommittingClient(FlaskClient):
    """A test client that first commits what the test wrote, as a user's browser would only ever see
    committed data; it also ends the test's read transaction so SQLite never sees a stale writer."""

    def open(self, *args, **kwargs):
        from flask import has_app_context

        if has_app_context():
            db.session.commit()
        return super().open(*args, **kwargs)


@pytest.fixture
def empty_database_url(tmp_path):
    """A second, empty database of the run's kind (a new database on the PostgreSQL server, dropped after)."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"esafety_empty_{secrets.token_hex(4)}"
    server = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


@pytest.fixture
def make_app(database_url):
    """Build apps on the test database; each test starts empty."""
    global _pg_schema_ready
    made = []

    def build(**overrides):
        config = {
            "ESAFETY_ENV": "testing",
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            "SERVER_NAME": None,
        }
        config.update(overrides)
        app = create_app(config)
        app.test_client_class = CommittingClient
        app.jinja_env.bytecode_cache = TEMPLATE_CACHE
        made.append(app)
        return app

    app = build()
    build.data_app = app  # the test's own app instance (see `app`): it also made the schema
    with app.app_context():
        if PG_URL:
            if not _pg_schema_ready:
                db.drop_all()
                db.create_all()
                _pg_schema_ready = True
            _reset_postgres(db.engine)
        else:
            db.create_all()
    yield build
    for built in made:
        with built.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    """The app with CSRF off (forms are tested with CSRF on in test_security).

    Test code reads and writes the database through a second app instance's context, so requests never
    share a session, identity map or `g` with the test: a request sees only what the test committed.
    """
    application = make_app()
    with make_app.data_app.app_context():
        yield application
        db.session.remove()


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


@pytest.fixture
def school(app):
    """A school with two teachers, a KS1 and a KS2 class of three pupils each, a DSL, an admin and a parent."""
    return factories.make_school_world()


@pytest.fixture
def world(app, school):
    """The shared school plus another school and users in every state the role matrix tries (tests/matrix.py)."""
    from .matrix import make_world

    return make_world(school)


@pytest.fixture
def sign_in():
    """Sign a client in as any user, the way the user would."""

    def as_user(client, user, password=None, passcode=None, second_factor=True):
        if user.kind == "pupil":
            client.post("/pupil/login", data={"code": user.school_class.join_code})
            client.post("/pupil/login/name", data={"pupil": user.id})
            response = None
            for picture in (passcode or factories.PASSCODE).split("-"):
                response = client.post("/pupil/login/passcode", data={"picture": picture})
            assert response.status_code == 302, "pupil sign-in failed"
            return response
        response = client.post("/login", data={"email": user.email, "password": password or factories.PASSWORD})
        assert response.status_code == 302, "sign-in failed"
        if user.needs_second_factor and second_factor:
            code = pyotp.TOTP(user.totp_secret).now()
            response = client.post("/second-factor", data={"code": code})
            assert response.status_code == 302, "second factor failed"
        return response

    return as_user


@contextmanager
def count_queries(*engines: sa.Engine):
    """Count the SQL statements run inside the block on any of these engines."""
    statements: list[str] = []
    engines = tuple(dict.fromkeys(engines))

    def before(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "PRAGMA")):
            statements.append(statement)

    for engine in engines:
        sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        for engine in engines:
            sa.event.remove(engine, "before_cursor_execute", before)


@pytest.fixture
def queries(app):
    """A context manager counting the SQL queries a block runs: the requests' (the app under test has its own
    engine) and the test code's own (the data app's, see `app`)."""
    with app.app_context():
        requests_engine = db.engine
    return lambda: count_queries(requests_engine, db.engine)


# Browser tests --------------------------------------------------------------------------------------------


class LiveServer:
    """The app served on a loopback port in a background thread."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def live_server(app):
    """A real HTTP server for the browser to talk to (same database as the test)."""
    server = LiveServer(app)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium, driven by Playwright (Playwright's own browser download does not work here)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is not installed: `make test` installs it (apt-get install chromium)")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync", "--disable-quic"],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser tab (its own cookies); CSP bypass only so axe-core can be injected."""
    context = browser.new_context(base_url=live_server.url, bypass_csp=True, viewport={"width": 1100, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(10000)
    external = []
    tab.on("request", lambda request: external.append(request.url)
           if not request.url.startswith((live_server.url, "data:", "about:")) else None)
    tab.external_requests = external
    yield tab
    context.close()


# A real SMTP server (aiosmtpd) for the DSL alert tests ----------------------------------------------------


@dataclass
class Received:
    """One email as the SMTP server received it."""

    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        """Every header and the body, as one string (to look for what must never be there)."""
        return str(self.message)


class RecordingHandler:
    """Keeps every email; refuses recipients listed in `refuse`, as a real relay refuses a mailbox."""

    def __init__(self):
        self.received: list[Received] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = BytesParser(policy=email_policy.default).parsebytes(envelope.content)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd on a free loopback port that a test can stop and start again on the same port."""

    def __init__(self, credentials: tuple[str, str] | None = None):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.handler = RecordingHandler()
        self.credentials = credentials
        self.controller = None
        self.start()

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = isinstance(auth_data, LoginPassword) and self.credentials == (
            auth_data.login.decode(), auth_data.password.decode())
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 235 or 535 itself

    def start(self) -> None:
        """Listen (again) on the same port."""
        from aiosmtpd.controller import Controller

        options = {}
        if self.credentials:
            # Offered without TLS on loopback (aiosmtpd warns when AUTH is also *required* without TLS).
            options = {"authenticator": self._authenticate, "auth_require_tls": False}
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **options)
        self.controller.start()

    def stop(self) -> None:
        """Stop listening: connections are refused until start()."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def received(self) -> list[Received]:
        """Every email received so far."""
        return self.handler.received

    def config(self, **extra) -> dict:
        """App settings that send alerts to this server."""
        return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.port), "SMTP_SECURITY": "none",
                "SMTP_FROM": "esafety@test.example", **extra}

    def mailer(self):
        """A mailer for this server, as `flask alerts send` makes one."""
        from esafety.alerts import SmtpMailer

        user, password = self.credentials or ("", "")
        return SmtpMailer("127.0.0.1", self.port, "none", user, password, 5)


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free loopback port, stopped after the test."""
    pytest.importorskip("aiosmtpd")
    server = SmtpServer()
    yield server
    server.stop()


def pytest_collection_modifyitems(config, items):
    """On the PostgreSQL run, leave out what the SQLite run has just checked and no database changes: tests
    marked content_only (content files, printed pages, static analysis), and browser tests other than those
    marked both_databases (the journeys that depend on what the database keeps). Every other test runs on
    both. Deselected, not skipped, so the run's summary counts only what ran."""
    if not PG_URL:
        return

    def same_everywhere(item) -> bool:
        return bool(item.get_closest_marker("content_only")) or (
            bool(item.get_closest_marker("browser")) and not item.get_closest_marker("both_databases"))

    once = [item for item in items if same_everywhere(item)]
    if once:
        config.hook.pytest_deselected(items=once)
        items[:] = [item for item in items if not same_everywhere(item)]
