"""The factory, configuration, health check, error pages and security headers."""

import secrets

import pytest

from esafety import create_app
from esafety.config import ConfigError, database_url


def test_production_without_secret_key_refuses_to_start(monkeypatch, tmp_path):
    """A real deployment with no secret key stops with a message saying how to set one."""
    monkeypatch.delenv("ESAFETY_SECRET_KEY", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="ESAFETY_SECRET_KEY"):
        create_app({"ESAFETY_ENV": "production", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})


def test_unknown_environment_is_refused(tmp_path):
    """A typo in ESAFETY_ENV is a clear error, not a silently insecure default."""
    with pytest.raises(ConfigError, match="ESAFETY_ENV"):
        create_app({"ESAFETY_ENV": "prod", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})


def test_environment_overrides(monkeypatch):
    """DATABASE_URL selects PostgreSQL with the psycopg driver; otherwise SQLite in the instance folder."""
    monkeypatch.delenv("ESAFETY_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example/esafety")
    assert database_url("/srv/instance") == "postgresql+psycopg://u:p@db.example/esafety"
    monkeypatch.delenv("DATABASE_URL")
    assert database_url("/srv/instance") == "sqlite:////srv/instance/esafety.db"


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    """In production the session cookie a browser receives is Secure, HttpOnly and SameSite=Lax (the test sets
    only the environment; the flags are the app's own)."""
    monkeypatch.setenv("ESAFETY_SECRET_KEY", secrets.token_hex(32))
    app = create_app({"ESAFETY_ENV": "production", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    response = app.test_client().get("/login", base_url="https://esafety.example")  # the form's CSRF session
    cookie = next(c for c in response.headers.get_all("Set-Cookie") if c.startswith("esafety_session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert create_app({"ESAFETY_ENV": "development", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/d.db"}) \
        .config["SESSION_COOKIE_SECURE"] is False


def test_healthz_reports_database(client):
    """The health check answers 200 with a small JSON body when the database answers."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": True}


def test_landing_page_sends_each_audience_its_way(client):
    """The landing page links pupils, staff and parents to their own entrances."""
    html = client.get("/").get_data(as_text=True)
    for href in ('href="/pupil/login"', 'href="/login"', 'href="/parents/"'):
        assert href in html


def test_not_found_is_friendly(client):
    """A missing page gets a friendly 404 with a way back, not a bare error."""
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "We could not find that page" in response.get_data(as_text=True)


def test_unexpected_error_shows_no_traceback(app, client):
    """An exception in a view becomes a calm 500 page without a stack trace."""
    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom-for-test")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Traceback" not in body and "secret internals" not in body
    assert "It was not your fault" in body


def test_a_database_outage_shows_every_signed_in_person_a_calm_page_and_then_passes(app, client, school, sign_in):
    """When the database cannot be reached, a signed-in page (which must read who is signed in first) says so
    calmly, as a 503 with no internals, rather than failing its own error page into the server's bare "Internal
    Server Error"; once the database is back the same session carries on."""
    import html

    import sqlalchemy as sa

    from esafety.extensions import db

    with app.app_context():
        engine = db.engine  # the requests' own engine

    def refuse(*_args):
        raise sa.exc.OperationalError("SELECT", {}, Exception("connection refused: the server is down"))

    for person, path in ((school.pupil, "/pupil/"), (school.pupil, "/pupil/lessons/ks2-safe/step/1"),
                         (school.teacher, f"/teacher/classes/{school.ks2.id}")):
        sign_in(client, person)
        sa.event.listen(engine, "before_cursor_execute", refuse)
        try:
            response = client.get(path)
        finally:
            sa.event.remove(engine, "before_cursor_execute", refuse)
        body = html.unescape(response.get_data(as_text=True))
        assert response.status_code == 503, path
        assert "We cannot reach the school's records just now" in body and "what you saved before is safe" in body
        assert "connection refused" not in body and "Traceback" not in body and "SELECT" not in body
        assert client.get(path).status_code == 200, path  # back: still signed in
        client.post("/logout")


def test_security_headers_on_every_page(client):
    """Strict CSP with no inline script and no other origins, nosniff, referrer policy, no framing."""
    for path in ("/", "/login", "/parents/", "/healthz", "/no/such/page"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_scripts_or_styles(client):
    """Nothing on a page needs 'unsafe-inline': scripts and styles come from static files."""
    html = client.get("/").get_data(as_text=True)
    assert "<script>" not in html and "style=" not in html and "<style" not in html


def test_a_connection_the_server_dropped_while_idle_is_replaced_before_use(app, client, school, sign_in, monkeypatch):
    """After the database server drops the app's idle connections (a restart, an idle timeout), the next page
    still loads: an idle connection is pinged before use and replaced, not handed to the request broken."""
    import sqlalchemy as sa

    from esafety import database
    from esafety.extensions import db

    if db.engine.dialect.name != "postgresql":
        pytest.skip("a file database cannot drop a connection")
    sign_in(client, school.teacher)
    assert client.get("/teacher/").status_code == 200
    with app.app_context():
        pool_engine = db.engine
    server = sa.create_engine(pool_engine.url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with server.connect() as connection:
        dropped = connection.execute(sa.text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    server.dispose()
    assert dropped >= 1
    monkeypatch.setattr(database, "PING_AFTER_IDLE", 0.0)  # every connection counts as idle
    response = client.get("/teacher/")
    assert response.status_code == 200 and "Sign out" in response.get_data(as_text=True)


def test_a_short_read_that_fails_fails_as_sqlalchemy_says_and_a_dropped_connection_is_replaced(app, school,
                                                                                             monkeypatch):
    """The reads every page makes go to the driver's own cursor (database.Prepared.rows): a failure still comes
    as SQLAlchemy's error, which the pages that carry on without the database catch, and a connection the
    server dropped is replaced rather than handed out broken (nothing pings it here): at once for a read
    request's person, for the next request on the session's."""
    import sqlalchemy as sa

    from esafety import database, signed_in
    from esafety.extensions import db

    monkeypatch.setattr(database, "PING_AFTER_IDLE", 1e9)  # the drop is met by the read itself
    missing = database.Prepared(sa.select(sa.literal_column("id")).select_from(sa.table("no_such_table")))
    with app.test_request_context("/pupil/"):
        with pytest.raises(sa.exc.DBAPIError):
            database.read_rows(missing, {})
        db.session.rollback()
        assert signed_in.load(school.pupil.id).display_name == school.pupil.display_name
        engine = db.engine
    if engine.dialect.name != "postgresql":
        return  # a file database cannot drop a connection
    server = sa.create_engine(engine.url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)

    def drop_every_connection():
        with server.connect() as connection:
            connection.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                       "WHERE datname = current_database() AND pid <> pg_backend_pid()"))

    # A read request reads the person on a connection of its own (database.ShortReads), kept for the next: when
    # the server has dropped it, the read is made again on a new one and the page does not fail.
    assert len(app.extensions["esafety_short_reads"].idle) == 1
    drop_every_connection()
    with app.test_request_context("/pupil/"):
        assert signed_in.load(school.pupil.id).display_name == school.pupil.display_name
    # A request that writes reads on the session's connection: the drop fails that request, and the next
    # request gets a new connection.
    with app.test_request_context("/pupil/", method="POST"):
        assert signed_in.load(school.pupil.id).display_name == school.pupil.display_name
        db.session.commit()
    drop_every_connection()
    server.dispose()
    with app.test_request_context("/pupil/", method="POST"):
        with pytest.raises(sa.exc.OperationalError) as dropped:
            signed_in.load(school.pupil.id)
        assert dropped.value.connection_invalidated
        db.session.rollback()
    with app.test_request_context("/pupil/", method="POST"):
        assert signed_in.load(school.pupil.id).display_name == school.pupil.display_name
