"""Database set-up: SQLite that holds up when a whole class saves at once, and PostgreSQL as it is."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
import fcntl
import os
import re
import sqlite3
import time
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_request_context, request

from .extensions import db

# Requests that may write take SQLite's write lock when their transaction begins. A deferred BEGIN that
# later writes fails with "database is locked" when another writer got there first (1,420 of 1,600
# transactions in a test with 8 writers); BEGIN IMMEDIATE waits for the lock instead (0 failures).
_READ_METHODS = {"GET", "HEAD", "OPTIONS"}
_writing: ContextVar[bool] = ContextVar("esafety_writing", default=False)


@contextmanager
def writing() -> Iterator[None]:
    """Transactions begun inside the block take SQLite's write lock up front (a worker beside the app server)."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


def wants_write_lock() -> bool:
    """True for state-changing requests and for reads that write an audit record.

    A blueprint declares its reads that write as `bp.reads_that_write`: "all", or a set of endpoints. It is
    read from the request's endpoint, not from a flag a hook sets, because the first query of a request (the
    signed-in user, loaded by the session rules before any blueprint hook runs) is where the transaction
    begins and so where the lock must be asked for.

    Outside a request (CLI commands, tests) there is one writer, so a deferred BEGIN is enough; taking the
    write lock there would block the app's own requests for as long as the command's session stays open.
    The alert worker runs beside the app, so it marks its short write transactions with `writing()`.
    """
    if _writing.get():
        return True
    if not has_request_context():
        return False
    if request.method not in _READ_METHODS:
        return True
    reads_that_write = getattr(current_app.blueprints.get(request.blueprint or ""), "reads_that_write", ())
    return reads_that_write == "all" or request.endpoint in reads_that_write


def writes_stand_alone() -> bool:
    """True for a request whose every write stands on its own: one statement, complete without any other write
    of the request (a quiz answer is one UPDATE of its attempt). A blueprint declares them as
    `bp.standalone_writes`, {endpoint: rule(request)}. On a server database such a request runs as reads do,
    without a transaction, each statement committing itself: BEGIN and COMMIT were two of a quiz answer's five
    round trips. SQLite still takes its write lock for it (wants_write_lock): there, writers queue on the lock."""
    rules = getattr(current_app.blueprints.get(request.blueprint or ""), "standalone_writes", None)
    rule = rules.get(request.endpoint) if rules else None
    return rule is not None and rule(request)


# SQLite's busy handler waits for the write lock by sleeping 1, 2, 5, 10... ms and trying again, so when two
# workers both write, the second sleeps on after the first has committed (a class of 30 pressing Finish took
# 1.6x the time the work needs). Writers first queue on an OS file lock beside the database: a waiter gets it
# within a poll of it being freed, and BEGIN IMMEDIATE then finds SQLite's own lock free.
WRITER_LOCK_POLL = 0.0002  # seconds between tries of a held writer lock
WRITER_LOCK_WAIT = 10.0  # the longest wait, as busy_timeout below; then "database is locked", as SQLite says


class WriterLock:
    """One connection's hold on the database's writer lock file (flock: each connection opens the file itself,
    so connections exclude each other whether they are in one process or two, and a process that dies lets go)."""

    def __init__(self, path: str):
        self.path = path
        self.fd: int | None = None
        self.held = False

    def acquire(self) -> None:
        """Wait for the lock (polling, so the wait is bounded), or raise sqlite3.OperationalError."""
        if self.held:
            return
        if self.fd is None:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        deadline = None
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self.held = True
                return
            except BlockingIOError:
                now = time.monotonic()
                deadline = deadline or now + WRITER_LOCK_WAIT
                if now >= deadline:
                    raise sqlite3.OperationalError("database is locked") from None
                time.sleep(WRITER_LOCK_POLL)

    def release(self) -> None:
        """Let the next writer in (after this connection's COMMIT or ROLLBACK)."""
        if self.held:
            self.held = False
            fcntl.flock(self.fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Close the file (the lock goes with it)."""
        self.held = False
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class WriterLockedConnection(sqlite3.Connection):
    """A pysqlite connection that lets go of the writer lock once its transaction has ended."""

    writer_lock: WriterLock | None = None

    def _ending(self, end, let_go: str) -> None:
        try:
            end()
        finally:
            if self.writer_lock:
                getattr(self.writer_lock, let_go)()

    def commit(self) -> None:
        self._ending(super().commit, "release")

    def rollback(self) -> None:
        self._ending(super().rollback, "release")

    def close(self) -> None:
        self._ending(super().close, "close")


def writer_lock_path(database: str) -> str:
    """The lock file beside a database file."""
    return f"{database}-writer.lock"


def _configure_sqlite(engine: sa.Engine) -> None:
    database = engine.url.database
    lock_path = writer_lock_path(database) if database and database != ":memory:" else None

    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's begin event issue BEGIN, instead of pysqlite's own deferred BEGIN.
        dbapi_connection.isolation_level = None
        if lock_path and isinstance(dbapi_connection, WriterLockedConnection):
            dbapi_connection.writer_lock = WriterLock(lock_path)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def on_begin(connection):
        if wants_write_lock():
            writer_lock = getattr(connection.connection.dbapi_connection, "writer_lock", None)
            if writer_lock:
                writer_lock.acquire()
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                if writer_lock:
                    writer_lock.release()
                raise
        elif not has_request_context():  # the CLI, a worker beside the app: one transaction, as ever
            connection.exec_driver_sql("BEGIN")
        # else a read request: no BEGIN. Each statement runs on its own, as on a server (_configure_server), and
        # in WAL mode sees what was committed when it starts; a BEGIN would only add a statement to every page.


def _create_private_sqlite_file(url: str) -> None:
    """Create a new SQLite file readable by its owner only (it holds passcodes and every concern)."""
    database = sa.make_url(url).database
    if not database or database == ":memory:" or os.path.exists(database):
        return
    os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


# A server's connection can be dropped under the app (the server restarted, an idle connection closed): a
# connection is pinged before use when it has been idle this long. One in steady use (a busy lesson) is not:
# pinging on every checkout was a round trip on every request. A drop while requests are flowing fails the
# request that meets it, as it would with a ping, and SQLAlchemy then replaces every connection of the pool.
PING_AFTER_IDLE = 1.0  # seconds


SHORT_READS_KEPT = 4  # ShortReads' idle connections per worker: one per thread serving at once (gunicorn sync: 1)


def _configure_server(engine: sa.Engine, ping: bool) -> None:
    """A server database's connections, as each is taken from the pool for a request (one listener does both,
    as each event costs a dispatch on every request):

    - read requests run each statement on its own, with no BEGIN and no ROLLBACK: on READ COMMITTED every
      statement sees what was committed when it starts, in a transaction or not, so a transaction would only add
      two round trips to every page. So do requests whose writes each stand alone (writes_stand_alone). Requests
      that write (POSTs, and the reads that write an audit record: wants_write_lock) keep theirs; so does
      everything outside a request;
    - a connection idle for PING_AFTER_IDLE is pinged first (when the app pings at all: pool_pre_ping).
    """

    @sa.event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection, record, _proxy):
        reading = has_request_context() and (not wants_write_lock() or writes_stand_alone())
        if dbapi_connection.autocommit != reading:
            dbapi_connection.autocommit = reading  # a client-side switch: no transaction is open at checkout
        returned = record.info.get("returned_at")
        if not ping or (returned is not None and time.monotonic() - returned < PING_AFTER_IDLE):
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error:
            alive = False
        if not alive:
            raise sa.exc.DisconnectionError("the database dropped this connection")  # the pool connects anew

    @sa.event.listens_for(engine, "checkin")
    def note_return(_dbapi_connection, record):
        record.info["returned_at"] = time.monotonic()


def init_app(app: Flask) -> None:
    """Bind the database, tune SQLite, and ping a server's idle connections before use."""
    options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
    server_pings = options.get("pool_pre_ping", False)
    # Our own ping (of idle connections) stands in for SQLAlchemy's before every checkout; a file (SQLite)
    # cannot drop a connection at all.
    options = {**options, "pool_pre_ping": False}
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _create_private_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
        options["connect_args"] = {**options.get("connect_args", {}), "factory": WriterLockedConnection}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _configure_sqlite(db.engine)
        else:
            _configure_server(db.engine, ping=server_pings)
            app.extensions["esafety_short_reads"] = ShortReads(db.engine, keep=SHORT_READS_KEPT)


def is_healthy() -> bool:
    """True when the database answers a trivial query."""
    try:
        db.session.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return False


class Prepared:
    """A statement compiled once per dialect and run as its SQL text.

    SQLAlchemy finds a statement's compiled form by walking the whole statement to make a cache key, on every
    run. For the few large statements that run on every click (the coverage upsert of a Finish is a union of
    a dozen sub-selects), that walk cost more than the query. Parameters go through their types' bind
    processors as SQLAlchemy would (a date on SQLite is stored as text); the statement still runs on the
    session's connection, in its transaction, and is seen by cursor events (query counts, the write lock).
    """

    def __init__(self, statement: sa.Executable):
        self.statement = statement
        self._by_dialect: dict[str, tuple] = {}

    def _compiled(self, dialect: sa.Dialect) -> tuple:
        known = self._by_dialect.get(dialect.name)
        if known is None:
            compiled = self.statement.compile(dialect=dialect)
            processors = {name: processor for name, bind in compiled.binds.items()
                          if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect))}
            fixed = {name: bind.effective_value for name, bind in compiled.binds.items() if bind.value is not None}
            # How each selected column's driver value becomes what SQLAlchemy would give (SQLite keeps times as
            # text, JSON as text, booleans as integers); None where the driver's value is already that.
            results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                            for column in getattr(self.statement, "selected_columns", ()))
            sql, order, cursor = compiled.string, compiled.positiontup if compiled.positional else None, None
            if dialect.driver == "psycopg" and order is None:
                sql, order, cursor = _numbered(sql)
            known = (sql, order, processors, fixed, tuple(enumerate(results)) if any(results) else (), cursor)
            self._by_dialect[dialect.name] = known
        return known

    def _driver_parameters(self, dialect: sa.Dialect, parameters: dict) -> tuple[str, tuple | dict, tuple, Any]:
        sql, order, processors, fixed, results, cursor = self._compiled(dialect)
        values = {name: processors[name](value) if name in processors else value
                  for name, value in {**fixed, **parameters}.items()}
        return sql, tuple(values[name] for name in order) if order is not None else values, results, cursor

    def execute(self, connection: sa.Connection, parameters: dict) -> None:
        """Run it with these values (every bind parameter without a value of its own, by name)."""
        sql, values, _, cursor = self._driver_parameters(connection.dialect, parameters)
        if cursor is None:
            connection.exec_driver_sql(sql, values)
        else:
            _fetch(connection.dialect, connection.connection.dbapi_connection, connection.dispatch, connection,
                   sql, values, connection.invalidate, cursor, fetch=False)

    def rows(self, connection: sa.Connection, parameters: dict) -> list[tuple]:
        """Run a select and give every row as a tuple, each value as SQLAlchemy would convert it, read from the
        driver's own cursor. SQLAlchemy's result set-up (column metadata from the cursor, a Row per row) cost
        more than the short reads that run on every page: the signed-in person, a pupil's place in a lesson,
        the pupil home's one read.

        The statement is still seen by cursor events (query counts); a driver error is raised as SQLAlchemy's,
        and a dropped connection is invalidated, as `connection.execute` would, so outage handling is the same.
        """
        dialect = connection.dialect
        sql, values, results, cursor = self._driver_parameters(dialect, parameters)
        return _converted(_fetch(dialect, connection.connection.dbapi_connection, connection.dispatch, connection,
                                 sql, values, connection.invalidate, cursor), results)


def _numbered(sql: str) -> tuple[str, tuple[str, ...], type]:
    """A statement compiled for psycopg (`%(name)s` parameters) as PostgreSQL's own numbered parameters, with
    the names in number order, and the cursor that sends them as they are. psycopg parses a statement's
    parameters on every run and remembers only statements under 4 KB: a Finish's coverage upsert is longer, and
    parsing it again was a tenth of a Finish. Numbered, no statement is parsed on the way out."""
    from psycopg import RawCursor

    numbers: dict[str, int] = {}

    def number(match: re.Match) -> str:
        if match.group(1) is None:
            return "%"  # "%%": a literal percent sign
        return f"${numbers.setdefault(match.group(1), len(numbers) + 1)}"

    return _PYFORMAT.sub(number, sql), tuple(numbers), RawCursor


_PYFORMAT = re.compile(r"%\(([^)]+)\)s|%%")


def _fetch(dialect: sa.Dialect, dbapi_connection, dispatch, connection: sa.Connection | None, sql: str, values,
           invalidate, cursor_class: Any = None, fetch: bool = True) -> list:
    """Run one statement on a driver connection and fetch its rows (unless not `fetch`), seen by the cursor
    events of `dispatch`; a driver error is raised as SQLAlchemy's, after `invalidate(error)` when the
    connection has dropped. `cursor_class`: psycopg's RawCursor for a statement with numbered parameters."""
    cursor = dbapi_connection.cursor() if cursor_class is None else cursor_class(dbapi_connection)
    try:
        if dispatch.before_cursor_execute:
            dispatch.before_cursor_execute(connection, cursor, sql, values, None, False)
        cursor.execute(sql, values)
        fetched = cursor.fetchall() if fetch else []
        if dispatch.after_cursor_execute:
            dispatch.after_cursor_execute(connection, cursor, sql, values, None, False)
    except dialect.loaded_dbapi.Error as error:
        dropped = dialect.is_disconnect(error, dbapi_connection, cursor)
        if dropped:
            invalidate(error)
        raise sa.exc.DBAPIError.instance(sql, values, error, dialect.loaded_dbapi.Error,
                                         connection_invalidated=dropped, dialect=dialect) from error
    finally:
        try:
            cursor.close()
        except dialect.loaded_dbapi.Error:
            pass  # the connection has gone: the error above says so
    return fetched


def _converted(fetched: list, results: tuple) -> list[tuple]:
    """The driver's rows with each value converted as its column's type says (Prepared._compiled)."""
    if not results:
        return fetched
    converted = []
    for row in fetched:
        row = list(row)
        for index, convert in results:
            if convert is not None and row[index] is not None:
                row[index] = convert(row[index])
        converted.append(tuple(row))
    return converted


class ShortReads:
    """A server database's connections for the signed-in person's read on read requests, kept apart from the
    session's pool.

    On PostgreSQL a lesson step or a pupil's home is one statement (the person, with the page's own read). Run
    on the session's connection it also paid for opening and closing the ORM session and checking a connection
    out of the pool and back in: 0.25-0.30 ms per request against 0.10 for the statement on a connection already
    in hand, an eighth of the page. A read request already runs each statement on its own (no transaction:
    `_configure_server`), so a connection of its own sees exactly what the session's would. A page that reads
    more goes on to the session as before.

    Connections are made by the engine (its connect arguments and set-up), then detached from its pool and set to
    autocommit. Up to `keep` wait between requests (one per thread serving at once); any beyond are closed. A
    connection found dropped (the server restarted, or ended it) is closed and the read is made once more on a
    new one: a read changes nothing, so making it again is safe, and the request does not fail for it. The
    cursor events fire as on the session's connection (query counts), with no Connection to give them.
    """

    def __init__(self, engine: sa.Engine, keep: int):
        self.engine, self.keep = engine, keep
        self.idle: list = []
        self.pid = os.getpid()
        sa.event.listen(engine, "engine_disposed", self._disposed)

    def rows(self, statement: Prepared, parameters: dict) -> list[tuple]:
        """Prepared.rows on a connection of these, made once more on a new connection if the first had dropped."""
        dialect = self.engine.dialect
        sql, values, results, cursor = statement._driver_parameters(dialect, parameters)
        for last_try in (False, True):
            connection, reused = self._take(fresh=last_try)
            try:
                fetched = _fetch(dialect, connection.dbapi_connection, self.engine.dispatch, None, sql, values,
                                 _ignore, cursor)
            except sa.exc.DBAPIError as error:
                _close(connection)
                if error.connection_invalidated and reused and not last_try:
                    continue
                raise
            self._give_back(connection)
            return _converted(fetched, results)
        raise AssertionError("unreachable: the last try returns or raises")

    def _take(self, fresh: bool) -> tuple:
        if os.getpid() != self.pid:
            self._forked()
        if not fresh:
            try:
                return self.idle.pop(), True
            except IndexError:
                pass
        connection = self.engine.raw_connection()  # raises SQLAlchemy's error when the server cannot be reached
        connection.detach()
        connection.dbapi_connection.autocommit = True
        return connection, False

    def _give_back(self, connection) -> None:
        if len(self.idle) < self.keep and os.getpid() == self.pid:
            self.idle.append(connection)
        else:
            _close(connection)

    def _forked(self) -> None:
        # A forked worker must not use, or close, connections its parent made: closing one ends the parent's
        # session with the server. They are kept, unused, for the worker's life (a parent that serves no
        # requests, as gunicorn's master, has none).
        _INHERITED.extend(self.idle)
        self.idle, self.pid = [], os.getpid()

    def _disposed(self, _engine: sa.Engine) -> None:
        if os.getpid() != self.pid:
            self._forked()  # dispose(close=False) after a fork: leave the parent's connections alone
            return
        idle, self.idle = self.idle, []
        for connection in idle:
            _close(connection)


_INHERITED: list = []


def _ignore(_error: BaseException) -> None:
    """A dropped connection of ShortReads is closed by the caller rather than invalidated in a pool."""


def _close(connection) -> None:
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - a dropped connection may fail to close; it is gone either way
        pass


def short_reads() -> ShortReads | None:
    """The app's ShortReads when this request is a read (no transaction: not a POST, nor a read that writes an
    audit record) on a server database; None otherwise (SQLite, where a statement is no round trip)."""
    reads = current_app.extensions.get("esafety_short_reads")
    if reads is None or request.method not in _READ_METHODS or wants_write_lock():
        return None
    return reads


def read_columns(statement: sa.Executable, parameters: dict) -> sa.CursorResult:
    """Run a select of plain columns (not entities) on the session's connection, in its transaction, as Core.

    Through `db.session.execute` the same statement also passes the ORM's execute path (its events, the
    entity set-up of its result) and cost twice as much: 0.25 against 0.12 ms for each of the pupil home's
    reads. Anything the session holds unwritten is flushed first, as the session would before a query.
    """
    session = db.session()
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, parameters)


def read_rows(statement: Prepared, parameters: dict) -> list[tuple]:
    """`Prepared.rows` on the session's connection, in its transaction, after flushing what the session holds
    unwritten (as `read_columns`)."""
    session = db.session()
    if session.autoflush:
        session.flush()
    return statement.rows(session.connection(), parameters)


def typed_null(column: sa.ColumnElement) -> sa.ColumnElement:
    """A NULL of a column's type, for a part of a union that has no such value: the union's columns take the
    first part's types (PostgreSQL resolves them; SQLAlchemy converts the results by them, a date on SQLite)."""
    return sa.cast(sa.null(), column.type)

